"""REST ``/api/v1/exports``: the talent demand list and the answers as CSV, XLSX or JSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from apiflask import APIBlueprint
from pydantic import Field, StringConstraints

from matcher import clock
from matcher.answers.exports import ExportFilter, Exports

from . import exports
from .files import declare_files, file_response
from .identity import caller
from .inputs import Query
from .openapi import errors
from .outputs import AnswerExportList, DemandExportList
from .rest import SECURITY, services
from .rest_answers import Statuses
from .validation import QueryId

bp = APIBlueprint("exports", __name__, url_prefix="/api/v1")

FilterText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class DemandExportQuery(Query):
    format: Literal["csv", "xlsx", "json"] = "json"
    industry: FilterText | None = Field(None, description="The enterprise's industry (exact).")
    skill: FilterText | None = Field(
        None,
        description="Demands asking for it: part of one of their skills, or a skill the gap "
        "report groups them under.",
    )
    school_id: QueryId | None = Field(
        None, description="Only demands that accepted this school's answer."
    )


class ResponseExportQuery(DemandExportQuery):
    school_id: QueryId | None = Field(None, description="Only this school's answers.")
    status: Statuses = Field(None, description="Statuses, comma-separated.")


def _export(
    which: str, query: DemandExportQuery, records: list[dict[str, Any]] | None = None
) -> Any:
    """The list as JSON items or as a file to download."""
    svc = services()
    where = ExportFilter(query.industry, query.skill, query.school_id)
    items = exports.rows(Exports(svc.db), svc.gaps, which, where, records)
    if query.format == "json":
        return {"items": exports.to_json(items)}
    body = (exports.to_csv if query.format == "csv" else exports.to_xlsx)(which, items)
    name = exports.filename(which, query.format, clock.today())
    return file_response(body, exports.MEDIA_TYPES[query.format], name)


@bp.get("/exports/demands")
@bp.input(DemandExportQuery, location="query")
@bp.output(DemandExportList)
@bp.doc(
    summary="The talent demand list (人才需求清单)",
    description="Every posting with its enterprise, industry, skills, days, status, the number "
    "of answers the enterprise accepted (or that were delivered) and the schools that gave them. "
    "Public: proposed, declined and withdrawn answers are neither counted nor filtered by. "
    "`format=csv` (UTF-8 with a byte order mark) or `format=xlsx` downloads a file.",
    tags=["Exports"],
    responses=errors(404, 422, 503),
)
def export_demands(query_data: DemandExportQuery) -> Any:
    return _export("demands", query_data)


@bp.get("/exports/responses")
@bp.input(ResponseExportQuery, location="query")
@bp.output(AnswerExportList)
@bp.doc(
    summary="The answers the caller may see, as a list",
    description="Admins see every answer, an enterprise the answers to its demands, a school "
    "its own. `format=csv` or `format=xlsx` downloads a file.",
    tags=["Exports"],
    responses=errors(401, 403, 404, 422, 503),
    security=SECURITY,
)
def export_responses(query_data: ResponseExportQuery) -> Any:
    records = services().responses.list(caller(), status=query_data.status or ())
    return _export("responses", query_data, records)


_FILES = {
    "text/csv": {"schema": {"type": "string", "description": "UTF-8 with a byte order mark."}},
    exports.MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
}
declare_files("/api/v1/exports/demands", _FILES)
declare_files("/api/v1/exports/responses", _FILES)
