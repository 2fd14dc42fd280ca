"""Input models: what a person may send for each entity (REST bodies and import records).

Unknown fields are refused (no mass assignment) and server-owned fields (ids, status, text
hashes, timestamps of our own) are not here. Related records are named either by id
(``enterprise_id``) or by name (``enterprise``), the form import files use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from . import clock

MAX_TEXT_CHARS = 20_000
MAX_LIST_ITEMS = 64

DEMAND_KINDS = ("job", "internship", "apprenticeship", "training")
ORGANIZATION_KINDS = ("enterprise", "school")


def _split_list(value: object) -> object:
    """CSV cells carry lists as ``a; b; c`` (``|`` also accepted)."""
    if isinstance(value, str):
        separator = "|" if "|" in value else ";"
        return [part.strip() for part in value.split(separator) if part.strip()]
    return value


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _as_utc(value: datetime | date) -> datetime:
    """An instant in UTC; a date alone or a time without offset is read as UTC."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 lies beyond datetime's range in UTC
        raise ValueError("date is out of range") from None


def _not_future(value: datetime | date) -> datetime | date:
    """Refuse a day after today in the consortium's time zone (``clock``).

    A date is compared as the day it names; a time by the local day it falls on.
    """
    if isinstance(value, datetime):
        day = clock.local_day(value if value.tzinfo else value.replace(tzinfo=UTC))
    else:
        day = value
    today = clock.today()
    if day > today:
        raise ValueError(f"date is in the future (today is {today.isoformat()})")
    return value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT_CHARS)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PhraseList = Annotated[list[Phrase], BeforeValidator(_split_list), Field(max_length=MAX_LIST_ITEMS)]
OptionalName = Annotated[Name | None, BeforeValidator(_blank_to_none)]
OptionalInt = Annotated[int | None, BeforeValidator(_blank_to_none)]
UtcDateTime = Annotated[datetime | date, AfterValidator(_as_utc)]
# Validators run in order: the future check sees the value as given (a date stays a day).
PastDateTime = Annotated[datetime | date, AfterValidator(_not_future), AfterValidator(_as_utc)]


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _one_of(data: object, by_id: str, by_name: str, required: bool = True) -> None:
    if not isinstance(data, InputModel):
        return
    given = [getattr(data, by_id) is not None, getattr(data, by_name) is not None]
    if all(given):
        raise ValueError(f"give either {by_id} or {by_name}, not both")
    if required and not any(given):
        raise ValueError(f"{by_id} or {by_name} is required")


class OrganizationIn(InputModel):
    kind: Literal["enterprise", "school"]
    name: Name
    city: OptionalName = None
    industry: OptionalName = None


class DemandIn(InputModel):
    enterprise_id: OptionalInt = None
    enterprise: OptionalName = Field(None, description="Enterprise name; created if absent.")
    kind: Literal["job", "internship", "apprenticeship", "training"]
    title: Title
    description: Text = ""
    skills: PhraseList = Field(default_factory=list)
    openings: Annotated[int, Field(ge=1, le=100_000)] = 1
    city: OptionalName = None
    posted_at: PastDateTime
    expires_at: Annotated[UtcDateTime | None, BeforeValidator(_blank_to_none)] = None
    external_id: OptionalName = None
    source: Name = "manual"
    url: Annotated[
        Annotated[str, StringConstraints(max_length=1000, pattern=r"^https?://")] | None,
        BeforeValidator(_blank_to_none),
    ] = None

    @model_validator(mode="after")
    def _check(self) -> DemandIn:
        _one_of(self, "enterprise_id", "enterprise")
        if self.expires_at is not None and self.expires_at < self.posted_at:
            raise ValueError("expires_at is before posted_at")
        return self


class CourseIn(InputModel):
    school_id: OptionalInt = None
    school: OptionalName = Field(None, description="School name; created if absent.")
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    title: Title
    description: Text = ""
    skills: PhraseList = Field(default_factory=list)
    outcomes: PhraseList = Field(default_factory=list)
    hours: Annotated[
        Annotated[int, Field(ge=0, le=10_000)] | None, BeforeValidator(_blank_to_none)
    ] = None
    created_at: Annotated[PastDateTime | None, BeforeValidator(_blank_to_none)] = None
    last_revised: Annotated[date | None, BeforeValidator(_blank_to_none)] = None

    @model_validator(mode="after")
    def _check(self) -> CourseIn:
        _one_of(self, "school_id", "school")
        if not (self.description or self.skills or self.outcomes):
            raise ValueError("a course needs a description, skills or outcomes")
        return self


class ProgramIn(InputModel):
    school_id: OptionalInt = None
    school: OptionalName = None
    name: Title
    description: Text = ""
    level: OptionalName = None
    annual_graduates: Annotated[
        Annotated[int, Field(ge=0)] | None, BeforeValidator(_blank_to_none)
    ] = None
    courses: PhraseList = Field(
        default_factory=list, description="Course codes of the same school."
    )
    course_ids: list[int] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _check(self) -> ProgramIn:
        _one_of(self, "school_id", "school")
        return self


class StudentIn(InputModel):
    external_id: OptionalName = None
    name: OptionalName = None
    school_id: OptionalInt = None
    school: OptionalName = None
    program_id: OptionalInt = None
    program: OptionalName = Field(None, description="Program name at the student's school.")
    courses: PhraseList = Field(default_factory=list, description="Codes of courses taken.")
    course_ids: list[int] = Field(default_factory=list, max_length=500)
    skills: PhraseList = Field(default_factory=list)
    interests: PhraseList = Field(default_factory=list)
    city: OptionalName = None
    consent: bool = False

    @model_validator(mode="after")
    def _check(self) -> StudentIn:
        _one_of(self, "school_id", "school")
        _one_of(self, "program_id", "program", required=False)
        return self


INPUT_MODELS: dict[str, type[InputModel]] = {
    "organizations": OrganizationIn,
    "demands": DemandIn,
    "courses": CourseIn,
    "programs": ProgramIn,
    "students": StudentIn,
}
