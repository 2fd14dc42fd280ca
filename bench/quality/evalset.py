"""A labelled evaluation set: records to load and queries with the answers that count."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matcher.catalog import CourseIn, DemandIn, OrganizationIn, ProgramIn, StudentIn


@dataclass(frozen=True)
class Query:
    """One ranking question.

    ``source`` is a record key (demand/course/program/student) or, for ``text`` queries, the
    free text itself; ``relevant`` are keys of the records that answer it.
    """

    direction: str  # "demand→courses", "text→demands", ...
    source: str
    relevant: frozenset[str]
    language: str  # "en", "zh", "zh→en", "en→zh"
    split: str = ""  # "dev" / "test" where the set is split, else ""


@dataclass
class EvalSet:
    name: str
    organizations: list[OrganizationIn] = field(default_factory=list)
    courses: list[tuple[str, CourseIn]] = field(default_factory=list)  # (key, record)
    programs: list[tuple[str, ProgramIn]] = field(default_factory=list)
    demands: list[tuple[str, DemandIn]] = field(default_factory=list)
    students: list[tuple[str, StudentIn]] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)
    note: str = ""
    # taxonomy titles the queries are made of: occupation coding must not find them listed
    unlisted_titles: list[str] = field(default_factory=list)

    def records(self) -> dict[str, list[tuple[str, Any]]]:
        return {
            "courses": self.courses,
            "programs": self.programs,
            "demands": self.demands,
            "students": self.students,
        }


DIRECTIONS = {
    # direction → (kind of the query source or "text", target collection)
    "demand→courses": ("demand", "courses"),
    "demand→programs": ("demand", "programs"),
    "demand→students": ("demand", "students"),
    "course→demands": ("course", "demands"),
    "program→demands": ("program", "demands"),
    "student→demands": ("student", "demands"),
    "text→courses": ("text", "courses"),
    "text→demands": ("text", "demands"),
}
