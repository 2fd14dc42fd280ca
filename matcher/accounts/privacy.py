"""A user's rights over their own data: a copy of all of it, and erasure.

Export (PIPL Art. 45, GDPR Arts 15 and 20): the account, its tokens (never the secrets), the
student record with its program and courses by name, the consent ledger, and the audit events
of what the user did and of who read or changed their record.

Erasure (PIPL Art. 47, GDPR Art. 17): the student record goes through the catalog's delete,
so its vectors leave the index and the lexical channel like any deleted record; the consent
ledger goes with it (cascade), and the stored vector of its text, then the account and its
tokens; the two steps are separate transactions, each complete, and a failure between them
leaves an account without a record, which erasing again removes. The audit log keeps its
events — who did what, when — as the record of accountability (GDPR Art. 5(2)); they hold the
e-mail address but none of the student's profile.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from matcher import clock
from matcher.accounts.access import require
from matcher.accounts.actor import Actor
from matcher.accounts.audit import AuditLog
from matcher.accounts.tokens import Tokens
from matcher.accounts.users import Accounts
from matcher.catalog import Catalog, iso
from store import ConsentRecord, Course, Demand, Notification, Program, Student, TextEmbedding

EXPORT_FORMAT = "talentmatch-export/1"


def consent_record(row: ConsentRecord) -> dict[str, Any]:
    return {
        "purpose": row.purpose,
        "version": row.version,
        "given_at": iso(row.given_at),
        "withdrawn_at": iso(row.withdrawn_at),
    }


class Privacy:
    def __init__(
        self, catalog: Catalog, accounts: Accounts, tokens: Tokens, audit: AuditLog
    ) -> None:
        self.catalog = catalog
        self.accounts = accounts
        self.tokens = tokens
        self.audit = audit

    def consents(self, student_id: int) -> list[dict[str, Any]]:
        """The consent ledger of one student, oldest first."""
        with self.catalog.db.session() as session:
            rows = session.scalars(
                select(ConsentRecord)
                .where(ConsentRecord.student_id == student_id)
                .order_by(ConsentRecord.id)
            )
            return [consent_record(r) for r in rows]

    def export(self, actor: Actor | None) -> dict[str, Any]:
        actor = require(actor)
        assert actor.user_id is not None, "the local admin has no account to export"
        data: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "exported_at": iso(clock.now()),
            "account": self.accounts.get(actor.user_id),
            "tokens": self.tokens.list(actor.user_id),
            "student": None,
            "consents": [],
            "activity": self.audit.list(10_000, actor_id=actor.user_id),
            "accesses": [],
            "notifications": self._notifications(actor.user_id),
        }
        if actor.student_id is not None:
            student = self.catalog.get("students", actor.student_id)
            with self.catalog.db.session() as session:
                program = (
                    session.get(Program, student["program_id"]) if student["program_id"] else None
                )
                courses = session.scalars(
                    select(Course).where(Course.id.in_(student["course_ids"])).order_by(Course.id)
                )
                student["program"] = program.name if program else None
                student["courses"] = [
                    {"id": c.id, "code": c.code, "title": c.title} for c in courses
                ]
            data["student"] = student
            data["consents"] = self.consents(actor.student_id)
            data["accesses"] = self.audit.list(10_000, resource=f"students/{actor.student_id}")
        return data

    def _notifications(self, user_id: int) -> list[dict[str, Any]]:
        """The user's inbox as stored: kind and parameters (the subject is made from them)."""
        with self.catalog.db.session() as session:
            rows = session.scalars(
                select(Notification)
                .where(Notification.user_id == user_id)
                .order_by(Notification.id)
            )
            return [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "params": dict(n.params),
                    "link": n.link,
                    "created_at": iso(n.created_at),
                    "read_at": iso(n.read_at),
                    "mail_state": n.mail_state,
                }
                for n in rows
            ]

    def erase(self, actor: Actor | None) -> None:
        """Delete the caller's account and, for a student, their record and its vectors."""
        actor = require(actor)
        assert actor.user_id is not None, "the local admin has no account to erase"
        if actor.student_id is not None:
            with self.catalog.db.session() as session:
                text_hash = session.scalar(
                    select(Student.text_hash).where(Student.id == actor.student_id)
                )
            self.catalog.delete("students", actor.student_id)
            self._forget_vector(text_hash)
        self.accounts.delete(actor.user_id)

    def _forget_vector(self, text_hash: str | None) -> None:
        """The stored vector of the student's whole text (it holds interests, which consent
        does not cover), unless another record has the very same text. Skill phrases stay:
        they are shared words, not a profile."""
        if text_hash is None:
            return
        with self.catalog.db.session() as session:
            shared = any(
                session.scalar(select(model.id).where(model.text_hash == text_hash).limit(1))
                for model in (Student, Demand, Course, Program)
            )
            if not shared:
                session.execute(
                    delete(TextEmbedding).where(TextEmbedding.content_hash == text_hash)
                )
