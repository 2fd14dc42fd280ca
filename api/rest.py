"""REST API ``/api/v1``: CRUD for every entity, match endpoints mirroring the CLI."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from apiflask import APIBlueprint
from flask import current_app, request, url_for
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from matcher.catalog import SINGULAR
from matcher.errors import ValidationFailed
from matcher.ranking import Filters
from matcher.schemas import INPUT_MODELS, MAX_TEXT_CHARS, InputModel
from matcher.service import Services

bp = APIBlueprint("rest", __name__, url_prefix="/api/v1")

PROBLEM_RESPONSES = {
    400: "Bad request (problem+json)",
    404: "Not found (problem+json)",
    409: "Conflict (problem+json)",
    422: "Invalid input (problem+json)",
}


def services() -> Services:
    return current_app.extensions["talentmatch"]


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


def comma_list(value: Any) -> Any:
    """Query strings carry lists as ``a,b`` (``?kind=job,internship``)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


DemandKinds = Annotated[
    list[Literal["job", "internship", "apprenticeship", "training"]] | None,
    BeforeValidator(comma_list),
]


class ListQuery(Query):
    page: int = Field(1, ge=1)
    per_page: int | None = Field(None, ge=1)
    q: str | None = Field(None, max_length=200, description="Text in title or name.")
    kind: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=100)
    school_id: int | None = None
    enterprise_id: int | None = None
    active: bool | None = Field(None, description="Demands: only active (true) or inactive.")


class MatchQuery(Query):
    k: int = Field(10, ge=1, description="Number of results.")
    target: Literal["courses", "programs", "students"] = "courses"
    kind: DemandKinds = Field(None, description="Demand kinds, comma-separated.")
    city: str | None = Field(None, max_length=100)
    school_id: int | None = None
    active_only: bool = True


