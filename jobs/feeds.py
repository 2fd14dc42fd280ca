"""Registered feeds: add, list, change, remove; and their output shape."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field
from sqlalchemy import select

from matcher.catalog import (
    InputModel,
    OptionalInt,
    OptionalName,
    Resolver,
    at_most,
    constraint_conflicts,
    http_url,
    iso,
    parse_input_model,
    url_schema,
)
from matcher.errors import Conflict, NotFound
from store import Database, Feed

FeedUrl = Annotated[str, AfterValidator(http_url), BeforeValidator(at_most(2000)), url_schema(2000)]


class FeedIn(InputModel):
    url: FeedUrl
    format: Literal["jsonld", "json", "csv"]
    enterprise_id: OptionalInt = None
    enterprise: OptionalName = Field(
        None, description="Enterprise name (created if absent); postings may name their own."
    )
    enabled: bool = True


class FeedPatch(InputModel):
    enabled: bool | None = None
    format: Literal["jsonld", "json", "csv"] | None = None


def feed_record(feed: Feed) -> dict[str, Any]:
    return {
        "id": feed.id,
        "url": feed.url,
        "format": feed.format,
        "enterprise_id": feed.enterprise_id,
        "enterprise": feed.enterprise.name if feed.enterprise else None,
        "enabled": feed.enabled,
        "last_fetched_at": iso(feed.last_fetched_at),
        "last_status": feed.last_status,
        "created_at": iso(feed.created_at),
    }


class FeedRegistry:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, data: FeedIn) -> dict[str, Any]:
        """Register a feed; its URL is unique as given, in this check and in the database."""
        with constraint_conflicts(), self.db.session() as session:
            if session.scalar(select(Feed.id).where(Feed.url == data.url)) is not None:
                raise Conflict(f"field 'url': a feed with URL {data.url} is already registered")
            enterprise = None
            if data.enterprise_id is not None or data.enterprise is not None:
                enterprise = Resolver(session).organization(
                    "enterprise", data.enterprise_id, data.enterprise
                )
            feed = Feed(
                url=data.url,
                format=data.format,
                enterprise_id=enterprise.id if enterprise else None,
                enabled=data.enabled,
            )
            session.add(feed)
            session.flush()
            return feed_record(feed)

    def list(self, enterprise_id: int | None = None) -> list[dict[str, Any]]:
        """Every feed, or only one enterprise's."""
        query = select(Feed).order_by(Feed.id)
        if enterprise_id is not None:
            query = query.where(Feed.enterprise_id == enterprise_id)
        with self.db.session() as session:
            return [feed_record(f) for f in session.scalars(query)]

    def get(self, feed_id: int) -> dict[str, Any]:
        with self.db.session() as session:
            return feed_record(self._feed(session, feed_id))

    def update(self, feed_id: int, patch: FeedPatch) -> dict[str, Any]:
        with self.db.session() as session:
            feed = self._feed(session, feed_id)
            if patch.enabled is not None:
                feed.enabled = patch.enabled
            if patch.format is not None and patch.format != feed.format:
                feed.format = patch.format
                feed.etag = feed.last_modified = None  # read it whole next time
            return feed_record(feed)

    def delete(self, feed_id: int) -> None:
        """The feed goes; demands it brought stay (and expire as any other demand would)."""
        with self.db.session() as session:
            session.delete(self._feed(session, feed_id))

    @staticmethod
    def _feed(session: Any, feed_id: int) -> Feed:
        feed = session.get(Feed, feed_id)
        if feed is None:
            raise NotFound(f"feed {feed_id} not found")
        return feed


def parse_feed_input(data: Any) -> FeedIn:
    return parse_input_model(FeedIn, data)
