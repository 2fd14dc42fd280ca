"""Accounts: creating, listing, disabling and signing in users."""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from matcher import clock
from matcher.accounts.actor import ROLES, Actor
from matcher.accounts.passwords import hash_password, needs_rehash, verify_password
from matcher.catalog import iso
from matcher.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from store import Database, Organization, Student, User
from store.models import identity_key, new_session_key

EMAIL_PATTERN = r"^[^@\x00-\x20]+@[^@\x00-\x20]+\.[^@\x00-\x20.]+$"
"""Also the REST body's ``pattern``: explicit characters, read alike by every regex engine."""
EMAIL = re.compile(EMAIL_PATTERN)
MAX_EMAIL = 254

LOGIN_FAILED = "wrong e-mail or password, or the account is disabled"
"""One message for every failed sign-in: it never says which part was wrong."""


def user_record(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "organization_id": user.organization_id,
        "organization": user.organization.name if user.organization else None,
        "student_id": user.student_id,
        "active": user.active,
        "created_at": iso(user.created_at),
        "last_login_at": iso(user.last_login_at),
    }


def actor_of(user: User) -> Actor:
    return Actor(
        role=user.role,
        email=user.email,
        user_id=user.id,
        organization_id=user.organization_id,
        student_id=user.student_id,
    )


def check_email(email: str) -> str:
    if len(email) > MAX_EMAIL or not EMAIL.match(email):
        raise ValidationFailed(f"email: {email[:60]!r} is not an e-mail address")
    return email