class TextMatchIn(InputModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    target: Literal["demands", "courses", "programs"] = "demands"
    k: int = Field(10, ge=1)
    kind: list[Literal["job", "internship", "apprenticeship", "training"]] | None = None
    city: str | None = Field(None, max_length=100)
    school_id: int | None = None
    active_only: bool = True


_LIST_FILTERS = {
    "organizations": ("q", "kind", "city"),
    "demands": ("q", "kind", "city", "enterprise_id", "active"),
    "courses": ("q", "school_id"),
    "programs": ("q", "school_id"),
    "students": ("school_id", "city"),
}


def _partial(model: type[InputModel]) -> type[InputModel]:
    """The same fields, all optional: a PATCH body. The merged record is validated whole."""
    fields: dict[str, Any] = {
        name: (info.annotation | None, None) for name, info in model.model_fields.items()
    }
    return create_model(f"{model.__name__}Patch", __base__=InputModel, **fields)


def _check_k(k: int) -> int:
    limit = services().settings["MAX_K"]
    if k > limit:
        raise ValidationFailed(f"query: field 'k': at most {limit}")
    return k


def _filters(args: MatchQuery | TextMatchIn) -> Filters:
    kinds = tuple(args.kind) if args.kind else None
    return Filters(kinds, args.city, args.active_only, args.school_id)


def _register_resource(kind: str) -> None:
    model = INPUT_MODELS[kind]
    patch_model = _partial(model)
    one = SINGULAR[kind]
    tag = kind.capitalize()

    def list_items(query_data: ListQuery) -> dict[str, Any]:
        svc = services()
        per_page = query_data.per_page or svc.settings["PAGE_SIZE"]
        if per_page > svc.settings["MAX_PAGE_SIZE"]:
            raise ValidationFailed(
                f"query: field 'per_page': at most {svc.settings['MAX_PAGE_SIZE']}"
            )
        allowed = _LIST_FILTERS[kind]
        given = query_data.model_dump(exclude={"page", "per_page"}, exclude_none=True)
        unsupported = [k for k in given if k not in allowed]
        if unsupported:
            raise ValidationFailed(f"query: field '{unsupported[0]}': not a filter of {kind}")
        page = svc.catalog.list_page(kind, query_data.page, per_page, given)
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
        record = services().catalog.create(kind, json_data)
        location = url_for(f"rest.get_{one}", item_id=record["id"])
        return record, 201, {"Location": location}

    def get_item(item_id: int) -> dict[str, Any]:
        return services().catalog.get(kind, item_id)

    def update_item(item_id: int, json_data: InputModel) -> dict[str, Any]:
        return services().catalog.update(kind, item_id, json_data.model_dump(exclude_unset=True))

    def delete_item(item_id: int) -> tuple[str, int]:
        services().catalog.delete(kind, item_id)
        return "", 204

    for func, name in (
        (list_items, f"list_{kind}"),
        (create_item, f"create_{one}"),
        (get_item, f"get_{one}"),
        (update_item, f"update_{one}"),
        (delete_item, f"delete_{one}"),
    ):
        func.__name__ = name
    responses = {**PROBLEM_RESPONSES}
    bp.get(f"/{kind}")(
        bp.doc(summary=f"List {kind} (paginated)", tags=[tag], responses=responses)(
            bp.input(ListQuery, location="query")(list_items)
        )
    )
    bp.post(f"/{kind}")(
        bp.doc(summary=f"Create a {one}", tags=[tag], responses=responses)(
            bp.input(model)(create_item)
        )
    )
    bp.get(f"/{kind}/<int:item_id>")(
        bp.doc(summary=f"Get a {one}", tags=[tag], responses=responses)(get_item)
    )
    bp.patch(f"/{kind}/<int:item_id>")(
        bp.doc(summary=f"Change fields of a {one}", tags=[tag], responses=responses)(
            bp.input(patch_model)(update_item)
        )
    )
    bp.delete(f"/{kind}/<int:item_id>")(
        bp.doc(summary=f"Delete a {one}", tags=[tag], responses=responses)(delete_item)
    )


for _kind in INPUT_MODELS:
    _register_resource(_kind)


@bp.get("/demands/<int:item_id>/matches")
@bp.input(MatchQuery, location="query")
@bp.doc(
    summary="Courses, programs or consenting students for a demand",
    tags=["Matching"],
    responses=PROBLEM_RESPONSES,
)
def demand_matches(item_id: int, query_data: MatchQuery) -> dict[str, Any]:
    results = services().matcher.match_demand(
        item_id, query_data.target, _check_k(query_data.k), _filters(query_data)
    )
    return {"results": results}


def _demand_side(name: str, summary: str) -> None:
    def view(item_id: int, query_data: MatchQuery) -> dict[str, Any]:
        if "target" in request.args:
            raise ValidationFailed(f"query: field 'target': {name} always match demands")
        method = getattr(services().matcher, f"match_{SINGULAR[name]}")
        return {"results": method(item_id, _check_k(query_data.k), _filters(query_data))}

    view.__name__ = f"{SINGULAR[name]}_matches"
    bp.get(f"/{name}/<int:item_id>/matches")(
        bp.doc(summary=summary, tags=["Matching"], responses=PROBLEM_RESPONSES)(
            bp.input(MatchQuery, location="query")(view)
        )
    )


_demand_side("courses", "Demands whose skills a course teaches")
_demand_side("programs", "Demands that a program serves")
_demand_side("students", "Internships and jobs for a student, with courses for missing skills")


@bp.post("/match")
@bp.input(TextMatchIn)
@bp.doc(
    summary="Free text against demands, courses or programs",
    tags=["Matching"],
    responses=PROBLEM_RESPONSES,
)
def text_match(json_data: TextMatchIn) -> dict[str, Any]:
    results = services().matcher.match_text(
        json_data.text, json_data.target, _check_k(json_data.k), _filters(json_data)
    )
    return {"results": results}
