"""Pages to sign in and out and to manage one's API tokens (session + CSRF)."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response

from matcher.accounts import LOGIN_FAILED, Event
from matcher.errors import TalentmatchError, Unauthorized

from .identity import SessionUser, caller
from .local_paths import local_path
from .web import bp


def role_names() -> dict[str, str]:
    return {
        "admin": _("admin"),
        "enterprise": _("enterprise member"),
        "school": _("school member"),
        "student": _("student"),
    }


def _services() -> Any:
    return current_app.extensions["talentmatch"]


ROLE_HOME = {
    "admin": "web.home",
    "enterprise": "enterprise.demands",
    "school": "school.gaps",
    "student": "student.search",
}


def _safe_next(target: str | None, role: str = "admin") -> str:
    """Only a path on this site (never an open redirect to another host); without one, the
    role's own main page."""
    if not target:
        return url_for(ROLE_HOME[role])
    return local_path(target) or url_for("web.account")


def _record_login(email: str, outcome: str, status: int, actor: Any = None) -> None:
    _services().audit.record(
        actor,
        Event(
            action="login",
            outcome=outcome,
            source="web",
            status=status,
            address=request.remote_addr,
            detail=None if outcome == "ok" else "wrong e-mail or password, or disabled",
        ),
        actor_email=email[:254] or None,
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    next_url = request.args.get("next", "")
    if request.method == "GET":
        return render_template("login.html", error=None, email="", next=next_url)
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    try:
        actor = _services().accounts.authenticate(email, password)
    except Unauthorized as exc:
        _record_login(email, "refused", 401)
        assert exc.detail == LOGIN_FAILED  # one message for every reason, in the page's language
        message = _("wrong e-mail or password, or the account is disabled")
        page = render_template("login.html", error=message, email=email, next=next_url)
        return page, 401
    session.clear()  # nothing from before the sign-in carries over
    assert actor.user_id is not None
    login_user(SessionUser(actor, _services().accounts.session_id(actor.user_id)))
    session.permanent = True
    _record_login(email, "ok", 303, actor)
    return redirect(_safe_next(next_url, actor.role), code=303)


@bp.post("/logout")
def logout() -> Response:
    actor = caller()  # named in the audit event
    if actor is not None and actor.user_id is not None:
        _services().accounts.end_sessions(actor.user_id)
    logout_user()
    session.clear()
    return redirect(url_for("web.login"), code=303)


def _account_page(status: int = 200, **extra: Any) -> tuple[str, int]:
    actor = caller()
    assert actor is not None and actor.user_id is not None
    services = _services()
    user = services.accounts.get(actor.user_id)
    return render_template(
        "account.html",
        role_names=role_names(),
        state_names={"active": _("active"), "expired": _("expired"), "revoked": _("revoked")},
        actor=actor,
        organization=user["organization"],
        tokens=services.tokens.list(actor.user_id),
        default_days=services.settings.token_days,
        new_token=extra.get("new_token"),
        error=extra.get("error"),
    ), status


@bp.get("/account")
@login_required
def account() -> tuple[str, int]:
    return _account_page()


@bp.post("/account/tokens")
@login_required
def create_token() -> tuple[str, int]:
    actor = caller()
    assert actor is not None and actor.user_id is not None
    try:
        days = int(request.form.get("days") or _services().settings.token_days)
        if not 1 <= days <= 3650:
            raise ValueError
        record, secret = _services().tokens.create(
            actor.user_id, request.form.get("name", "api"), days
        )
    except ValueError:
        return _account_page(422, error="Valid for: a whole number of days from 1 to 3650.")
    except TalentmatchError as exc:
        return _account_page(exc.status, error=exc.detail)
    return _account_page(201, new_token={**record, "token": secret})


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response | tuple[str, int]:
    actor = caller()
    assert actor is not None
    try:
        _services().tokens.revoke(token_id, actor.user_id)
    except TalentmatchError as exc:
        return _account_page(exc.status, error=exc.detail)
    return redirect(url_for("web.account"), code=303)
