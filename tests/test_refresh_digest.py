"""The gap digest after each refresh, on both stores, with real feed (HTTP) and mail (SMTP)
servers on 127.0.0.1: new red gaps first, nothing on an identical refresh, then just the skill a
new posting asks that no course teaches; a school without members gets nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.wiring import Services
from jobs.feeds import FeedRegistry, parse_feed_input
from jobs.refresh import Refresher
from matcher.answers.notices import details
from matcher.catalog import parse_input
from matcher.language import VectorCache
from store import GapSnapshot, Notification
from tests.clients import token_for
from tests.conftest import PostgresDatabases, make_services
from tests.feed_server import FeedServer
from tests.mail_server import MailSink, mail_server
from tests.test_refresh import _day, _job_posting, _jsonld_page


@pytest.fixture
def mailed(
    store: str, tmp_path: Path, postgres: PostgresDatabases | None, shared_vectors: VectorCache
) -> Iterator[tuple[Services, MailSink]]:
    with mail_server() as (sink, port):
        services = make_services(
            store,
            tmp_path,
            postgres,
            shared_vectors,
            FEED_ALLOW_PRIVATE="127.0.0.1",
            FEED_RETRIES=0,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
        )
        yield services, sink
        services.close()


def _school(services: Services, name: str, course: str) -> int:
    catalog = services.catalog
    catalog.create("organizations", parse_input("organizations", {"kind": "school", "name": name}))
    record = {"school": name, "code": "C1", "title": course, "skills": [course]}
    return int(catalog.create("courses", parse_input("courses", record))["school_id"])


def _digests(services: Services) -> list[Notification]:
    return _notices(services, "gap_digest")


def _notices(services: Services, kind: str) -> list[Notification]:
    with services.db.session() as session:
        query = select(Notification).where(Notification.kind == kind)
        rows = list(session.scalars(query.order_by(Notification.id)))
        session.expunge_all()
    return rows


def _old(ident: str, enterprise: str, skill: str) -> dict[str, Any]:
    organization = {"@type": "Organization", "name": enterprise}
    return _job_posting(
        ident, f"{skill} role", [skill], datePosted=_day(-200), hiringOrganization=organization
    )


def test_each_school_hears_once_of_new_and_red_gaps(
    mailed: tuple[Services, MailSink], server: FeedServer
) -> None:
    services, sink = mailed
    school = _school(services, "Liuzhou College", "PLC programming")
    _school(services, "Silent College", "Hotel management")  # no members: no digest
    token_for(services, "t@liuzhou.example", "school", organization="Liuzhou College")
    token_for(services, "t2@liuzhou.example", "school", organization="Liuzhou College")
    postings = [
        _old("A-1", "Pearl River Electronics", "5G base station maintenance"),
        _old("B-1", "Dongguan Telecom", "5G base station maintenance"),
        _old("A-2", "Pearl River Electronics", "PLC programming"),
    ]
    url = server.serve("/jobs.html", _jsonld_page(*postings), content_type="text/html")
    FeedRegistry(services.db).add(parse_feed_input({"url": url, "format": "jsonld"}))
    refresher = Refresher(services)

    first = refresher.run()
    assert first["status"] == "succeeded", first["errors"]
    digests = _digests(services)
    assert sorted(n.user_id for n in digests) == sorted({n.user_id for n in digests})
    assert len(digests) == 2 and {n.dedupe_key for n in digests} == {
        f"gap_digest:{school}:{first['id']}"
    }
    params, link = digests[0].params, digests[0].link
    assert link == "/school/gaps"
    lines = details("gap_digest", params, "en")
    red = [line for line in lines if line.startswith("5G base station maintenance")]
    assert red == [
        "5G base station maintenance — red, 2 postings (Dongguan Telecom, Pearl River "
        "Electronics), 200 days unmet"
    ]
    chinese = [line for line in details("gap_digest", params, "zh") if line.startswith("5G")]
    assert chinese == [
        "5G base station maintenance — 红色，2 条招聘（Dongguan Telecom、Pearl River "
        "Electronics），已 200 天未满足"
    ]
    assert not any(line.startswith("PLC programming") for line in lines)  # taught
    assert params["count"] == len(lines)
    warnings = [m for m in sink.messages() if "Curriculum gap warning" in m["Subject"]]
    assert sorted(m["To"] for m in warnings) == ["t2@liuzhou.example", "t@liuzhou.example"]
    body = warnings[0].get_content()
    assert "- 5G base station maintenance — 红色" in body  # Chinese first, English too
    assert body.index("红色") < body.index("- 5G base station maintenance — red")

    fitting = _notices(services, "demands_matched")  # the run's new demands a course fits
    assert len(fitting) == 2 and fitting[0].link.startswith("/school/demands/")
    assert fitting[0].dedupe_key == f"demands_matched:{school}:{first['id']}"
    (fit,) = fitting[0].params["lines"]  # the 5G postings fit no course
    assert fit.startswith("PLC programming role (Pearl River Electronics): PLC programming ")

    second = refresher.run()  # the same postings: nothing new
    assert second["status"] == "succeeded"
    assert len(_digests(services)) == 2 and len(_notices(services, "demands_matched")) == 2
    assert len(sink.envelopes) == 4  # the two digests and the two fitting-demand notices

    welding = _job_posting("A-3", "Welder", ["robotic welding cell programming"])
    server.serve("/jobs.html", _jsonld_page(*postings, welding), content_type="text/html")
    third = refresher.run()
    assert third["status"] == "succeeded"
    newest = [n for n in _digests(services) if n.dedupe_key.endswith(f":{third['id']}")]
    assert len(newest) == 2
    assert newest[0].params["count"] == 1
    (only,) = details("gap_digest", newest[0].params, "en")
    assert only.startswith("robotic welding cell programming — yellow, 1 posting")
    with services.db.session() as session:  # the school's state is its latest snapshot
        scopes = set(session.scalars(select(GapSnapshot.school_id)))
    assert scopes == {None, school}
