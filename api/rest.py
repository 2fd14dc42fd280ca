"""REST API ``/api/v1``: CRUD for every entity, match endpoints mirroring the CLI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apiflask import APIBlueprint
from flask import current_app, url_for
from pydantic import BaseModel

from api.wiring import Services
from matcher.accounts import OwnedCatalog
from matcher.catalog import (
    INPUT_MODELS,
    MAX_ID,
    SINGULAR,
    InputModel,
)
from matcher.errors import NotFound, ValidationFailed
from matcher.search import Filters

from .identity import caller
from .inputs import (
    MatchQuery,
    PageQuery,
    SupplyQuery,
    TextMatchIn,
    list_query,
    patch_model,
)
from .openapi import errors
from .outputs import RECORD_OUTPUTS, MatchResults
from .validation import strict_json

bp = APIBlueprint("rest", __name__, url_prefix="/api/v1")


def services() -> Services:
    return current_app.extensions["talentmatch"]


def catalog() -> OwnedCatalog:
    """The catalog as this request's caller may use it."""
    return services().catalog_for(caller())


def _at_most(field: str, value: int, limit: int, where: str = "query") -> int:
    """Limits that are settings: the OpenAPI document states them as ``maximum``."""
    if value > limit:
        raise ValidationFailed(f"{where}: field '{field}': at most {limit}")
    return value


def _filters_fit(body: TextMatchIn) -> None:
    """A filter the target does not have is refused, not silently ignored (``_TARGET_FILTERS``)."""
    if body.target == "demands":
        unfit = ["school_id"] if body.school_id is not None else []
    else:
        unfit = ["kind"] if body.kind is not None else []
        unfit += [] if body.active_only else ["active_only"]
    if unfit:
        raise ValidationFailed(f"body: field '{unfit[0]}': not a filter of {body.target}")


def _k(k: int, where: str = "query") -> int:
    return _at_most("k", k, services().settings.max_k, where)


def _filters(args: MatchQuery | SupplyQuery | TextMatchIn) -> Filters:
    kinds = tuple(args.kind) if getattr(args, "kind", None) else None
    return Filters(
        kinds, args.city, getattr(args, "active_only", True), getattr(args, "school_id", None)
    )


