"""REST ``/api/v1/feeds`` and ``/api/v1/refresh-runs``.

There is deliberately no endpoint that runs a refresh: it runs in the worker process (or
``talentmatch refresh``), never inside a web worker.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from jobs.feeds import FeedIn, FeedPatch, FeedRegistry
from jobs.refresh import Refresher
from matcher.accounts import require, require_admin

from .identity import caller
from .inputs import Query
from .openapi import errors
from .outputs import FeedList, FeedOut, RefreshRunList, RefreshRunOut
from .rest import ITEM_ID, SECURITY, ids_in_range, services
from .validation import QueryLimit, strict_json

bp = APIBlueprint("jobs", __name__, url_prefix="/api/v1")
bp.url_value_preprocessor(ids_in_range)


class RunsQuery(Query):
    limit: QueryLimit = 50


def _feeds() -> FeedRegistry:
    return FeedRegistry(services().db)


@bp.get("/feeds")
@bp.output(FeedList)
@bp.doc(
    summary="Registered job feeds: all to admins, an enterprise's own to its members",
    tags=["Feeds"],
    responses=errors(401, 403),
    security=SECURITY,
)
def list_feeds() -> dict[str, Any]:
    actor = require(caller())
    if actor.is_admin:
        return {"items": _feeds().list()}
    services().access.check_feed(actor, actor.organization_id)  # 403 to other roles
    return {"items": _feeds().list(actor.organization_id)}


def _may_manage(feed_id: int) -> None:
    """The feed's enterprise members and admins; 404 first where there is no such feed."""
    actor = require(caller())
    access = services().access
    access.check_feed_owner(actor, access.feed_owner(feed_id))


@bp.post("/feeds")
@strict_json(FeedIn)
@bp.input(FeedIn)
@bp.output(FeedOut, status_code=201)
@bp.doc(
    summary="Register a job feed (jsonld | json | csv)",
    tags=["Feeds"],
    responses=errors(400, 401, 403, 404, 409, 415, 422),
    security=SECURITY,
)
def add_feed(json_data: FeedIn) -> tuple[dict[str, Any], int, dict[str, str]]:
    owner = services().access.check_feed(caller(), json_data.enterprise_id, json_data.enterprise)
    if owner != json_data.enterprise_id:
        json_data = json_data.model_copy(update={"enterprise_id": owner, "enterprise": None})
    record = _feeds().add(json_data)
    return record, 201, {"Location": f"/api/v1/feeds/{record['id']}"}


@bp.get(f"/feeds/<{ITEM_ID}:feed_id>")
@bp.output(FeedOut)
@bp.doc(summary="One feed", tags=["Feeds"], responses=errors(401, 403, 404), security=SECURITY)
def get_feed(feed_id: int) -> dict[str, Any]:
    _may_manage(feed_id)
    return _feeds().get(feed_id)


@bp.patch(f"/feeds/<{ITEM_ID}:feed_id>")
@strict_json(FeedPatch)
@bp.input(FeedPatch)
@bp.output(FeedOut)
@bp.doc(
    summary="Enable, disable or change the format of a feed",
    tags=["Feeds"],
    responses=errors(400, 401, 403, 404, 415, 422),
    security=SECURITY,
)
def update_feed(feed_id: int, json_data: FeedPatch) -> dict[str, Any]:
    _may_manage(feed_id)
    return _feeds().update(feed_id, json_data)


@bp.delete(f"/feeds/<{ITEM_ID}:feed_id>")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Remove a feed (its demands stay)",
    tags=["Feeds"],
    responses=errors(401, 403, 404),
    security=SECURITY,
)
def delete_feed(feed_id: int) -> None:
    _may_manage(feed_id)
    _feeds().delete(feed_id)


@bp.get("/refresh-runs")
@bp.input(RunsQuery, location="query")
@bp.output(RefreshRunList)
@bp.doc(
    summary="Refresh runs, newest first, with counts and per-feed errors (admins)",
    tags=["Refresh"],
    responses=errors(401, 403, 422),
    security=SECURITY,
)
def list_runs(query_data: RunsQuery) -> dict[str, Any]:
    require_admin(caller(), "read refresh runs")
    return {"items": Refresher(services()).runs(query_data.limit)}


@bp.get(f"/refresh-runs/<{ITEM_ID}:run_id>")
@bp.output(RefreshRunOut)
@bp.doc(
    summary="One refresh run (admins)",
    tags=["Refresh"],
    responses=errors(401, 403, 404),
    security=SECURITY,
)
def get_run(run_id: int) -> dict[str, Any]:
    require_admin(caller(), "read refresh runs")
    return Refresher(services()).get_run(run_id)
