"""REST ``/api/v1/gaps``: the curriculum gap report and its snapshots (history)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from apiflask import APIBlueprint
from pydantic import BeforeValidator, Field, WithJsonSchema

from matcher.accounts import require_admin
from matcher.catalog import NOT_AFTER_TODAY, Id, InputModel

from .files import declare_files, file_response
from .gap_output import to_csv
from .identity import caller
from .inputs import Query, comma_list
from .openapi import errors
from .outputs import GapReport, SnapshotList
from .rest import SECURITY, services
from .validation import QueryId, QueryLimit, strict_json

bp = APIBlueprint("gaps", __name__, url_prefix="/api/v1")

AsOf = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": "YYYY-MM-DD, up to today in the consortium's time zone; default today.",
            NOT_AFTER_TODAY: True,
        }
    ),
]
"""The day of a report, parsed and checked by the gap history (``parse_as_of``): the one rule."""


class GapQuery(Query):
    school_id: QueryId | None = Field(None, description="One school's courses; default the region.")
    as_of: AsOf | None = None
    severity: Annotated[
        Annotated[list[Literal["red", "yellow", "green"]], Field(min_length=1)] | None,
        BeforeValidator(comma_list),
    ] = Field(None, description="Only these levels, comma-separated (summary stays whole).")
    format: Literal["json", "csv"] = "json"


class SnapshotQuery(Query):
    school_id: QueryId | None = None
    limit: QueryLimit = 100


class SnapshotIn(InputModel):
    school_id: Id | None = None
    as_of: AsOf | None = None


@bp.get("/gaps")
@bp.input(GapQuery, location="query")
@bp.output(GapReport)
@bp.doc(
    summary="Curriculum gap report",
    description="Demanded skills, their coverage by the courses in scope, the demand behind "
    "each, lag, trend, warning level (red/yellow/green) and nearest courses; with the history "
    "of stored snapshots. `format=csv` gives one row per skill.",
    tags=["Gaps"],
    responses=errors(404, 422, 503),
)
def gap_report(query_data: GapQuery) -> Any:
    report = services().gap_history.report(query_data.school_id, query_data.as_of)
    if query_data.severity:
        report["items"] = [i for i in report["items"] if i["severity"] in query_data.severity]
    if query_data.format == "csv":
        return file_response(to_csv(report), "text/csv; charset=utf-8")
    return report


declare_files(
    "/api/v1/gaps",
    {"text/csv": {"schema": {"type": "string", "description": "One row per skill."}}},
)


@bp.get("/gaps/snapshots")
@bp.input(SnapshotQuery, location="query")
@bp.output(SnapshotList)
@bp.doc(
    summary="Stored gap snapshots of a scope, newest first",
    tags=["Gaps"],
    responses=errors(404, 422),
)
def gap_snapshots(query_data: SnapshotQuery) -> dict[str, Any]:
    if query_data.school_id is not None:
        services().gap_history.analyzer.scope_exists(query_data.school_id)
    items = services().gap_history.snapshots(query_data.school_id, query_data.limit)
    return {"items": items}


@bp.post("/gaps/snapshots")
@strict_json(SnapshotIn)
@bp.input(SnapshotIn)
@bp.output(GapReport, status_code=201)
@bp.doc(
    summary="Take a gap snapshot now (the nightly refresh takes one too)",
    tags=["Gaps"],
    responses=errors(400, 401, 403, 404, 415, 422, 503),
    security=SECURITY,
)
def take_gap_snapshot(json_data: SnapshotIn) -> dict[str, Any]:
    require_admin(caller(), "take gap snapshots")
    return services().gap_history.report(json_data.school_id, json_data.as_of, snapshot=True)