class Accounts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        email: str,
        role: str,
        *,
        organization: str | int | None = None,
        student_id: int | None = None,
        password: str | None = None,
    ) -> dict[str, Any]:
        """A new active user. Enterprise and school members name their organization (by
        name or id); a student may be linked to an existing student record. Without a
        password the user signs in with tokens only."""
        email = check_email(email)
        if role not in ROLES:
            raise ValidationFailed(f"role: one of {', '.join(ROLES)}")
        password_hash = hash_password(password) if password is not None else None
        with self.db.session() as session:
            if session.scalar(select(User.id).where(User.email_key == identity_key(email))):
                raise Conflict(f"a user with e-mail {email!r} already exists")
            user = User(email=email, role=role, password_hash=password_hash, active=True)
            if role in ("enterprise", "school"):
                if organization is None:
                    raise ValidationFailed(f"organization: a {role} member names their {role}")
                user.organization_id = self._organization(session, role, organization).id
            elif organization is not None:
                raise ValidationFailed("organization: only enterprise and school members have one")
            if student_id is not None:
                if role != "student":
                    raise ValidationFailed("student: only a student user owns a student record")
                self._link_student(session, user, student_id)
            session.add(user)
            session.flush()
            return user_record(user)

    def list(self) -> list[dict[str, Any]]:
        with self.db.session() as session:
            return [user_record(u) for u in session.scalars(select(User).order_by(User.id))]

    def get(self, user_id: int) -> dict[str, Any]:
        with self.db.session() as session:
            return user_record(self._user(session, user_id))

    def set_active(self, email: str, active: bool) -> dict[str, Any]:
        with self.db.session() as session:
            user = self._by_email(session, email)
            if not active and user.role == "admin" and user.active:
                others = session.scalar(
                    select(func.count())
                    .select_from(User)
                    .where(User.role == "admin", User.active.is_(True), User.id != user.id)
                )
                if not others:
                    raise Conflict("the last active admin cannot be disabled")
            user.active = active
            if not active:
                user.session_key = new_session_key()
            session.flush()
            return user_record(user)

    def set_password(self, email: str, password: str) -> None:
        with self.db.session() as session:
            self._by_email(session, email).password_hash = hash_password(password)

    def link_student(self, user_id: int, student_id: int) -> None:
        with self.db.session() as session:
            self._link_student(session, self._user(session, user_id), student_id)

    @staticmethod
    def link_new_student(user_id: int, session: Session, students: Sequence[Any]) -> None:
        """Inside the write of a student's own first record: link it to their account.

        The update only takes an account that has no record yet, so of two records written at
        once for one student, one is linked and the other write fails, with nothing kept.
        """
        (student,) = students
        linked = session.execute(
            update(User)
            .where(User.id == user_id, User.student_id.is_(None))
            .values(student_id=student.id)
        )
        if linked.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("you have a student record already: change it instead")

    def delete(self, user_id: int) -> None:
        """Remove the account; its tokens go with it (the audit log keeps its e-mail)."""
        with self.db.session() as session:
            session.delete(self._user(session, user_id))

    def by_email(self, email: str) -> dict[str, Any]:
        with self.db.session() as session:
            return user_record(self._by_email(session, email))

    def actor(self, email: str) -> Actor:
        """The user named ``email`` as an actor (the CLI's ``--as``); disabled users cannot act."""
        with self.db.session() as session:
            user = self._by_email(session, email)
            if not user.active:
                raise Unauthorized(f"the account {email!r} is disabled")
            return actor_of(user)

    def actor_by_id(self, user_id: int) -> Actor | None:
        """The active user with this id, or ``None`` (gone or disabled)."""
        with self.db.session() as session:
            user = session.get(User, user_id)
            return actor_of(user) if user is not None and user.active else None

    def session_id(self, user_id: int) -> str:
        """What a page session stores: the user's id and their current session key."""
        with self.db.session() as session:
            return f"{user_id}:{self._user(session, user_id).session_key}"

    def actor_of_session(self, session_id: str) -> Actor | None:
        """The active user a stored session names, while its key is still the user's."""
        user_id, _, key = session_id.partition(":")
        if not user_id.isdigit() or not key:
            return None
        with self.db.session() as session:
            user = session.get(User, int(user_id))
            if user is None or not user.active or not hmac.compare_digest(user.session_key, key):
                return None
            return actor_of(user)

    def end_sessions(self, user_id: int) -> None:
        """Sign the user out everywhere: every page session stored so far stops working."""
        with self.db.session() as session:
            user = session.get(User, user_id)
            if user is not None:
                user.session_key = new_session_key()

    def authenticate(self, email: str, password: str) -> Actor:
        """The user whose e-mail and password these are; otherwise one ``Unauthorized`` for
        every reason, after the same argon2 work."""
        with self.db.session() as session:
            user = session.scalar(select(User).where(User.email_key == identity_key(email)))
            stored = user.password_hash if user is not None else None
            if not verify_password(stored, password) or user is None or not user.active:
                raise Unauthorized(LOGIN_FAILED)
            if stored is not None and needs_rehash(stored):
                user.password_hash = hash_password(password)
            user.last_login_at = clock.now()
            return actor_of(user)

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _user(session: Session, user_id: int) -> User:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"no user with id {user_id}")
        return user

    @staticmethod
    def _by_email(session: Session, email: str) -> User:
        user = session.scalar(select(User).where(User.email_key == identity_key(email)))
        if user is None:
            raise NotFound(f"no user with e-mail {email!r}")
        return user

    @staticmethod
    def _organization(session: Session, kind: str, organization: str | int) -> Organization:
        query = select(Organization).where(Organization.kind == kind)
        if isinstance(organization, int) or organization.isdigit():
            query = query.where(Organization.id == int(organization))
        else:
            query = query.where(Organization.name_key == identity_key(organization))
        found = session.scalar(query)
        if found is None:
            raise NotFound(f"no {kind} {organization!r}")
        return found

    @staticmethod
    def _link_student(session: Session, user: User, student_id: int) -> None:
        if session.get(Student, student_id) is None:
            raise NotFound(f"no student with id {student_id}")
        owner = session.scalar(select(User).where(User.student_id == student_id))
        if owner is not None and owner is not user:
            raise Conflict(f"student {student_id} already belongs to {owner.email}")
        user.student_id = student_id
