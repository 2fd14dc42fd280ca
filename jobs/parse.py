"""Feed bodies → postings: schema.org ``JobPosting`` JSON-LD, a plain JSON list, or CSV.

Every format maps to the same fields: title, description, skills, kind (from employment type:
internships and apprenticeships apart from jobs), openings, city, posted / expires (datePosted,
validThrough), external id (identifier) and url, plus the hiring organization's name when the
feed names one. A record that cannot be read is reported by its position and left out; a body
that cannot be read at all is a ``ParseError`` — never another exception, whatever the body.

``jsonld`` bodies are HTML pages (JSON-LD blocks and microdata, see ``jobs.jobpages``) or
JSON-LD documents. Descriptions become plain text (``jobs.htmltext``); skills given as one
string are split by ``matcher.language.split_skill_list``.

CSV header (documented in README): ``id,title,description,skills,employment_type,openings,
location,date_posted,valid_through,url,enterprise``; only ``title`` is required; skills are
separated by ``;``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from matcher.language import split_skill_list

from .htmltext import clean_text, html_to_text, inline_text
from .jobpages import is_job_posting, job_postings, read_page

FORMATS = ("jsonld", "json", "csv")
CSV_COLUMNS = (
    "id",
    "title",
    "description",
    "skills",
    "employment_type",
    "openings",
    "location",
    "date_posted",
    "valid_through",
    "url",
    "enterprise",
)

# Aliases of plain JSON keys → the canonical field.
_JSON_KEYS = {
    "id": "id",
    "identifier": "id",
    "external_id": "id",
    "title": "title",
    "name": "title",
    "description": "description",
    "skills": "skills",
    "kind": "employment_type",
    "employment_type": "employment_type",
    "employmentType": "employment_type",
    "openings": "openings",
    "totalJobOpenings": "openings",
    "city": "location",
    "location": "location",
    "posted_at": "date_posted",
    "date_posted": "date_posted",
    "datePosted": "date_posted",
    "expires_at": "valid_through",
    "valid_through": "valid_through",
    "validThrough": "valid_through",
    "url": "url",
    "enterprise": "enterprise",
    "company": "enterprise",
}
# Where a value given as an object keeps its text: JSON-LD value objects, PropertyValue,
# named things (Organization, DefinedTerm). An identifier or url may also be a node's @id; a
# name never is (an unresolved {"@id": "#org"} names no enterprise).
_NAME_KEYS = ("@value", "value", "name")
_ID_KEYS = (*_NAME_KEYS, "@id")


class ParseError(Exception):
    """The body as a whole is unreadable in the feed's format."""


@dataclass
class Posting:
    """One posting as a feed states it; validation happens at upsert."""

    title: str | None
    external_id: str | None = None
    description: str = ""
    skills: list[str] = field(default_factory=list)
    kind: str = "job"
    openings: int | None = None
    city: str | None = None
    posted: str | None = None
    expires: str | None = None
    url: str | None = None
    enterprise: str | None = None


@dataclass
class ParseResult:
    postings: list[tuple[int, Posting]] = field(default_factory=list)  # (record number, posting)
    errors: list[str] = field(default_factory=list)


def _object_text(value: dict[str, Any], keys: tuple[str, ...] = _NAME_KEYS) -> Any:
    return next((value[k] for k in keys if value.get(k) not in (None, "")), None)


def _scalar(value: Any, keys: tuple[str, ...] = _NAME_KEYS) -> Any:
    """The first plain value inside lists and value objects (loops: nesting is the feed's)."""
    while isinstance(value, list | dict):
        if isinstance(value, list):
            value = next((v for v in value if v not in (None, "", [], {})), None)
        else:
            value = _object_text(value, keys)
    return value


def _raw_text(value: Any, keys: tuple[str, ...] = _NAME_KEYS) -> str | None:
    value = _scalar(value, keys)
    if value is None or isinstance(value, bool):
        return None
    text = clean_text(str(value)).strip()
    return text or None


def _text(value: Any) -> str | None:
    """A short field as one line of plain text (entities resolved, tags dropped)."""
    text = _raw_text(value)
    return (inline_text(text) or None) if text else None


def _texts(value: Any) -> list[str]:
    """The text of each item of ``value`` (a list, or one value), in order."""
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):  # a DefinedTerm's name, not also its @id
            text = _object_text(item)
            if text is not None:
                stack.append(text)
        elif isinstance(item, str | int | float) and not isinstance(item, bool):
            found.append(str(item))
    return found


def _kind(value: Any) -> str:
    words = " ".join(_texts(value)).lower()
    if "intern" in words:
        return "internship"
    if "apprentice" in words:
        return "apprenticeship"
    if "training" in words:
        return "training"
    return "job"


def _skills(value: Any) -> list[str]:
    phrases: list[str] = []
    for text in _texts(value):
        phrases.extend(split_skill_list(html_to_text(text)))  # lines and items separate
    return phrases


def _first(value: Any) -> Any:
    while isinstance(value, list):
        value = value[0] if value else None
    return value


def _city(location: Any) -> str | None:
    location = _first(location)
    if isinstance(location, dict):
        address = _first(location.get("address", location))
        if isinstance(address, dict):
            return _text(address.get("addressLocality") or address.get("addressRegion"))
        return _text(address)
    return _text(location)


def _openings(value: Any) -> int | None:
    value = _scalar(value)
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    raise ValueError(f"openings {_shown(value)} is not a whole number")


