"""The refresh against a real HTTP server on 127.0.0.1: formats, upsert, faults, lock, swap."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from api.wiring import Services
from embeddings.index import IndexStore
from embeddings.pgvector import PgVectorStore
from jobs.feeds import FeedPatch, FeedRegistry, parse_feed_input
from jobs.lock import DatabaseLock, LockHeld
from jobs.refresh import Refresher
from matcher import clock
from store import Demand, GapSnapshot, JobLock
from tests.conftest import PostgresDatabases, make_services
from tests.feed_server import FeedServer

# the consortium's today (the default TIMEZONE), as reports count days: from 16:00 UTC on,
# Shanghai is a day ahead of UTC
TODAY = clock.today(ZoneInfo(clock.DEFAULT_ZONE))


def _day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def _jsonld_page(*postings: dict[str, Any]) -> str:
    graph = json.dumps({"@context": "https://schema.org", "@graph": list(postings)})
    return f'<html><head><script type="application/ld+json">{graph}</script></head></html>'


def _job_posting(ident: str, title: str, skills: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "value": ident},
        "title": title,
        "description": f"<p>{title} wanted.</p>",
        "skills": skills,
        "datePosted": _day(-10),
        "jobLocation": {"@type": "Place", "address": {"addressLocality": "Dongguan"}},
        "hiringOrganization": {"@type": "Organization", "name": "Pearl River Electronics"},
        **extra,
    }


CSV_HEADER = "id,title,description,skills,employment_type,openings,location,date_posted,valid_through,url,enterprise\n"


@pytest.fixture
def svc(
    store: str, tmp_path: Path, postgres: PostgresDatabases | None, shared_vectors: Any
) -> Iterator[Services]:
    services = make_services(
        store,
        tmp_path,
        postgres,
        shared_vectors,
        FEED_ALLOW_PRIVATE="127.0.0.1",
        FEED_CONNECT_TIMEOUT=1,
        FEED_READ_TIMEOUT=0.5,
        FEED_RETRIES=1,
        FEED_BACKOFF=0,
        FEED_MAX_BYTES=100_000,
    )
    yield services
    services.close()


def _add_feed(svc: Services, url: str, fmt: str, enterprise: str | None = None) -> int:
    data = {"url": url, "format": fmt, "enterprise": enterprise}
    return FeedRegistry(svc.db).add(parse_feed_input(data))["id"]


def _demands(svc: Services) -> dict[str, Demand]:
    with svc.db.session() as session:
        rows = list(session.scalars(select(Demand)))
        session.expunge_all()
    return {d.external_id or "": d for d in rows}


def _feed(run: dict[str, Any], feed_id: int) -> dict[str, Any]:
    return next(f for f in run["feeds"] if f["feed_id"] == feed_id)


def test_three_formats_through_new_changed_unchanged_removed_and_expired(
    svc: Services, server: FeedServer
) -> None:
    page = _jsonld_page(
        _job_posting("PRE-1", "5G Small Cell Technician", ["5G small cell installation"]),
        _job_posting("PRE-2", "SMT Intern", ["SMT process"], employmentType="INTERN"),
    )
    jsonld = _add_feed(svc, server.serve("/careers.html", page, content_type="text/html"), "jsonld")
    plain = [
        {
            "id": "LC-1",
            "title": "Battery Pack Technician",
            "skills": ["battery pack assembly"],
            "openings": 6,
            "location": "Liuzhou",
            "date_posted": _day(-3),
        },
        {
            "id": "LC-2",
            "title": "Welding Apprentice",
            "skills": ["welding robot programming"],
            "employment_type": "apprenticeship",
            "date_posted": _day(-2),
        },
    ]
    json_feed = _add_feed(
        svc, server.serve("/jobs.json", json.dumps(plain)), "json", "Longcheng Auto"
    )
    rows = (
        CSV_HEADER
        + f"BR-1,Robot Cell Engineer,Commission robot cells.,PLC programming; machine vision,job,2,Dongguan,{_day(-5)},{_day(30)},,Bay Robotics\n"
        + f"BR-2,Offline Programming Intern,,RobotStudio simulation,internship,3,Dongguan,{_day(-5)},{_day(5)},,Bay Robotics\n"
    )
    csv_feed = _add_feed(svc, server.serve("/jobs.csv", rows, content_type="text/csv"), "csv")

    first = Refresher(svc).run()
    assert first["status"] == "succeeded", first["errors"]
    assert first["counts"] == {
        "fetched": 6,
        "new": 6,
        "updated": 0,
        "unchanged": 0,
        "expired": 0,
        "failed": 0,
    }
    stored = _demands(svc)
    assert stored["PRE-2"].kind == "internship" and stored["PRE-2"].city == "Dongguan"
    assert stored["PRE-1"].description == "5G Small Cell Technician wanted."
    assert stored["LC-1"].openings == 6 and stored["LC-2"].kind == "apprenticeship"
    assert stored["BR-1"].skills == ["PLC programming", "machine vision"]
    hits = svc.matcher.match_text("5G small cell installation", "demands", k=1)
    assert hits[0]["title"] == "5G Small Cell Technician"  # in the published index

    # PRE-1 changed, PRE-2 gone; JSON unchanged (ETag → 304); BR-2 now past validThrough
    server.serve(
        "/careers.html",
        _jsonld_page(
            _job_posting(
                "PRE-1",
                "5G Small Cell Technician",
                ["5G small cell installation", "RF measurement"],
            )
        ),
        content_type="text/html",
    )
    server.serve(
        "/jobs.csv",
        rows.replace(f"{_day(-5)},{_day(5)}", f"{_day(-5)},{_day(-1)}"),
        content_type="text/csv",
    )
    second = Refresher(svc).run()
    assert second["status"] == "succeeded"
    assert _feed(second, jsonld)["counts"] | {} == {
        "fetched": 1,
        "new": 0,
        "updated": 1,
        "unchanged": 0,
        "expired": 1,
        "failed": 0,
    }
    assert _feed(second, json_feed)["status"] == "not_modified"
    assert _feed(second, json_feed)["counts"]["unchanged"] == 2
    assert _feed(second, csv_feed)["counts"] | {} == {
        "fetched": 2,
        "new": 0,
        "updated": 1,
        "unchanged": 1,
        "expired": 1,
        "failed": 0,
    }
    stored = _demands(svc)
    assert len(stored) == 6  # expired, never deleted
    assert stored["PRE-2"].status == "expired" and stored["BR-2"].status == "expired"
    assert stored["PRE-1"].skills == ["5G small cell installation", "RF measurement"]
    assert stored["LC-1"].status == "active"
    assert all(
        h["title"] != "SMT Intern" for h in svc.matcher.match_text("SMT process", "demands", k=5)
    )
    with svc.db.session() as session:
        # each refresh took one; the second, of the same day, replaced the first
        assert session.scalar(select(func.count()).select_from(GapSnapshot)) == 1


def test_an_unchanged_refresh_encodes_nothing(svc: Services, server: FeedServer) -> None:
    postings = [
        {
            "id": f"J{n}",
            "title": f"Technician {n}",
            "skills": [f"skill {n}"],
            "date_posted": _day(-1),
        }
        for n in range(20)
    ]
    feed = _add_feed(
        svc, server.serve("/jobs.json", json.dumps(postings), etag=False), "json", "Acme"
    )
    Refresher(svc).run()
    calls = svc.encoder.calls
    run = Refresher(svc).run()
    assert _feed(run, feed)["status"] == "succeeded"  # read and parsed again (no ETag) ...
    assert run["counts"]["unchanged"] == 20
    assert svc.encoder.calls == calls  # ... yet nothing was encoded


@pytest.mark.parametrize(
    ("route", "fmt", "reason"),
    [
        ({"body": "[]", "delay": 1.5}, "json", "timed out"),
        ({"body": "oops", "status": 500}, "json", "HTTP 500"),
        ({"body": '[{"title": "x",}'}, "json", "not valid JSON"),
        (
            {"body": "name,when\nx,y\n", "content_type": "text/csv"},
            "csv",
            "CSV header must include 'title'",
        ),
        (
            {"body": "<html>no data</html>", "content_type": "text/html"},
            "jsonld",
            "no application/ld+json",
        ),
        (
            {"body": "[" + ",".join(['{"title": "x"}'] * 8000) + "]"},
            "json",
            "over the 100000-byte limit",
        ),
        (
            {"body": "", "status": 302, "headers": {"Location": "http://10.20.30.40/jobs"}},
            "json",
            "10.20.30.40, a private",
        ),
        (
            {"body": "", "status": 302, "headers": {"Location": "file:///etc/passwd"}},
            "json",
            "only http and https",
        ),
    ],
    ids=[
        "timeout",
        "http-500",
        "invalid-json",
        "bad-csv",
        "no-jsonld",
        "oversized",
        "redirect-private",
        "redirect-file",
    ],
)
def test_a_failing_feed_is_reported_and_the_others_go_on(
    svc: Services, server: FeedServer, route: dict[str, Any], fmt: str, reason: str
) -> None:
    good = _add_feed(
        svc,
        server.serve(
            "/good.json", json.dumps([{"id": "G1", "title": "Fitter", "date_posted": _day(-1)}])
        ),
        "json",
        "Acme",
    )
    bad = _add_feed(
        svc,
        server.serve(
            "/bad", json.dumps([{"id": "B1", "title": "Welder", "date_posted": _day(-1)}])
        ),
        "json",
        "Acme",
    )
    assert Refresher(svc).run()["status"] == "succeeded"
    options = dict(route)  # the parameter is shared between the two stores' runs
    server.serve("/bad", options.pop("body"), **options)
    FeedRegistry(svc.db).update(bad, FeedPatch(format=fmt))
    run = Refresher(svc).run()
    assert run["status"] == "partial"
    assert _feed(run, good)["status"] == "not_modified"  # its ETag answered 304
    failed = _feed(run, bad)
    assert failed["status"] == "failed" and reason in failed["errors"][0]
    assert any(reason in e["reason"] and e["feed_id"] == bad for e in run["errors"])
    stored = _demands(svc)
    assert stored["B1"].status == "active"  # nothing already stored is lost


def test_bad_records_are_left_out_and_the_feed_is_partial(
    svc: Services, server: FeedServer
) -> None:
    postings = [
        {"id": "OK", "title": "Fitter", "date_posted": _day(-1)},
        {"id": "NT", "description": "no title", "date_posted": _day(-1)},
        {"id": "OK", "title": "Fitter again", "date_posted": _day(-1)},
        {"id": "FU", "title": "Time traveller", "date_posted": _day(30)},
        {"id": "NO", "title": "Counter", "openings": "many"},
        "not an object",
    ]
    feed = _add_feed(svc, server.serve("/jobs.json", json.dumps(postings)), "json", "Acme")
    run = Refresher(svc).run()
    outcome = _feed(run, feed)
    assert outcome["status"] == "partial" and run["status"] == "partial"
    assert outcome["counts"]["new"] == 1 and outcome["counts"]["failed"] == 5
    errors = " | ".join(outcome["errors"])
    for part in (
        "record 2: field 'title'",
        "record 3: same id as record 1",
        "record 4: field 'posted_at'",
        "record 5: openings 'many'",
        "record 6: not an object",
    ):
        assert part in errors


def test_a_crash_between_index_build_and_swap_keeps_the_old_index_serving(
    svc: Services, server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    postings = [
        {
            "id": "A",
            "title": "CNC Machinist",
            "skills": ["CNC programming"],
            "date_posted": _day(-1),
        }
    ]
    _add_feed(svc, server.serve("/jobs.json", json.dumps(postings), etag=False), "json", "Acme")
    Refresher(svc).run()
    version = svc.index.store.current_version()
    postings.append(
        {
            "id": "B",
            "title": "Fiber Splicer",
            "skills": ["fiber optic splicing"],
            "date_posted": _day(-1),
        }
    )
    server.serve("/jobs.json", json.dumps(postings), etag=False)

    def crash(*args: Any) -> None:
        raise OSError("disk full")

    if isinstance(svc.index.store, IndexStore):
        monkeypatch.setattr(IndexStore, "_swap_manifest", crash)
    else:  # pgvector: the transaction that would move the version fails
        monkeypatch.setattr(PgVectorStore, "publish", crash)
    run = Refresher(svc).run()
    assert run["status"] == "failed"
    assert "index update failed (OSError); the previous index serves" in run["errors"][-1]["reason"]
    assert svc.index.store.current_version() == version
    reader = make_services_like(svc)
    assert [
        h["title"] for h in reader.matcher.match_text("fiber optic splicing", "demands", k=5)
    ] == ["CNC Machinist"]
    monkeypatch.undo()
    repaired = Refresher(svc).run()
    assert repaired["status"] == "succeeded" and repaired["counts"]["unchanged"] == 2
    assert svc.index.store.current_version() > version
    top = reader.matcher.match_text("fiber optic splicing", "demands", k=1)[0]
    assert top["title"] == "Fiber Splicer"  # a running reader picks up the new version
    reader.close()


def make_services_like(svc: Services) -> Services:
    """A second process's view (a web worker): same store and index folder, own state."""
    return Services.from_environment(svc.settings.overrides(), svc.vectors)


