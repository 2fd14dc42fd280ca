"""Who may do what: ownership of records (OWASP API1/API5) and what of a student shows (API3).

- Admins may do everything.
- Enterprise members write their own enterprise's demands and feeds (a feed of no enterprise
  is the admins'), school members their own school's programs and courses, and may add
  students to their roster (without consent), whose records the students then own; members
  may edit their own organization.
- Students write only their own student record; only the student (or an admin recording a
  consent collected on paper) gives consent.
- Owners come from the caller: a body may leave them out, name the caller's own organization,
  or be refused (403) for naming another.
- A student is seen in full by themselves, their school and admins; by anyone else signed in
  only with consent, and then only skills, courses, program and city (name and contact too
  when the student shares them). Without consent the student does not exist for them (404).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from matcher.accounts.actor import Actor
from matcher.catalog import SINGULAR, InputModel, StudentIn
from matcher.catalog.writes import OWNER_FIELDS
from matcher.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from store import Database, Demand, Feed, Organization, Program, Student
from store.models import Course, identity_key

SIGN_IN = "sign in, or send an API token as 'Authorization: Bearer TOKEN'"

OWNED: dict[str, tuple[str, str, str]] = {
    # kind → (owning role, owner id field, owner name field)
    "demands": ("enterprise", "enterprise_id", "enterprise"),
    "courses": ("school", "school_id", "school"),
    "programs": ("school", "school_id", "school"),
}

FOUND_FIELDS = ("id", "school_id", "school", "program_id", "course_ids", "skills", "city")
"""What consent to be found shows of a student to enterprises and other schools."""
CONTACT_FIELDS = ("name", "contact")
"""Shown as well when the student also chose to share contact data."""


def require(actor: Actor | None) -> Actor:
    if actor is None:
        raise Unauthorized(f"this needs an account: {SIGN_IN}")
    return actor


def require_admin(actor: Actor | None, what: str) -> Actor:
    actor = require(actor)
    if not actor.is_admin:
        raise Forbidden(f"only admins may {what}")
    return actor


class Access:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- writing -----------------------------------------------------------------------------

    def check_create(self, actor: Actor | None, kind: str, record: InputModel) -> InputModel:
        """The record to write on the actor's behalf, its owner set; or why not."""
        actor = require(actor)
        if actor.is_admin:
            owner = OWNER_FIELDS.get(kind)
            if owner and all(getattr(record, name) is None for name in owner):
                raise Forbidden(
                    f"an admin acts for no {owner[1]} of their own: name the {owner[1]} "
                    f"({owner[0]} or {owner[1]})"
                )
            return record
        if kind == "organizations":
            raise Forbidden("only admins create organizations")
        if kind in OWNED:
            role, id_field, name_field = OWNED[kind]
            if actor.role != role:
                raise Forbidden(f"only {role} members and admins create {kind}")
            self._own_named(actor, role, getattr(record, id_field), getattr(record, name_field))
            return record.model_copy(update={id_field: actor.organization_id, name_field: None})
        assert isinstance(record, StudentIn)
        if actor.role == "school":
            self._own_named(actor, "school", record.school_id, record.school)
            if record.consent or record.share_contact:
                raise Forbidden("consent is given by the student, not by the school")
            return record.model_copy(update={"school_id": actor.organization_id, "school": None})
        if actor.role == "student":
            if actor.student_id is not None:
                raise Conflict(
                    f"you have a student record already (id {actor.student_id}): change it"
                )
            school_id = self._existing_school(record.school_id, record.school)
            return record.model_copy(update={"school_id": school_id, "school": None})
        raise Forbidden("only students, school members and admins create students")

    def check_change(
        self, actor: Actor | None, kind: str, entity_id: int, patch: dict[str, Any] | None = None
    ) -> None:
        """May the actor change (``patch``) or delete (``None``) this record?"""
        actor = require(actor)
        owner = self._owner(kind, entity_id)
        if actor.is_admin:
            return
        if kind == "organizations":
            if patch is None or not actor.member_of(entity_id):
                raise Forbidden(
                    "only admins delete organizations"
                    if patch is None
                    else "members change only their own organization"
                )
            if "kind" in patch:
                raise Forbidden("only admins change whether an organization is a school")
            return
        if kind in OWNED:
            role, id_field, name_field = OWNED[kind]
            if actor.role != role:
                raise Forbidden(f"only {role} members and admins change {kind}")
            if actor.organization_id != owner:
                raise Forbidden(f"this {SINGULAR[kind]} belongs to another {role}")
            if patch and (id_field in patch or name_field in patch):
                self._own_named(actor, role, patch.get(id_field), patch.get(name_field))
            return
        if actor.student_id == entity_id:
            if patch and (patch.get("school_id") is not None or patch.get("school") is not None):
                named = self._existing_school(patch.get("school_id"), patch.get("school"))
                if named != owner:
                    raise Forbidden("a student changes school through their school or an admin")
            return
        self.student_level(actor, entity_id)  # 404 where the student is private to the actor
        raise Forbidden("only the student and admins change a student record")

    def check_feed(
        self, actor: Actor | None, enterprise_id: int | None, enterprise: str | None = None
    ) -> int | None:
        """May the actor manage a feed of this enterprise? Returns the enterprise to use."""
        actor = require(actor)
        if actor.is_admin:
            return enterprise_id
        if actor.role != "enterprise":
            raise Forbidden("only enterprise members and admins manage feeds")
        self._own_named(actor, "enterprise", enterprise_id, enterprise)
        return actor.organization_id

    def check_feed_owner(self, actor: Actor | None, owner_id: int | None) -> None:
        """May the actor manage a registered feed whose enterprise is ``owner_id``?"""
        actor = require(actor)
        if actor.is_admin:
            return
        if actor.role != "enterprise":
            raise Forbidden("only enterprise members and admins manage feeds")
        if owner_id is None or owner_id != actor.organization_id:
            raise Forbidden("this feed belongs to another enterprise, or to the admins")

    # -- reading students --------------------------------------------------------------------

    def student_level(self, actor: Actor | None, student_id: int) -> str:
        """``full`` or ``found`` (consent's fields); ``NotFound`` where the student is private."""
        actor = require(actor)
        with self.db.session() as session:
            student = session.get(Student, student_id)
            if student is None:
                raise NotFound(f"no student with id {student_id}")
            return self._level(actor, student.id, student.school_id, student.consent)

    def student_view(self, actor: Actor | None, record: dict[str, Any]) -> dict[str, Any]:
        """The part of a student record the actor may see."""
        actor = require(actor)
        level = self._level(actor, record["id"], record["school_id"], record["consent"])
        if level == "full":
            return record
        shown = FOUND_FIELDS + (CONTACT_FIELDS if record["share_contact"] else ())
        return {k: v for k, v in record.items() if k in shown}

    def require_full_student(self, actor: Actor | None, student_id: int) -> None:
        """For what consent to be found does not cover (a student's own matches)."""
        if self.student_level(actor, student_id) != "full":
            raise Forbidden("only the student, their school and admins see this")

    @staticmethod
    def student_list_filters(actor: Actor | None) -> dict[str, Any]:
        """What a list of students is narrowed to. Admins see every student; everyone else
        only students who consented — enterprises all of them (what consent is for), a school
        its own, a student themselves."""
        actor = require(actor)
        if actor.is_admin:
            return {}
        if actor.role == "enterprise":
            return {"consent": True}
        if actor.role == "school":
            return {"consent": True, "school_id": actor.organization_id}
        return {"consent": True, "id": actor.student_id or 0}

    @staticmethod
    def require_finder(actor: Actor | None) -> Actor:
        """Students are found (demand matches against students) by enterprises and admins:
        the purpose their consent names."""
        actor = require(actor)
        if not actor.is_admin and actor.role != "enterprise":
            raise Forbidden("students are found by enterprise members and admins only")
        return actor

    @staticmethod
    def _level(actor: Actor, student_id: int, school_id: int, consent: bool) -> str:
        if actor.is_admin or actor.student_id == student_id:
            return "full"
        if actor.role == "school" and actor.organization_id == school_id:
            return "full"
        if consent and actor.role == "enterprise":
            return "found"
        raise NotFound(f"no student with id {student_id}")

    # -- helpers -----------------------------------------------------------------------------

    def _owner(self, kind: str, entity_id: int) -> int | None:
        """The owning organization's id (students: the school); ``NotFound`` if no record."""
        model: Any = {
            "organizations": Organization,
            "demands": Demand,
            "courses": Course,
            "programs": Program,
            "students": Student,
            "feeds": Feed,
        }[kind]
        column = {
            "organizations": Organization.id,
            "demands": Demand.enterprise_id,
            "courses": Course.school_id,
            "programs": Program.school_id,
            "students": Student.school_id,
            "feeds": Feed.enterprise_id,
        }[kind]
        with self.db.session() as session:
            row = session.execute(select(column).where(model.id == entity_id)).first()
        if row is None:
            raise NotFound(f"no {SINGULAR.get(kind, kind.rstrip('s'))} with id {entity_id}")
        return row[0]

    def feed_owner(self, feed_id: int) -> int | None:
        return self._owner("feeds", feed_id)

    def _existing_school(self, school_id: int | None, name: str | None) -> int:
        """A school the caller names, which must exist (only admins create organizations)."""
        with self.db.session() as session:
            query = select(Organization.id).where(Organization.kind == "school")
            if school_id is not None:
                found = session.scalar(query.where(Organization.id == school_id))
            elif name is not None:
                found = session.scalar(query.where(Organization.name_key == identity_key(name)))
            else:
                raise ValidationFailed("give school_id or school: the school you study at")
        if found is None:
            raise NotFound(f"no school {school_id if name is None else repr(name)}")
        return found

    def _own_named(
        self, actor: Actor, role: str, given_id: int | None, given_name: str | None
    ) -> None:
        """A body may name the actor's own organization, by id or by name, and no other."""
        refused = Forbidden(f"you act for your own {role} only (id {actor.organization_id})")
        if given_id is not None and given_id != actor.organization_id:
            raise refused
        if given_name is not None:
            with self.db.session() as session:
                named = session.scalar(
                    select(Organization.id).where(
                        Organization.kind == role,
                        Organization.name_key == identity_key(given_name),
                    )
                )
            if named != actor.organization_id:
                raise refused
