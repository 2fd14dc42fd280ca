"""The field types of input models: text, ids, days and addresses, each with the rule the
OpenAPI document states for it.

A rule is checked on the value as sent and stated in JSON Schema the same way (``maxLength``
counts the characters sent, a name's ``pattern`` is "not blank" by the blanks ECMAScript knows,
a day's pattern bounds its years), so a client that checks the document and the server never
disagree. CSV imports are read in pydantic's Python mode, where a blank cell is "none" and
``a; b`` is a list; JSON bodies in strict JSON mode, where neither holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic.json_schema import JsonDict

from matcher import clock
from matcher.language import MAX_TEXT_CHARS

FIRST_YEAR = 1900
LAST_YEAR = 2999
YEARS_PATTERN = r"^(?:19|2[0-9])[0-9]{2}-"
NOT_AFTER_TODAY = "x-not-after-today"
"""Marks a date schema that the OpenAPI document bounds by today (``api.openapi``)."""
MAX_LIST_ITEMS = 64

DEMAND_KINDS = ("job", "internship", "apprenticeship", "training")
ORGANIZATION_KINDS = ("enterprise", "school")


def _split_list(value: object, info: ValidationInfo) -> object:
    """CSV cells carry lists as ``a; b; c`` (``|`` also accepted); JSON bodies send arrays."""
    if isinstance(value, str) and info.mode == "python":
        separator = "|" if "|" in value else ";"
        return [part.strip() for part in value.split(separator) if part.strip()]
    return value


def blank_to_none(value: object, info: ValidationInfo) -> object:
    """A blank CSV cell means "none"; a JSON body says ``null`` instead."""
    if info.mode == "python" and isinstance(value, str) and not value.strip(_BLANKS):
        return None
    return value


# Blanks as JSON Schema patterns read them (ECMAScript ``\\s``): Python's ``str.strip`` and
# ``\\s`` also take \\x1c-\\x1f and \\x85, so a name of those alone would be blank to us and
# not blank to a client checking the document's pattern.
_BLANKS = (
    "\t\n\v\f\r \u00a0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000\ufeff")
)
_BLANK_RANGES = "".join(f"\\u{ord(c):04x}" for c in _BLANKS)  # the same, as a regex class body
NOT_BLANK = f"[^{_BLANK_RANGES}]"
"""One character that is not blank: the pattern of a required name, title or phrase."""
_PORT = r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
HTTP_URL = (
    rf"^[Hh][Tt][Tt][Pp][Ss]?://[^{_BLANK_RANGES}/?#@:\[\]]+(?::{_PORT})?"
    rf"(?:[/?#][^{_BLANK_RANGES}]*)?$"
)
"""An http(s) address with a host name and no blanks (no user part, no IPv6 literal)."""


def http_url(value: str) -> str:
    """:data:`HTTP_URL` with a message a person can act on (pydantic's would quote the regex)."""
    if not re.match(HTTP_URL, value):
        raise ValueError("not an http(s) address with a host name (and no spaces)")
    return value


def url_schema(max_chars: int) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "maxLength": max_chars, "pattern": HTTP_URL})


def at_most(max_chars: int, required: bool = False) -> Callable[[object], object]:
    """Check a string's length as sent, then strip its blanks; NUL becomes U+FFFD.

    The length is checked before stripping so that the rule is the ``maxLength`` the OpenAPI
    document states; PostgreSQL cannot store NUL in text, and dropping it could leave a
    required name empty that the document calls valid. ``required``: blank is refused.
    """

    def check(value: object) -> object:
        if not isinstance(value, str):
            return value
        if len(value) > max_chars:
            raise ValueError(f"at most {max_chars} characters")
        cleaned = value.replace("\x00", "\ufffd").strip(_BLANKS)
        if required and not cleaned:
            raise ValueError("must not be blank")
        return cleaned

    return check


def _text_schema(max_chars: int, required: bool) -> WithJsonSchema:
    schema: JsonDict = {"type": "string", "maxLength": max_chars}
    if required:
        schema["pattern"] = NOT_BLANK
    return WithJsonSchema(schema)


_DAY_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INSTANT_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)
_YEARS_DAY_T = YEARS_PATTERN + "[0-9]{2}-[0-9]{2}T"
_NOT_A_DAY = "not a date (YYYY-MM-DD)"
_NOT_A_DAY_OR_INSTANT = f"{_NOT_A_DAY} or date-time (YYYY-MM-DDTHH:MM:SS, Z or ±HH:MM)"


def _iso_day(value: object) -> object:
    """A day written ``YYYY-MM-DD`` (or a date object), parsed here rather than by pydantic.

    Pydantic reads a number or a string of digits as Unix time (``"20261201"`` would be
    1970-08-23). The text is parsed here, not handed on: in strict JSON mode what a validator
    returns counts as a Python value, and a Python ``str`` is then no date.
    """
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DAY_TEXT.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"not a date: {value} ({exc})") from None
    raise ValueError(_NOT_A_DAY)


