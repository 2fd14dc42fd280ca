"""REST API ``/api/v1``: CRUD for every entity, match endpoints mirroring the CLI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from apiflask import APIBlueprint
from flask import current_app, url_for
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    create_model,
    model_validator,
)

from api.wiring import Services
from matcher.catalog import (
    INPUT_MODELS,
    MAX_ID,
    SINGULAR,
    InputModel,
    at_most,
    by_id_or_name,
    integral,
)
from matcher.catalog import Id as BodyId
from matcher.errors import NotFound, ValidationFailed
from matcher.language import MATCHABLE_CHARACTER, MAX_TEXT_CHARS
from matcher.search import Filters

from .openapi import errors
from .outputs import RECORD_OUTPUTS, MatchResults
from .validation import QueryBool, QueryId, query_int, strict_json

bp = APIBlueprint("rest", __name__, url_prefix="/api/v1")


def services() -> Services:
    return current_app.extensions["talentmatch"]


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _without_nul(cls, data: Any) -> Any:
        """A query string may carry NUL (``%00``); PostgreSQL text cannot hold it."""
        if isinstance(data, dict):
            return {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in data.items()}
        return data


def comma_list(value: Any) -> Any:
    """Query strings carry lists as ``a,b`` (``?kind=job,internship``; OpenAPI ``explode: false``).

    Parts are taken as written: an empty or padded part is not a value of the list.
    """
    if isinstance(value, str):
        return value.split(",")
    return value


DemandKinds = Annotated[
    Annotated[list[Literal["job", "internship", "apprenticeship", "training"]], Field(min_length=1)]
    | None,
    BeforeValidator(comma_list),
]


Id = QueryId


class PageQuery(Query):
    page: Annotated[int, Field(ge=1, le=1_000_000), BeforeValidator(query_int)] = 1
    per_page: Annotated[int, Field(ge=1), BeforeValidator(query_int)] | None = Field(
        None, description="Default PAGE_SIZE; at most MAX_PAGE_SIZE."
    )


# Filters each list accepts (and its OpenAPI document advertises): name → (type, default).
_LIST_FILTERS: dict[str, dict[str, Any]] = {
    "organizations": {
        "q": (str | None, Field(None, max_length=200, description="Text in the name.")),
        "kind": (Literal["enterprise", "school"] | None, None),
        "city": (str | None, Field(None, max_length=100)),
    },
    "demands": {
        "q": (str | None, Field(None, max_length=200, description="Text in the title.")),
        "kind": (Literal["job", "internship", "apprenticeship", "training"] | None, None),
        "city": (str | None, Field(None, max_length=100)),
        "enterprise_id": (Id | None, None),
        "active": (QueryBool | None, Field(None, description="Only active (true) or inactive.")),
    },
    "courses": {
        "q": (str | None, Field(None, max_length=200, description="Text in the title.")),
        "school_id": (Id | None, None),
    },
    "programs": {
        "q": (str | None, Field(None, max_length=200, description="Text in the name.")),
        "school_id": (Id | None, None),
    },
    "students": {
        "school_id": (Id | None, None),
        "city": (str | None, Field(None, max_length=100)),
    },
}


def _list_query(kind: str) -> type[PageQuery]:
    name = f"{SINGULAR[kind].capitalize()}ListQuery"
    return create_model(name, __base__=PageQuery, **_LIST_FILTERS[kind])


class MatchQuery(Query):
    """Filters of matches against demands."""

    k: Annotated[int, Field(ge=1), BeforeValidator(query_int)] = Field(
        10, description="Number of results (at most MAX_K)."
    )
    kind: DemandKinds = Field(None, description="Demand kinds, comma-separated.")
    city: str | None = Field(None, max_length=100)
    active_only: QueryBool = True


class SupplyQuery(Query):
    """Filters of a demand's supply: courses, programs or consenting students."""

    k: Annotated[int, Field(ge=1), BeforeValidator(query_int)] = Field(
        10, description="Number of results (at most MAX_K)."
    )
    target: Literal["courses", "programs", "students"] = "courses"
    city: str | None = Field(
        None, max_length=100, description="Students: their city; courses, programs: the school's."
    )
    school_id: Id | None = None


MatchText = Annotated[
    str,
    BeforeValidator(at_most(MAX_TEXT_CHARS)),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": MAX_TEXT_CHARS,
            "pattern": MATCHABLE_CHARACTER,
            "description": "A list of skills or a description; it must hold a letter or digit.",
        }
    ),
]


_TARGET_FILTERS = {
    # what _filters_fit checks, stated in the document: school_id narrows courses and
    # programs; kind and active_only narrow demands
    "if": {"properties": {"target": {"const": "demands"}}},
    "then": {"properties": {"school_id": {"type": "null"}}},
    "else": {"properties": {"kind": {"type": "null"}, "active_only": {"const": True}}},
}


class TextMatchIn(InputModel):
    model_config = ConfigDict(json_schema_extra=_TARGET_FILTERS)

    text: MatchText
    target: Literal["demands", "courses", "programs"] = "demands"
    k: Annotated[int, Field(ge=1), BeforeValidator(integral)] = Field(
        10, description="Number of results (at most MAX_K)."
    )
    kind: list[Literal["job", "internship", "apprenticeship", "training"]] | None = Field(
        None, max_length=4, description="Demands: only these kinds."
    )
    city: str | None = Field(
        None, max_length=100, description="Demands: theirs; courses, programs: the school's."
    )
    school_id: BodyId | None = Field(None, description="Courses and programs: one school's.")
    active_only: bool = Field(True, description="Demands: only active ones.")


