"""The consent ledger, kept in step with a student's consent choices in the same transaction.

A student record holds the current choices (``consent``: to be found by enterprises;
``share_contact``: name and contact shown too) so that matching can filter on them; the
ledger holds their history — what was agreed to, under which version of the consent text,
when it was given and when withdrawn — as PIPL Art. 14 and GDPR Art. 7(1) ask a controller
to be able to show.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher import clock
from store import ConsentRecord, Student

PURPOSES = {"consent": "found_by_enterprises", "share_contact": "share_contact"}
"""Student field → ledger purpose."""

Choices = dict[str, bool]


def choices_of(student: Student | None) -> Choices:
    """The consent choices a student has now (none for a student not yet written)."""
    if student is None:
        return {field: False for field in PURPOSES}
    return {field: bool(getattr(student, field)) for field in PURPOSES}


def record_changes(session: Session, student: Student, before: Choices, version: str) -> None:
    """Open a ledger row for each choice given since ``before``; close each one withdrawn."""
    now = clock.now()
    for field, purpose in PURPOSES.items():
        was, is_now = before[field], bool(getattr(student, field))
        if is_now and not was:
            session.add(
                ConsentRecord(student_id=student.id, purpose=purpose, version=version, given_at=now)
            )
        elif was and not is_now:
            open_rows = session.scalars(
                select(ConsentRecord).where(
                    ConsentRecord.student_id == student.id,
                    ConsentRecord.purpose == purpose,
                    ConsentRecord.withdrawn_at.is_(None),
                )
            )
            for row in open_rows:
                row.withdrawn_at = now
