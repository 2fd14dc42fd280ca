"""Gap reports through REST, the CLI (json, csv, html) and the web pages in a real browser."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from api.app import create_app
from api.cli import cli
from api.gap_output import to_csv
from api.wiring import Services
from tests.clients import admin_client

PROBLEM = "application/problem+json"
ITEM_KEYS = {
    "skill",
    "phrases",
    "demand_ids",
    "openings",
    "enterprises",
    "first_seen",
    "lag_days",
    "trend",
    "coverage",
    "covered",
    "severity",
    "nearest_courses",
}


def _five_g(items: list[dict]) -> dict:
    return next(i for i in items if "5G base station maintenance" in i["phrases"])


@pytest.fixture
def demo_client(demo: Services) -> FlaskClient:
    return admin_client(demo)


@pytest.fixture
def client(services: Services) -> FlaskClient:
    return admin_client(services)


def test_rest_gap_report_follows_the_contract(demo_client: FlaskClient) -> None:
    response = demo_client.get("/api/v1/gaps")
    assert response.status_code == 200
    report = response.get_json()
    assert {"as_of", "scope", "items"} <= set(report) and report["scope"] == "region"
    for item in report["items"]:
        assert set(item) >= ITEM_KEYS
        assert 0.0 <= item["coverage"] <= 1.0 and item["severity"] in {"red", "yellow", "green"}
        for course in item["nearest_courses"]:
            assert {"id", "title", "similarity"} <= set(course)
    assert _five_g(report["items"])["severity"] == "red"
    red = demo_client.get("/api/v1/gaps?severity=red").get_json()
    assert {i["severity"] for i in red["items"]} == {"red"}
    assert red["summary"] == report["summary"]


def test_rest_gap_report_for_a_school_and_as_csv(demo_client: FlaskClient) -> None:
    schools = demo_client.get("/api/v1/organizations?kind=school").get_json()["items"]
    school = schools[0]
    report = demo_client.get(f"/api/v1/gaps?school_id={school['id']}").get_json()
    assert report["scope"] == "school" and report["school"]["id"] == school["id"]
    region = demo_client.get("/api/v1/gaps").get_json()
    assert report["summary"]["gaps"] >= region["summary"]["gaps"]  # fewer courses, more gaps
    response = demo_client.get("/api/v1/gaps?format=csv")
    assert response.content_type.startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == len(region["items"])
    assert _five_g([{**r, "phrases": r["phrases"].split(" | ")} for r in rows])["severity"] == "red"


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ("school_id=999", 404, "school 999 not found"),
        ("as_of=2026-02-30", 422, "as_of"),
        ("as_of=2999-01-01", 422, "in the future"),
        ("severity=purple", 422, "severity"),
        ("bogus=1", 422, "bogus"),
    ],
)
def test_rest_gap_errors_are_problem_json(
    client: FlaskClient, query: str, status: int, detail: str
) -> None:
    response = client.get(f"/api/v1/gaps?{query}")
    assert response.status_code == status and response.content_type == PROBLEM
    assert detail in response.get_json()["detail"]


def test_rest_empty_store_and_snapshots(client: FlaskClient) -> None:
    report = client.get("/api/v1/gaps").get_json()
    assert report["items"] == [] and "no active demands" in report["message"]
    taken = client.post("/api/v1/gaps/snapshots", json={})
    assert taken.status_code == 201 and taken.get_json()["snapshot_id"]
    listed = client.get("/api/v1/gaps/snapshots").get_json()["items"]
    assert [s["id"] for s in listed] == [taken.get_json()["snapshot_id"]]
    bad = client.post("/api/v1/gaps/snapshots", json={"school_id": 5})
    assert bad.status_code == 404 and bad.content_type == PROBLEM
    assert client.get("/api/v1/gaps/snapshots").get_json()["items"] == listed  # nothing written
    extra = client.post("/api/v1/gaps/snapshots", json={"items": []})
    assert extra.status_code == 422
    page = client.get("/gaps", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="chart-trend"' in page and "Gaps at each snapshot" in page  # history chart
    assert "no active demands" in page


@pytest.fixture
def demo_runner(demo: Services, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TALENTMATCH_INSTANCE_PATH", demo.settings.instance_path)
    monkeypatch.setenv("TALENTMATCH_DATABASE_URL", demo.settings.database_url)
    return CliRunner()


def test_cli_gaps_in_every_format(demo_runner: CliRunner, tmp_path: Path) -> None:
    result = demo_runner.invoke(cli, ["gaps", "--json"], obj={})
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert _five_g(report["items"])["severity"] == "red"
    text = demo_runner.invoke(cli, ["gaps"], obj={})
    assert "red  5G base station maintenance  lag 5" in text.stdout
    out = tmp_path / "gaps.csv"
    assert (
        demo_runner.invoke(cli, ["gaps", "--format", "csv", "--out", str(out)], obj={}).exit_code
        == 0
    )
    assert out.read_text().startswith("skill,severity,covered,coverage,lag_days")
    page = tmp_path / "gaps.html"
    assert (
        demo_runner.invoke(cli, ["gaps", "--format", "html", "--out", str(page)], obj={}).exit_code
        == 0
    )
    html = page.read_text()
    assert "<svg" in html and "5G base station maintenance" in html and "<table" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "someday"], "error: field 'as_of': 'someday' is not a date (YYYY-MM-DD)"),
        (["--school", "999"], "error: school 999 not found"),
    ],
)
def test_cli_gaps_bad_input_is_one_line(
    demo_runner: CliRunner, args: list[str], message: str
) -> None:
    result = demo_runner.invoke(cli, ["gaps", *args], obj={})
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [message]


def test_cli_gaps_out_folder_must_exist(demo_runner: CliRunner, tmp_path: Path) -> None:
    result = demo_runner.invoke(cli, ["gaps", "--out", str(tmp_path / "missing" / "g.csv")], obj={})
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert not (tmp_path / "missing").exists()


# -- pages in a real browser -------------------------------------------------------------------


@pytest.fixture
def live_server(demo: Services) -> Iterator[str]:
    if demo.db.engine.dialect.name != "sqlite":
        pytest.skip("pages are checked once, on SQLite")
    server = make_server("127.0.0.1", 0, create_app(services=demo), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[object]:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path="/usr/bin/chromium")
        yield instance
        instance.close()


def test_region_and_school_gap_pages(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    page.goto(f"{live_server}/gaps")
    assert page.locator("h1").inner_text() == "Curriculum gaps — the region"
    row = page.locator("#gaps tr", has_text="5G base station maintenance")
    assert row.locator(".badge").inner_text() == "red"
    charts = page.locator("div.chart")
    # severity, lag, the response time per quarter; history appears once snapshots exist
    assert charts.count() == 3
    page.wait_for_selector("div.chart svg")  # ECharts drew them
    assert "warning level" in (charts.first.get_attribute("aria-label") or "").lower()
    page.locator("#scopes a").nth(1).click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server}/gaps/schools/")
    assert page.locator("h1").inner_text().startswith("Curriculum gaps — ")
    assert "the region" not in page.locator("h1").inner_text()
    page.fill("#as_of", "2026-01-15")
    page.locator("#as-of-form button").click()
    page.wait_for_load_state()
    assert "as_of=2026-01-15" in page.url
    assert page.locator("#as_of").input_value() == "2026-01-15"
    page.goto(f"{live_server}/gaps/schools/99999")
    assert page.locator(".error").inner_text() == "school 99999 not found"
    context.close()


def test_csv_cells_never_start_a_formula() -> None:
    item = {
        "skill": '=HYPERLINK("http://evil.example","x")', "phrases": ["@SUM(1)", "PLC"],
        "enterprise_names": ["+Acme"], "demand_ids": [1], "covered": False, "openings": 3,
        "nearest_courses": [{"title": "-Welding", "similarity": 0.5}], "lag_days": -0,
        "answers": {"accepted": 1},
    }  # fmt: skip
    row = next(csv.DictReader(io.StringIO(to_csv({"items": [item]}))))
    assert row["skill"].startswith("'=") and row["phrases"] == "'@SUM(1) | PLC"
    assert row["enterprise_names"] == "'+Acme" and row["nearest_course"] == "'-Welding"
    assert (row["covered"], row["openings"], row["lag_days"]) == ("false", "3", "0")
    assert row["answers_accepted"] == "1"
