"""The refresh: every enabled feed fetched, parsed and applied, then the index and a gap snapshot.

One refresh at a time (``DatabaseLock``); a second one is refused with a clear message. Each
feed is its own transaction: a feed that times out, answers an error or sends an unreadable
body is marked failed with the reason, its stored postings stay as they were, and the other
feeds go on. After the feeds, the index is brought in line with the store and published by
swapping the manifest (``IndexService.sync``): web workers pick the new version up on their
next request; if that step fails the previous index keeps serving and the next refresh (or
``talentmatch index``) repairs it. Then the region's gap snapshot is taken, dated the
consortium's day (``TIMEZONE``): the 02:00 run belongs to the day it runs on, and each school
with members gets its gap digest (``jobs.digest``: new gaps and gaps turned red, one notice).
Each run is a ``RefreshRun`` row with counts and per-feed outcomes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, select

from jobs.needs import RefreshServices
from matcher import clock
from matcher.catalog import iso
from matcher.errors import NotFound
from store import Demand, Feed, RefreshRun

from .digest import GapDigest
from .fetch import FeedFetcher, FetchError
from .lock import DatabaseLock
from .parse import ParseError, parse_feed
from .upsert import FeedCounts, upsert_feed

log = logging.getLogger(__name__)
LOCK_NAME = "refresh"
FeedReport = Callable[[dict[str, Any]], None]


def run_record(run: RefreshRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "status": run.status,
        "trigger": run.trigger,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "counts": run.counts,
        "errors": run.errors,
        "feeds": run.feeds,
    }


class Refresher:
    def __init__(self, services: RefreshServices, fetcher: FeedFetcher | None = None) -> None:
        self.services = services
        self.fetcher = fetcher or FeedFetcher(services.settings)

    def run(
        self,
        feed_id: int | None = None,
        trigger: str = "manual",
        on_feed: FeedReport | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> dict[str, Any]:
        """Refresh all enabled feeds (or one) now; returns the run record.

        ``on_feed`` hears each feed's outcome as it ends; ``progress`` counts encoded texts.
        """
        db = self.services.db
        with DatabaseLock(db, LOCK_NAME, self.services.settings.refresh_lock_ttl) as lock:
            with db.session() as session:
                feeds = self._feeds(session, feed_id)
                run = RefreshRun(
                    trigger=trigger,
                    status="running",
                    started_at=clock.now(),
                    counts={},
                    errors=[],
                    feeds=[],
                )
                session.add(run)
                session.flush()
                run_id = run.id
            with db.session() as session:
                last_before = session.scalar(select(func.max(Demand.id))) or 0
            totals = FeedCounts()
            outcomes = []
            for feed_id_ in feeds:
                if lock.lost:
                    break
                outcomes.append(self._refresh_feed(feed_id_, totals, progress))
                if on_feed:
                    on_feed(outcomes[-1])
            errors = [
                {"feed_id": o["feed_id"], "url": o["url"], "reason": reason}
                for o in outcomes
                for reason in o["errors"]
            ]
            status = self._status(outcomes)
            if lock.lost:
                # another process holds the lock (this one stalled past its time to live):
                # it runs the index update and the snapshot; this run stops here
                reason = "the refresh lock was taken over by another process; stopped"
                errors.append({"feed_id": None, "url": None, "reason": reason})
                status = "failed"
            elif not self._publish(run_id, last_before, errors):
                status = "failed"
            with db.session() as session:
                finished = session.get(RefreshRun, run_id)
                assert finished is not None
                finished.status = status
                finished.counts = asdict(totals)
                finished.errors = errors
                finished.feeds = outcomes
                finished.finished_at = clock.now()
                session.flush()
                return run_record(finished)

    def _publish(self, run_id: int, last_before: int, errors: list[dict[str, Any]]) -> bool:
        """The index update, then the gap snapshot, digests and match notices; False when the
        index update failed (the previous index keeps serving)."""
        try:
            self.services.index.sync()
        except Exception as exc:
            log.exception("index update failed after refresh")
            reason = f"index update failed ({type(exc).__name__}); the previous index serves"
            errors.append({"feed_id": None, "url": None, "reason": reason})
            return False
        self._snapshot(errors)
        self._digest(run_id, errors)
        self._matched(run_id, last_before, errors)
        return True

    @staticmethod
    def _feeds(session: Any, feed_id: int | None) -> list[int]:
        if feed_id is not None:
            if session.get(Feed, feed_id) is None:
                raise NotFound(f"feed {feed_id} not found")
            return [feed_id]
        return list(
            session.scalars(select(Feed.id).where(Feed.enabled.is_(True)).order_by(Feed.id))
        )

    @staticmethod
    def _status(outcomes: list[dict[str, Any]]) -> str:
        states = {o["status"] for o in outcomes}
        if outcomes and states == {"failed"}:
            return "failed"
        if states & {"failed", "partial"}:
            return "partial"
        return "succeeded"

    def _refresh_feed(
        self, feed_id: int, totals: FeedCounts, progress: Callable[[int], None] | None
    ) -> dict[str, Any]:
        db = self.services.db
        with db.session() as session:
            feed = session.get(Feed, feed_id)
            assert feed is not None
            url, feed_format, etag, modified = feed.url, feed.format, feed.etag, feed.last_modified
        outcome: dict[str, Any] = {"feed_id": feed_id, "url": url, "errors": []}
        counts = FeedCounts()
        try:
            fetched = self.fetcher.fetch(url, etag, modified)
            if fetched.not_modified:
                status = "not_modified"
                counts = self._touch_unchanged(feed_id)
            else:
                parsed = parse_feed(feed_format, fetched.body, fetched.content_type)
                with db.session() as session:
                    feed = session.get(Feed, feed_id)
                    assert feed is not None
                    result = upsert_feed(session, self.services.catalog, feed, parsed, clock.now())
                    feed.etag, feed.last_modified = fetched.etag, fetched.last_modified
                self.services.catalog.store_vectors(result.texts, progress)
                counts = result.counts
                outcome["errors"] = result.errors
                status = "partial" if result.errors else "succeeded"
        except (FetchError, ParseError) as exc:
            status = "failed"
            outcome["errors"] = [str(exc)]
        except Exception as exc:  # a bug must not stop the other feeds
            log.exception("feed %s failed unexpectedly", url)
            status = "failed"
            outcome["errors"] = [f"unexpected failure ({type(exc).__name__}); see the worker log"]
            self.services.vectors.forget()
        with db.session() as session:
            feed = session.get(Feed, feed_id)
            if feed is not None:
                feed.last_fetched_at = clock.now()
                feed.last_status = status
        if status == "failed":
            counts.failed = max(counts.failed, 1)
        totals.add(counts)
        outcome.update(status=status, counts=asdict(counts))
        return outcome

    def _touch_unchanged(self, feed_id: int) -> FeedCounts:
        """A 304: every active posting of the feed is still listed, unchanged; those whose
        ``validThrough`` has passed since expire all the same."""
        with self.services.db.session() as session:
            active = list(
                session.scalars(
                    select(Demand).where(
                        Demand.source == f"feed:{feed_id}", Demand.status == "active"
                    )
                )
            )
            now = clock.now()
            counts = FeedCounts()
            for demand in active:
                demand.last_seen_at = now
                if demand.expires_at is not None and demand.expires_at <= now:
                    demand.status = "expired"
                    counts.expired += 1
                else:
                    counts.unchanged += 1
            return counts

    def _snapshot(self, errors: list[dict[str, Any]]) -> None:
        try:
            self.services.gap_history.report(snapshot=True)
        except Exception as exc:
            log.exception("gap snapshot failed after refresh")
            errors.append(
                {
                    "feed_id": None,
                    "url": None,
                    "reason": f"gap snapshot failed ({type(exc).__name__})",
                }
            )

    def _digest(self, run_id: int, errors: list[dict[str, Any]]) -> None:
        try:
            reported, failed = GapDigest(self.services).run(run_id)
        except Exception as exc:
            log.exception("gap digest failed after refresh")
            reason = f"gap digest failed ({type(exc).__name__})"
            errors.append({"feed_id": None, "url": None, "reason": reason})
            return
        for school_id in failed:
            reason = f"gap digest of school {school_id} failed: it comes with the next refresh"
            errors.append({"feed_id": None, "url": None, "reason": reason})
        log.info("gap digests: %d schools told of %d skills", len(reported), sum(reported.values()))

    def _matched(self, run_id: int, last_before: int, errors: list[dict[str, Any]]) -> None:
        """Tell each school of the run's new demands its courses fit (one notice per school)."""
        with self.services.db.session() as session:
            new = list(
                session.scalars(
                    select(Demand.id)
                    .where(Demand.id > last_before, Demand.source != "manual")
                    .order_by(Demand.id)
                )
            )
        try:
            told = self.services.match_notifier.digest(new, run_id)
        except Exception as exc:
            log.exception("fitting-demand digest failed after refresh")
            reason = f"digest of fitting demands failed ({type(exc).__name__})"
            errors.append({"feed_id": None, "url": None, "reason": reason})
            return
        log.info("fitting demands: %d new, %d schools told", len(new), told)

    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.services.db.session() as session:
            rows = session.scalars(select(RefreshRun).order_by(RefreshRun.id.desc()).limit(limit))
            return [run_record(r) for r in rows]

    def get_run(self, run_id: int) -> dict[str, Any]:
        with self.services.db.session() as session:
            run = session.get(RefreshRun, run_id)
            if run is None:
                raise NotFound(f"refresh run {run_id} not found")
            return run_record(run)
