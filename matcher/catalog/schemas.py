"""Input models: what a person may send for each entity (REST bodies and import records).

Unknown fields are refused (no mass assignment) and server-owned fields (ids, status, text
hashes, timestamps of our own) are not here. Related records are named either by id
(``enterprise_id``) or by name (``enterprise``), the form import files use.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic.json_schema import JsonDict

from matcher.catalog.fields import (
    NOT_BLANK,
    Code,
    Expiry,
    IdList,
    IsoDay,
    Label,
    Name,
    OptionalCode,
    OptionalInt,
    OptionalLabel,
    OptionalName,
    PastDateTime,
    PhraseList,
    Text,
    Title,
    at_most,
    blank_to_none,
    http_url,
    integral,
    url_schema,
)


class InputModel(BaseModel):
    # Strings are stripped by their types (``at_most``), by the same blanks the document names.
    model_config = ConfigDict(extra="forbid")


def by_id_or_name(by_id: str, by_name: str, required: bool = True) -> JsonDict:
    """JSON Schema of what :func:`_one_of` checks, so the OpenAPI document states it too."""
    if not required:
        both: JsonDict = {by_id: {"type": "integer"}, by_name: {"type": "string"}}
        return {"not": {"required": [by_id, by_name], "properties": both}}
    return {
        "oneOf": [
            {
                "required": [by_id],
                "properties": {by_id: {"type": "integer"}, by_name: {"type": "null"}},
            },
            {
                "required": [by_name],
                "properties": {by_name: {"type": "string"}, by_id: {"type": "null"}},
            },
        ]
    }


def _one_of(data: object, by_id: str, by_name: str, required: bool = True) -> None:
    if not isinstance(data, InputModel):
        return
    given = [getattr(data, by_id) is not None, getattr(data, by_name) is not None]
    if all(given):
        raise ValueError(f"give either {by_id} or {by_name}, not both")
    if required and not any(given):
        raise ValueError(f"give {by_id} or {by_name}")


class OrganizationIn(InputModel):
    kind: Literal["enterprise", "school"]
    name: Name
    city: OptionalLabel = None
    industry: OptionalName = None


class DemandIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra=by_id_or_name("enterprise_id", "enterprise", required=False)
    )

    enterprise_id: OptionalInt = None
    enterprise: OptionalName = Field(
        None,
        description="Enterprise name; created if absent. Enterprise members may leave the "
        "enterprise out (it is theirs); admins name it.",
    )
    kind: Literal["job", "internship", "apprenticeship", "training"]
    title: Title
    description: Text = ""
    skills: PhraseList = Field(default_factory=list)
    openings: Annotated[int, Field(ge=1, le=100_000), BeforeValidator(integral)] = 1
    city: OptionalLabel = None
    posted_at: PastDateTime
    expires_at: Expiry | None = None
    external_id: OptionalName = None
    source: Label = "manual"
    url: Annotated[
        Annotated[str, AfterValidator(http_url), BeforeValidator(at_most(1000)), url_schema(1000)]
        | None,
        BeforeValidator(blank_to_none),
    ] = None

    @model_validator(mode="after")
    def _check(self) -> DemandIn:
        _one_of(self, "enterprise_id", "enterprise", required=False)
        return self


class CourseIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                by_id_or_name("school_id", "school", required=False),
                {  # what _check asks: something that says what the course teaches
                    "anyOf": [
                        {
                            "required": ["description"],
                            "properties": {"description": {"pattern": NOT_BLANK}},
                        },
                        {"required": ["skills"], "properties": {"skills": {"minItems": 1}}},
                        {"required": ["outcomes"], "properties": {"outcomes": {"minItems": 1}}},
                    ]
                },
            ]
        }
    )

    school_id: OptionalInt = None
    school: OptionalName = Field(None, description="School name; created if absent.")
    code: Code
    title: Title
    description: Text = ""
    skills: PhraseList = Field(default_factory=list)
    outcomes: PhraseList = Field(default_factory=list)
    hours: Annotated[
        Annotated[int, Field(ge=0, le=10_000), BeforeValidator(integral)] | None,
        BeforeValidator(blank_to_none),
    ] = None
    # Dates carry no blank-to-none step: CSV import drops blank cells, JSON sends null.
    created_at: PastDateTime | None = None
    last_revised: IsoDay | None = None

    @model_validator(mode="after")
    def _check(self) -> CourseIn:
        _one_of(self, "school_id", "school", required=False)
        if not (self.description or self.skills or self.outcomes):
            raise ValueError("a course needs a description, skills or outcomes")
        return self


class ProgramIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra=by_id_or_name("school_id", "school", required=False)
    )

    school_id: OptionalInt = None
    school: OptionalName = None
    name: Title
    description: Text = ""
    level: OptionalCode = None
    annual_graduates: Annotated[
        Annotated[int, Field(ge=0, le=1_000_000), BeforeValidator(integral)] | None,
        BeforeValidator(blank_to_none),
    ] = None
    courses: PhraseList = Field(
        default_factory=list, description="Course codes of the same school."
    )
    course_ids: IdList = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ProgramIn:
        _one_of(self, "school_id", "school", required=False)
        return self


class StudentIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                by_id_or_name("school_id", "school", required=False),
                by_id_or_name("program_id", "program", required=False),
            ]
        }
    )

    external_id: OptionalName = None
    name: OptionalName = None
    school_id: OptionalInt = None
    school: OptionalName = None
    program_id: OptionalInt = None
    program: OptionalName = Field(None, description="Program name at the student's school.")
    courses: PhraseList = Field(default_factory=list, description="Codes of courses taken.")
    course_ids: IdList = Field(default_factory=list)
    skills: PhraseList = Field(default_factory=list)
    interests: PhraseList = Field(default_factory=list)
    city: OptionalLabel = None
    contact: OptionalName = Field(
        None, description="E-mail or phone; shown to enterprises only with share_contact."
    )
    consent: bool = Field(
        False,
        description="To be found by enterprises (skills, courses, program, city). Given by "
        "the student; an admin may record a consent collected on paper.",
    )
    share_contact: bool = Field(
        False, description="Enterprises that may find the student see the name and contact too."
    )

    @model_validator(mode="after")
    def _check(self) -> StudentIn:
        _one_of(self, "school_id", "school", required=False)
        _one_of(self, "program_id", "program", required=False)
        return self


INPUT_MODELS: dict[str, type[InputModel]] = {
    "organizations": OrganizationIn,
    "demands": DemandIn,
    "courses": CourseIn,
    "programs": ProgramIn,
    "students": StudentIn,
}
