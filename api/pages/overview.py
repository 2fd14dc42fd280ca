"""Figures of the public pages, read straight from the store: demand and supply per city and
industry, the cities of active postings, the last refresh run.

Each figure is one grouped query (no record is loaded one by one), so the overview costs
the same few queries whatever the size of the catalog. Only active, unexpired demands count,
as in the gap report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select

from jobs.refresh import run_record
from matcher import clock
from store import Course, Database, Demand, Organization, Program, RefreshRun


def _active() -> ColumnElement[bool]:
    now = clock.now()
    return (Demand.status == "active") & (Demand.expires_at.is_(None) | (Demand.expires_at > now))


@dataclass
class Row:
    """One city or industry: demand (openings, postings, enterprises) and supply."""

    label: str | None
    openings: int = 0
    postings: int = 0
    enterprises: int = 0
    unmet_openings: int = 0
    graduates: int = 0
    programs: int = 0
    courses: int = 0


@dataclass
class Figures:
    by_city: list[Row] = field(default_factory=list)
    by_industry: list[Row] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)


def _rows(found: dict[str | None, Row], label: str | None) -> Row:
    if label not in found:
        found[label] = Row(label)
    return found[label]


def figures(db: Database, unmet_demand_ids: Iterable[int] = ()) -> Figures:
    """Supply and demand per city and per industry.

    ``unmet_demand_ids``: active demands asking for at least one skill no course teaches
    (from the gap report); their openings are the "unmet" share of each industry and city.
    """
    unmet = set(unmet_demand_ids)
    city = func.coalesce(Demand.city, Organization.city)
    by_city: dict[str | None, Row] = {}
    by_industry: dict[str | None, Row] = {}
    with db.session() as session:
        demand_rows = session.execute(
            select(
                Demand.id,
                Demand.openings,
                Demand.enterprise_id,
                city.label("city"),
                Organization.industry,
            )
            .join(Organization, Demand.enterprise_id == Organization.id)
            .where(_active())
        ).all()
        enterprises_of: dict[tuple[str, str | None], set[int]] = {}
        for row in demand_rows:
            for key, found in (("city", by_city), ("industry", by_industry)):
                label = row.city if key == "city" else row.industry
                entry = _rows(found, label)
                entry.openings += row.openings
                entry.postings += 1
                if row.id in unmet:
                    entry.unmet_openings += row.openings
                enterprises_of.setdefault((key, label), set()).add(row.enterprise_id)
        for (key, label), ids in enterprises_of.items():
            (by_city if key == "city" else by_industry)[label].enterprises = len(ids)
        for school_city, graduates, programs in session.execute(
            select(
                Organization.city,
                func.coalesce(func.sum(Program.annual_graduates), 0),
                func.count(Program.id),
            )
            .join(Organization, Program.school_id == Organization.id)
            .group_by(Organization.city)
        ):
            entry = _rows(by_city, school_city)
            entry.graduates += int(graduates or 0)
            entry.programs += int(programs or 0)
        for school_city, courses in session.execute(
            select(Organization.city, func.count(Course.id))
            .join(Organization, Course.school_id == Organization.id)
            .group_by(Organization.city)
        ):
            _rows(by_city, school_city).courses += int(courses or 0)
        schools = session.scalar(
            select(func.count()).select_from(Organization).where(Organization.kind == "school")
        )
    cities = sorted(by_city.values(), key=lambda r: (-r.openings, -r.graduates, r.label or ""))
    industries = sorted(by_industry.values(), key=lambda r: (-r.openings, r.label or ""))
    totals = {
        "openings": sum(r.openings for r in industries),
        "postings": sum(r.postings for r in industries),
        "enterprises": len({row.enterprise_id for row in demand_rows}),
        "unmet_openings": sum(r.unmet_openings for r in industries),
        "schools": int(schools or 0),
        "programs": sum(r.programs for r in cities),
        "graduates": sum(r.graduates for r in cities),
        "courses": sum(r.courses for r in cities),
    }
    return Figures(cities, industries, totals)


def demand_cities(db: Database) -> list[str]:
    """Cities of active demands, for a city filter (matching filters on the demand's city)."""
    with db.session() as session:
        found = session.scalars(
            select(Demand.city).where(_active(), Demand.city.is_not(None)).distinct()
        ).all()
    return sorted(c for c in found if c)


def last_refresh(db: Database) -> dict[str, Any] | None:
    """The newest refresh run (``Refresher.runs(1)`` without building a feed fetcher)."""
    with db.session() as session:
        run = session.scalars(select(RefreshRun).order_by(RefreshRun.id.desc()).limit(1)).first()
        return run_record(run) if run else None


def schools(db: Database) -> list[dict[str, Any]]:
    """Every school, by name: id, name, city."""
    with db.session() as session:
        rows = session.execute(
            select(Organization.id, Organization.name, Organization.city)
            .where(Organization.kind == "school")
            .order_by(Organization.name)
        ).all()
    return [{"id": r.id, "name": r.name, "city": r.city} for r in rows]


def industries(db: Database) -> list[str]:
    """The enterprises' industries, by name (the demand list's filter)."""
    with db.session() as session:
        rows = session.scalars(
            select(Organization.industry)
            .where(Organization.kind == "enterprise", Organization.industry.is_not(None))
            .distinct()
            .order_by(Organization.industry)
        )
        return [r for r in rows if r]
