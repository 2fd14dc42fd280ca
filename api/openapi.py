"""The OpenAPI document, made true to what the API answers.

APIFlask writes the document from the routes and their input / output models; this module
adds what only the application knows:

* every error response is ``application/problem+json`` with the one ``Problem`` schema that
  :func:`api.errors.problem` builds (APIFlask would declare its own JSON error shape);
* limits that are settings (``MAX_PAGE_SIZE``, ``MAX_K``) appear as ``maximum`` of the
  parameters they bound, so a request the document calls valid is never refused;
* days that may not lie in the future (``posted_at``, ``as_of``) get a ``pattern`` of the
  days up to today in the consortium's time zone (the document is made anew each local day);
* extra media types of an answer (the gap report as CSV).

``tests/test_api_contract.py`` runs schemathesis against the document to keep it honest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import wraps
from typing import Any

from apiflask import APIFlask
from flask import Response, jsonify

from matcher import clock
from matcher.catalog import FIRST_YEAR, MAX_ID, NOT_AFTER_TODAY
from matcher.settings import Settings

from .errors import PROBLEM_TYPE

ERROR_DESCRIPTIONS = {
    400: "The body is not valid JSON",
    401: "No credentials, or a token that is unknown, expired or revoked",
    403: "Not allowed for this caller (another owner's record, or a role that may not)",
    404: "No such record",
    409: "Conflicts with a stored record (a duplicate name, code or URL)",
    413: "The body is larger than 1 MiB",
    415: "The body is not JSON",
    422: "Invalid input: the problem's `errors` name each field",
    429: "Too many requests from this caller; retry after the time in Retry-After",
    500: "Unexpected error (logged; its cause is never sent)",
    503: "The embedding model is unavailable",
}

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error (RFC 9457 problem details).",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

# APIFlask's own error shapes, unused once every error is a Problem.
_APIFLASK_ERROR_SCHEMAS = ("HTTPError", "ValidationError")

# Extra media types of one operation's answer: (method, path) → {status: {media type: schema}}.
EXTRA_CONTENT: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}


def errors(*codes: int) -> dict[int, str]:
    """The error statuses an operation can answer, for ``@bp.doc(responses=...)``.

    500 is added to every operation: a bug is still answered as a problem, never a trace.
    """
    return {code: ERROR_DESCRIPTIONS[code] for code in sorted({*codes, 500})}


def _operations(spec: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield method, path, operation


def _query_parameter(parameter: dict[str, Any]) -> None:
    """A query string has no null and carries a list as ``a,b``: say so in the document."""
    schema = parameter.get("schema", {})
    branches = schema.get("anyOf")
    if branches:
        kept = [b for b in branches if b.get("type") != "null"]
        if len(kept) == 1:
            del schema["anyOf"]
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept
        if schema.get("default", 0) is None:
            del schema["default"]
    if schema.get("type") == "array":
        parameter["style"], parameter["explode"] = "form", False


def _bound(parameter_or_schema: dict[str, Any], maximum: int) -> None:
    schema = parameter_or_schema.get("schema", parameter_or_schema)
    schema["maximum"] = maximum


def _fresh_each_day(app: APIFlask) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The spec view, serving a document made anew when the consortium's day has turned.

    APIFlask caches the document it first made; the days bound by today would then stop
    moving at midnight. One document per local day keeps the bound true and the view cheap.
    """
    made: dict[str, Any] = {}

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def spec_view(*args: Any, **kwargs: Any) -> Response:
            today = clock.today()
            if made.get("day") != today:
                made["document"], made["day"] = app.spec, today  # app.spec rebuilds
            response = jsonify(made["document"])
            response.mimetype = app.config["JSON_SPEC_MIMETYPE"]
            return response

        return spec_view

    return decorator


