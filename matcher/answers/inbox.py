"""Each user's inbox: notifications written in the transaction of the event they report.

A notice goes to every active member of an organization (or to named users). Writing it in the
event's own transaction means a rolled-back event leaves no notice, and a committed one always
has its notice; the e-mail is sent only after the commit (``mail.Mailer``), from the row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from matcher import clock
from matcher.answers.notices import details, subject
from matcher.catalog import iso
from matcher.errors import NotFound
from store import Database, Notification, User


def notification_record(notice: Notification, language: str) -> dict[str, Any]:
    return {
        "id": notice.id,
        "kind": notice.kind,
        "subject": subject(notice.kind, notice.params, language),
        "details": details(notice.kind, notice.params, language),
        "link": notice.link,
        "params": dict(notice.params),
        "created_at": iso(notice.created_at),
        "read_at": iso(notice.read_at),
        "mail_state": notice.mail_state,
    }


class Inbox:
    def __init__(self, db: Database, mail_enabled: bool) -> None:
        self.db = db
        self.mail_enabled = mail_enabled

    # -- writing, inside the caller's transaction ----------------------------------------------

    def notify_members(
        self,
        session: Session,
        organization_id: int,
        kind: str,
        params: dict[str, Any],
        link: str | None,
        dedupe_key: str,
    ) -> list[int]:
        """Notify every active member of an organization; the new notifications' ids."""
        members = session.scalars(
            select(User.id).where(User.organization_id == organization_id, User.active)
        ).all()
        return self.notify_users(session, members, kind, params, link, dedupe_key)

    def notify_users(
        self,
        session: Session,
        user_ids: Iterable[int],
        kind: str,
        params: dict[str, Any],
        link: str | None,
        dedupe_key: str,
    ) -> list[int]:
        """Notify each user once per ``dedupe_key``: a user who has it already gets no second."""
        wanted = sorted(set(user_ids))
        if not wanted:
            return []
        have = set(
            session.scalars(
                select(Notification.user_id).where(
                    Notification.user_id.in_(wanted), Notification.dedupe_key == dedupe_key
                )
            )
        )
        notices = [
            Notification(
                user_id=user_id,
                kind=kind,
                params=params,
                link=link,
                dedupe_key=dedupe_key,
                created_at=clock.now(),
                mail_state="pending" if self.mail_enabled else "none",
            )
            for user_id in wanted
            if user_id not in have
        ]
        session.add_all(notices)
        session.flush()
        return [n.id for n in notices]

    # -- reading and marking -------------------------------------------------------------------

    def list(
        self, user_id: int, language: str, unread_only: bool = False, limit: int = 50
    ) -> list[dict[str, Any]]:
        """The user's notifications, newest first."""
        query = select(Notification).where(Notification.user_id == user_id)
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        query = query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
        with self.db.session() as session:
            return [notification_record(n, language) for n in session.scalars(query)]

    def unread_count(self, user_id: int) -> int:
        with self.db.session() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(Notification)
                    .where(Notification.user_id == user_id, Notification.read_at.is_(None))
                )
                or 0
            )

    def mark_read(self, user_id: int, notification_id: int, language: str) -> dict[str, Any]:
        """Mark one of the user's notifications read (another user's is not found)."""
        with self.db.session() as session:
            notice = session.get(Notification, notification_id)
            if notice is None or notice.user_id != user_id:
                raise NotFound(f"no notification with id {notification_id}")
            if notice.read_at is None:
                notice.read_at = clock.now()
            session.flush()
            return notification_record(notice, language)

    def mark_all_read(self, user_id: int) -> int:
        """Mark every unread notification of the user read; how many were unread."""
        with self.db.session() as session:
            result = session.execute(
                update(Notification)
                .where(Notification.user_id == user_id, Notification.read_at.is_(None))
                .values(read_at=clock.now())
            )
            return int(getattr(result, "rowcount", 0) or 0)
