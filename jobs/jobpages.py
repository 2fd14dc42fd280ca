"""schema.org ``JobPosting`` nodes from HTML pages and JSON-LD documents.

Pages are read with extruct: every ``<script type="application/ld+json">`` block one by one,
so one broken block is reported and the others still count (``extruct.extract`` raises on
it, or with ``errors="ignore"`` drops every block of the page), and microdata
(``itemscope itemtype=".../JobPosting"``) when no JSON-LD block holds a posting, since many
pages state the same posting both ways. extruct's JSON-LD reader selects only the exact
attribute value ``application/ld+json``, so blocks typed ``application/ld+json;
charset=utf-8`` or in other letter case are renamed to it first.

A document's postings are found anywhere in it: top level, lists, ``@graph``, ``ItemList``
(``itemListElement`` / ``ListItem.item``), ``mainEntity`` and any other property. Types and
property names are compared by local name, so ``schema:JobPosting``,
``http://schema.org/JobPosting`` and ``https://schema.org/title`` all count; a reference such
as ``"hiringOrganization": {"@id": "#org"}`` is replaced by the node it names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import extruct
import lxml.etree
import lxml.html
from extruct.jsonld import JsonLdExtractor
from w3lib.encoding import html_to_unicode

JOB_POSTING = "JobPosting"
_JSONLD_TYPE = "application/ld+json"
_LOCAL_NAME = re.compile(r"[/#:]")
_EMBEDS = 20  # references embedded per posting (organization, place, address, ...)


@dataclass
class Page:
    """What an HTML page states in JSON-LD, and its tree for microdata; unreadable parts."""

    tree: lxml.html.HtmlElement | None = None
    scripts: int = 0
    documents: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def microdata(self) -> list[Any]:
        """The page's microdata items in JSON-LD form (``@type``, properties by name)."""
        if self.tree is None:
            return []
        try:
            found = extruct.extract(self.tree, syntaxes=["microdata"], uniform=True)
        except ValueError as exc:  # extruct parses itemtype as a URL: "http://[" raises
            self.errors.append(f"microdata cannot be read ({exc})")
            return []
        return list(found["microdata"])


def read_page(body: bytes, content_type: str | None = None) -> Page:
    """JSON-LD of an HTML page.

    Decoded as w3lib (and a browser) decides: a byte-order mark, else the charset of the HTTP
    ``content_type`` header the page came with, else ``<meta charset>`` (or its
    ``http-equiv`` form), else UTF-8. Many Chinese sites state GBK only in the header.
    """
    _, text = html_to_unicode(content_type or None, body)
    try:
        tree = lxml.html.fromstring(
            text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8")
        )
    except lxml.etree.ParserError:  # nothing but white space or comments
        return Page()
    page = Page(tree)
    extractor = JsonLdExtractor()
    for script in tree.iter("script"):
        media_type = (script.get("type") or "").split(";")[0].strip().lower()
        if media_type != _JSONLD_TYPE:
            continue
        page.scripts += 1
        script.set("type", _JSONLD_TYPE)
        try:
            page.documents.extend(extractor.extract_items(script))
        except RecursionError:
            page.errors.append(f"JSON-LD script {page.scripts} is nested too deeply to read")
        except ValueError as exc:  # json's and jstyleson's decoding errors
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            page.errors.append(f"JSON-LD script {page.scripts} is not valid JSON ({reason})")
    return page


def local_name(name: str) -> str:
    """``schema:JobPosting``, ``https://schema.org/JobPosting/`` → ``JobPosting``."""
    return _LOCAL_NAME.split(name.rstrip("/"))[-1]


def is_job_posting(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    types = node.get("@type")
    values = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and local_name(t) == JOB_POSTING for t in values)


def _nodes(document: Any) -> Iterator[dict[str, Any]]:
    """Every object of a JSON document, in document order (no recursion: depth is the
    sender's choice)."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            yield value
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list):
            stack.extend(reversed(value))


def _postings(document: Any) -> Iterator[dict[str, Any]]:
    stack = [document]
    while stack:
        value = stack.pop()
        if is_job_posting(value):
            yield value  # a posting's own properties hold no postings
        elif isinstance(value, dict):
            stack.extend(reversed(list(value.values())))
        elif isinstance(value, list):
            stack.extend(reversed(value))


class _Embedder:
    """A posting with property names by local name and ``{"@id": ...}`` references replaced
    by the nodes they name — at most ``_EMBEDS`` of them per posting, since references may
    repeat and nest."""

    def __init__(self, ids: dict[str, dict[str, Any]]) -> None:
        self.ids = ids
        self.budget = _EMBEDS

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(item) for item in value]
        if not isinstance(value, dict):
            return value
        reference = value.get("@id")
        if len(value) == 1 and isinstance(reference, str) and reference in self.ids:
            if self.budget > 0:
                self.budget -= 1
                return self(self.ids[reference])
            return value
        named: dict[str, Any] = {}
        for key, item in value.items():
            named.setdefault(key if key.startswith("@") else local_name(key), self(item))
        return named


def job_postings(documents: list[Any]) -> list[dict[str, Any]]:
    """The distinct ``JobPosting`` nodes of ``documents``, property names by local name."""
    ids = {
        node["@id"]: node
        for document in documents
        for node in _nodes(document)
        if isinstance(node.get("@id"), str) and len(node) > 1
    }
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    for document in documents:
        for node in _postings(document):
            key = json.dumps(node, sort_keys=True, default=str)
            if key not in seen:  # the same posting in @graph and again under mainEntity
                seen.add(key)
                found.append(_Embedder(ids)(node))
    return found
