"""Who is calling: an API token (``Authorization: Bearer``), a page session, or nobody.

Pages sign in with a session (Flask-Login, a signed cookie that is Secure, HttpOnly and
SameSite=Lax) and every form carries a CSRF token (Flask-WTF). Scripts send a token; a
request with a token needs no CSRF token, since a browser never adds one by itself. A REST
write that relies on the session cookie instead is checked for CSRF like a form.

Why not Flask-Security: its API token is one per user, revoked all at once by resetting the
user's uniquifier, and its expiry is one setting for everyone; the accounts contract asks
for several named tokens per user, each with its own expiry and revocation. Its user model,
its views (registration, confirmation, reset, two-factor) and their templates would be
surface this service does not use. What it would give beyond that — argon2 hashing, session
login, CSRF — comes here from the libraries it builds on (argon2-cffi, Flask-Login,
Flask-WTF).
"""

from __future__ import annotations

import os
import secrets
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, g, request
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from matcher.accounts import Actor
from matcher.accounts.access import SIGN_IN
from matcher.errors import Unauthorized
from matcher.settings import Settings

csrf = CSRFProtect()
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SessionUser(UserMixin):
    """A signed-in page user, as Flask-Login wants one.

    Its id is the user's id *and* session key (``Accounts.session_id``): signing out turns
    the key over, so a copied cookie stops working, and a session can never name another
    user than the one who signed in.
    """

    def __init__(self, actor: Actor, session_id: str) -> None:
        self.actor = actor
        self.session_id = session_id

    def get_id(self) -> str:
        return self.session_id


def secret_key(settings: Settings) -> str:
    """The configured key, else one kept in the instance folder for every worker of the host."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


def init_app(app: Flask, settings: Settings) -> None:
    app.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="talentmatch_session",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked below, where a cookie carries the authority
        WTF_CSRF_TIME_LIMIT=settings.session_hours * 3600,
        WTF_CSRF_SSL_STRICT=settings.secure_cookies,
    )
    csrf.init_app(app)
    logins = LoginManager(app)
    logins.session_protection = "strong"
    logins.login_view = "web.login"
    logins.login_message = "Sign in to see this page."

    @logins.user_loader
    def _load(session_id: str) -> SessionUser | None:
        actor = current_app.extensions["talentmatch"].accounts.actor_of_session(session_id)
        return SessionUser(actor, session_id) if actor else None

    app.before_request(_check_csrf)
    app.before_request(_authenticate_api)


PUBLIC_WRITES = frozenset({"rest.text_match"})
"""REST writes open to anonymous callers (free-text match only reads)."""


def _authenticate_api() -> None:
    """On the API, credentials are checked before the body: a bad token is 401 whatever the
    body holds, and a write without credentials is 401 before its body is read."""
    if not request.path.startswith("/api/") or request.routing_exception is not None:
        return  # no such route or method: its 404 or 405 comes first
    actor = caller()
    if request.method in UNSAFE and request.endpoint not in PUBLIC_WRITES and actor is None:
        raise Unauthorized(f"this needs an account: {SIGN_IN}")


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header; ``Unauthorized`` for another scheme."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer TOKEN'")
    return token.strip()


def caller() -> Actor | None:
    """The actor of this request (``None``: anonymous), resolved once per request."""
    if "actor" not in g:
        g.actor = None
        token = bearer_token()
        if token is not None:
            g.actor = current_app.extensions["talentmatch"].tokens.actor_for(token)
        elif current_user.is_authenticated:
            g.actor = current_user.actor
    actor: Actor | None = g.actor
    return actor


def caller_or_none() -> Actor | None:
    """The caller, or ``None`` also where their credentials do not hold."""
    try:
        return caller()
    except Unauthorized:
        return None


def _check_csrf() -> None:
    """Forms always; REST writes when a session cookie, not a token, would authorise them."""
    if request.method not in UNSAFE:
        return
    with suppress(Unauthorized):
        caller()  # known before a refusal, so the audit log names who was refused
    if (
        request.blueprint == "web"
        or "Authorization" not in request.headers
        and current_user.is_authenticated
    ):
        csrf.protect()
