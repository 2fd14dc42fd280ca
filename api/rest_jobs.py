"""REST ``/api/v1/feeds`` and ``/api/v1/refresh-runs``.

There is deliberately no endpoint that runs a refresh: it runs in the worker process (or
``talentmatch refresh``), never inside a web worker.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from pydantic import Field

from jobs.feeds import FeedIn, FeedPatch, FeedRegistry
from jobs.refresh import Refresher

from .rest import PROBLEM_RESPONSES, Query, services

bp = APIBlueprint("jobs", __name__, url_prefix="/api/v1")


class RunsQuery(Query):
    limit: int = Field(50, ge=1, le=1000)


def _feeds() -> FeedRegistry:
    return FeedRegistry(services().db)


@bp.get("/feeds")
@bp.doc(summary="Registered job feeds", responses=PROBLEM_RESPONSES)
def list_feeds() -> dict[str, Any]:
    return {"items": _feeds().list()}


@bp.post("/feeds")
@bp.input(FeedIn)
@bp.doc(summary="Register a job feed (jsonld | json | csv)", responses=PROBLEM_RESPONSES)
def add_feed(json_data: FeedIn) -> tuple[dict[str, Any], int, dict[str, str]]:
    record = _feeds().add(json_data)
    return record, 201, {"Location": f"/api/v1/feeds/{record['id']}"}


@bp.get("/feeds/<int:feed_id>")
@bp.doc(summary="One feed", responses=PROBLEM_RESPONSES)
def get_feed(feed_id: int) -> dict[str, Any]:
    return _feeds().get(feed_id)


@bp.patch("/feeds/<int:feed_id>")
@bp.input(FeedPatch)
@bp.doc(summary="Enable, disable or change the format of a feed", responses=PROBLEM_RESPONSES)
def update_feed(feed_id: int, json_data: FeedPatch) -> dict[str, Any]:
    return _feeds().update(feed_id, json_data)


@bp.delete("/feeds/<int:feed_id>")
@bp.doc(summary="Remove a feed (its demands stay)", responses=PROBLEM_RESPONSES)
def delete_feed(feed_id: int) -> tuple[str, int]:
    _feeds().delete(feed_id)
    return "", 204


@bp.get("/refresh-runs")
@bp.input(RunsQuery, location="query")
@bp.doc(
    summary="Refresh runs, newest first, with counts and per-feed errors",
    responses=PROBLEM_RESPONSES,
)
def list_runs(query_data: RunsQuery) -> dict[str, Any]:
    return {"items": Refresher(services()).runs(query_data.limit)}


@bp.get("/refresh-runs/<int:run_id>")
@bp.doc(summary="One refresh run", responses=PROBLEM_RESPONSES)
def get_run(run_id: int) -> dict[str, Any]:
    return Refresher(services()).get_run(run_id)
