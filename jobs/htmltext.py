"""Text of feed fields: HTML descriptions to plain lines (inscriptis), control characters out.

Descriptions come as plain text, as HTML, or — inside JSON-LD — as entity-escaped HTML
(``&lt;p&gt;...``). The stored text is one line per paragraph, heading, list item or table
row, with no ``<script>`` / ``<style>`` content, no comments and entities resolved.
"""

from __future__ import annotations

import html
import re

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.html_properties import Display
from inscriptis.model.config import ParserConfig
from inscriptis.model.html_document_state import HtmlDocumentState
from inscriptis.model.html_element import HtmlElement
from inscriptis.model.tag import CustomHtmlTagHandlerMapping

# A start tag, an end tag or a comment; "a < b" and "<3" are text.
_MARKUP = re.compile(r"<(?:/?[A-Za-z][^<>]*|!--.*?--)>", re.S)
# C0 controls other than tab / new line (PostgreSQL refuses NUL in text) and lone surrogates
# (JSON may escape them; they cannot be encoded).
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
# Escaped HTML is unescaped at most this often (JSON-LD written by a CMS that escaped twice).
_MAX_UNESCAPES = 3


def _li_without_bullet(state: HtmlDocumentState, attrs: dict[str, str]) -> None:
    """A list item is its own line; inscriptis' "* " / "1. " bullets would be stored text."""


def _config() -> ParserConfig:
    css = dict(CSS_PROFILES["strict"])  # the relaxed profile indents <div> content
    # no indentation for lists; content a reader never sees is not the posting's text
    css["ul"] = HtmlElement(display=Display.block)
    css["ol"] = HtmlElement(display=Display.block)
    for tag in ("noscript", "template", "iframe", "object", "select", "button"):
        css[tag] = HtmlElement(display=Display.none)
    return ParserConfig(
        css=css,
        custom_html_tag_handler_mapping=CustomHtmlTagHandlerMapping(
            start_tag_mapping={"li": _li_without_bullet}, end_tag_mapping={}
        ),
    )


_CONFIG = _config()


def clean_text(value: str) -> str:
    """``value`` without characters that cannot be stored (NUL, other controls, surrogates)."""
    return _UNSTORABLE.sub("", value)


def html_to_text(value: str) -> str:
    """Plain text of a description: one line per block or list item, no blank lines.

    Text with no markup keeps its lines (only entities are resolved); entity-escaped HTML is
    unescaped first, then read as HTML.
    """
    text = clean_text(value)
    for _ in range(_MAX_UNESCAPES):
        if _MARKUP.search(text):
            text = get_text(text, _CONFIG)
            break
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = clean_text(unescaped)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def inline_text(value: str) -> str:
    """A short field (title, city, name) as one line of plain text."""
    return " ".join(html_to_text(value).splitlines())
