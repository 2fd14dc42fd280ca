"""Public pages: the consortium overview, the free-text search and the gap reports, in
Chinese and English, on the demo (read only) and on small stores of their own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext

from api.app import create_app
from api.wiring import Services
from matcher import clock
from matcher.catalog import parse_input
from store import Organization, RefreshRun
from tests.clients import client_as, token_for

LANGUAGES = {"en": "en", "zh-CN": "zh-Hans"}
FEED = "https://jobs.example.org/feed.json"
PAGES = {
    "/": "Consortium overview",
    "/search": "Search demands, courses and programs",
    "/search?q=5G基站维护&target=demands": "Asked for, and in your text:",
    "/search?q=PLC programming&target=courses": "Taught, of what you typed:",
    "/gaps": "Demanded skills by warning level",
    "/gaps/schools/{school}": "Nearest courses (candidates for revision)",
}


@pytest.fixture(scope="module")
def demo_app(demo: Services) -> Flask:
    return create_app(services=demo)


def _school_id(services: Services, name: str) -> int:
    with services.db.session() as session:
        found = session.query(Organization.id).filter(Organization.name == name).scalar()
    assert found is not None
    return int(found)


def _get(client: FlaskClient, path: str, language: str = "en", status: int = 200) -> str:
    answer = client.get(path, headers={"Accept-Language": language})
    assert answer.status_code == status, answer.get_data(as_text=True)[:2000]
    return answer.get_data(as_text=True)


def _translated(app: Flask, language: str, source: str) -> str:
    """``source`` as the page shows it in ``language`` (itself until it is translated)."""
    with app.test_request_context("/", headers={"Accept-Language": language}):
        return gettext(source)


def _chart_table(page: str, chart_id: str) -> list[list[str]]:
    """The rows of the data table under the chart ``chart_id``: label, then each value."""
    figure = page.split(f'id="{chart_id}"', 1)[1].split("</figure>", 1)[0]
    body = figure.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [unescape(cell).strip() for cell in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]


# -- every page, both languages --------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", PAGES)
def test_every_public_page_renders_in_both_languages(
    demo: Services, demo_app: Flask, path: str, language: str
) -> None:
    school = _school_id(demo, "Liuzhou Vocational & Technical College")
    page = _get(demo_app.test_client(), path.format(school=school), language)
    assert f'<html lang="{LANGUAGES[language]}">' in page
    assert _translated(demo_app, language, PAGES[path]) in page
    assert 'type="text/javascript"' not in page and "<script>" not in page  # no inline script


# -- the overview ----------------------------------------------------------------------------


def test_the_overview_shows_supply_and_demand_and_the_top_gaps_as_tables(
    demo_app: Flask,
) -> None:
    page = _get(demo_app.test_client(), "/", "en")
    by_city = {row[0]: row[1:] for row in _chart_table(page, "chart-city")}
    assert set(by_city) == {"Liuzhou", "Dongguan"}
    openings, graduates, courses = (int(v.replace(",", "")) for v in by_city["Liuzhou"])
    assert openings > 0 and graduates > 0 and courses > 0
    industries = {row[0] for row in _chart_table(page, "chart-industry")}
    assert {"electronics", "5G equipment", "automotive"} <= industries
    gaps = [row[0] for row in _chart_table(page, "chart-gaps")]
    assert "5G base station maintenance" in gaps
    assert "机器人故障排除" in gaps  # Chinese data shows as it is
    top = page.split('id="top-gaps-table"', 1)[1].split("</table>", 1)[0]
    row = top.split("5G base station maintenance", 1)[0].rsplit("<tr>", 1)[1]
    assert '<span class="badge red">red</span>' in row
    assert "No refresh has run yet." in page and "No snapshots yet" in page
    assert 'src="/static/charts.js"' in page  # the charts are drawn from the tables' data
    assert page.count('class="chart"') == 4  # city, industry, gaps, response time per quarter


@pytest.fixture
def small(services: Services) -> dict[str, Any]:
    """A store with one demand no course covers, two snapshots and a refresh run."""
    catalog = services.catalog
    for org in (
        {"kind": "school", "name": "柳州职业技术学院", "city": "柳州"},
        {"kind": "enterprise", "name": "珠江电子", "city": "东莞", "industry": "电子"},
    ):
        catalog.create("organizations", parse_input("organizations", org))
    catalog.create(
        "courses",
        parse_input(
            "courses",
            {"school": "柳州职业技术学院", "code": "C-1", "title": "焊接工艺", "skills": ["焊接"]},
        ),
    )
    catalog.create(
        "demands",
        parse_input(
            "demands",
            {
                "enterprise": "珠江电子",
                "kind": "job",
                "title": "5G基站维护工程师",
                "skills": ["5G基站维护"],
                "openings": 7,
                "posted_at": (clock.today() - timedelta(days=30)).isoformat(),
            },
        ),
    )
    history = services.gap_history
    history.report(None, (clock.today() - timedelta(days=1)).isoformat(), snapshot=True)
    history.report(None, None, snapshot=True)
    now = clock.now()
    with services.db.session() as session:
        session.add(
            RefreshRun(
                started_at=now - timedelta(minutes=5),
                finished_at=now,
                status="partial",
                trigger="schedule",
                counts=dict(fetched=12, new=3, updated=2, unchanged=6, expired=1, failed=1),
                errors=[{"feed_id": 1, "url": FEED, "reason": "HTTP 500 from the feed"}],
                feeds=[],
            )
        )
    return {"school": _school_id(services, "柳州职业技术学院")}


def test_the_overview_shows_the_trend_and_admins_see_the_refresh_counts(
    services: Services, small: dict[str, Any]
) -> None:
    anonymous = create_app(services=services).test_client()
    page = _get(anonymous, "/", "zh-CN")
    assert '<html lang="zh-Hans">' in page
    assert [row[0] for row in _chart_table(page, "chart-city")] == ["东莞", "柳州"]
    assert _chart_table(page, "chart-industry") == [["电子", "7", "7"]]
    assert len(_chart_table(page, "chart-trend")) == 2  # one point per snapshot day
    assert 'id="refresh-status"' in page
    assert 'id="refresh-counts"' not in page and "HTTP 500 from the feed" not in page

    admin = client_as(services, token_for(services, "admin@example.org"))
    page = _get(admin, "/", "en")
    counts = page.split('id="refresh-counts"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<td class="num">(\d+)</td>', counts) == ["12", "3", "2", "6", "1", "1"]
    assert FEED in page and "HTTP 500 from the feed" in page
    assert "some feeds failed" in page


def test_the_old_home_page_search_still_searches(demo_app: Flask) -> None:
    answer = demo_app.test_client().get("/?q=PLC编程&target=courses")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "PLC Programming and Applications" in page
    assert '<option value="courses" selected>' in page and 'action="/search"' in page


# -- search ----------------------------------------------------------------------------------


def test_the_search_explains_each_result_in_chinese_and_english(demo_app: Flask) -> None:
    client = demo_app.test_client()
    page = _get(client, "/search?q=5G基站维护, 基站安装调测&target=demands", "zh-CN")
    results = page.split('<article class="result"')[1:]
    assert results and "5G" in results[0]
    assert '<li class="chip covered">5G基站维护' in page
    assert 'class="chip missing"' in page
    assert 'value="5G基站维护, 基站安装调测"' in page  # the query stays in the form
    assert '<option value="demands" selected>' in page

    page = _get(client, "/search?q=PLC programming, HMI design&target=programs", "en")
    assert page.count('<article class="result"') > 0
    assert "Taught, of what you typed:" in page
    assert '<option value="programs" selected>' in page
    assert 'role="search"' in page and '<label for="q">' in page and '<label for="target">' in page


def test_search_input_errors_are_said_on_the_page(demo_app: Flask) -> None:
    client = demo_app.test_client()
    page = _get(client, "/search?q=PLC&target=students", "en", status=422)
    assert 'role="alert"' in page and '<article class="result"' not in page
    page = _get(client, "/search?q=!!!&target=demands", "en", status=422)
    assert 'role="alert"' in page
    page = _get(client, "/search?q=", "en")  # nothing typed: the form alone
    assert 'id="results"' not in page and 'role="alert"' not in page


# -- gap reports -----------------------------------------------------------------------------


def test_the_region_gap_report_has_charts_tables_and_school_links(demo: Services) -> None:
    client = create_app(services=demo).test_client()
    page = _get(client, "/gaps", "en")
    assert "<h1>Curriculum gaps — the region</h1>" in page
    row = page.split('id="gaps"', 1)[1].split("5G base station maintenance", 1)[0]
    assert '<span class="badge red">red</span>' in row.rsplit("<tr>", 1)[1]
    levels = _chart_table(page, "chart-severity")
    assert [r[0] for r in levels] == ["Red", "Yellow", "Green (covered)"]
    assert "5G base station maintenance" in [r[0] for r in _chart_table(page, "chart-lag")]
    school = _school_id(demo, "Liuzhou Vocational & Technical College")
    assert f'href="/gaps/schools/{school}"' in page
    assert 'aria-current="page">Region</a>' in page
    day = re.search(r'name="as_of" value="([0-9-]+)"', page).group(1)  # type: ignore[union-attr]
    assert f"/api/v1/gaps?as_of={day}&amp;format=csv" in page  # the same report as CSV


def test_a_school_gap_report_keeps_the_day_asked_for(demo: Services) -> None:
    client = create_app(services=demo).test_client()
    school = _school_id(demo, "Liuzhou Vocational & Technical College")
    day = (clock.today() - timedelta(days=200)).isoformat()
    page = _get(client, f"/gaps/schools/{school}?as_of={day}", "zh-CN")
    assert "Liuzhou Vocational &amp; Technical College" in page.split("<h1>", 1)[1][:200]
    assert f'name="as_of" value="{day}"' in page
    assert f'href="/gaps?as_of={day}"' in page  # the other scopes on the same day
    assert f'href="/gaps/schools/{school}?as_of={day}" aria-current="page"' in page

    bad = _get(client, f"/gaps/schools/{school}?as_of=2026-02-30", "en", status=422)
    error = re.search(r'<p class="error" id="as_of-error">([^<]+)</p>', bad)
    assert error and "not a date" in unescape(error.group(1))
    assert 'value="2026-02-30"' in bad and 'id="gaps"' not in bad

    missing = _get(client, "/gaps/schools/99999", "en", status=404)
    assert "school 99999 not found" in missing


def test_an_empty_store_says_there_is_nothing_to_compare(services: Services) -> None:
    client = create_app(services=services).test_client()
    for path in ("/", "/gaps"):
        page = _get(client, path, "en")
        assert "There are no active demands on" in page
    page = _get(client, "/search?q=PLC", "en")
    assert "Nothing matches" in page


@pytest.fixture
def pages(services: Services) -> Iterator[Services]:
    plain = Services(services.settings.replace(secure_cookies=False), services.vectors)
    yield plain
    plain.close()


def test_the_language_switch_is_remembered_on_the_public_pages(
    pages: Services, small: dict[str, Any]
) -> None:
    client = create_app(services=pages).test_client()
    page = _get(client, "/gaps", "en")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    switched = client.post("/lang", data={"lang": "zh_Hans", "next": "/gaps", "csrf_token": token})
    assert switched.status_code == 303 and switched.headers["Location"] == "/gaps"
    assert '<html lang="zh-Hans">' in _get(client, "/gaps", "en")