def init_app(app: APIFlask, settings: Settings) -> None:
    app.config["SPEC_DECORATORS"] = [_fresh_each_day(app)]

    @app.spec_processor
    def _true_spec(spec: dict[str, Any]) -> dict[str, Any]:
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for name in _APIFLASK_ERROR_SCHEMAS:
            schemas.pop(name, None)
        schemas["Problem"] = _PROBLEM_SCHEMA
        problem = {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        limits = {"per_page": settings.max_page_size, "k": settings.max_k}
        for method, path, operation in _operations(spec):
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
                # every body is read under MAX_CONTENT_LENGTH (api.app)
                operation["responses"].setdefault("413", {"description": ERROR_DESCRIPTIONS[413]})
            # a request with a token that is unknown, expired or revoked is refused everywhere
            operation["responses"].setdefault("401", {"description": ERROR_DESCRIPTIONS[401]})
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    response["content"] = problem
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter["name"].endswith("_id"):
                    # ids are 32-bit keys; a larger one is not found (rest.ids_in_range)
                    parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
                if parameter.get("in") == "query":
                    _query_parameter(parameter)
                if parameter["name"] in limits:
                    _bound(parameter, limits[parameter["name"]])
            for status, content in EXTRA_CONTENT.get((method, path), {}).items():
                operation["responses"][str(status)].setdefault("content", {}).update(content)
        for schema in schemas.values():
            k = schema.get("properties", {}).get("k")
            if k is not None:
                _bound(k, settings.max_k)
        _bound_days(spec, days_until(clock.today()))
        return spec


def _digits_between(low: int, high: int, width: int) -> str:
    """A regular expression matching exactly the zero-padded numbers ``low``..``high``."""
    lo, hi = f"{low:0{width}d}", f"{high:0{width}d}"
    if width == 1:
        return lo if lo == hi else f"[{lo}-{hi}]"
    if lo[0] == hi[0]:
        return lo[0] + _digits_between(int(lo[1:]), int(hi[1:]), width - 1)
    top = 10 ** (width - 1) - 1
    parts = []
    first, last = int(lo[0]), int(hi[0])
    if int(lo[1:]) > 0:
        parts.append(lo[0] + _digits_between(int(lo[1:]), top, width - 1))
        first += 1
    tail = None
    if int(hi[1:]) < top:
        tail = hi[0] + _digits_between(0, int(hi[1:]), width - 1)
        last -= 1
    if first <= last:
        head = str(first) if first == last else f"[{first}-{last}]"
        parts.append(head + "[0-9]" * (width - 1))
    if tail:
        parts.append(tail)
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def days_until(today: date) -> str:
    """A regular expression of ``YYYY-MM-DD`` days from 1900-01-01 to ``today``.

    JSON Schema has no bound for dates, but a pattern can state one; the document is made
    per request, so the bound moves with the consortium's calendar.
    """
    month, day = "(?:0[1-9]|1[0-2])", "(?:0[1-9]|[12][0-9]|3[01])"
    options = []
    if today.year > FIRST_YEAR:
        options.append(f"{_digits_between(FIRST_YEAR, today.year - 1, 4)}-{month}-{day}")
    if today.month > 1:
        options.append(f"{today.year}-{_digits_between(1, today.month - 1, 2)}-{day}")
    options.append(f"{today.year}-{today.month:02d}-{_digits_between(1, today.day, 2)}")
    return "(?:" + "|".join(options) + ")"


def _bound_days(schema: Any, days: str) -> None:
    """Give every schema marked ``x-not-after-today`` the pattern of days up to today."""
    if isinstance(schema, list):
        for item in schema:
            _bound_days(item, days)
        return
    if not isinstance(schema, dict):
        return
    if schema.pop(NOT_AFTER_TODAY, False):
        for branch in schema.get("anyOf", [schema]):
            if branch.get("format") == "date":
                branch["pattern"] = f"^{days}$"
            elif branch.get("format") == "date-time":
                branch["pattern"] = f"^{days}T"
    for value in schema.values():
        _bound_days(value, days)
