"""REST for answers to demands and for each user's notifications (DESIGN "Answers contract")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from apiflask import APIBlueprint
from flask import url_for
from pydantic import BeforeValidator, Field

from matcher.accounts import require
from matcher.answers import ResponseIn, ResponseStatusIn
from matcher.errors import Forbidden

from .i18n import notice_language
from .identity import caller
from .inputs import Query, comma_list
from .openapi import errors
from .outputs import NotificationList, NotificationOut, ResponseList, ResponseOut
from .rest import ITEM_ID, SECURITY, ids_in_range, services
from .validation import QueryBool, QueryId, QueryLimit, strict_json

bp = APIBlueprint("answers", __name__, url_prefix="/api/v1")
bp.url_value_preprocessor(ids_in_range)

Statuses = Annotated[
    Annotated[
        list[Literal["proposed", "accepted", "declined", "withdrawn", "delivered"]],
        Field(min_length=1),
    ]
    | None,
    BeforeValidator(comma_list),
]


class ResponseQuery(Query):
    demand_id: QueryId | None = None
    school_id: QueryId | None = None
    status: Statuses = Field(None, description="Statuses, comma-separated.")


class InboxQuery(Query):
    limit: QueryLimit = 50
    unread: QueryBool = Field(False, description="Only notifications not read yet.")


def _user_id() -> int:
    actor = require(caller())
    if actor.user_id is None:
        raise Forbidden("the local admin has no inbox")
    return actor.user_id


@bp.post(f"/demands/<{ITEM_ID}:demand_id>/responses")
@strict_json(ResponseIn)
@bp.input(ResponseIn)
@bp.output(ResponseOut, status_code=201)
@bp.doc(
    summary="Answer a demand (school members for their school; admins name the school)",
    tags=["Answers"],
    responses=errors(400, 401, 403, 404, 409, 415, 422),
    security=SECURITY,
)
def create_response(demand_id: int, json_data: ResponseIn) -> tuple[dict[str, Any], int, dict]:
    record = services().responses.create(caller(), demand_id, json_data)
    return record, 201, {"Location": url_for("answers.get_response", response_id=record["id"])}


@bp.get(f"/demands/<{ITEM_ID}:demand_id>/responses")
@bp.output(ResponseList)
@bp.doc(
    summary="The answers to a demand the caller may see (its enterprise: all; a school: its "
    "own; admins: all)",
    tags=["Answers"],
    responses=errors(401, 403, 404),
    security=SECURITY,
)
def demand_responses(demand_id: int) -> dict[str, Any]:
    return {"items": services().responses.list(caller(), demand_id=demand_id)}


@bp.get("/responses")
@bp.input(ResponseQuery, location="query")
@bp.output(ResponseList)
@bp.doc(
    summary="Answers the caller may see, oldest first",
    tags=["Answers"],
    responses=errors(401, 403, 404, 422),
    security=SECURITY,
)
def list_responses(query_data: ResponseQuery) -> dict[str, Any]:
    items = services().responses.list(
        caller(),
        demand_id=query_data.demand_id,
        school_id=query_data.school_id,
        status=query_data.status or (),
    )
    return {"items": items}


@bp.get(f"/responses/<{ITEM_ID}:response_id>")
@bp.output(ResponseOut)
@bp.doc(summary="One answer", tags=["Answers"], responses=errors(401, 403, 404), security=SECURITY)
def get_response(response_id: int) -> dict[str, Any]:
    return services().responses.get(caller(), response_id)


@bp.patch(f"/responses/<{ITEM_ID}:response_id>")
@strict_json(ResponseStatusIn)
@bp.input(ResponseStatusIn)
@bp.output(ResponseOut)
@bp.doc(
    summary="Move an answer on: the enterprise accepts or declines, the school withdraws or "
    "marks it delivered",
    tags=["Answers"],
    responses=errors(400, 401, 403, 404, 409, 415, 422),
    security=SECURITY,
)
def update_response(response_id: int, json_data: ResponseStatusIn) -> dict[str, Any]:
    return services().responses.set_status(caller(), response_id, json_data.status)


@bp.get("/me/notifications")
@bp.input(InboxQuery, location="query")
@bp.output(NotificationList)
@bp.doc(
    summary="The caller's inbox, newest first",
    tags=["Notifications"],
    responses=errors(401, 403, 422),
    security=SECURITY,
)
def my_notifications(query_data: InboxQuery) -> dict[str, Any]:
    user_id = _user_id()
    inbox = services().inbox
    return {
        "items": inbox.list(user_id, notice_language(), query_data.unread, query_data.limit),
        "unread": inbox.unread_count(user_id),
    }


@bp.post(f"/me/notifications/<{ITEM_ID}:notification_id>/read")
@bp.output(NotificationOut)
@bp.doc(
    summary="Mark one of the caller's notifications read",
    tags=["Notifications"],
    responses=errors(401, 403, 404),
    security=SECURITY,
)
def read_notification(notification_id: int) -> dict[str, Any]:
    return services().inbox.mark_read(_user_id(), notification_id, notice_language())
