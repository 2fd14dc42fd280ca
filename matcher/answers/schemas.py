"""What a school sends to answer a demand, and what moves an answer on.

The rules a body alone decides are checked here (422): what each kind of answer must carry,
seats above zero, a start date not in the past. Whose courses and program they are, and whether
the demand is still open, need the store and are checked by ``Responses``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from matcher import clock
from matcher.answers.states import COURSE_KINDS
from matcher.catalog import OptionalInt, integral
from matcher.catalog.fields import IdList, IsoDay, Text, blank_to_none
from matcher.catalog.schemas import InputModel

Kind = Literal[
    "existing_course", "revised_course", "new_course", "program", "order_class", "training"
]


class ResponseIn(InputModel):
    kind: Kind = Field(
        description="existing_course / revised_course / new_course: the courses that answer "
        "(course_ids); program: a major (program_id); order_class: a class trained for this "
        "enterprise (seats, starts_on); training: a training offer (message or courses)."
    )
    school_id: OptionalInt = Field(
        None, description="The answering school. School members may leave it out; admins name it."
    )
    course_ids: IdList = Field(default_factory=list, description="The school's own courses.")
    program_id: OptionalInt = Field(None, description="One of the school's programs.")
    message: Text = ""
    seats: Annotated[
        Annotated[int, Field(ge=1, le=100_000), BeforeValidator(integral)] | None,
        BeforeValidator(blank_to_none),
    ] = None
    starts_on: Annotated[IsoDay | None, BeforeValidator(blank_to_none)] = Field(
        None, description="First day of the class or training; today or later."
    )

    @field_validator("starts_on")
    @classmethod
    def _not_past(cls, value: date | None) -> date | None:
        if value is not None and value < clock.today():
            raise ValueError(f"the start date is in the past (today is {clock.today()})")
        return value

    @field_validator("course_ids")
    @classmethod
    def _distinct(cls, value: list[int]) -> list[int]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _fits_kind(self) -> ResponseIn:
        if self.kind in COURSE_KINDS and not self.course_ids:
            raise ValueError(f"an answer of kind {self.kind} names its courses (course_ids)")
        if self.kind == "program" and self.program_id is None:
            raise ValueError("an answer of kind program names the program (program_id)")
        if self.kind == "order_class" and (self.seats is None or self.starts_on is None):
            raise ValueError("an order class states its seats and its start date (starts_on)")
        if self.kind == "training" and not (self.message.strip() or self.course_ids):
            raise ValueError("a training offer says what it teaches (message or course_ids)")
        return self


class ResponseStatusIn(InputModel):
    status: Literal["accepted", "declined", "withdrawn", "delivered"] = Field(
        description="The enterprise accepts or declines a proposed answer; the school withdraws "
        "an open one or marks an accepted one delivered."
    )
