"""Feed bodies → postings: schema.org ``JobPosting`` JSON-LD, a plain JSON list, or CSV.

Every format maps to the same fields: title, description, skills, kind (from employment type:
internships and apprenticeships apart from jobs), openings, city, posted / expires (datePosted,
validThrough), external id (identifier) and url, plus the hiring organization's name when the
feed names one. A record that cannot be read is reported by its position and left out; a body
that cannot be read at all is a ``ParseError``.

CSV header (documented in README): ``id,title,description,skills,employment_type,openings,
location,date_posted,valid_through,url,enterprise``; only ``title`` is required; skills are
separated by ``;``.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from matcher.texts import split_skill_list

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
_LD_SCRIPT = re.compile(
    r"<script[^>]*type\s*=\s*[\"']application/ld\+json[\"'][^>]*>(.*?)</script>", re.I | re.S
)
_TAG = re.compile(r"<[^>]+>")
_BLOCK_TAG = re.compile(r"</?(p|br|li|ul|ol|div|h[1-6]|tr)\b[^>]*>", re.I)
_SPACES = re.compile(r"[ \t\r\f\v]+")

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


def html_to_text(value: str) -> str:
    """Job descriptions often come as HTML: keep the text, one line per block."""
    text = _BLOCK_TAG.sub("\n", value)
    text = html.unescape(_TAG.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("value") or value.get("name") or value.get("@id")
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() if value not in (None, "") else None


def _kind(value: Any) -> str:
    values = value if isinstance(value, list) else [value]
    words = " ".join(str(v) for v in values if v).lower()
    if "intern" in words:
        return "internship"
    if "apprentice" in words:
        return "apprenticeship"
    if "training" in words:
        return "training"
    return "job"


def _skills(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return split_skill_list(value)
    if isinstance(value, list):
        phrases: list[str] = []
        for item in value:
            phrases.extend(_skills(item.get("name") if isinstance(item, dict) else item))
        return phrases
    if isinstance(value, dict):
        return _skills(value.get("name"))
    return [str(value)]


def _city(location: Any) -> str | None:
    if isinstance(location, list):
        location = location[0] if location else None
    if isinstance(location, dict):
        address = location.get("address", location)
        if isinstance(address, dict):
            return _text(address.get("addressLocality") or address.get("addressRegion"))
        return _text(address)
    return _text(location)


def _openings(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"openings {value!r} is not a whole number") from None


def _posting(fields: dict[str, Any], organization: Any = None) -> Posting:
    return Posting(
        title=_text(fields.get("title")),
        external_id=_text(fields.get("id")),
        description=html_to_text(_text(fields.get("description")) or ""),
        skills=_skills(fields.get("skills")),
        kind=_kind(fields.get("employment_type")),
        openings=_openings(fields.get("openings")),
        city=_city(fields.get("location")),
        posted=_text(fields.get("date_posted")),
        expires=_text(fields.get("valid_through")),
        url=_text(fields.get("url")),
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


def _is_job_posting(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    types = node.get("@type")
    return "JobPosting" in (types if isinstance(types, list) else [types])


def _job_postings(node: Any) -> Iterator[dict[str, Any]]:
    """Every JobPosting in a JSON-LD document: top level, lists, @graph, ItemList."""
    if isinstance(node, list):
        for child in node:
            yield from _job_postings(child)
    elif isinstance(node, dict):
        if _is_job_posting(node):
            yield node
            return
        for key in ("@graph", "itemListElement", "item"):
            if key in node:
                yield from _job_postings(node[key])


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParseError("the body is not UTF-8 text") from None


def _collect(result: ParseResult, number: int, make: Any) -> None:
    try:
        result.postings.append((number, make()))
    except ValueError as exc:
        result.errors.append(f"record {number}: {exc}")


def parse_jsonld(body: bytes) -> ParseResult:
    text = _decode(body).strip()
    documents: list[Any] = []
    if text.startswith("<"):
        blocks = _LD_SCRIPT.findall(text)
        if not blocks:
            raise ParseError("the page has no application/ld+json script")
        for n, block in enumerate(blocks, 1):
            try:
                documents.append(json.loads(block))
            except json.JSONDecodeError as exc:
                raise ParseError(f"JSON-LD script {n} is not valid JSON: {exc.msg}") from None
    else:
        try:
            documents.append(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ParseError(f"not valid JSON-LD: {exc.msg} at line {exc.lineno}") from None
    result = ParseResult()
    nodes = [node for document in documents for node in _job_postings(document)]
    if not nodes:
        raise ParseError("no schema.org JobPosting found")
    for n, node in enumerate(nodes, 1):
        _collect(result, n, lambda node=node: _from_job_posting(node))
    return result


def parse_json(body: bytes) -> ParseResult:
    try:
        data = json.loads(_decode(body))
    except json.JSONDecodeError as exc:
        raise ParseError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if isinstance(data, dict):
        data = next((data[k] for k in ("jobs", "items", "postings") if k in data), data)
    if not isinstance(data, list):
        raise ParseError('expected a JSON list of postings (or {"jobs": [...]})')
    result = ParseResult()
    for n, record in enumerate(data, 1):
        if _is_job_posting(record):
            _collect(result, n, lambda record=record: _from_job_posting(record))
        elif isinstance(record, dict):
            fields = {_JSON_KEYS[k]: v for k, v in record.items() if k in _JSON_KEYS}
            _collect(result, n, lambda fields=fields: _posting(fields))
        else:
            result.errors.append(f"record {n}: not an object")
    return result


def parse_csv(body: bytes) -> ParseResult:
    reader = csv.DictReader(io.StringIO(_decode(body)))
    header = [h.strip() for h in reader.fieldnames or []]
    if "title" not in header:
        raise ParseError(f"CSV header must include 'title' (columns: {', '.join(CSV_COLUMNS)})")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise ParseError(f"unknown CSV columns: {', '.join(unknown)}")
    result = ParseResult()
    try:
        for n, row in enumerate(reader, 1):
            if None in row:
                result.errors.append(f"record {n}: more cells than header columns")
                continue
            fields = {k.strip(): v for k, v in row.items() if k}
            fields["skills"] = "; ".join(split_skill_list(fields.get("skills") or ""))
            _collect(result, n, lambda fields=fields: _posting(fields))
    except csv.Error as exc:
        raise ParseError(f"CSV cannot be read: {exc}") from None
    return result


PARSERS = {"jsonld": parse_jsonld, "json": parse_json, "csv": parse_csv}


def parse_feed(feed_format: str, body: bytes) -> ParseResult:
    return PARSERS[feed_format](body)
