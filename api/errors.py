"""One error shape for the whole API: ``application/problem+json`` (RFC 9457).

Every error path goes through :func:`problem`; ``tests/test_api_errors.py`` checks that routing
errors, validation errors, domain errors and unexpected exceptions all come out in this shape,
and that an unexpected exception's text never reaches the client.
"""

from __future__ import annotations

import logging
from typing import Any

from apiflask import APIFlask, HTTPError
from flask import Response, json, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from embeddings import ModelLoadError
from matcher.errors import TalentmatchError

log = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE, headers=headers)


def _validation_errors(detail: Any) -> tuple[str, list[dict[str, str]]]:
    """APIFlask's ``{location: {field: [messages]}}`` as (location, ``[{"field", "message"}]``)."""
    errors = []
    where = "body"
    if isinstance(detail, dict):
        for location, fields in detail.items():
            if not isinstance(fields, dict):
                continue
            where = "body" if location == "json" else location
            for field, messages in fields.items():
                name = field.removeprefix(f"{location}.")
                name = "(whole body)" if name == "_schema" else name
                for message in messages if isinstance(messages, list) else [messages]:
                    text = str(message).removeprefix("Value error, ")
                    errors.append({"field": name, "message": text})
    return where, errors


def _page_details() -> dict[int, str]:
    """What a browser user reads for an error, in the page's language."""
    return {
        400: _(
            "This form has expired or was not sent from this page. Go back, reload the page "
            "and send it again."
        ),
        403: _("Your account may not open this page."),
        404: _("There is no page at this address."),
        405: _("This page cannot be used this way."),
        413: _("What was sent is too large."),
    }


NOT_RESENT = frozenset({"csrf_token", "password"})
"""Fields an expired form does not carry over: a fresh token is made; a password is retyped."""


def expired_form() -> Response:
    """A form whose CSRF token failed (left open too long, or signed out meanwhile): say so,
    keep what was typed, and offer to send it again with a fresh token."""
    from .identity import caller_or_none

    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in NOT_RESENT]
    page = render_template(
        "expired.html",
        fields=fields,
        action=request.full_path.rstrip("?"),
        signed_in=caller_or_none() is not None,
    )
    return Response(page, status=400, mimetype="text/html")


def _page(error: HTTPException) -> Response:
    """People in a browser get a page that says what to do, not a problem document."""
    if isinstance(error, CSRFError) and request.method == "POST" and request.form:
        return expired_form()
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if status == 429:
        wait = headers.get("Retry-After", "60")
        detail = _("Too many attempts. Wait %(seconds)s seconds, then try again.", seconds=wait)
    else:
        detail = _page_details().get(status, error.description or error.name)
    page = render_template("error.html", status=status, detail=detail)
    return Response(page, status=status, mimetype="text/html", headers=headers)


def init_app(app: APIFlask) -> None:
    @app.error_processor
    def _http_error(error: HTTPError) -> Response:
        where, errors = _validation_errors(error.detail)
        if errors:
            first = errors[0]
            detail = f"{where}: field '{first['field']}': {first['message']}"
        else:
            detail = error.message or "request failed"
        title = "Invalid input" if error.status_code == 422 else str(error.message or "Error")
        return problem(error.status_code, title, detail, errors)

    @app.errorhandler(TalentmatchError)
    def _domain_error(error: TalentmatchError) -> Response:
        if error.status >= 500:
            log.error("server-side problem: %s", error.detail)
        return problem(error.status, error.title, error.detail, error.errors)

    @app.errorhandler(ModelLoadError)
    def _model_error(error: ModelLoadError) -> Response:
        log.error("%s", error)
        return problem(503, "Embedding model unavailable", str(error))

    @app.errorhandler(HTTPException)
    def _werkzeug_error(error: HTTPException) -> Response:
        if not request.path.startswith("/api/"):
            return _page(error)
        detail = error.description or error.name
        if error.code == 400 and request.is_json and not isinstance(error, CSRFError):
            detail = "the request body is not valid JSON"
        # Headers the error carries (``Allow`` of a 405, ``Retry-After``) stay on the answer.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        return problem(error.code or 500, error.name, detail, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return problem(500, "Internal server error", "an unexpected error occurred; it was logged")
