"""The nightly refresh as an APScheduler job, run by ``talentmatch worker`` in its own process.

Declared as data with a stable id (``replace_existing``), coalescing missed runs into one,
never two at once (``max_instances=1``; across processes the database lock decides), and with
a misfire grace time of hours, since APScheduler's default of one second silently skips a
nightly run after a restart. The clock is the consortium's (``TIMEZONE``, unless
``REFRESH_TIMEZONE`` overrides it), so the 02:00 run and the snapshot it takes agree on the day.
The trigger gets the time zone explicitly: a ``CronTrigger`` built by hand ignores the
scheduler's.

Where e-mail is set up (``MAIL_SERVER``), a second job sends the mail that is due every few
minutes (``Mailer.deliver_due``: retries after a failure, mail whose process stopped before
sending), also coalesced and never two at once.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs.needs import RefreshServices
from matcher import clock
from matcher.errors import ConfigError, TalentmatchError
from matcher.settings import Settings

from .refresh import Refresher

log = logging.getLogger(__name__)
JOB_ID = "nightly-refresh"
MAIL_JOB_ID = "mail-retry"
MAIL_EVERY_MINUTES = 2  # the shortest backoff is one minute


def nightly_refresh(services: RefreshServices) -> None:
    try:
        run = Refresher(services).run(trigger="schedule")
    except TalentmatchError as exc:  # e.g. a manual refresh holds the lock
        log.warning("nightly refresh skipped: %s", exc.detail)
        return
    log.info("nightly refresh %s: %s", run["status"], run["counts"])


def send_due_mail(services: RefreshServices) -> None:
    try:
        sent = services.mailer.deliver_due()
    except Exception:  # e.g. the store is unreachable: the next run tries again
        log.exception("sending due mail failed")
        return
    if sent:
        log.info("sent %d due notification mail(s)", sent)


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
    if services.mailer.server is not None:
        scheduler.add_job(
            send_due_mail,
            IntervalTrigger(minutes=MAIL_EVERY_MINUTES, timezone=zone),
            id=MAIL_JOB_ID,
            name="send notification mail that is due",
            kwargs={"services": services},
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MAIL_EVERY_MINUTES * 60,
        )
    return scheduler
