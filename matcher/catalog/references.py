"""Records cite others by id or by name: find them, or create a named organization."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.errors import NotFound, ValidationFailed
from store import Course, Organization, Program
from store.models import identity_key


class Resolver:
    """Finds (or, when named, creates) the organizations, programs and courses records cite."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._orgs: dict[tuple[str, str], Organization] = {}

    def organization(
        self, kind: str, org_id: int | None, name: str | None, city: str | None = None
    ) -> Organization:
        field = kind if name is not None else f"{kind}_id"
        if org_id is not None:
            org = self.session.get(Organization, org_id)
            if org is None or org.kind != kind:
                raise NotFound(f"field '{field}': no {kind} with id {org_id}")
            return org
        if name is None:
            raise ValidationFailed(f"give {kind}_id or {kind}: the {kind} it belongs to")
        key = (kind, identity_key(name))
        if key not in self._orgs:
            org = self.session.scalar(
                select(Organization).where(
                    Organization.kind == kind, Organization.name_key == key[1]
                )
            )
            if org is None:
                org = Organization(kind=kind, name=name, city=city)
                self.session.add(org)
                self.session.flush()
            self._orgs[key] = org
        return self._orgs[key]

    def courses(
        self, school: Organization, codes: Sequence[str], ids: Sequence[int]
    ) -> list[Course]:
        found: list[Course] = []
        if codes:
            keys = [identity_key(c) for c in codes]
            rows = self.session.scalars(
                select(Course).where(Course.school_id == school.id, Course.code_key.in_(keys))
            ).all()
            by_key = {c.code_key: c for c in rows}
            missing = [c for c, k in zip(codes, keys, strict=True) if k not in by_key]
            if missing:
                raise NotFound(f"field 'courses': no course {missing[0]!r} at {school.name}")
            found.extend(by_key[k] for k in keys)
        for course_id in ids:
            course = self.session.get(Course, course_id)
            if course is None or course.school_id != school.id:
                # a program's and a student's courses are their school's, by id as by code
                raise NotFound(
                    f"field 'course_ids': no course with id {course_id} at {school.name}"
                )
            found.append(course)
        return list(dict.fromkeys(found))

    def program(
        self, school: Organization, program_id: int | None, name: str | None
    ) -> Program | None:
        if program_id is not None:
            program = self.session.get(Program, program_id)
            if program is None or program.school_id != school.id:
                raise NotFound(
                    f"field 'program_id': no program with id {program_id} at {school.name}"
                )
            return program
        if name is None:
            return None
        program = self.session.scalar(
            select(Program).where(
                Program.school_id == school.id, Program.name_key == identity_key(name)
            )
        )
        if program is None:
            raise NotFound(f"field 'program': no program {name!r} at {school.name}")
        return program