def test_two_refreshes_at_once_one_is_refused(svc: Services, server: FeedServer) -> None:
    _add_feed(svc, server.serve("/slow.json", "[]", delay=0.4, etag=False), "json", "Acme")
    results: list[Any] = []

    def start() -> None:
        try:
            results.append(Refresher(svc).run())
        except LockHeld as exc:
            results.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [r for r in results if isinstance(r, LockHeld)]
    finished = [r for r in results if isinstance(r, dict)]
    assert len(refused) == 1 and len(finished) == 1
    assert "another refresh" in refused[0].detail
    assert Refresher(svc).run()["status"] == "succeeded"  # the lock was released


def test_a_live_lock_is_renewed_past_its_time_to_live_and_a_dead_one_expires(
    svc: Services,
) -> None:
    live = DatabaseLock(svc.db, "refresh", ttl_seconds=0.6)
    live.acquire()
    time.sleep(1.5)  # past its time to live: renewed meanwhile
    with pytest.raises(LockHeld):
        DatabaseLock(svc.db, "refresh", ttl_seconds=1).acquire()
    live.release()

    dead = DatabaseLock(svc.db, "refresh", ttl_seconds=0.6)
    dead.acquire()
    dead._stop.set()  # its process dies: no more renewals
    assert dead._renewer is not None
    dead._renewer.join()
    time.sleep(0.8)
    other = DatabaseLock(svc.db, "refresh", ttl_seconds=60)
    other.acquire()  # taken over
    assert not dead.renew()  # the dead owner cannot push it back
    other.release()


