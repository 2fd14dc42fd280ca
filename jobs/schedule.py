"""The nightly refresh as an APScheduler job, run by ``talentmatch worker`` in its own process.

Declared as data with a stable id (``replace_existing``), coalescing missed runs into one,
never two at once (``max_instances=1``; across processes the database lock decides), and with
a misfire grace time of hours, since APScheduler's default of one second silently skips a
nightly run after a restart. The clock is the consortium's (``TIMEZONE``, unless
``REFRESH_TIMEZONE`` overrides it), so the 02:00 run and the snapshot it takes agree on the day.
The trigger gets the time zone explicitly: a ``CronTrigger`` built by hand ignores the
scheduler's.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from jobs.needs import RefreshServices
from matcher import clock
from matcher.errors import ConfigError, TalentmatchError
from matcher.settings import Settings

from .refresh import Refresher

log = logging.getLogger(__name__)
JOB_ID = "nightly-refresh"


def nightly_refresh(services: RefreshServices) -> None:
    try:
        run = Refresher(services).run(trigger="schedule")
    except TalentmatchError as exc:  # e.g. a manual refresh holds the lock
        log.warning("nightly refresh skipped: %s", exc.detail)
        return
    log.info("nightly refresh %s: %s", run["status"], run["counts"])


def _time(value: str) -> tuple[int, int]:
    try:
        hour, minute = (int(part) for part in value.split(":"))
    except ValueError:
        raise ConfigError(f"setting REFRESH_TIME: {value!r} is not HH:MM") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ConfigError(f"setting REFRESH_TIME: {value!r} is not a time of day")
    return hour, minute


def schedule_zone(settings: Settings) -> ZoneInfo:
    """The zone of REFRESH_TIME (``load_settings`` makes an empty REFRESH_TIMEZONE TIMEZONE);
    a ``ConfigError`` for a name that is no zone."""
    return clock.zone_named(settings.refresh_timezone, "REFRESH_TIMEZONE")


def build_scheduler(
    services: RefreshServices, scheduler: BaseScheduler | None = None
) -> BaseScheduler:
    settings = services.settings
    zone = schedule_zone(settings)
    hour, minute = _time(settings.refresh_time)
    scheduler = scheduler or BlockingScheduler()
    scheduler.configure(timezone=zone)
    scheduler.add_job(
        nightly_refresh,
        CronTrigger(hour=hour, minute=minute, timezone=zone),
        id=JOB_ID,
        name="nightly refresh of job feeds",
        kwargs={"services": services},
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=settings.refresh_misfire_grace,
    )
    return scheduler
