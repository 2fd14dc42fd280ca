"""Postings of one feed → demands: new and changed ones written, unchanged ones touched, the
ones gone from the feed or past their ``validThrough`` expired — never deleted.

Postings are keyed by (feed, external id); a posting without an identifier gets a content key
(title, city, description, url), so the same posting is recognised again. Only new or changed
texts reach the encoder (``Catalog.stamp`` looks every text up by content hash first).

A feed's date without a time is a day of the consortium (``TIMEZONE``): ``datePosted:
2026-11-30`` is posted at the start of that local day, ``validThrough: 2026-11-30`` keeps the
posting valid to the end of it (as ``DemandIn`` reads every bare ``expires_at``). Times with
or without an offset pass on as they are. ``DemandIn`` checks the posting day as written, so
a posting dated after today (local) is a bad record at any hour, left out with its reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher import clock
from matcher.catalog import Catalog, DemandIn, Resolver, parse_input_model
from matcher.errors import TalentmatchError
from store import Demand, Feed

from .parse import ParseResult, Posting


@dataclass
class FeedCounts:
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    expired: int = 0
    failed: int = 0

    def add(self, other: FeedCounts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


@dataclass
class UpsertResult:
    counts: FeedCounts = field(default_factory=FeedCounts)
    errors: list[str] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)  # to encode once the write has committed


def source_of(feed: Feed) -> str:
    return f"feed:{feed.id}"


def posting_key(posting: Posting) -> str:
    if posting.external_id:
        return posting.external_id[:200]
    basis = "\n".join(
        [posting.title or "", posting.city or "", posting.description, posting.url or ""]
    )
    return "content:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


def _fingerprint(posting: Posting) -> str:
    return hashlib.sha256(json.dumps(asdict(posting), sort_keys=True).encode("utf-8")).hexdigest()


def _as_input(feed: Feed, posting: Posting, key: str, now: datetime) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": posting.kind,
        "title": posting.title,
        "description": posting.description,
        "skills": posting.skills,
        "openings": posting.openings or 1,
        "city": posting.city,
        # Without a date the posting is new now: written in the consortium's zone, whose
        # day the future check compares.
        "posted_at": posting.posted or now.astimezone(clock.zone()).isoformat(),
        "expires_at": posting.expires,
        "url": posting.url,
        "source": source_of(feed),
        "external_id": key,
    }
    if feed.enterprise_id is not None:
        data["enterprise_id"] = feed.enterprise_id
    else:
        data["enterprise"] = posting.enterprise
    return data


def _as_datetime(value: datetime | date) -> datetime:
    """DemandIn has already made every date a UTC datetime; this only tells the type checker."""
    assert isinstance(value, datetime)
    return value


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _posted_at(posting: Posting, record: DemandIn) -> datetime:
    """When the posting was posted: a bare ``datePosted`` at the start of its local day.

    ``DemandIn`` has already checked the day as written (not after today), and read a bare
    day as 00:00 UTC; only then does the day become the instant it starts here.
    """
    if posting.posted is not None and _DAY.fullmatch(posting.posted):
        return clock.day_start(date.fromisoformat(posting.posted))
    return _as_datetime(record.posted_at)


def _expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now


def upsert_feed(
    session: Session,
    catalog: Catalog,
    feed: Feed,
    parsed: ParseResult,
    now: datetime,
) -> UpsertResult:
    """Apply one feed's postings in the caller's transaction; ``texts`` of the result are for
    ``Catalog.store_vectors`` once it has committed."""
    result = UpsertResult(errors=list(parsed.errors))
    counts = result.counts
    counts.fetched = len(parsed.postings) + len(parsed.errors)
    counts.failed = len(parsed.errors)
    source = source_of(feed)
    existing = {
        d.external_id: d for d in session.scalars(select(Demand).where(Demand.source == source))
    }
    resolver = Resolver(session)
    seen: dict[str, int] = {}
    to_stamp: list[Demand] = []
    for number, posting in parsed.postings:
        key = posting_key(posting)
        if key in seen:
            counts.failed += 1
            result.errors.append(f"record {number}: same id as record {seen[key]}, left out")
            continue
        if feed.enterprise_id is None and not posting.enterprise:
            counts.failed += 1
            result.errors.append(
                f"record {number}: no enterprise (name hiringOrganization, or register the "
                "feed with an enterprise)"
            )
            continue
        try:
            record = parse_input_model(
                DemandIn, _as_input(feed, posting, key, now), f"record {number}"
            )
        except TalentmatchError as exc:
            counts.failed += 1
            result.errors.append(exc.detail)
            continue
        seen[key] = number
        fingerprint = _fingerprint(posting)
        enterprise = resolver.organization(
            "enterprise",
            record.enterprise_id,
            record.enterprise,
        )
        demand = existing.get(key)
        values = {
            "enterprise_id": enterprise.id,
            "kind": record.kind,
            "title": record.title,
            "description": record.description,
            "skills": list(record.skills),
            "openings": record.openings,
            "city": record.city,
            "expires_at": record.expires_at,
            "url": record.url,
        }
        gone_before = demand is not None and demand.status != "active"
        if demand is None:
            demand = Demand(
                source=source,
                external_id=key,
                posted_at=_posted_at(posting, record),
                **values,
            )
            session.add(demand)
            counts.new += 1
            to_stamp.append(demand)
        elif demand.content_hash != fingerprint or gone_before:
            for name, value in values.items():
                setattr(demand, name, value)
            if posting.posted:
                demand.posted_at = _posted_at(posting, record)
            counts.updated += 1
            to_stamp.append(demand)
        else:
            counts.unchanged += 1
        demand.content_hash = fingerprint
        demand.last_seen_at = now
        if _expired(demand.expires_at, now):
            if demand.status == "active" or demand in to_stamp:
                counts.expired += 1
            demand.status = "expired"
        else:
            demand.status = "active"
    for external_id, demand in existing.items():
        if external_id not in seen and demand.status == "active":
            demand.status = "expired"
            if demand.expires_at is None or demand.expires_at > now:
                demand.expires_at = now
            counts.expired += 1
    session.flush()
    if to_stamp:
        result.texts = catalog.stamp(session, to_stamp).texts
    result.touched = {d.id for d in to_stamp}
    return result
