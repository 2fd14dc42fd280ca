"""The audit trail of HTTP requests: every write, every read of personal data, every refusal.

One event per request, written after the answer is known, in its own transaction, so that a
refused or failed request leaves its trace too. Sign-ins are recorded by the login view
(it knows the e-mail that was tried).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, request

from matcher.accounts import Event

from .identity import UNSAFE

log = logging.getLogger(__name__)

PERSONAL = ("/api/v1/students", "/api/v1/me", "/api/v1/audit", "/api/v1/users")
"""Paths whose reads are recorded: they hold personal data."""

REFUSED = {400, 401, 403, 404, 405, 409, 413, 415, 422, 429}


def _audited(response: Response) -> bool:
    if request.endpoint == "web.login" and response.status_code in (200, 303, 401):
        return False  # the view records sign-ins, with the e-mail tried
    if request.method in UNSAFE or response.status_code in (401, 403, 413, 429):
        return True
    if request.path.startswith(PERSONAL):
        return True
    return request.path.endswith("/matches") and request.args.get("target") == "students"


def _resource(path: str) -> str | None:
    """``/api/v1/students/7/matches`` → ``students/7``: what the event is about."""
    parts = [p for p in path.removeprefix("/api/v1").split("/") if p]
    return "/".join(parts[:2]) or None


def _after(response: Response) -> Response:
    if not _audited(response):
        return response
    status = response.status_code
    outcome = "ok" if status < 400 else "refused" if status in REFUSED else "failed"
    detail = None
    if outcome != "ok" and response.mimetype == "application/problem+json":
        detail = (response.get_json(silent=True) or {}).get("detail")
    event = Event(
        action=f"{request.method} {request.path}",
        outcome=outcome,
        source="api" if request.path.startswith("/api/") else "web",
        resource=_resource(request.path) if request.path.startswith("/api/") else None,
        status=status,
        detail=detail,
        address=request.remote_addr,
    )
    try:
        current_app.extensions["talentmatch"].audit.record(g.get("actor"), event)
    except Exception:  # the answer stands; a lost audit event is logged, never silent
        log.exception("could not write the audit event of %s %s", request.method, request.path)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_after)
