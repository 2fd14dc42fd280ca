"""What every page shares: the caller by role, the services, form errors by field, navigation."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.identity import caller, caller_or_none
from api.wiring import Services
from matcher.accounts import Actor
from matcher.errors import TalentmatchError

F = TypeVar("F", bound=Callable[..., Any])


def services() -> Services:
    return current_app.extensions["talentmatch"]


def for_role(*roles: str) -> Callable[[F], F]:
    """A page for these roles (admins too): anonymous callers go to sign in, others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            actor = caller()
            if actor is None:
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            if actor.role not in roles and not actor.is_admin:
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorator


def signed_in() -> Actor:
    actor = caller()
    assert actor is not None, "for_role lets only signed-in callers through"
    return actor


def field_errors(error: TalentmatchError) -> dict[str, str]:
    """``{field: message}`` of a refused write, for messages beside each field; a message
    about no one field goes under ``""``."""
    found = {e["field"]: e["message"] for e in error.errors if e.get("field")}
    if not found:
        found[""] = error.detail
    return found


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
        ]
    if role in ("student", "admin"):
        items += [
            (_("My profile"), url_for("student.profile")),
            (_("Internships and jobs"), url_for("student.search")),
        ]
    if actor:
        items.append((_("Account"), url_for("web.account")))
    else:
        items.append((_("Sign in"), url_for("web.login")))
    return [{"label": label, "url": url, "current": url == request.path} for label, url in items]