def _register_resource(kind: str) -> None:
    model = INPUT_MODELS[kind]
    patch_body = patch_model(model)
    list_filters = list_query(kind)
    record_out, page_out = RECORD_OUTPUTS[kind]
    one = SINGULAR[kind]
    tag = kind.capitalize()

    def list_items(query_data: PageQuery) -> dict[str, Any]:
        svc = services()
        per_page = _at_most(
            "per_page", query_data.per_page or svc.settings.page_size, svc.settings.max_page_size
        )
        filters = query_data.model_dump(exclude={"page", "per_page"}, exclude_none=True)
        page = catalog().list_page(kind, query_data.page, per_page, filters)
        pages = max(1, -(-page.total // per_page))
        return {
            "items": page.items,
            "pagination": {
                "page": page.page,
                "per_page": per_page,
                "total": page.total,
                "pages": pages,
            },
        }

    def create_item(json_data: InputModel) -> tuple[dict[str, Any], int, dict[str, str]]:
        record = catalog().create(kind, json_data)
        location = url_for(f"rest.get_{one}", item_id=record["id"])
        return record, 201, {"Location": location}

    def get_item(item_id: int) -> dict[str, Any]:
        return catalog().get(kind, item_id)

    def update_item(item_id: int, json_data: InputModel) -> dict[str, Any]:
        return catalog().update(kind, item_id, json_data.model_dump(exclude_unset=True))

    def delete_item(item_id: int) -> None:
        catalog().delete(kind, item_id)

    for func, name in (
        (list_items, f"list_{kind}"),
        (create_item, f"create_{one}"),
        (get_item, f"get_{one}"),
        (update_item, f"update_{one}"),
        (delete_item, f"delete_{one}"),
    ):
        func.__name__ = name
    item = f"/{kind}/<{ITEM_ID}:item_id>"
    route(
        "get",
        f"/{kind}",
        list_items,
        f"List {kind} (paginated)"
        + (
            ": consenting students only, in what consent shows, to all but admins"
            if kind == "students"
            else ""
        ),
        tag,
        errors(401, 422) if kind == "students" else errors(422),
        secured=kind == "students",
        query=list_filters,
        output=page_out,
    )
    route(
        "post",
        f"/{kind}",
        create_item,
        f"Create a {one}",
        tag,
        errors(400, 401, 403, 404, 409, 415, 422, 503),
        secured=True,
        body=model,
        output=record_out,
        status=201,
    )
    route(
        "get",
        item,
        get_item,
        f"Get a {one}",
        tag,
        errors(401, 404) if kind == "students" else errors(404),
        output=record_out,
        secured=kind == "students",
    )
    route(
        "patch",
        item,
        update_item,
        f"Change fields of a {one}",
        tag,
        errors(400, 401, 403, 404, 409, 415, 422, 503),
        secured=True,
        body=patch_body,
        output=record_out,
    )
    route(
        "delete",
        item,
        delete_item,
        f"Delete a {one}",
        tag,
        errors(401, 403, 404, 409),
        status=204,
        secured=True,
    )


ITEM_ID = "int"
SECURITY = "BearerAuth"


@bp.url_value_preprocessor
def ids_in_range(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Path ids beyond what a database integer key holds are simply not found (404)."""
    for name, value in (values or {}).items():
        if name.endswith("_id") and isinstance(value, int) and value > MAX_ID:
            raise NotFound(f"no record with id {value}")


def route(
    method: str,
    rule: str,
    view: Callable[..., Any],
    summary: str,
    tag: str,
    responses: dict[int, str],
    *,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    output: type[BaseModel] | None = None,
    status: int = 200,
    description: str | None = None,
    secured: bool = False,
) -> None:
    """Register ``view`` with its inputs, its answer and every error status it can give.

    ``secured``: the operation takes an API token (the document says so).
    """
    decorated = view
    if query is not None:
        decorated = bp.input(query, location="query")(decorated)
    if body is not None:
        decorated = strict_json(body)(bp.input(body)(decorated))
    if output is not None:
        decorated = bp.output(output, status_code=status)(decorated)
    else:
        decorated = bp.output({}, status_code=status)(decorated)
    decorated = bp.doc(
        summary=summary,
        description=description,
        tags=[tag],
        responses=responses,
        security=SECURITY if secured else None,
    )(decorated)
    getattr(bp, method)(rule)(decorated)


for _kind in INPUT_MODELS:
    _register_resource(_kind)


def demand_matches(item_id: int, query_data: SupplyQuery) -> dict[str, Any]:
    if query_data.target == "students":
        services().access.require_finder(caller())  # consenting students, to enterprises
    results = services().matcher.match_demand(
        item_id,
        query_data.target,
        _k(query_data.k),
        _filters(query_data),
    )
    return {"results": results}


route(
    "get",
    f"/demands/<{ITEM_ID}:item_id>/matches",
    demand_matches,
    "Courses, programs or consenting students for a demand",
    "Matching",
    errors(401, 403, 404, 422, 429, 503),
    query=SupplyQuery,
    output=MatchResults,
)


def _demand_side(name: str, summary: str) -> None:
    def view(item_id: int, query_data: MatchQuery) -> dict[str, Any]:
        if name == "students":
            services().access.require_full_student(caller(), item_id)
        method = getattr(services().matcher, f"match_{SINGULAR[name]}")
        return {
            "results": method(
                item_id,
                _k(query_data.k),
                _filters(query_data),
            )
        }

    view.__name__ = f"{SINGULAR[name]}_matches"
    route(
        "get",
        f"/{name}/<{ITEM_ID}:item_id>/matches",
        view,
        summary,
        "Matching",
        errors(401, 403, 404, 422, 429, 503) if name == "students" else errors(404, 422, 429, 503),
        query=MatchQuery,
        output=MatchResults,
        secured=name == "students",
    )


_demand_side("courses", "Demands whose skills a course teaches")
_demand_side("programs", "Demands that a program serves")
_demand_side("students", "Internships and jobs for a student, with courses for missing skills")


def text_match(json_data: TextMatchIn) -> dict[str, Any]:
    _filters_fit(json_data)
    results = services().matcher.match_text(
        json_data.text,
        json_data.target,
        _k(json_data.k, "body"),
        _filters(json_data),
    )
    return {"results": results}


route(
    "post",
    "/match",
    text_match,
    "Free text against demands, courses or programs",
    "Matching",
    errors(400, 415, 422, 429, 503),
    body=TextMatchIn,
    output=MatchResults,
)


MATCH_ENDPOINTS = (
    "rest.demand_matches",
    "rest.course_matches",
    "rest.program_matches",
    "rest.student_matches",
    "rest.text_match",
)
"""Rate-limited per caller (setting MATCH_RATE_LIMIT)."""