def _iso_day_or_instant(value: object) -> object:
    """:func:`_iso_day`, or a date-time ``YYYY-MM-DDTHH:MM[:SS[.f]][Z|±HH:MM]``."""
    if isinstance(value, str) and _INSTANT_TEXT.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"not a date-time: {value} ({exc})") from None
    if isinstance(value, date) or (isinstance(value, str) and _DAY_TEXT.fullmatch(value)):
        return _iso_day(value)
    raise ValueError(_NOT_A_DAY_OR_INSTANT)


def _as_utc(value: datetime | date) -> datetime:
    """An instant in UTC; a date alone or a time without offset is read as UTC."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 lies beyond datetime's range in UTC
        raise ValueError("date is out of range") from None


def _in_years(value: datetime | date) -> datetime | date:
    """Dates outside 1900-2999 are typing errors (and 9999 with an offset is no instant)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"date is outside {FIRST_YEAR}-{LAST_YEAR}")
    return value


def _ends_its_day(value: datetime | date) -> datetime:
    """An expiry in UTC: a day alone lasts to its end in the consortium's time zone.

    ``expires_at: 2026-12-01`` is valid through the 1st in Shanghai (to 16:00 UTC), as a
    feed's ``validThrough`` of that day is; an instant stays that instant.
    """
    if isinstance(value, datetime):
        return _as_utc(value)
    return clock.day_end(value)


def _not_future(value: datetime | date) -> datetime | date:
    """Refuse a day after today in the consortium's time zone (``clock``), or before 1900.

    The day compared is the one written (``2026-12-01`` of ``2026-12-01T23:00-05:00``): the
    rule the OpenAPI document states as a pattern of the days up to today.
    """
    day = value.date() if isinstance(value, datetime) else value
    today = clock.today()
    if day > today:
        raise ValueError(f"date is in the future (today is {today.isoformat()})")
    if day.year < FIRST_YEAR:
        raise ValueError(f"date is before {FIRST_YEAR}")
    return value


# Lengths are those of the store's columns (PostgreSQL refuses longer text).
Name = Annotated[str, BeforeValidator(at_most(200, required=True)), _text_schema(200, True)]
Title = Annotated[str, BeforeValidator(at_most(300, required=True)), _text_schema(300, True)]
Label = Annotated[str, BeforeValidator(at_most(100, required=True)), _text_schema(100, True)]
"""A city or a source: 100 characters."""
Code = Annotated[str, BeforeValidator(at_most(50, required=True)), _text_schema(50, True)]
"""A course code or a program level: 50 characters."""
Text = Annotated[str, BeforeValidator(at_most(MAX_TEXT_CHARS)), _text_schema(MAX_TEXT_CHARS, False)]
Phrase = Name
PhraseList = Annotated[list[Phrase], BeforeValidator(_split_list), Field(max_length=MAX_LIST_ITEMS)]
OptionalName = Annotated[Name | None, BeforeValidator(blank_to_none)]
OptionalLabel = Annotated[Label | None, BeforeValidator(blank_to_none)]
OptionalCode = Annotated[Code | None, BeforeValidator(blank_to_none)]


def integral(value: object, info: ValidationInfo) -> object:
    """JSON Schema counts 3.0 as an integer, so a JSON body may send it (a string it may not)."""
    if info.mode == "json" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


MAX_ID = 2**31 - 1
"""Ids are 32-bit integer keys on every store (PostgreSQL ``integer``)."""
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(integral)]
"""A record id: what a database integer key holds."""
OptionalInt = Annotated[Id | None, BeforeValidator(blank_to_none)]
IdList = Annotated[list[Id], Field(max_length=500)]
IsoDay = Annotated[
    date, BeforeValidator(_iso_day), WithJsonSchema({"type": "string", "format": "date"})
]
Expiry = Annotated[
    datetime | date,
    BeforeValidator(_iso_day_or_instant),
    AfterValidator(_in_years),
    AfterValidator(_ends_its_day),
    WithJsonSchema(
        {
            "anyOf": [
                # "T", as written (RFC 3339 would also let "t" or a blank separate)
                {"type": "string", "format": "date-time", "pattern": _YEARS_DAY_T},
                {"type": "string", "format": "date", "pattern": YEARS_PATTERN},
            ],
            "description": f"An instant, or a day: valid to the end of that day in the "
            f"consortium's time zone. From {FIRST_YEAR} to {LAST_YEAR}.",
        }
    ),
]
# Validators run in order: the future check sees the value as given (a date stays a day).
PastDateTime = Annotated[
    datetime | date,
    BeforeValidator(_iso_day_or_instant),
    AfterValidator(_not_future),
    AfterValidator(_as_utc),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "format": "date"},
            ],
            "description": "A day from 1900 up to today in the consortium's time zone.",
            NOT_AFTER_TODAY: True,
        }
    ),
]
