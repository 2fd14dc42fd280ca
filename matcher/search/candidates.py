"""Candidates of a match: the records a ranking scores, loaded with the filters applied.

Each target collection has a loader that reads candidates by id (from the dense and lexical
channels) and keeps those the filters allow; a candidate carries what it asks (a demand's
skills) or what it offers (the phrases its courses teach), each offer with its course.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, selectinload

from embeddings import Restriction
from matcher import clock
from matcher.language import course_phrases, unique_phrases
from store import Course, Demand, Organization, Program, Student


@dataclass(frozen=True)
class Filters:
    """Narrowing applied to candidates; matching never looks at protected traits."""

    kinds: tuple[str, ...] | None = None  # demand kinds, when demands are the target
    city: str | None = None  # demands and students: theirs; courses, programs: their school's
    active_only: bool = True  # demands: only active, unexpired postings
    school_id: int | None = None  # courses, programs, students: one school


@dataclass
class Offer:
    """One phrase a candidate or query offers, and where it comes from (a course, if any)."""

    phrase: str
    course: Course | None = None


@dataclass
class Candidate:
    id: int
    kind: str
    title: str
    extra: dict[str, Any]
    asks: list[str] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)


def course_offers(courses: Sequence[Course]) -> list[Offer]:
    offers: list[Offer] = []
    seen: set[str] = set()
    for course in courses:
        for phrase in course_phrases(course):
            if phrase.lower() not in seen:
                seen.add(phrase.lower())
                offers.append(Offer(phrase, course))
    return offers


def student_offers(student: Student) -> list[Offer]:
    own = [Offer(p) for p in unique_phrases(student.skills)]
    known = {o.phrase.lower() for o in own}
    return own + [o for o in course_offers(student.courses) if o.phrase.lower() not in known]


# -- what each target's filters keep: applied by the loaders, and inside vector searches
# -- that can apply them (``restriction``)


def _demand_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.kinds:
        conditions.append(Demand.kind.in_(filters.kinds))
    if filters.city:
        conditions.append(Demand.city == filters.city)
    if filters.active_only:
        conditions.append(Demand.status == "active")
        conditions.append(Demand.expires_at.is_(None) | (Demand.expires_at > clock.now()))
    return conditions


def _school_conditions(
    model: type[Course] | type[Program], filters: Filters
) -> list[ColumnElement[bool]]:
    """Courses and programs: one school's, or those of schools in a city."""
    conditions: list[ColumnElement[bool]] = []
    if filters.school_id:
        conditions.append(model.school_id == filters.school_id)
    if filters.city:
        conditions.append(model.school.has(Organization.city == filters.city))
    return conditions


def _course_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    return _school_conditions(Course, filters)


def _program_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    return _school_conditions(Program, filters)


def _student_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Student.consent.is_(True)]
    if filters.city:
        conditions.append(Student.city == filters.city)
    if filters.school_id:
        conditions.append(Student.school_id == filters.school_id)
    return conditions


_CONDITIONS: dict[str, tuple[Any, Callable[[Filters], list[ColumnElement[bool]]]]] = {
    "demands": (Demand, _demand_conditions),
    "courses": (Course, _course_conditions),
    "programs": (Program, _program_conditions),
    "students": (Student, _student_conditions),
}


def restriction(target: str, filters: Filters) -> Restriction | None:
    """The filters of a match as a restriction of a vector search over ``target`` (None
    when they keep everything): the search then returns only records the loader keeps."""
    model, conditions_of = _CONDITIONS[target]
    conditions = conditions_of(filters)
    if not conditions:
        return None

    def restrict(query: Select[Any], id_column: Any) -> Select[Any]:
        return query.where(id_column.in_(select(model.id).where(*conditions)))

    return restrict


def _load_demands(session: Session, ids: list[int], filters: Filters) -> list[Candidate]:
    query = (
        select(
            Demand.id,
            Demand.kind,
            Demand.title,
            Demand.city,
            Demand.openings,
            Demand.skills,
            Organization.name,
        )
        .join(Organization, Demand.enterprise_id == Organization.id)
        .where(Demand.id.in_(ids), *_demand_conditions(filters))
    )
    return [
        Candidate(
            row.id,
            row.kind,
            row.title,
            {"enterprise": row.name, "city": row.city, "openings": row.openings},
            asks=unique_phrases(row.skills),
        )
        for row in session.execute(query)
    ]


def _load_courses(session: Session, ids: list[int], filters: Filters) -> list[Candidate]:
    query = (
        select(Course)
        .options(selectinload(Course.school))
        .where(Course.id.in_(ids), *_course_conditions(filters))
    )
    return [
        Candidate(
            c.id,
            "course",
            c.title,
            {"code": c.code, "school": c.school.name},
            offers=course_offers([c]),
        )
        for c in session.scalars(query)
    ]


def _load_programs(session: Session, ids: list[int], filters: Filters) -> list[Candidate]:
    query = (
        select(Program)
        .options(selectinload(Program.courses), selectinload(Program.school))
        .where(Program.id.in_(ids), *_program_conditions(filters))
    )
    return [
        Candidate(
            p.id,
            "program",
            p.name,
            {"school": p.school.name},
            offers=course_offers(p.courses),
        )
        for p in session.scalars(query)
    ]


def _load_students(session: Session, ids: list[int], filters: Filters) -> list[Candidate]:
    query = (
        select(Student)
        .options(selectinload(Student.courses), selectinload(Student.school))
        .where(Student.id.in_(ids), *_student_conditions(filters))
    )
    return [
        Candidate(
            s.id,
            "student",
            # the name only where the student chose to share it (consent covers the rest)
            (s.name if s.share_contact and s.name else f"student {s.id}"),
            {"school": s.school.name},
            offers=student_offers(s),
        )
        for s in session.scalars(query)
    ]


Loader = Callable[[Session, list[int], Filters], list[Candidate]]

CANDIDATE_CHUNK = 5_000
"""Ids per statement. A filtered match over a large collection may ask for every id at once,
and PostgreSQL takes at most 65,535 parameters in one statement."""


def _in_chunks(load: Loader) -> Loader:
    def chunked(session: Session, ids: list[int], filters: Filters) -> list[Candidate]:
        return [
            candidate
            for start in range(0, len(ids), CANDIDATE_CHUNK)
            for candidate in load(session, ids[start : start + CANDIDATE_CHUNK], filters)
        ]

    return chunked


LOADERS: dict[str, Loader] = {
    "demands": _in_chunks(_load_demands),
    "courses": _in_chunks(_load_courses),
    "programs": _in_chunks(_load_programs),
    "students": _in_chunks(_load_students),
}
