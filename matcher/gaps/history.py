"""Gap snapshots: reports stored as they stood, and what a report learns from them.

A snapshot is taken at each refresh and by ``talentmatch gaps --snapshot``. A later report of
the same scope then shows the history (counts per snapshot, for the trend chart), which gaps
opened or closed since the previous snapshot, and, per skill, since when snapshots have
flagged it (stored in each snapshot's items and carried from one snapshot to the next, so a
report reads the summaries of its history and the items of one or two snapshots, never
all). Skills are recognised across snapshots by shared phrases, since a group's label can
change as new wordings arrive. A snapshot is dated by its report's day, the consortium's
(``TIMEZONE``): the nightly one at 02:00 in Shanghai is that Shanghai day's.

The history keeps one snapshot per scope and day: a later snapshot of the same day replaces
the earlier one (its ``taken_at`` says when it was taken), so the trend chart has one point
per day however often a report is stored. Rows that an older version kept side by side, or
that two requests at the same moment both wrote, are read as the last one taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session, defer

from matcher import clock
from matcher.catalog import iso
from matcher.gaps.analysis import GapAnalyzer
from matcher.language import normalise
from store import Database, GapSnapshot


def _in_scope(school_id: int | None) -> ColumnElement[bool]:
    if school_id is None:
        return GapSnapshot.scope == "region"
    return GapSnapshot.school_id == school_id


def _keys(item: dict[str, Any]) -> set[str]:
    return {normalise(p) for p in item["phrases"]}


def _history_row(snapshot: GapSnapshot) -> dict[str, Any]:
    summary = snapshot.summary or {}
    return {
        "id": snapshot.id,
        "as_of": snapshot.as_of.isoformat(),
        "taken_at": iso(snapshot.taken_at),
        **{k: summary.get(k, 0) for k in ("gaps", "red", "yellow", "green", "unmet_openings")},
    }


@dataclass(frozen=True)
class _Stored:
    """A snapshot's day and items, read only where a report needs them."""

    as_of: date
    items: list[dict[str, Any]]


