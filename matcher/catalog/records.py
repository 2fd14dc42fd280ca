"""Entities as plain dictionaries: the one output shape of REST, CLI ``--json`` and exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from matcher import clock
from store import Course, Demand, Organization, Program, Student


def iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def is_active(demand: Demand, now: datetime | None = None) -> bool:
    now = now or clock.now()
    return demand.status == "active" and (demand.expires_at is None or demand.expires_at > now)


def organization_record(org: Organization) -> dict[str, Any]:
    return {
        "id": org.id,
        "kind": org.kind,
        "name": org.name,
        "city": org.city,
        "industry": org.industry,
    }


def demand_record(demand: Demand) -> dict[str, Any]:
    return {
        "id": demand.id,
        "enterprise_id": demand.enterprise_id,
        "enterprise": demand.enterprise.name,
        "kind": demand.kind,
        "title": demand.title,
        "description": demand.description,
        "skills": list(demand.skills),
        "openings": demand.openings,
        "city": demand.city,
        "posted_at": iso(demand.posted_at),
        "expires_at": iso(demand.expires_at),
        "status": "active"
        if is_active(demand)
        else ("expired" if demand.status == "active" else demand.status),
        "source": demand.source,
        "external_id": demand.external_id,
        "url": demand.url,
    }


def course_record(course: Course) -> dict[str, Any]:
    return {
        "id": course.id,
        "school_id": course.school_id,
        "school": course.school.name,
        "code": course.code,
        "title": course.title,
        "description": course.description,
        "skills": list(course.skills),
        "outcomes": list(course.outcomes),
        "hours": course.hours,
        "created_at": iso(course.created_at),
        "last_revised": iso(course.last_revised),
    }


def program_record(program: Program) -> dict[str, Any]:
    return {
        "id": program.id,
        "school_id": program.school_id,
        "school": program.school.name,
        "name": program.name,
        "description": program.description,
        "level": program.level,
        "annual_graduates": program.annual_graduates,
        "course_ids": [c.id for c in program.courses],
    }


def student_record(student: Student) -> dict[str, Any]:
    return {
        "id": student.id,
        "external_id": student.external_id,
        "name": student.name,
        "school_id": student.school_id,
        "school": student.school.name,
        "program_id": student.program_id,
        "course_ids": [c.id for c in student.courses],
        "skills": list(student.skills),
        "interests": list(student.interests),
        "city": student.city,
        "contact": student.contact,
        "consent": student.consent,
        "share_contact": student.share_contact,
    }


RECORDERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "organizations": organization_record,
    "demands": demand_record,
    "courses": course_record,
    "programs": program_record,
    "students": student_record,
}

RECORD_LOADS: dict[str, tuple[LoaderOption, ...]] = {
    "organizations": (),
    "demands": (joinedload(Demand.enterprise),),
    "courses": (joinedload(Course.school),),
    "programs": (joinedload(Program.school), selectinload(Program.courses)),
    "students": (joinedload(Student.school), selectinload(Student.courses)),
}
"""What each recorder reads beyond the row, loaded with the rows: a page of records costs the
same few statements whatever its size."""


# The kinds of record, as REST paths, CLI arguments and import files name them.
ENTITIES: dict[str, type[Any]] = {
    "organizations": Organization,
    "demands": Demand,
    "courses": Course,
    "programs": Program,
    "students": Student,
}
SINGULAR = {
    "organizations": "organization",
    "demands": "demand",
    "courses": "course",
    "programs": "program",
    "students": "student",
}