def _shown(value: Any) -> str:
    """``value`` as an error message quotes it: repr, cut short."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _posting(fields: dict[str, Any], organization: Any = None) -> Posting:
    description = _raw_text(fields.get("description"))
    return Posting(
        title=_text(fields.get("title")),
        external_id=_raw_text(fields.get("id"), _ID_KEYS),
        description=html_to_text(description) if description else "",
        skills=_skills(fields.get("skills")),
        kind=_kind(fields.get("employment_type")),
        openings=_openings(fields.get("openings")),
        city=_city(fields.get("location")),
        posted=_raw_text(fields.get("date_posted")),
        expires=_raw_text(fields.get("valid_through")),
        url=_raw_text(fields.get("url"), _ID_KEYS),
        enterprise=_text(fields.get("enterprise") or organization),
    )


def _from_job_posting(node: dict[str, Any]) -> Posting:
    fields = {
        "id": node.get("identifier"),
        "title": node.get("title") or node.get("name"),
        "description": node.get("description"),
        "skills": node.get("skills"),
        "employment_type": node.get("employmentType"),
        "openings": node.get("totalJobOpenings"),
        "location": node.get("jobLocation"),
        "date_posted": node.get("datePosted"),
        "valid_through": node.get("validThrough"),
        "url": node.get("url"),
    }
    return _posting(fields, organization=node.get("hiringOrganization"))


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParseError("the body is not UTF-8 text") from None


def _load_json(body: bytes, what: str) -> Any:
    try:
        return json.loads(_decode(body), strict=False)  # control characters in strings, as extruct
    except json.JSONDecodeError as exc:
        raise ParseError(f"not valid {what}: {exc.msg} at line {exc.lineno}") from None


def _collect(result: ParseResult, number: int, make: Callable[[], Posting]) -> None:
    try:
        result.postings.append((number, make()))
    except ValueError as exc:
        result.errors.append(f"record {number}: {exc}")


def parse_jsonld(body: bytes, content_type: str | None = None) -> ParseResult:
    """An HTML page with JSON-LD blocks or microdata, or a JSON-LD document (UTF-8, as JSON
    is); ``content_type`` is the HTTP header a page came with (``jobs.jobpages.read_page``)."""
    result = ParseResult()
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        nodes = job_postings([_load_json(body, "JSON-LD")])
    else:
        page = read_page(body, content_type)
        # microdata only without JSON-LD postings: pages often state a posting both ways
        nodes = job_postings(page.documents) or job_postings(page.microdata())
        if not nodes and page.errors:
            raise ParseError(f"no schema.org JobPosting read: {'; '.join(page.errors)}")
        if not nodes and not page.scripts:
            raise ParseError("the page has no application/ld+json script or JobPosting microdata")
        result.errors.extend(f"{error}, left out" for error in page.errors)
    if not nodes:
        raise ParseError("no schema.org JobPosting found")
    for n, node in enumerate(nodes, 1):
        _collect(result, n, partial(_from_job_posting, node))
    return result


def parse_json(body: bytes) -> ParseResult:
    data = _load_json(body, "JSON")
    if isinstance(data, dict):
        data = next((data[k] for k in ("jobs", "items", "postings") if k in data), data)
    if not isinstance(data, list):
        raise ParseError('expected a JSON list of postings (or {"jobs": [...]})')
    result = ParseResult()
    for n, record in enumerate(data, 1):
        if is_job_posting(record):
            _collect(result, n, partial(_from_job_posting, job_postings([record])[0]))
        elif isinstance(record, dict):
            fields = {_JSON_KEYS[k]: v for k, v in record.items() if k in _JSON_KEYS}
            _collect(result, n, partial(_posting, fields))
        else:
            result.errors.append(f"record {n}: not an object")
    return result


def parse_csv(body: bytes) -> ParseResult:
    reader = csv.DictReader(io.StringIO(_decode(body), newline=""))
    result = ParseResult()
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        if "title" not in header:
            columns = ", ".join(CSV_COLUMNS)
            raise ParseError(f"CSV header must include 'title' (columns: {columns})")
        unknown = [h for h in header if h not in CSV_COLUMNS]
        if unknown:
            raise ParseError(f"unknown CSV columns: {', '.join(map(_shown, unknown))}")
        for n, row in enumerate(reader, 1):
            if None in row:
                result.errors.append(f"record {n}: more cells than header columns")
                continue
            fields = {k.strip(): v for k, v in row.items()}
            _collect(result, n, partial(_posting, fields))
    except csv.Error as exc:
        raise ParseError(f"CSV cannot be read: {exc}") from None
    return result


def parse_feed(feed_format: str, body: bytes, content_type: str | None = None) -> ParseResult:
    """Postings of a feed body; ``ParseError`` when the body cannot be read at all.

    ``content_type`` is the HTTP ``Content-Type`` header the body came with: its charset
    decodes an HTML page (a byte-order mark still wins); JSON and CSV are read as UTF-8.
    """
    if feed_format not in FORMATS:
        raise ParseError(f"unknown feed format {feed_format!r} (one of {', '.join(FORMATS)})")
    try:
        if feed_format == "jsonld":
            return parse_jsonld(body, content_type)
        return parse_json(body) if feed_format == "json" else parse_csv(body)
    except RecursionError:  # json and the walks over it follow the sender's nesting
        raise ParseError("the body is nested too deeply to read") from None