def test_a_refresh_whose_lock_was_taken_over_stops(
    svc: Services, server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_feed(svc, server.serve("/one.json", "[]", etag=False), "json", "Acme")
    _add_feed(svc, server.serve("/two.json", "[]", etag=False), "json", "Acme")
    short = Services.from_environment(
        {**svc.settings.overrides(), "REFRESH_LOCK_TTL": 1}, svc.vectors
    )
    refresher = Refresher(short)
    refresh_feed = refresher._refresh_feed

    def then_taken_over(*args: Any) -> Any:
        outcome = refresh_feed(*args)
        with svc.db.session() as session:  # another host decides this run is dead
            session.execute(delete(JobLock))
            session.add(JobLock(name="refresh", owner="other-host", expires_at=clock.now()))
        time.sleep(1.0)  # the renewing thread finds out
        return outcome

    monkeypatch.setattr(refresher, "_refresh_feed", then_taken_over)
    run = refresher.run()
    assert run["status"] == "failed" and len(run["feeds"]) == 1
    assert any("taken over" in e["reason"] for e in run["errors"])
    with svc.db.session() as session:
        assert session.scalars(select(JobLock.owner)).all() == ["other-host"]  # left alone
    short.close()


def test_a_stale_lock_of_a_crashed_process_is_taken_over(svc: Services) -> None:
    stale = DatabaseLock(svc.db, "refresh", ttl_seconds=-1)
    stale.acquire()  # never released: the process "crashed"
    stale._stop.set()  # and renews no more
    assert stale._renewer is not None
    stale._renewer.join()
    Refresher(svc).run()
    held = DatabaseLock(svc.db, "refresh", ttl_seconds=3600)
    held.acquire()
    with pytest.raises(LockHeld):
        Refresher(svc).run()
    held.release()
