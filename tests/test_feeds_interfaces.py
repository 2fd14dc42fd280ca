"""Feeds and refresh runs through the CLI and REST; the nightly schedule as declared."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner
from flask.testing import FlaskClient

from api.cli import cli
from api.wiring import Services
from jobs.refresh import Refresher
from jobs.schedule import JOB_ID, build_scheduler, nightly_refresh
from matcher.errors import ConfigError
from tests.clients import admin_client
from tests.feed_server import FeedServer

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROBLEM = "application/problem+json"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TALENTMATCH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TALENTMATCH_FEED_ALLOW_PRIVATE", "127.0.0.1")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TALENTMATCH_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], obj={}).exit_code == 0
    return runner


def _run(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, list(args), obj={})


def test_cli_feeds_refresh_and_runs(runner: CliRunner, server: FeedServer) -> None:
    url = server.serve(
        "/jobs.json",
        json.dumps([{"id": "J1", "title": "PLC Technician", "date_posted": "2026-01-05"}]),
    )
    added = _run(runner, "feeds", "add", url, "--format", "json", "--enterprise", "Acme", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["enterprise"] == "Acme"
    duplicate = _run(runner, "feeds", "add", url, "--format", "json")
    assert duplicate.exit_code == 1 and "already registered" in duplicate.stderr
    bad = _run(runner, "feeds", "add", "ftp://example.com/x", "--format", "json")
    assert bad.exit_code == 1 and bad.stderr.startswith("error: body: field 'url'")
    result = _run(runner, "refresh", "--json")
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    assert set(run) >= {"id", "status", "counts", "errors"}
    assert set(run["counts"]) == {"fetched", "new", "updated", "unchanged", "expired", "failed"}
    assert run["status"] == "succeeded" and run["counts"]["new"] == 1
    assert "feed 1 succeeded" in result.stderr  # progress, one line per feed
    listed = json.loads(_run(runner, "feeds", "list", "--json").stdout)
    assert listed[0]["last_status"] == "succeeded"
    runs = json.loads(_run(runner, "runs", "--json").stdout)
    assert [r["id"] for r in runs] == [run["id"]]
    assert _run(runner, "feeds", "disable", "1").stdout.strip() == "feed 1 disabled"
    missing = _run(runner, "refresh", "--feed", "99")
    assert missing.exit_code == 1 and missing.stderr.strip() == "error: feed 99 not found"


def test_cli_refresh_that_fails_exits_non_zero(runner: CliRunner, server: FeedServer) -> None:
    url = server.serve("/down.json", "", status=500)
    assert (
        _run(runner, "feeds", "add", url, "--format", "json", "--enterprise", "Acme").exit_code == 0
    )
    result = _run(runner, "refresh")
    assert result.exit_code == 1
    assert "refresh run 1: failed" in result.stdout and "HTTP 500" in result.stdout


@pytest.fixture
def client(services: Services) -> FlaskClient:
    return admin_client(services)


def test_rest_feeds_and_refresh_runs(client: FlaskClient) -> None:
    created = client.post(
        "/api/v1/feeds", json={"url": "https://jobs.example.com/feed.json", "format": "json"}
    )
    assert created.status_code == 201 and created.headers["Location"] == "/api/v1/feeds/1"
    assert client.get("/api/v1/feeds").get_json()["items"][0]["format"] == "json"
    for body, status in (
        ({"url": "https://jobs.example.com/feed.json", "format": "json"}, 409),
        ({"url": "gopher://x", "format": "json"}, 422),
        ({"url": "https://a.example.com/f", "format": "xml"}, 422),
        ({"url": "https://a.example.com/f", "format": "csv", "etag": "x"}, 422),
    ):
        response = client.post("/api/v1/feeds", json=body)
        assert response.status_code == status and response.content_type == PROBLEM
    patched = client.patch("/api/v1/feeds/1", json={"enabled": False}).get_json()
    assert patched["enabled"] is False
    assert client.get("/api/v1/feeds/7").status_code == 404
    assert client.get("/api/v1/refresh-runs").get_json() == {"items": []}
    assert client.get("/api/v1/refresh-runs/3").status_code == 404
    assert client.delete("/api/v1/feeds/1").status_code == 204
    assert client.post("/api/v1/refresh").status_code in (404, 405)  # never inside a web worker


def test_nightly_job_is_declared_with_safe_options(services: Services) -> None:
    scheduler = build_scheduler(services, BackgroundScheduler())
    job = scheduler.get_job(JOB_ID)
    assert job is not None and job.func is nightly_refresh
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 21600)
    after = datetime(2026, 11, 23, 3, 0, tzinfo=SHANGHAI)
    assert job.trigger.get_next_fire_time(None, after) == datetime(
        2026, 11, 24, 2, 0, tzinfo=SHANGHAI
    )
    build_scheduler(services, scheduler)  # declared again, e.g. on a worker restart
    scheduler.start(paused=True)
    try:
        assert [j.id for j in scheduler.get_jobs()] == [JOB_ID]  # replaced, not doubled
    finally:
        scheduler.shutdown(wait=False)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("REFRESH_TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("REFRESH_TIME", "25:00", "not a time of day"),
        ("REFRESH_TIME", "2am", "not HH:MM"),
    ],
)
def test_bad_schedule_settings_are_clear_errors(
    services: Services, setting: str, value: str, message: str
) -> None:
    # as a hand-edited value would arrive: not through load_settings' own checks
    services.settings = dataclasses.replace(services.settings, **{setting.lower(): value})
    with pytest.raises(ConfigError, match=message):
        build_scheduler(services, BackgroundScheduler())


def test_the_nightly_job_runs_a_refresh(services: Services) -> None:
    nightly_refresh(services)
    runs = Refresher(services).runs()
    assert runs[0]["trigger"] == "schedule" and runs[0]["status"] == "succeeded"
