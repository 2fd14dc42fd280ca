"""Days are the consortium's (TIMEZONE, default Asia/Shanghai); instants stay UTC.

The clock is fixed at 01:00 or 02:00 in Shanghai, when the UTC date is still the day before:
the hours in which a UTC "today" refused today's reports and dated the nightly snapshot wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner
from sqlalchemy import select

from api.cli import cli
from api.wiring import Services
from jobs.feeds import FeedRegistry, parse_feed_input
from jobs.refresh import Refresher
from jobs.schedule import JOB_ID, build_scheduler, nightly_refresh
from matcher import clock
from matcher.catalog import parse_input, parse_input_model
from matcher.catalog.importing import import_file
from matcher.catalog.schemas import DemandIn
from matcher.errors import ConfigError, ValidationFailed
from matcher.gaps.analysis import parse_as_of
from matcher.language.vectors import VectorCache
from matcher.settings import load_settings
from store import Demand, GapSnapshot
from tests.clients import admin_client
from tests.conftest import PostgresDatabases, make_services
from tests.feed_server import FeedServer

SHANGHAI = ZoneInfo("Asia/Shanghai")
ONE_AM = datetime(2026, 12, 1, 1, 0, tzinfo=SHANGHAI)  # 2026-11-30 17:00 UTC
TWO_AM = datetime(2026, 12, 1, 2, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _zone_restored() -> Iterator[None]:
    """Settings loaded here set the process's zone; later tests get theirs back."""
    before = clock.zone().key
    yield
    clock.use_zone(before)


@pytest.fixture
def at_one_am() -> Iterator[None]:
    with clock.fixed(ONE_AM):
        yield


def _consortium(svc: Services) -> None:
    def add(entity: str, **data: Any) -> None:
        svc.catalog.create(entity, parse_input(entity, data))

    add("organizations", kind="school", name="North College")
    add(
        "courses",
        school="North College",
        code="N1",
        title="Arc Welding",
        skills=["MIG welding"],
        created_at="2026-01-05",
    )
    add(
        "demands",
        enterprise="Telecom A",
        kind="job",
        title="Technician",
        skills=["5G base station maintenance"],
        posted_at="2026-06-01",
    )


# -- the clock and the as-of day -----------------------------------------------------------------


def test_today_is_the_local_date_while_utc_is_still_yesterday(at_one_am: None) -> None:
    assert clock.now() == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert clock.today(SHANGHAI) == date(2026, 12, 1)
    assert clock.today(UTC) == date(2026, 11, 30)


def test_local_day_bounds_are_utc_instants() -> None:
    assert clock.day_start(date(2026, 12, 1), SHANGHAI) == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert clock.day_end(date(2026, 11, 30), SHANGHAI) == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert clock.day_end(date.max, SHANGHAI).year == 9999  # clamped, not an OverflowError
    assert clock.local_day(datetime(9999, 12, 31, 23, tzinfo=UTC), SHANGHAI) == date.max


def test_as_of_the_local_date_at_one_am_is_accepted(at_one_am: None) -> None:
    assert parse_as_of("2026-12-01", SHANGHAI) == date(2026, 12, 1)
    assert parse_as_of(None, SHANGHAI) == date(2026, 12, 1)
    with pytest.raises(ValidationFailed, match="2026-12-02 is in the future"):
        parse_as_of("2026-12-02", SHANGHAI)
    # The same instant in a zone still on 30 November: the 1st is its tomorrow.
    with pytest.raises(ValidationFailed, match="in the future"):
        parse_as_of("2026-12-01", UTC)


def test_posted_today_local_is_not_in_the_future(at_one_am: None) -> None:
    demand = {"enterprise": "Acme", "kind": "job", "title": "Welder"}
    assert parse_input_model(DemandIn, {**demand, "posted_at": "2026-12-01"}).posted_at
    early = parse_input_model(DemandIn, {**demand, "posted_at": "2026-12-01T00:30:00+08:00"})
    assert early.posted_at == datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # stored in UTC
    for tomorrow in ("2026-12-02", "2026-12-02T00:10:00+08:00"):
        with pytest.raises(ValidationFailed, match="posted_at.*in the future"):
            parse_input_model(DemandIn, {**demand, "posted_at": tomorrow})


def test_gap_report_as_of_the_local_date_at_one_am(services: Services, at_one_am: None) -> None:
    _consortium(services)
    report = services.gap_history.report(as_of="2026-12-01")
    assert report["as_of"] == "2026-12-01"
    gap = next(i for i in report["items"] if i["skill"] == "5G base station maintenance")
    assert gap["first_seen"] == "2026-06-01" and gap["lag_days"] == 183
    assert services.gap_history.report()["as_of"] == "2026-12-01"


