"""What the pages about answers share: the words for an answer's kinds and statuses, its days
for display, and moving an answer on (the enterprise accepts or declines, the school withdraws
or marks it delivered; ``Responses.set_status`` decides who may)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import flash, redirect, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from matcher import clock
from matcher.answers import TRANSITIONS
from matcher.catalog import MAX_ID
from matcher.catalog.records import is_active
from matcher.errors import Conflict, TalentmatchError
from store import Demand, Organization

from .common import error_page, services, signed_in

BADGES = {
    "proposed": "yellow",
    "accepted": "green",
    "delivered": "green",
    "declined": "red",
    "withdrawn": "grey",
}
"""The badge colour of each status."""


def kind_names() -> dict[str, str]:
    return {
        "existing_course": _("an existing course"),
        "revised_course": _("a revised course"),
        "new_course": _("a new course"),
        "program": _("a program"),
        "order_class": _("an order class"),
        "training": _("a training offer"),
    }


def status_names() -> dict[str, str]:
    return {
        "proposed": _("proposed"),
        "accepted": _("accepted"),
        "declined": _("declined"),
        "withdrawn": _("withdrawn"),
        "delivered": _("delivered"),
    }


def words() -> dict[str, Any]:
    """What a template about answers needs to name kinds and statuses."""
    return {
        "answer_kinds": kind_names(),
        "answer_statuses": status_names(),
        "answer_badges": BADGES,
    }


def latest_by_demand(school_id: int) -> dict[int, dict[str, Any]]:
    """The school's newest answer to each demand it answered (one query)."""
    found = services().responses.list(signed_in(), school_id=school_id)
    return {r["demand_id"]: r for r in found}  # oldest first: the newest one stays


def postings(demand_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Title, enterprise, posting day and whether it is open, of each demand (one query)."""
    wanted = sorted(set(demand_ids))
    if not wanted:
        return {}
    found = {}
    with services().db.session() as session:
        query = select(Demand, Organization.name).join(Demand.enterprise)
        for demand, enterprise in session.execute(query.where(Demand.id.in_(wanted))):
            found[demand.id] = {
                "id": demand.id,
                "title": demand.title,
                "enterprise": enterprise,
                "posted_day": clock.local_day(demand.posted_at),
                "open": is_active(demand),
            }
    return found


def moved_message(status: str, record: dict[str, Any]) -> str:
    names = {"school": record["school"], "demand": record["demand_title"]}
    if status == "accepted":
        return _("You accepted the answer of %(school)s to “%(demand)s”.", **names)
    if status == "declined":
        return _("You declined the answer of %(school)s to “%(demand)s”.", **names)
    if status == "withdrawn":
        return _("Your answer to “%(demand)s” is withdrawn.", demand=names["demand"])
    return _("Your answer to “%(demand)s” is marked delivered.", demand=names["demand"])


def move(response_id: int, back: str) -> Response | tuple[str, int]:
    """The form's ``status`` applied to an answer, then back to ``back`` with a message.

    An answer that moved on meanwhile (a 409) is said in the message; not being the party who
    may make this move is the 403 page, an unknown answer the 404 page.
    """
    if response_id > MAX_ID:  # beyond what the database holds: no such answer
        return error_page(404, _("There is no answer with this number."))
    status = request.form.get("status", "")
    if status not in TRANSITIONS:
        return error_page(400, _("Choose one of the buttons of the answer."))
    try:
        record = services().responses.set_status(signed_in(), response_id, status)
    except Conflict:
        current = services().responses.get(signed_in(), response_id)
        flash(
            _(
                "Nothing changed: the answer is %(status)s now, so it cannot become %(target)s.",
                status=status_names()[current["status"]],
                target=status_names()[status],
            )
        )
        return redirect(back, code=303)
    except TalentmatchError as exc:
        if exc.status == 403:
            return error_page(
                403,
                _(
                    "The demand's enterprise accepts or declines an answer; the answering "
                    "school withdraws it or marks it delivered."
                ),
            )
        if exc.status == 404:
            return error_page(404, _("There is no answer with this number."))
        return error_page(exc.status, exc.detail)
    flash(moved_message(status, record))
    return redirect(back, code=303)
