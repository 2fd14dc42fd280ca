"""The consortium's clock: instants in UTC, days in the consortium's time zone.

Instants (``posted_at``, ``taken_at``, ...) are stored timezone-aware in UTC. A *day* — today,
a report's as-of day, a snapshot's date, the day a posting was posted or expires — is a day in
the consortium's time zone (setting ``TIMEZONE``, default Asia/Shanghai): between 00:00 and
08:00 in Shanghai the UTC date is still yesterday's.

The process has one zone, set by ``load_settings`` (``use_zone``), because input models
validate dates without access to the settings; code that has the settings at hand passes the
zone explicitly. Tests fix the time with ``fixed``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from matcher.errors import ConfigError

DEFAULT_ZONE = "Asia/Shanghai"
_UTC_MIN = datetime.min.replace(tzinfo=UTC)
_UTC_MAX = datetime.max.replace(tzinfo=UTC)


class _State:
    def __init__(self) -> None:
        self.zone: ZoneInfo = ZoneInfo(DEFAULT_ZONE)
        self.fixed: datetime | None = None


_state = _State()


@lru_cache(maxsize=1)
def _iana_names() -> frozenset[str]:
    # "localtime" is the host's zone file, not a name the consortium could rely on.
    return frozenset(available_timezones() - {"localtime"})


def zone_named(name: str, setting: str = "TIMEZONE") -> ZoneInfo:
    """The IANA zone called ``name``; a ``ConfigError`` naming ``setting`` otherwise."""
    if name not in _iana_names():
        raise ConfigError(
            f"setting {setting}: unknown time zone {name!r} (use an IANA name such as "
            f"{DEFAULT_ZONE} or UTC)"
        )
    return ZoneInfo(name)


def use_zone(name: str) -> ZoneInfo:
    """Make ``name`` the process's zone (validated); returns it."""
    zone = zone_named(name)
    _state.zone = zone
    return zone


def zone() -> ZoneInfo:
    return _state.zone


def now() -> datetime:
    """The current instant, timezone-aware UTC (the fixed one inside ``fixed``)."""
    fixed = _state.fixed
    return fixed if fixed is not None else datetime.now(UTC)


def local_day(instant: datetime, tz: tzinfo | None = None) -> date:
    """The day ``instant`` falls on in ``tz`` (default the process's zone).

    Instants within hours of the ends of the calendar (year 1 or 9999) have no local day in
    Python's range; they get the first or last day.
    """
    try:
        return instant.astimezone(tz or zone()).date()
    except OverflowError:
        return date.max if instant.year == datetime.max.year else date.min


def last_day(expiry: datetime, tz: tzinfo | None = None) -> date:
    """The last day on which something that ends at ``expiry`` still holds: an expiry at a
    day's end (the next midnight, as ``expires_at: 2026-12-01`` is stored) belongs to that day."""
    try:
        return local_day(expiry - timedelta(microseconds=1), tz)
    except OverflowError:  # the very first instant of the calendar
        return date.min


def today(tz: tzinfo | None = None) -> date:
    """Today in ``tz`` (default the process's zone)."""
    return local_day(now(), tz)


def day_start(day: date, tz: tzinfo | None = None) -> datetime:
    """The UTC instant at which ``day`` begins in ``tz``; clamped at the ends of the calendar."""
    try:
        return datetime.combine(day, time(0, 0), tz or zone()).astimezone(UTC)
    except OverflowError:
        return _UTC_MIN


def day_end(day: date, tz: tzinfo | None = None) -> datetime:
    """The UTC instant at which ``day`` ends in ``tz`` (the next day's start)."""
    if day == date.max:
        return _UTC_MAX
    return day_start(day + timedelta(days=1), tz)


@contextmanager
def fixed(instant: datetime) -> Iterator[None]:
    """Within the block, ``now()`` is ``instant`` (which must be timezone-aware)."""
    if instant.tzinfo is None:
        raise ValueError("a fixed clock needs a timezone-aware instant")
    previous, _state.fixed = _state.fixed, instant.astimezone(UTC)
    try:
        yield
    finally:
        _state.fixed = previous
