"""The consortium's lists as rows: the talent demand list (人才需求清单) and the schools' answers.

Rows are plain dictionaries of typed values (``date`` for days, ``int`` for counts, lists for
several names) in the order of ``DEMAND_COLUMNS`` / ``ANSWER_COLUMNS``; writers (CSV, XLSX,
HTML) only format them. Days are the consortium's (``TIMEZONE``).

Who sees what is the callers' business: demands are public, and so is their outcome — the
answers accepted (or delivered) and by which schools; proposed, declined and withdrawn answers
stay between the school and the enterprise, so the demand list neither counts nor filters by
them. The answers come from ``Responses.list(actor, ...)``, which already keeps each caller to
what it may see.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matcher import clock
from matcher.catalog.records import is_active
from matcher.errors import NotFound
from store import Database, Demand, Organization, Response

DEMAND_COLUMNS = (
    "enterprise",
    "industry",
    "city",
    "title",
    "kind",
    "openings",
    "skills",
    "posted",
    "expires",
    "status",
    "answers",
    "accepted_by",
)
ANSWER_COLUMNS = (
    "demand",
    "enterprise",
    "industry",
    "school",
    "kind",
    "courses",
    "program",
    "seats",
    "starts_on",
    "status",
    "created",
    "decided",
    "days_to_decision",
)
ACCEPTED = ("accepted", "delivered")
"""The answers the demand list shows: the consortium's public outcome of a demand."""


@dataclass(frozen=True)
class ExportFilter:
    """Narrows a list. ``skill`` matches a demand's own skills (case-insensitive, a part of a
    phrase is enough) or ``skill_demands``: demands whose skills the gap report groups under
    that skill (the caller computes those, e.g. ``5G基站维护`` for "5G base station
    maintenance")."""

    industry: str | None = None
    skill: str | None = None
    school_id: int | None = None
    skill_demands: Collection[int] = ()


def _fold(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _day(instant: Any) -> date | None:
    return clock.local_day(instant) if instant is not None else None


def demand_status(demand: Demand) -> str:
    if is_active(demand):
        return "active"
    return "expired" if demand.status == "active" else demand.status


class Exports:
    def __init__(self, db: Database) -> None:
        self.db = db

    def check(self, where: ExportFilter) -> None:
        """Refuse a ``school_id`` that names no school (404, as an unknown id is everywhere)."""
        if where.school_id is None:
            return
        with self.db.session() as session:
            school = session.get(Organization, where.school_id)
            if school is None or school.kind != "school":
                raise NotFound(f"no school with id {where.school_id}")

    def demands(self, where: ExportFilter) -> list[dict[str, Any]]:
        """The talent demand list, newest posting first; ``school_id``: demands that accepted
        that school's answer."""
        self.check(where)
        query = (
            select(Demand)
            .options(selectinload(Demand.enterprise))
            .order_by(Demand.posted_at.desc(), Demand.id.desc())
        )
        with self.db.session() as session:
            demands = [
                d
                for d in session.scalars(query)
                if _keeps(where, d.id, d.enterprise.industry, d.skills)
            ]
            accepted: dict[int, list[Response]] = {}
            ids = [d.id for d in demands]
            outcomes = (
                select(Response)
                .options(selectinload(Response.school))
                .where(Response.status.in_(ACCEPTED))
            )
            for start in range(0, len(ids), 500):
                chunk = outcomes.where(Response.demand_id.in_(ids[start : start + 500]))
                for response in session.scalars(chunk):
                    accepted.setdefault(response.demand_id, []).append(response)
            rows = []
            for demand in demands:
                given = accepted.get(demand.id, [])
                if where.school_id is not None and not any(
                    r.school_id == where.school_id for r in given
                ):
                    continue
                rows.append(self._demand_row(demand, given))
        return rows

    @staticmethod
    def _demand_row(demand: Demand, accepted: Sequence[Response]) -> dict[str, Any]:
        """``answers``: how many answers the enterprise accepted (delivered ones too)."""
        return {
            "id": demand.id,
            "enterprise": demand.enterprise.name,
            "industry": demand.enterprise.industry,
            "city": demand.city,
            "title": demand.title,
            "kind": demand.kind,
            "openings": demand.openings,
            "skills": list(demand.skills or []),
            "posted": _day(demand.posted_at),
            "expires": clock.last_day(demand.expires_at) if demand.expires_at else None,
            "status": demand_status(demand),
            "answers": len(accepted),
            "accepted_by": sorted({r.school.name for r in accepted}),
        }

    def answers(self, records: list[dict[str, Any]], where: ExportFilter) -> list[dict[str, Any]]:
        """Rows of answer records (``response_record``) the caller may see, newest first."""
        self.check(where)
        ids = {r["enterprise_id"] for r in records}
        with self.db.session() as session:
            industries = {
                row.id: row.industry
                for row in session.execute(
                    select(Organization.id, Organization.industry).where(Organization.id.in_(ids))
                )
            }
            demand_ids = {r["demand_id"] for r in records}
            skills = {
                row.id: row.skills
                for row in session.execute(
                    select(Demand.id, Demand.skills).where(Demand.id.in_(demand_ids))
                )
            }
        rows = []
        for record in sorted(records, key=lambda r: (r["created_at"], r["id"]), reverse=True):
            industry = industries.get(record["enterprise_id"])
            demand_id = record["demand_id"]
            if where.school_id is not None and record["school_id"] != where.school_id:
                continue
            if _keeps(where, demand_id, industry, skills.get(demand_id)):
                rows.append(_answer_row(record, industry))
        return rows


def _keeps(
    where: ExportFilter, demand_id: int, industry: str | None, skills: Sequence[str] | None
) -> bool:
    """Whether a demand (or an answer to it) passes the industry and skill filters."""
    if where.industry and _fold(industry) != _fold(where.industry):
        return False
    if not where.skill or demand_id in where.skill_demands:
        return True
    wanted = _fold(where.skill)
    return any(wanted in _fold(s) for s in skills or [])


def _answer_row(record: dict[str, Any], industry: str | None) -> dict[str, Any]:
    created = _instant_day(record["created_at"])
    decided = _instant_day(record["decided_at"])
    return {
        "id": record["id"],
        "demand": record["demand_title"],
        "enterprise": record["enterprise"],
        "industry": industry,
        "school": record["school"],
        "kind": record["kind"],
        "courses": [c["title"] for c in record["courses"]],
        "program": record["program"],
        "seats": record["seats"],
        "starts_on": date.fromisoformat(record["starts_on"]) if record["starts_on"] else None,
        "status": record["status"],
        "created": created,
        "decided": decided,
        "days_to_decision": (decided - created).days if decided and created else None,
    }


def _instant_day(value: str | None) -> date | None:
    return clock.local_day(datetime.fromisoformat(value)) if value else None
