"""The audit log: who read or changed personal data, who changed any record, and every
refused attempt (wrong password, missing or bad token, another owner's record, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from matcher import clock
from matcher.accounts.actor import Actor
from matcher.catalog import iso
from store import AuditEvent, Database

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Event:
    action: str  # "login", "PATCH /api/v1/demands/3", "cli import students", ...
    outcome: str  # ok | refused | failed
    source: str  # api | web | cli
    resource: str | None = None  # "students/7"
    status: int | None = None
    detail: str | None = None
    address: str | None = None


def event_record(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": iso(event.at),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "action": event.action,
        "resource": event.resource,
        "outcome": event.outcome,
        "status": event.status,
        "detail": event.detail,
        "source": event.source,
        "address": event.address,
    }


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, actor: Actor | None, event: Event, actor_email: str | None = None) -> None:
        """Write one event in its own transaction (a refused request still leaves its trace).

        ``actor_email`` names an unauthenticated caller's claimed e-mail (failed logins).
        """

        def clean(text: str | None, limit: int) -> str | None:
            # PostgreSQL text cannot hold NUL; an attacker's input must not cost the event
            return text.replace("\x00", "\ufffd")[:limit] if text is not None else None

        with self.db.session() as session:
            session.add(
                AuditEvent(
                    at=clock.now(),
                    actor_id=actor.user_id if actor else None,
                    actor=clean(actor.email if actor else actor_email or ANONYMOUS, 254),
                    action=clean(event.action, 100),
                    resource=clean(event.resource, 200),
                    outcome=event.outcome,
                    status=event.status,
                    detail=clean(event.detail, 500),
                    source=event.source,
                    address=clean(event.address, 64),
                )
            )

    def list(
        self,
        limit: int = 100,
        *,
        actor: str | None = None,
        outcome: str | None = None,
        resource: str | None = None,
        since: datetime | None = None,
        actor_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first."""
        query = select(AuditEvent)
        if actor is not None:
            query = query.where(AuditEvent.actor == actor)
        if actor_id is not None:
            query = query.where(AuditEvent.actor_id == actor_id)
        if outcome is not None:
            query = query.where(AuditEvent.outcome == outcome)
        if resource is not None:
            query = query.where(AuditEvent.resource == resource)
        if since is not None:
            query = query.where(AuditEvent.at >= since)
        query = query.order_by(AuditEvent.id.desc()).limit(limit)
        with self.db.session() as session:
            return [event_record(e) for e in session.scalars(query)]