class _PatchBody(InputModel):
    """A PATCH body: "give X_id or X, not both" still holds for the fields it carries."""

    pairs: ClassVar[tuple[tuple[str, str], ...]] = ()

    @model_validator(mode="after")
    def _not_both(self) -> _PatchBody:
        for by_id, by_name in self.pairs:
            if getattr(self, by_id) is not None and getattr(self, by_name) is not None:
                raise ValueError(f"give either {by_id} or {by_name}, not both")
        return self


def _partial(model: type[InputModel]) -> type[InputModel]:
    """The same fields, each optional: a PATCH body.

    A field keeps its constraints; it may be ``null`` only where the full record allows that.
    "At least one of X_id and X" is the stored record's business: the merged record is
    validated whole (``Catalog.update``; a conflict with what is stored is a 409).
    """
    fields: dict[str, Any] = {
        name: (info.rebuild_annotation(), Field(None, description=info.description))
        for name, info in model.model_fields.items()
    }
    pairs = tuple(
        (by_id, by_name)
        for by_id, by_name in (
            ("enterprise_id", "enterprise"),
            ("school_id", "school"),
            ("program_id", "program"),
        )
        if by_id in fields and by_name in fields
    )
    rules = [by_id_or_name(by_id, by_name, required=False) for by_id, by_name in pairs]
    base = type(
        f"{model.__name__}PatchBody",
        (_PatchBody,),
        {
            "pairs": pairs,
            "model_config": ConfigDict(json_schema_extra={"allOf": rules} if rules else None),
        },
    )
    return create_model(f"{model.__name__}Patch", __base__=base, **fields)


def _at_most(field: str, value: int, limit: int) -> int:
    """Limits that are settings: the OpenAPI document states them as ``maximum``."""
    if value > limit:
        raise ValidationFailed(f"query: field '{field}': at most {limit}")
    return value


def _filters_fit(body: TextMatchIn) -> None:
    """A filter the target does not have is refused, not silently ignored (``_TARGET_FILTERS``)."""
    if body.target == "demands":
        unfit = ["school_id"] if body.school_id is not None else []
    else:
        unfit = [n for n in ("kind",) if getattr(body, n) is not None]
        unfit += ["active_only"] if not body.active_only else []
    if unfit:
        raise ValidationFailed(f"body: field '{unfit[0]}': not a filter of {body.target}")


def _k(k: int) -> int:
    return _at_most("k", k, services().settings.max_k)


def _filters(args: MatchQuery | SupplyQuery | TextMatchIn) -> Filters:
    kinds = tuple(args.kind) if getattr(args, "kind", None) else None
    return Filters(
        kinds, args.city, getattr(args, "active_only", True), getattr(args, "school_id", None)
    )


def _register_resource(kind: str) -> None:
    model = INPUT_MODELS[kind]
    patch_model = _partial(model)
    list_query = _list_query(kind)
    record_out, page_out = RECORD_OUTPUTS[kind]
    one = SINGULAR[kind]
    tag = kind.capitalize()

    def list_items(query_data: PageQuery) -> dict[str, Any]:
        svc = services()
        per_page = _at_most(
            "per_page", query_data.per_page or svc.settings.page_size, svc.settings.max_page_size
        )
        filters = query_data.model_dump(exclude={"page", "per_page"}, exclude_none=True)
        page = svc.catalog.list_page(kind, query_data.page, per_page, filters)
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

    def delete_item(item_id: int) -> None:
        services().catalog.delete(kind, item_id)

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
        f"List {kind} (paginated)",
        tag,
        errors(422),
        query=list_query,
        output=page_out,
    )
    route(
        "post",
        f"/{kind}",
        create_item,
        f"Create a {one}",
        tag,
        errors(400, 404, 409, 415, 422, 503),
        body=model,
        output=record_out,
        status=201,
    )
    route("get", item, get_item, f"Get a {one}", tag, errors(404), output=record_out)
    route(
        "patch",
        item,
        update_item,
        f"Change fields of a {one}",
        tag,
        errors(400, 404, 409, 415, 422, 503),
        body=patch_model,
        output=record_out,
    )
    route("delete", item, delete_item, f"Delete a {one}", tag, errors(404, 409), status=204)


ITEM_ID = "int"


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
) -> None:
    """Register ``view`` with its inputs, its answer and every error status it can give."""
    decorated = view
    if query is not None:
        decorated = bp.input(query, location="query")(decorated)
    if body is not None:
        decorated = strict_json(body)(bp.input(body)(decorated))
    if output is not None:
        decorated = bp.output(output, status_code=status)(decorated)
    else:
        decorated = bp.output({}, status_code=status)(decorated)
    decorated = bp.doc(summary=summary, description=description, tags=[tag], responses=responses)(
        decorated
    )
    getattr(bp, method)(rule)(decorated)


for _kind in INPUT_MODELS:
    _register_resource(_kind)


def demand_matches(item_id: int, query_data: SupplyQuery) -> dict[str, Any]:
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
    errors(404, 422, 503),
    query=SupplyQuery,
    output=MatchResults,
)


def _demand_side(name: str, summary: str) -> None:
    def view(item_id: int, query_data: MatchQuery) -> dict[str, Any]:
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
        errors(404, 422, 503),
        query=MatchQuery,
        output=MatchResults,
    )


_demand_side("courses", "Demands whose skills a course teaches")
_demand_side("programs", "Demands that a program serves")
_demand_side("students", "Internships and jobs for a student, with courses for missing skills")


def text_match(json_data: TextMatchIn) -> dict[str, Any]:
    _filters_fit(json_data)
    results = services().matcher.match_text(
        json_data.text,
        json_data.target,
        _k(json_data.k),
        _filters(json_data),
    )
    return {"results": results}


route(
    "post",
    "/match",
    text_match,
    "Free text against demands, courses or programs",
    "Matching",
    errors(400, 415, 422, 503),
    body=TextMatchIn,
    output=MatchResults,
)
