"""What every page shares: the caller by role, the services, form errors by field, navigation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any, TypeVar

from babel.dates import format_datetime
from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from api.identity import caller, caller_or_none
from api.rest import services as services  # the pages use the same services as REST
from matcher import clock
from matcher.accounts import Actor
from matcher.catalog import MAX_ID
from matcher.errors import TalentmatchError

F = TypeVar("F", bound=Callable[..., Any])

_DIGITS = re.compile(r"[0-9]{1,20}")


def for_role(*roles: str) -> Callable[[F], F]:
    """A page for these roles (admins too): anonymous callers go to sign in, others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            actor = caller()
            if actor is None:
                return _signed_out()
            if actor.role not in roles and not actor.is_admin:
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorator


def _signed_out() -> Any:
    """Not (or no longer) signed in. A form sent meanwhile keeps what was typed (the page
    that explains it offers to send it again); an htmx request gets a 401 that htmx does not
    swap in, so the page around it stays as it is; otherwise: sign in, then come back."""
    if request.headers.get("HX-Request"):
        return _("You were signed out. Sign in again in a new tab."), 401
    if request.method == "POST" and request.form:
        from api.errors import expired_form

        return expired_form()
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


def signed_in() -> Actor:
    actor = caller()
    assert actor is not None, "for_role lets only signed-in callers through"
    return actor


def number(text: str, maximum: int = MAX_ID) -> int | None:
    """``text`` as a whole number from 1 to ``maximum`` (an id: at most ``MAX_ID``, which the
    database can hold), written in ASCII digits; else None. ``str.isdigit`` is no test: it
    accepts "²", which ``int`` refuses."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= maximum else None


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def day(value: str | None) -> date | None:
    """A record's ISO day as a date; an ISO instant (``posted_at``, ``created_at``) as its day
    in the consortium's zone, never its UTC date."""
    if not value:
        return None
    return clock.local_day(_instant(value)) if "T" in value else date.fromisoformat(value)


def last_day(expiry: str | None) -> date | None:
    """The last day a demand is valid (``clock.last_day``)."""
    return clock.last_day(_instant(expiry)) if expiry else None


def when(value: str | None) -> str:
    """An ISO instant as a date and time in the consortium's zone, in the page's language."""
    if not value:
        return ""
    return format_datetime(_instant(value), "medium", tzinfo=clock.zone(), locale=get_locale())


def field_errors(error: TalentmatchError) -> dict[str, str]:
    """``{field: message}`` of a refused write, for messages beside each field, in the page's
    language; a message about no one field goes under ``""``."""
    found = {e["field"]: in_page_language(e["message"]) for e in error.errors if e.get("field")}
    if not found:
        found[""] = in_page_language(error.detail)
    return found


def form_status(error: TalentmatchError) -> int:
    """The status of a form page sent back with its errors: 422 for any unreadable input."""
    return 422 if error.status in (400, 422) else error.status


def in_page_language(text: str) -> str:
    """A validation message in the page's language (the domain's words are English)."""
    number = re.search(r"-?\d[\d_,]*", text)
    n = number.group(0).replace("_", "").replace(",", "") if number else ""
    if text == "must not be blank":
        return _("This field must not be blank.")
    if text == "Field required":
        return _("This field is required.")
    if text.startswith("Input should be greater than or equal to"):
        return _("Must be at least %(n)s.", n=n)
    if text.startswith("Input should be less than or equal to"):
        return _("Must be at most %(n)s.", n=n)
    if text.startswith("Input should be a valid integer"):
        return _("Enter a whole number.")
    if text.startswith("date is in the future"):
        return _("This date is in the future: today is the latest day allowed.")
    if text.startswith("date is outside") or text.startswith("date is before"):
        return _("Enter a date between 1900 and 2999.")
    if text.startswith("not a date"):
        return _("Enter a date as YYYY-MM-DD.")
    if text.startswith("at most") and text.endswith("characters"):
        return _("At most %(n)s characters.", n=n)
    if text.startswith("List should have at most"):
        return _("At most %(n)s skills.", n=n)
    if text.startswith("Input should be 'job'"):
        return _("Choose one of the kinds in the list.")
    if text.endswith("already exists"):
        return _("This is taken already: %(what)s.", what=text.removesuffix(" already exists"))
    if text.startswith("a course needs"):
        return _("A course needs a description, skills or learning outcomes.")
    if text.startswith("no course with id") or text.startswith("no program with id"):
        return _("Not one of your school's courses or programs.")
    field, separator, rest = text.partition(": ")
    if separator and field.replace("_", "").isalnum() and field.isascii():
        return _("%(field)s: %(message)s", field=field, message=in_page_language(rest))
    return text


def error_page(status: int, detail: str) -> tuple[str, int]:
    return render_template("error.html", status=status, detail=detail), status


def navigation() -> list[dict[str, Any]]:
    """The header's links: public ones, then the signed-in role's own."""
    actor = caller_or_none()
    items = [
        (_("Overview"), url_for("web.home")),
        (_("Search"), url_for("web.search")),
        (_("Region gaps"), url_for("web.region_gaps")),
    ]
    role = actor.role if actor else None
    if role in ("enterprise", "admin"):
        items += [
            (_("Our demands"), url_for("enterprise.demands")),
            (_("Feeds"), url_for("enterprise.feeds")),
        ]
    if role in ("school", "admin"):
        items += [
            (_("Programs and courses"), url_for("school.catalog")),
            (_("Our gap report"), url_for("school.gaps")),
            (_("Our answers"), url_for("school.my_answers")),
        ]
    if role in ("student", "admin"):
        items += [
            (_("My profile"), url_for("student.profile")),
            (_("Internships and jobs"), url_for("student.search")),
        ]
    if actor:
        items.append((_("Inbox"), url_for("inbox.inbox")))
        items.append((_("Account"), url_for("web.account")))
    else:
        items.append((_("Sign in"), url_for("web.login")))
    unread = _unread(actor) if actor else 0
    return [
        {
            "label": label,
            "url": url,
            "current": url == request.path,
            "count": unread if url == url_for("inbox.inbox") else 0,
        }
        for label, url in items
    ]


def _unread(actor: Actor) -> int:
    """The navigation's inbox badge: one COUNT query (the local admin has no inbox)."""
    return services().inbox.unread_count(actor.user_id) if actor.user_id is not None else 0
