"""New demands told to the schools whose courses fit them (``demand_matched`` notices).

Runs after a demand's commit (REST, pages, CLI import: all through ``OwnedCatalog``), outside
its transaction, because ranking encodes phrases. A school hears of a demand when its best
course scores at least ``NOTIFY_MATCH_SCORE`` (the match score of ``Matcher.match_demand``);
the notice lists its courses that do. Notifying never fails the write: a failure is logged.
Demands from the nightly refresh are not told one by one: after the run, each school gets one
``demands_matched`` notice listing the run's new demands its courses fit (``digest``). Bulk
loads (a write of more than ``MAX_PER_WRITE`` demands, an import file) are told neither way:
ranking each would hold the command; their demands reach schools through the gap reports and
the schools' demand pages.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from matcher.answers import Inbox, Mailer
from matcher.catalog.records import is_active
from matcher.search import Matcher
from store import Course, Database, Demand

log = logging.getLogger(__name__)
CANDIDATES = 50  # courses ranked per demand: enough to reach every school with a fitting one
LISTED = 3  # courses named per school in the notice
MAX_PER_WRITE = 20  # demands of one write that are told one by one; a bulk load is not
MAX_PER_RUN = 200  # new demands of one refresh ranked for the schools' digest of fitting ones
LISTED_DEMANDS = 20  # demands named in one digest


class MatchNotifier:
    def __init__(
        self, db: Database, matcher: Matcher, inbox: Inbox, mailer: Mailer, min_score: float
    ) -> None:
        self.db = db
        self.matcher = matcher
        self.inbox = inbox
        self.mailer = mailer
        self.min_score = min_score

    def created(self, kind: str, ids: Sequence[int]) -> None:
        """After ``kind`` records were created and committed: notify for each new demand."""
        if kind != "demands":
            return
        if len(ids) > MAX_PER_WRITE:
            log.info("%d demands in one write: a bulk load, not told one by one", len(ids))
            return
        for demand_id in ids:
            try:
                self.notify(demand_id)
            except Exception:  # the demand stands; only its notice is lost
                log.exception("demand_matched notices of demand %s failed", demand_id)

    def notify(self, demand_id: int) -> list[int]:
        """Notify the schools whose courses fit this (open) demand; the notifications' ids."""
        found = self._fitting(demand_id)
        if found is None:
            return []
        title, enterprise, by_school = found
        notices: list[int] = []
        with self.db.session() as session:
            for school_id, courses in sorted(by_school.items()):
                notices += self.inbox.notify_members(
                    session,
                    school_id,
                    "demand_matched",
                    {
                        "demand": title,
                        "enterprise": enterprise,
                        "demand_id": demand_id,
                        "score": courses[0]["score"],
                        "lines": [
                            f"{c['title']} ({c['code']}): {c['score']:.2f}"
                            for c in courses[:LISTED]
                        ],
                    },
                    f"/school/demands/{demand_id}",
                    f"demand_matched:{demand_id}",
                )
        self.mailer.deliver(notices)
        return notices

    def digest(self, demand_ids: Sequence[int], run_id: int) -> int:
        """After a refresh: one ``demands_matched`` notice per school, listing the run's new
        demands its courses fit (the first ``MAX_PER_RUN`` of them); how many schools heard."""
        fits: dict[int, list[tuple[int, str, str, dict[str, Any]]]] = {}
        for demand_id in demand_ids[:MAX_PER_RUN]:
            found = self._fitting(demand_id)
            if found is None:
                continue
            title, enterprise, by_school = found
            for school_id, courses in by_school.items():
                fits.setdefault(school_id, []).append((demand_id, title, enterprise, courses[0]))
        notices: list[int] = []
        with self.db.session() as session:
            for school_id, demands in sorted(fits.items()):
                demands.sort(key=lambda fit: -fit[3]["score"])
                notices += self.inbox.notify_members(
                    session,
                    school_id,
                    "demands_matched",
                    {
                        "count": len(demands),
                        "lines": [
                            f"{title} ({enterprise}): {best['title']} {best['score']:.2f}"
                            for _, title, enterprise, best in demands[:LISTED_DEMANDS]
                        ],
                        "run_id": run_id,
                    },
                    f"/school/demands/{demands[0][0]}",
                    f"demands_matched:{school_id}:{run_id}",
                )
        self.mailer.deliver(notices)
        return len(fits)

    def _fitting(self, demand_id: int) -> tuple[str, str, dict[int, list[dict[str, Any]]]] | None:
        """The demand's title and enterprise, and per school its fitting courses, best first
        (``None``: the demand is gone, closed, or no course fits)."""
        with self.db.session() as session:
            demand = session.get(Demand, demand_id)
            if demand is None or not is_active(demand):
                return None
            title, enterprise = demand.title, demand.enterprise.name
        fitting = [
            r
            for r in self.matcher.match_demand(demand_id, "courses", CANDIDATES)
            if r["score"] >= self.min_score
        ]
        if not fitting:
            return None
        with self.db.session() as session:
            rows = session.execute(
                select(Course.id, Course.school_id).where(Course.id.in_([r["id"] for r in fitting]))
            )
            schools = {course_id: school_id for course_id, school_id in rows}
        by_school: dict[int, list[dict[str, Any]]] = {}
        for result in fitting:  # best first; a course deleted meanwhile is left out
            if result["id"] in schools:
                by_school.setdefault(schools[result["id"]], []).append(result)
        return title, enterprise, by_school
