"""Limits and headers every answer carries (OWASP API4, API8).

- Rate limits (Flask-Limiter): sign-in attempts per client address, match requests per
  caller. Counters live in memory per process by default; RATELIMIT_STORAGE points them at
  Redis when several workers or hosts must share them.
- Security headers: a Content-Security-Policy with no inline or foreign script and no
  framing, ``nosniff``, no referrer leaving the site, HSTS over HTTPS.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from flask import Flask, Response, g, request, session
from flask_limiter import Limiter

from matcher.settings import Settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # inline styles of the server-drawn SVG charts
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

DOCS_PATH = "/api/docs"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def caller_key() -> str:
    """Who a limit counts: the user (whichever of their tokens or sessions), else the client
    address. The API resolves the caller before limits apply (``identity``)."""
    actor = g.get("actor")
    if actor is not None and actor.user_id is not None:
        return f"user:{actor.user_id}"
    header = request.headers.get("Authorization")
    if header:
        return "token:" + hashlib.sha256(header.encode("utf-8")).hexdigest()[:32]
    session_id = session.get("_user_id")
    if session_id:
        return f"user:{str(session_id).partition(':')[0]}"
    return f"address:{request.remote_addr or 'unknown'}"


def address_key() -> str:
    return f"address:{request.remote_addr or 'unknown'}"


def init_app(app: Flask, settings: Settings, match_endpoints: Iterable[str]) -> Limiter:
    """Install the limiter, limit sign-in (``web.login`` POST) and the match endpoints."""
    limiter = Limiter(
        key_func=caller_key,
        app=app,
        storage_uri=settings.ratelimit_storage,
        headers_enabled=True,
        strategy="moving-window",
    )
    login = app.view_functions["web.login"]
    app.view_functions["web.login"] = limiter.limit(
        settings.login_rate_limit, key_func=address_key, methods=["POST"], scope="login"
    )(login)
    for endpoint in match_endpoints:
        app.view_functions[endpoint] = limiter.limit(settings.match_rate_limit, scope="match")(
            app.view_functions[endpoint]
        )
    app.after_request(_security_headers)
    return limiter


INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def _pinned_inline_scripts(response: Response) -> str:
    """The CSP for the API docs page: APIFlask's Swagger UI page starts the UI with an inline
    script; that exact script (by its SHA-256) may run, no other inline script."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(response.get_data())
    ]
    return CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", " ".join(["script-src 'self'", *hashes])
    )


def _security_headers(response: Response) -> Response:
    if request.path == DOCS_PATH and response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = _pinned_inline_scripts(response)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.path.startswith("/api/") and response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="talentmatch"')
    return response
