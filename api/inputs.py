"""What REST requests may carry: query models per endpoint and the bodies of matches and
patches, each stated in the OpenAPI document exactly as it is checked.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)

from matcher.catalog import SINGULAR, Id, InputModel, at_most, by_id_or_name, integral
from matcher.language import MATCHABLE_CHARACTER, MAX_TEXT_CHARS

from .validation import QueryBool, QueryId, query_int


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _without_nul(self) -> Query:
        """A query string may carry NUL (``%00``); PostgreSQL text cannot hold it. Removed
        after the checks, so a value is measured as it was sent (as the schema says)."""
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, str) and "\x00" in value:
                setattr(self, name, value.replace("\x00", ""))
        return self


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
        "enterprise_id": (QueryId | None, None),
        "active": (QueryBool | None, Field(None, description="Only active (true) or inactive.")),
    },
    "courses": {
        "q": (str | None, Field(None, max_length=200, description="Text in the title.")),
        "school_id": (QueryId | None, None),
    },
    "programs": {
        "q": (str | None, Field(None, max_length=200, description="Text in the name.")),
        "school_id": (QueryId | None, None),
    },
    "students": {
        "school_id": (QueryId | None, None),
        "city": (str | None, Field(None, max_length=100)),
    },
}


def list_query(kind: str) -> type[PageQuery]:
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
    school_id: QueryId | None = None


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
    school_id: Id | None = Field(None, description="Courses and programs: one school's.")
    active_only: bool = Field(True, description="Demands: only active ones.")

    @field_validator("city")
    @classmethod
    def _city_without_nul(cls, city: str | None) -> str | None:
        """PostgreSQL text cannot hold NUL; no stored city has one, so it matches none."""
        return city.replace("\x00", "\ufffd") if city is not None else None


class _PatchBody(InputModel):
    """A PATCH body: "give X_id or X, not both" still holds for the fields it carries."""

    pairs: ClassVar[tuple[tuple[str, str], ...]] = ()

    @model_validator(mode="after")
    def _not_both(self) -> _PatchBody:
        for by_id, by_name in self.pairs:
            if getattr(self, by_id) is not None and getattr(self, by_name) is not None:
                raise ValueError(f"give either {by_id} or {by_name}, not both")
        return self


def patch_model(model: type[InputModel]) -> type[InputModel]:
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