def test_rest_gap_report_as_of_the_local_date_at_one_am(
    services: Services, at_one_am: None
) -> None:
    client = admin_client(services)
    accepted = client.get("/api/v1/gaps?as_of=2026-12-01")
    assert accepted.status_code == 200 and accepted.get_json()["as_of"] == "2026-12-01"
    assert client.get("/api/v1/gaps").get_json()["as_of"] == "2026-12-01"
    refused = client.get("/api/v1/gaps?as_of=2026-12-02")
    assert refused.status_code == 422 and "in the future" in refused.get_json()["detail"]
    snapshot = client.post("/api/v1/gaps/snapshots", json={})
    assert snapshot.status_code == 201 and snapshot.get_json()["as_of"] == "2026-12-01"


def test_cli_gap_report_as_of_the_local_date_at_one_am(services: Services, at_one_am: None) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["gaps", "--as-of", "2026-12-01", "--json"], obj={"services": services}
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["as_of"] == "2026-12-01"
    refused = runner.invoke(cli, ["gaps", "--as-of", "2026-12-02"], obj={"services": services})
    assert refused.exit_code == 1
    assert refused.stderr.strip().splitlines() == [
        "error: field 'as_of': 2026-12-02 is in the future (today is 2026-12-01)"
    ]


# -- the nightly refresh ---------------------------------------------------------------------


def test_nightly_snapshot_at_two_am_is_dated_the_local_day(services: Services) -> None:
    _consortium(services)
    with clock.fixed(TWO_AM):
        nightly_refresh(services)
    run = Refresher(services).runs()[0]
    assert run["trigger"] == "schedule" and run["started_at"] == "2026-11-30T18:00:00Z"
    with services.db.session() as session:
        snapshot = session.scalars(select(GapSnapshot)).one()
        assert snapshot.as_of == date(2026, 12, 1)
        assert snapshot.taken_at == datetime(2026, 11, 30, 18, 0, tzinfo=UTC)


def _next_run(services: Services) -> datetime:
    job = build_scheduler(services, BackgroundScheduler()).get_job(JOB_ID)
    assert job is not None
    after = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    fire: datetime = job.trigger.get_next_fire_time(None, after)
    return fire


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, datetime(2026, 11, 24, 2, 0, tzinfo=SHANGHAI)),
        (
            {"TIMEZONE": "Europe/Berlin"},
            datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("Europe/Berlin")),
        ),
        (
            {"TIMEZONE": "Europe/Berlin", "REFRESH_TIMEZONE": "UTC"},
            datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        ),
    ],
)
def test_the_refresh_runs_by_the_consortium_clock(
    tmp_path: Path,
    postgres: PostgresDatabases | None,
    shared_vectors: VectorCache,
    overrides: dict[str, str],
    expected: datetime,
) -> None:
    svc = make_services("sqlite", tmp_path, postgres, shared_vectors, **overrides)
    try:
        assert _next_run(svc) == expected
    finally:
        svc.close()


# -- feeds: bare dates are local days ----------------------------------------------------------


@pytest.fixture
def feed_services(
    store: str, tmp_path: Path, postgres: PostgresDatabases | None, shared_vectors: VectorCache
) -> Iterator[Services]:
    svc = make_services(
        store, tmp_path, postgres, shared_vectors, FEED_ALLOW_PRIVATE="127.0.0.1", FEED_RETRIES=0
    )
    yield svc
    svc.close()


def test_feed_dates_are_local_days(feed_services: Services, server: FeedServer) -> None:
    posting = {
        "id": "NOV",
        "title": "Line Technician",
        "skills": ["SMT process"],
        "date_posted": "2026-11-30",
        "valid_through": "2026-11-30",
    }
    url = server.serve("/jobs.json", json.dumps([posting]))
    FeedRegistry(feed_services.db).add(
        parse_feed_input({"url": url, "format": "json", "enterprise": "Acme"})
    )
    late_evening = datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI)
    with clock.fixed(late_evening):
        first = Refresher(feed_services).run()
    assert first["status"] == "succeeded", first["errors"]
    with feed_services.db.session() as session:
        demand = session.scalars(select(Demand)).one()
        # the start and the end of 30 November in Shanghai
        assert demand.posted_at == datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
        assert demand.expires_at == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
        assert demand.status == "active"  # valid through the whole local day
    with clock.fixed(late_evening):
        report = feed_services.gap_history.report()
    assert report["as_of"] == "2026-11-30" and report["summary"]["active_demands"] == 1
    with clock.fixed(ONE_AM):
        second = Refresher(feed_services).run()  # the feed is unchanged: a 304
        next_day = feed_services.gap_history.report()
    assert second["feeds"][0]["status"] == "not_modified"
    assert second["counts"]["expired"] == 1 and second["counts"]["unchanged"] == 0
    with feed_services.db.session() as session:
        assert session.scalars(select(Demand.status)).one() == "expired"
    assert next_day["as_of"] == "2026-12-01" and next_day["summary"]["active_demands"] == 0


