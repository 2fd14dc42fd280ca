"""The gap early warning after each refresh: one ``gap_digest`` notice per school with news.

For each school that has active members, the school's gap report is computed and compared with
the school's previous gap snapshot (the last one taken, whatever its day); after the notice is
written the report is stored as the school's snapshot for today, so the next digest compares
with it. In that order a failure between the two repeats news in the next digest rather than
losing it; one school's failure is the run's error and the other schools still get theirs.
News are skills that are gaps now and were not before (never asked, covered, or no longer
asked in the previous snapshot) and gaps that turned red. A skill is therefore reported once,
and again only after it was closed (or left unasked) and reopened. A school without news gets
nothing.

A school snapshot taken by hand (``talentmatch gaps --school ID --snapshot``) between two
refreshes counts as reported: the digest compares with the last snapshot of the school.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from jobs.needs import RefreshServices
from matcher.gaps.rules import RED
from matcher.language import normalise
from store import GapSnapshot, Organization, User

log = logging.getLogger(__name__)
LISTED = 30  # skills named in one notice; the gap page has them all
NAMED_ENTERPRISES = 3


def _keys(item: dict[str, Any]) -> set[str]:
    return {normalise(p) for p in item["phrases"]}


def news(
    previous: list[dict[str, Any]] | None, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Items of a report that are new gaps, or gaps turned red, against a previous snapshot's
    items (``None``: no snapshot yet, every gap is new). Skills are recognised by a shared
    phrase, as the gap history does."""
    was: dict[str, dict[str, Any]] = {}
    for item in previous or []:
        for key in _keys(item):
            was.setdefault(key, item)
    found = []
    for item in items:
        if item["covered"]:
            continue
        before = next((was[k] for k in sorted(_keys(item)) if k in was), None)
        if before is None or before["covered"]:
            found.append(item)
        elif item["severity"] == RED and before["severity"] != RED:
            found.append({**item, "turned_red": True})
    return found


def entry(item: dict[str, Any]) -> dict[str, Any]:
    """What a digest says of one skill; ``notices.details`` words it in each language."""
    return {
        "skill": item["skill"],
        "severity": item["severity"],
        "turned_red": bool(item.get("turned_red")),
        "postings": item["postings"],
        "enterprises": item["enterprise_names"][:NAMED_ENTERPRISES],
        "more_enterprises": max(0, len(item["enterprise_names"]) - NAMED_ENTERPRISES),
        "lag_days": item["lag_days"],
    }


class GapDigest:
    def __init__(self, services: RefreshServices) -> None:
        self.services = services

    def run(self, run_id: int) -> tuple[dict[int, int], list[int]]:
        """Digest every school with members: ({school id: skills reported}, schools failed)."""
        reported: dict[int, int] = {}
        failed: list[int] = []
        for school_id in self._schools():
            try:
                found = self.school(school_id, run_id)
            except Exception:  # this school's digest comes with the next refresh
                log.exception("gap digest of school %s failed", school_id)
                failed.append(school_id)
                continue
            if found:
                reported[school_id] = found
        return reported, failed

    def school(self, school_id: int, run_id: int) -> int:
        """Compare, notify, then snapshot one school; how many skills its digest names."""
        previous = self._previous(school_id)
        report = self.services.gap_history.report(school_id)
        found = news(previous, report["items"])
        notices: list[int] = []
        if found:
            with self.services.db.session() as session:
                notices = self.services.inbox.notify_members(
                    session,
                    school_id,
                    "gap_digest",
                    {
                        "count": len(found),
                        "skills": [entry(i) for i in found[:LISTED]],
                        "unlisted": max(0, len(found) - LISTED),
                        "school_id": school_id,
                        "run_id": run_id,
                    },
                    "/school/gaps",
                    f"gap_digest:{school_id}:{run_id}",
                )
        self.services.gap_history.report(school_id, snapshot=True)  # the analysis is cached
        self.services.mailer.deliver(notices)
        if found:
            log.info(
                "gap digest to school %s: %d skills, %d members",
                school_id,
                len(found),
                len(notices),
            )
        return len(found)

    def _schools(self) -> list[int]:
        with self.services.db.session() as session:
            return list(
                session.scalars(
                    select(Organization.id)
                    .join(User, User.organization_id == Organization.id)
                    .where(Organization.kind == "school", User.active)
                    .distinct()
                    .order_by(Organization.id)
                )
            )

    def _previous(self, school_id: int) -> list[dict[str, Any]] | None:
        with self.services.db.session() as session:
            latest = session.scalars(
                select(GapSnapshot)
                .where(GapSnapshot.school_id == school_id)
                .order_by(
                    GapSnapshot.as_of.desc(), GapSnapshot.taken_at.desc(), GapSnapshot.id.desc()
                )
                .limit(1)
            ).one_or_none()
            return None if latest is None else list(latest.items)