class _PhraseLookup:
    """Items of one snapshot, found by any of their phrases."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self._by_phrase: dict[str, dict[str, Any]] = {}
        for item in items:
            for key in _keys(item):
                self._by_phrase.setdefault(key, item)

    def find(self, item: dict[str, Any]) -> dict[str, Any] | None:
        for key in _keys(item):
            if key in self._by_phrase:
                return self._by_phrase[key]
        return None


class GapHistory:
    def __init__(self, db: Database, analyzer: GapAnalyzer) -> None:
        self.db = db
        self.analyzer = analyzer

    def report(
        self,
        school_id: int | None = None,
        as_of: str | date | None = None,
        *,
        snapshot: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> dict[str, Any]:
        """A gap report with its history; with ``snapshot`` it is stored first."""
        report = self.analyzer.report(school_id, as_of, progress)
        day = date.fromisoformat(report["as_of"])
        with self.db.session() as session:
            if snapshot:
                session.execute(
                    delete(GapSnapshot).where(_in_scope(school_id), GapSnapshot.as_of == day)
                )
            history = self._history(session, school_id, day)
            earlier = [s for s in history if s.as_of < day]
            previous = self._with_items(session, earlier[-1] if earlier else None)
            same_day = history[-1] if history and history[-1].as_of == day else None
            # flagged since: carried over from the latest snapshot up to the report's day
            before = self._with_items(session, same_day) or previous
            legacy = (
                self._first_flags(session, school_id, day)
                if before and any("flagged_since" not in i for i in before.items)
                else []
            )
            self._flag(report, before, snapshot, legacy)
            self._changes(report, previous)
            if snapshot:
                row = GapSnapshot(
                    as_of=day,
                    taken_at=clock.now(),
                    scope=report["scope"],
                    school_id=school_id,
                    summary=report["summary"],
                    items=report["items"],
                )
                session.add(row)
                session.flush()
                report["snapshot_id"] = row.id
                history.append(row)
            report["history"] = [_history_row(s) for s in history]
        return report

    @staticmethod
    def _history(session: Session, school_id: int | None, day: date) -> list[GapSnapshot]:
        """The scope's snapshots up to ``day``, one per day, without their items."""
        query = (
            select(GapSnapshot)
            .where(_in_scope(school_id), GapSnapshot.as_of <= day)
            .options(defer(GapSnapshot.items))
        )
        order = (GapSnapshot.as_of, GapSnapshot.taken_at, GapSnapshot.id)
        latest: dict[date, GapSnapshot] = {}
        for snap in session.scalars(query.order_by(*order)):
            latest[snap.as_of] = snap  # the last one taken on a day stands for that day
        return list(latest.values())

    @staticmethod
    def _with_items(session: Session, snapshot: GapSnapshot | None) -> _Stored | None:
        if snapshot is None:
            return None
        items = session.scalar(select(GapSnapshot.items).where(GapSnapshot.id == snapshot.id))
        return _Stored(snapshot.as_of, items or [])

    @staticmethod
    def _first_flags(
        session: Session, school_id: int | None, day: date
    ) -> list[tuple[str, _PhraseLookup]]:
        """(day, open gaps) of every snapshot up to ``day``: only for snapshots stored before
        ``flagged_since`` was carried in their items, until the next snapshot carries it."""
        query = (
            select(GapSnapshot.as_of, GapSnapshot.items)
            .where(_in_scope(school_id), GapSnapshot.as_of <= day)
            .order_by(GapSnapshot.as_of, GapSnapshot.taken_at, GapSnapshot.id)
        )
        latest: dict[date, list[dict[str, Any]]] = {}
        for as_of, items in session.execute(query):
            latest[as_of] = items or []
        return [
            (as_of.isoformat(), _PhraseLookup([i for i in items if not i["covered"]]))
            for as_of, items in latest.items()
        ]

    @staticmethod
    def _flag(
        report: dict[str, Any],
        before: _Stored | None,
        stored: bool,
        legacy: list[tuple[str, _PhraseLookup]],
    ) -> None:
        """Each open gap's ``flagged_since``: the day snapshots began flagging it without a
        break, carried from snapshot to snapshot, so a report reads one earlier snapshot
        however long the history. A gap the report itself stores is flagged from its day on.
        Snapshots stored before the day was carried are scanned (``legacy``) for the first day
        any of them flagged the gap, as earlier versions did."""
        if before is None:
            before = _Stored(date.min, [])
        flagged = _PhraseLookup([i for i in before.items if not i["covered"]])
        for item in report["items"]:
            earlier = flagged.find(item)
            if earlier is not None:
                item["flagged_since"] = earlier.get("flagged_since") or next(
                    (day for day, lookup in legacy if lookup.find(item) is not None),
                    before.as_of.isoformat(),
                )
            elif stored and not item["covered"]:
                item["flagged_since"] = report["as_of"]
            else:
                item["flagged_since"] = None

    @staticmethod
    def _changes(report: dict[str, Any], previous: _Stored | None) -> None:
        if previous is None:
            report["changes"] = None
            return
        was = _PhraseLookup(previous.items)
        now = _PhraseLookup(report["items"])
        opened, closed = [], []
        for item in report["items"]:
            before = was.find(item)
            if not item["covered"] and (before is None or before["covered"]):
                opened.append(item["skill"])
            if item["covered"] and before is not None and not before["covered"]:
                closed.append(item["skill"])
        no_longer_asked = [
            i["skill"] for i in previous.items if not i["covered"] and now.find(i) is None
        ]
        report["changes"] = {
            "since": previous.as_of.isoformat(),
            "opened": opened,
            "closed": closed,
            "no_longer_asked": no_longer_asked,
        }

    def snapshots(self, school_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Stored snapshots of a scope, newest first, one per day, without their items."""
        query = (
            select(GapSnapshot)
            .where(_in_scope(school_id))
            .order_by(GapSnapshot.taken_at.desc(), GapSnapshot.id.desc())
            .options(defer(GapSnapshot.items))
        )
        rows: dict[date, dict[str, Any]] = {}
        with self.db.session() as session:
            for snap in session.scalars(query):
                if len(rows) == limit:
                    break
                rows.setdefault(snap.as_of, _history_row(snap))
        return list(rows.values())