# -- the setting -------------------------------------------------------------------------------


def test_timezone_setting_is_an_iana_zone_and_the_refresh_zone_follows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().timezone == "Asia/Shanghai"
    monkeypatch.setenv("TALENTMATCH_TIMEZONE", "Europe/Berlin")
    settings = load_settings()
    assert (settings.timezone, settings.refresh_timezone) == ("Europe/Berlin",) * 2
    assert clock.zone().key == "Europe/Berlin"  # what input models judge "the future" by
    for bad in ("Mars/Olympus", "asia/shanghai", "Asia", "localtime", "../etc/passwd"):
        with pytest.raises(ConfigError, match=f"setting TIMEZONE: unknown time zone '{bad}'"):
            load_settings({"TIMEZONE": bad})
    with pytest.raises(ConfigError, match="setting REFRESH_TIMEZONE: unknown time zone"):
        load_settings({"REFRESH_TIMEZONE": "Mars/Olympus"})


def test_bad_timezone_is_one_line_in_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALENTMATCH_TIMEZONE", "Mars/Olympus")
    result = CliRunner().invoke(cli, ["gaps"], obj={})
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: setting TIMEZONE: unknown time zone 'Mars/Olympus' (use an IANA name such as "
        "Asia/Shanghai or UTC)"
    ]


# -- a bare expiry day lasts to its end; a posting day is checked as written -------------------

NINE_AM = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)  # 01:00 UTC: past 00:00Z of the 1st


def test_a_bare_expiry_day_in_a_json_body_lasts_to_the_end_of_that_local_day(
    services: Services,
) -> None:
    client = admin_client(services)
    body = {"enterprise": "Acme", "kind": "job", "title": "Welder", "skills": ["MIG welding"]}
    with clock.fixed(NINE_AM):
        created = client.post(
            "/api/v1/demands", json={**body, "posted_at": "2026-11-01", "expires_at": "2026-12-01"}
        ).get_json()
        at_eight = client.post(
            "/api/v1/demands",
            json={**body, "posted_at": "2026-11-01", "expires_at": "2026-12-01T08:00:00+08:00"},
        ).get_json()
        report = services.gap_history.report(as_of="2026-12-01")
    assert created["posted_at"] == "2026-11-01T00:00:00Z"  # a bare posted_at stays 00:00Z
    assert created["expires_at"] == "2026-12-01T16:00:00Z"  # 24:00 of the 1st in Shanghai
    assert at_eight["expires_at"] == "2026-12-01T00:00:00Z"  # an instant stays that instant
    assert report["summary"]["active_demands"] == 1  # the one valid through the 1st


def test_a_bare_expiry_day_in_an_import_file_lasts_to_the_end_of_that_local_day(
    services: Services, tmp_path: Path
) -> None:
    path = tmp_path / "demands.csv"
    path.write_text(
        "enterprise,kind,title,posted_at,expires_at\nAcme,job,Welder,2026-11-01,2026-12-01\n",
        encoding="utf-8",
    )
    with clock.fixed(NINE_AM):
        created = import_file(services.catalog, "demands", path).created
    with services.db.session() as session:
        demand = session.get(Demand, created[0])
        assert demand is not None
        assert demand.expires_at == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def test_a_feed_posting_dated_tomorrow_is_a_bad_record_at_any_hour(
    feed_services: Services, server: FeedServer
) -> None:
    postings = [
        {"id": "TODAY", "title": "Line Technician", "date_posted": "2026-12-01"},
        {"id": "TOMORROW", "title": "Line Technician", "date_posted": "2026-12-02"},
    ]
    url = server.serve("/jobs.json", json.dumps(postings))
    FeedRegistry(feed_services.db).add(
        parse_feed_input({"url": url, "format": "json", "enterprise": "Acme"})
    )
    with clock.fixed(ONE_AM):  # 17:00 UTC of 30 November: tomorrow starts in 7 hours UTC
        run = Refresher(feed_services).run()
    feed = run["feeds"][0]
    assert feed["status"] == "partial" and feed["counts"]["new"] == 1
    assert feed["errors"] == [
        "record 2: field 'posted_at': date is in the future (today is 2026-12-01)"
    ]
    with feed_services.db.session() as session:
        demand = session.scalars(select(Demand)).one()
        assert demand.external_id == "TODAY"
        assert demand.posted_at == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # local 00:00
