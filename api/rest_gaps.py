"""REST ``/api/v1/gaps``: the curriculum gap report and its snapshots (history)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from apiflask import APIBlueprint
from flask import Response
from pydantic import BeforeValidator, Field

from matcher.schemas import InputModel

from .gap_output import to_csv
from .rest import PROBLEM_RESPONSES, Query, comma_list, services

bp = APIBlueprint("gaps", __name__, url_prefix="/api/v1")


class GapQuery(Query):
    school_id: int | None = Field(None, description="One school's courses; default the region.")
    as_of: str | None = Field(None, max_length=20, description="YYYY-MM-DD; default today.")
    severity: Annotated[
        list[Literal["red", "yellow", "green"]] | None, BeforeValidator(comma_list)
    ] = Field(None, description="Only these levels, comma-separated (summary stays whole).")
    format: Literal["json", "csv"] = "json"


class SnapshotQuery(Query):
    school_id: int | None = None
    limit: int = Field(100, ge=1, le=1000)


class SnapshotIn(InputModel):
    school_id: int | None = None
    as_of: str | None = Field(None, max_length=20, description="YYYY-MM-DD; default today.")


@bp.get("/gaps")
@bp.input(GapQuery, location="query")
@bp.doc(
    summary="Curriculum gap report",
    description="Demanded skills, their coverage by the courses in scope, the demand behind "
    "each, lag, trend, warning level (red/yellow/green) and nearest courses; with the history "
    "of stored snapshots. `format=csv` gives one row per skill.",
    responses=PROBLEM_RESPONSES,
)
def gap_report(query_data: GapQuery) -> Any:
    report = services().gap_history.report(query_data.school_id, query_data.as_of)
    if query_data.severity:
        report["items"] = [i for i in report["items"] if i["severity"] in query_data.severity]
    if query_data.format == "csv":
        return Response(to_csv(report), mimetype="text/csv")
    return report


@bp.get("/gaps/snapshots")
@bp.input(SnapshotQuery, location="query")
@bp.doc(summary="Stored gap snapshots of a scope, newest first", responses=PROBLEM_RESPONSES)
def gap_snapshots(query_data: SnapshotQuery) -> dict[str, Any]:
    if query_data.school_id is not None:
        services().gap_history.analyzer.scope_exists(query_data.school_id)
    items = services().gap_history.snapshots(query_data.school_id, query_data.limit)
    return {"items": items}


@bp.post("/gaps/snapshots")
@bp.input(SnapshotIn)
@bp.doc(
    summary="Take a gap snapshot now (the nightly refresh takes one too)",
    responses=PROBLEM_RESPONSES,
)
def take_gap_snapshot(json_data: SnapshotIn) -> tuple[dict[str, Any], int]:
    report = services().gap_history.report(json_data.school_id, json_data.as_of, snapshot=True)
    return report, 201
