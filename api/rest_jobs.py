"""REST ``/api/v1/feeds`` and ``/api/v1/refresh-runs``.

There is deliberately no endpoint that runs a refresh: it runs in the worker process (or
``talentmatch refresh``), never inside a web worker.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from jobs.feeds import FeedIn, FeedPatch, FeedRegistry
from jobs.refresh import Refresher

from .inputs import Query
from .openapi import errors
from .outputs import FeedList, FeedOut, RefreshRunList, RefreshRunOut
from .rest import ITEM_ID, ids_in_range, services
from .validation import QueryLimit, strict_json

bp = APIBlueprint("jobs", __name__, url_prefix="/api/v1")
bp.url_value_preprocessor(ids_in_range)


class RunsQuery(Query):
    limit: QueryLimit = 50


def _feeds() -> FeedRegistry:
    return FeedRegistry(services().db)


@bp.get("/feeds")
@bp.output(FeedList)
@bp.doc(summary="Registered job feeds", tags=["Feeds"], responses=errors())
def list_feeds() -> dict[str, Any]:
    return {"items": _feeds().list()}


@bp.post("/feeds")
@strict_json(FeedIn)
@bp.input(FeedIn)
@bp.output(FeedOut, status_code=201)
@bp.doc(
    summary="Register a job feed (jsonld | json | csv)",
    tags=["Feeds"],
    responses=errors(400, 404, 409, 415, 422),
)
def add_feed(json_data: FeedIn) -> tuple[dict[str, Any], int, dict[str, str]]:
    record = _feeds().add(json_data)
    return record, 201, {"Location": f"/api/v1/feeds/{record['id']}"}


@bp.get(f"/feeds/<{ITEM_ID}:feed_id>")
@bp.output(FeedOut)
@bp.doc(summary="One feed", tags=["Feeds"], responses=errors(404))
def get_feed(feed_id: int) -> dict[str, Any]:
    return _feeds().get(feed_id)


@bp.patch(f"/feeds/<{ITEM_ID}:feed_id>")
@strict_json(FeedPatch)
@bp.input(FeedPatch)
@bp.output(FeedOut)
@bp.doc(
    summary="Enable, disable or change the format of a feed",
    tags=["Feeds"],
    responses=errors(400, 404, 415, 422),
)
def update_feed(feed_id: int, json_data: FeedPatch) -> dict[str, Any]:
    return _feeds().update(feed_id, json_data)


@bp.delete(f"/feeds/<{ITEM_ID}:feed_id>")
@bp.output({}, status_code=204)
@bp.doc(summary="Remove a feed (its demands stay)", tags=["Feeds"], responses=errors(404))
def delete_feed(feed_id: int) -> None:
    _feeds().delete(feed_id)


@bp.get("/refresh-runs")
@bp.input(RunsQuery, location="query")
@bp.output(RefreshRunList)
@bp.doc(
    summary="Refresh runs, newest first, with counts and per-feed errors",
    tags=["Refresh"],
    responses=errors(422),
)
def list_runs(query_data: RunsQuery) -> dict[str, Any]:
    return {"items": Refresher(services()).runs(query_data.limit)}


@bp.get(f"/refresh-runs/<{ITEM_ID}:run_id>")
@bp.output(RefreshRunOut)
@bp.doc(summary="One refresh run", tags=["Refresh"], responses=errors(404))
def get_run(run_id: int) -> dict[str, Any]:
    return Refresher(services()).get_run(run_id)
