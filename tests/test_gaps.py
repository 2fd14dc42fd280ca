"""Gap reports: grouping, coverage, demand behind each gap, warnings, history, response time."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import event, func, select

from api.cli import cli
from api.wiring import Services
from embeddings import Encoder
from matcher import clock
from matcher.catalog import iso, parse_input
from matcher.errors import NotFound, ValidationFailed
from matcher.gaps.analysis import parse_as_of
from matcher.gaps.rules import GapRules
from matcher.language.phrasing import encoding_form
from matcher.language.skills import PhraseVocabulary, content_words, group_phrases, word_overlap
from matcher.language.texts import normalise
from store import Course, GapSnapshot
from tests.clients import admin_client

TODAY = clock.today()  # the consortium's day (TIMEZONE), as reports count days


def _ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def _add(svc: Services, entity: str, **data: Any) -> dict[str, Any]:
    return svc.catalog.create(entity, parse_input(entity, data))


def _demand(svc: Services, enterprise: str, skills: list[str], days_ago: int, **extra: Any) -> int:
    return _add(
        svc,
        "demands",
        enterprise=enterprise,
        kind="job",
        title=extra.pop("title", "Technician"),
        skills=skills,
        openings=extra.pop("openings", 4),
        posted_at=_ago(days_ago),
        **extra,
    )["id"]


def _course(
    svc: Services, school: str, code: str, title: str, skills: list[str], **extra: Any
) -> int:
    return _add(
        svc,
        "courses",
        school=school,
        code=code,
        title=title,
        skills=skills,
        created_at=extra.pop("created_at", _ago(2000)),
        **extra,
    )["id"]


def _item(report: dict[str, Any], phrase: str) -> dict[str, Any]:
    for item in report["items"]:
        if normalise(phrase) in {normalise(p) for p in item["phrases"]}:
            return item
    raise AssertionError(f"{phrase!r} not in report: {[i['skill'] for i in report['items']]}")


# -- phrases and grouping (no store) -----------------------------------------------------------


def test_chinese_and_abbreviated_phrases_are_encoded_in_plain_english() -> None:
    assert encoding_form("5G基站维护") == "5g base station maintenance"
    assert encoding_form("5G BTS upkeep") == "5g base transceiver station upkeep"
    assert encoding_form("PLC编程") == "programmable logic controller programming"
    assert encoding_form("Welding  ") == "welding"


def test_chinese_job_titles_stay_whole_and_read_as_titles() -> None:
    """The term table's job titles are jieba words too, so 仓库管理员 is not 仓库 + 管理员
    ("depot administrator") and 操作工 is an operator, not "operation work"."""
    assert encoding_form("仓库管理员") == "warehouse keeper"
    assert encoding_form("数控车床操作工").endswith("lathe operator")
    assert encoding_form("养老护理员") == "elderly care worker"
    assert encoding_form("5G基站维护工程师") == "5g base station maintenance engineer"


def test_grouping_joins_one_skill_across_wording_and_language(encoder: Encoder) -> None:
    phrases = [
        "5G base station maintenance",
        "5G BTS upkeep",
        "5G基站维护",
        "PLC programming",
        "PLC编程",
        "TIG welding",
        "5G NR fault handling",
    ]
    vectors = encoder.encode([encoding_form(p) for p in phrases])
    groups = group_phrases(phrases, vectors, [5, 1, 1, 3, 1, 2, 1], threshold=0.8)
    by_label = {g.label: sorted(phrases[m] for m in g.members) for g in groups}
    assert by_label["5G base station maintenance"] == sorted(phrases[:3])
    assert by_label["PLC programming"] == ["PLC programming", "PLC编程"]
    assert by_label["TIG welding"] == ["TIG welding"]
    assert by_label["5G NR fault handling"] == ["5G NR fault handling"]
    for group in groups:
        assert np.isclose(np.linalg.norm(group.centroid), 1.0, atol=1e-5)


def test_group_label_is_the_most_asked_then_the_earliest_phrase(encoder: Encoder) -> None:
    phrases = ["5G NR fault handling", "5G故障处理"]
    vectors = encoder.encode([encoding_form(p) for p in phrases])
    for weights, label in (([1, 1], phrases[0]), ([1, 3], phrases[1])):
        groups = group_phrases(phrases, vectors, weights, threshold=0.6)
        assert [g.label for g in groups] == [label]


def test_known_phrases_are_found_in_titles_and_descriptions() -> None:
    vocabulary = PhraseVocabulary(["PLC programming", "5G基站维护", "welding"])
    assert vocabulary.find("Senior PLC Programming engineer, some welding.") == [
        "PLC programming",
        "welding",
    ]
    assert vocabulary.find("负责5G基站维护与巡检") == ["5G基站维护"]
    assert vocabulary.find("robotics") == []


def test_word_overlap_counts_exact_terms() -> None:
    asked = content_words("5g base station maintenance")
    assert asked == {"5g", "base", "stati", "maint"}
    assert word_overlap(asked, content_words("maintain 5g base stations")) == 1.0
    assert word_overlap(asked, content_words("rail signalling")) == 0.0
    assert word_overlap(frozenset(), asked) == 0.0


@pytest.mark.parametrize(
    ("covered", "lag", "enterprises", "expected"),
    [
        (True, 900, 5, "green"),
        (False, 180, 2, "red"),
        (False, 179, 5, "yellow"),
        (False, 500, 1, "yellow"),
        (False, 0, 0, "yellow"),
    ],
)
def test_severity_rules(covered: bool, lag: int, enterprises: int, expected: str) -> None:
    assert GapRules().severity(covered, lag, enterprises) == expected


@pytest.mark.parametrize(
    ("last", "previous", "recent", "expected"),
    [
        (3, 0, True, "new"),
        (3, 0, False, "rising"),
        (0, 0, False, "steady"),
        (5, 2, False, "rising"),
        (2, 5, False, "falling"),
        (4, 4, False, "steady"),
    ],
)
def test_trend(last: int, previous: int, recent: bool, expected: str) -> None:
    assert GapRules.trend(last, previous, recent) == expected


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "", None])
def test_as_of_must_be_a_past_date(value: str | None) -> None:
    if value is None:
        assert parse_as_of(value) == TODAY
        return
    with pytest.raises(ValidationFailed, match="not a date"):
        parse_as_of(value)


def test_as_of_in_the_future_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="in the future"):
        parse_as_of((TODAY + timedelta(days=1)).isoformat())


@pytest.mark.parametrize(
    "value",
    [
        "2026-W01-1",  # ISO week date (Python 3.11's date.fromisoformat reads it)
        "20260105",  # ISO basic format
        "2026-005",  # ISO ordinal date
        "2026-01-05 ",
        " 2026-01-05",
        "",
        "2026-1-5",
        "2026-01-05T00:00",
    ],
)
def test_as_of_is_written_yyyy_mm_dd_and_nothing_else(value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_as_of(value)
    assert refused.value.detail == f"field 'as_of': {value!r} is not a date (YYYY-MM-DD)"


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31"])
def test_as_of_before_1900_is_refused(value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_as_of(value)
    assert refused.value.detail == f"field 'as_of': {value} is before 1900-01-01"
    assert parse_as_of("1900-01-01") == date(1900, 1, 1)


# -- reports on a store (SQLite and PostgreSQL) ------------------------------------------------


@pytest.fixture
def consortium(services: Services) -> Services:
    """Two enterprises asking for 5G maintenance since 540 days; schools teaching other things."""
    _add(services, "organizations", kind="school", name="North College")
    _add(services, "organizations", kind="school", name="South College")
    _course(services, "North College", "N1", "Arc Welding", ["MIG welding", "TIG welding"])
    _course(services, "South College", "S1", "PLC Programming", ["PLC programming", "ladder logic"])
    _course(services, "South College", "S2", "Mobile Networks", ["LTE network basics"])
    _demand(services, "Telecom A", ["5G base station maintenance"], 540, openings=6)
    _demand(services, "Telecom B", ["5G BTS upkeep"], 100, openings=3)
    _demand(services, "Telecom B", ["5G基站维护", "PLC programming"], 30, openings=2)
    _demand(services, "Welding Works", ["MIG welding"], 20)
    return services


def test_unmet_skill_of_two_enterprises_for_a_long_time_is_red(consortium: Services) -> None:
    report = consortium.gap_history.report()
    gap = _item(report, "5G base station maintenance")
    assert gap["skill"] == "5G base station maintenance"
    assert sorted(gap["phrases"]) == sorted(
        ["5G base station maintenance", "5G BTS upkeep", "5G基站维护"]
    )
    assert (gap["covered"], gap["severity"]) == (False, "red")
    assert gap["lag_days"] == 540
    assert gap["first_seen"] == _ago(540)
    assert (gap["openings"], gap["enterprises"], gap["postings"]) == (11, 2, 3)
    assert gap["enterprise_names"] == ["Telecom A", "Telecom B"]
    assert gap["trend"] == "steady" and gap["trend_counts"] == {"last": 1, "previous": 1}
    assert 0.0 <= gap["coverage"] < 0.67
    assert gap["nearest_courses"][0]["title"] == "Mobile Networks"
    assert gap["opened"] == _ago(540) and gap["closed"] is None
    assert report["items"][0] is gap  # red first
    assert report["summary"]["red"] == 1


def test_taught_skills_are_green_and_not_gaps(consortium: Services) -> None:
    report = consortium.gap_history.report()
    for phrase in ("PLC programming", "MIG welding"):
        item = _item(report, phrase)
        assert item["covered"] and item["severity"] == "green" and item["lag_days"] == 0
        assert item["coverage"] == pytest.approx(1.0, abs=1e-3)
        # taught before anyone asked: responded at once (DESIGN: first asked → first covering)
        assert (item["response_days"], item["response_by"]) == (0, "course")
        assert item["closed"] is None  # no gap ever opened


def test_school_scope_counts_only_that_schools_courses(consortium: Services) -> None:
    north = consortium.catalog.list_page("organizations").items[0]
    assert north["name"] == "North College"
    report = consortium.gap_history.report(school_id=north["id"])
    assert report["scope"] == "school" and report["school"]["name"] == "North College"
    assert not _item(report, "PLC programming")["covered"]
    assert _item(report, "MIG welding")["covered"]
    assert _item(report, "PLC programming")["severity"] == "yellow"  # one enterprise, new


def test_a_revised_course_closes_the_gap_and_gives_the_response_time(consortium: Services) -> None:
    course_id = _course(
        consortium,
        "South College",
        "S3",
        "5G Base Station Operation and Maintenance",
        ["5G base station maintenance", "AAU installation"],
        created_at=_ago(3000),
        last_revised=_ago(10),
    )
    report = consortium.gap_history.report()
    item = _item(report, "5G BTS upkeep")
    assert item["covered"] and item["severity"] == "green"
    assert item["closed"] == _ago(10) and item["response_days"] == 530
    assert (item["covered_on"], item["response_by"]) == (_ago(10), "course")
    assert item["nearest_courses"][0]["id"] == course_id
    assert report["summary"]["closed_gaps"] >= 1
    # As of a day before the revision the course's current content did not exist yet.
    before = consortium.gap_history.report(as_of=_ago(20))
    assert _item(before, "5G base station maintenance")["severity"] == "red"
    assert _item(before, "5G base station maintenance")["lag_days"] == 520


def test_as_of_leaves_out_later_demands(consortium: Services) -> None:
    report = consortium.gap_history.report(as_of=_ago(200))
    gap = _item(report, "5G base station maintenance")
    assert gap["phrases"] == ["5G base station maintenance"]
    assert (gap["enterprises"], gap["lag_days"], gap["severity"]) == (1, 340, "yellow")
    assert report["as_of"] == _ago(200)


def test_expired_demands_count_for_first_seen_only(services: Services) -> None:
    _add(services, "organizations", kind="school", name="North College")
    _demand(services, "Old Works", ["fiber optic splicing"], 400, expires_at=_ago(300))
    _demand(services, "New Works", ["fiber optic splicing"], 10)
    _demand(services, "Old Works", ["boiler maintenance"], 400, expires_at=_ago(300))
    report = services.gap_history.report()
    item = _item(report, "fiber optic splicing")
    assert item["first_seen"] == _ago(400) and item["lag_days"] == 400
    assert item["postings"] == 1 and item["enterprise_names"] == ["New Works"]
    assert all("boiler maintenance" not in i["phrases"] for i in report["items"])
    assert report["message"] == "no courses in scope: every demanded skill is a gap"


def test_unknown_school_is_not_found(consortium: Services) -> None:
    with pytest.raises(NotFound, match="school 999 not found"):
        consortium.gap_history.report(school_id=999)
    enterprise = next(
        o for o in consortium.catalog.list_page("organizations").items if o["kind"] == "enterprise"
    )
    with pytest.raises(NotFound):
        consortium.gap_history.report(school_id=enterprise["id"])


def test_empty_store_gives_an_empty_report_that_says_why(services: Services) -> None:
    report = services.gap_history.report()
    assert report["items"] == [] and report["summary"]["skills"] == 0
    assert "no active demands" in report["message"]


def test_snapshots_record_when_gaps_open_and_close(consortium: Services) -> None:
    first = consortium.gap_history.report(as_of=_ago(5), snapshot=True)
    assert first["snapshot_id"] and first["changes"] is None
    _course(
        consortium,
        "North College",
        "N2",
        "5G Base Station Maintenance",
        ["5G base station maintenance"],
        created_at=_ago(3),
    )
    _demand(consortium, "Telecom C", ["fiber optic splicing"], 1)
    now = consortium.gap_history.report(snapshot=True)
    assert [h["as_of"] for h in now["history"]] == [_ago(5), TODAY.isoformat()]
    assert now["history"][0]["red"] == 1 and now["history"][1]["red"] == 0
    assert now["changes"]["since"] == _ago(5)
    assert now["changes"]["closed"] == ["5G base station maintenance"]
    assert now["changes"]["opened"] == ["fiber optic splicing"]
    gap = _item(now, "fiber optic splicing")
    assert gap["flagged_since"] == TODAY.isoformat()
    assert _item(now, "5G BTS upkeep")["flagged_since"] == _ago(5)
    listed = consortium.gap_history.snapshots()
    assert [s["id"] for s in listed] == [now["snapshot_id"], first["snapshot_id"]]


def test_a_report_reads_the_items_of_one_earlier_snapshot_however_long_the_history(
    consortium: Services,
) -> None:
    for days in (40, 30, 20, 10):
        consortium.gap_history.report(as_of=_ago(days), snapshot=True)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(consortium.db.engine, "before_cursor_execute", count)
    try:
        report = consortium.gap_history.report()
    finally:
        event.remove(consortium.db.engine, "before_cursor_execute", count)
    assert len(report["history"]) == 4
    assert _item(report, "5G BTS upkeep")["flagged_since"] == _ago(40)  # carried over 4 snapshots
    reading_items = [s for s in statements if "gap_snapshots.items" in s]
    assert len(reading_items) == 1 and "gap_snapshots.id = " in reading_items[0], reading_items


def test_snapshots_from_before_flags_were_carried_keep_the_first_day_flagged(
    consortium: Services,
) -> None:
    for days in (40, 20):
        consortium.gap_history.report(as_of=_ago(days), snapshot=True)
    with consortium.db.session() as session:  # as an earlier version stored them
        for snapshot in session.scalars(select(GapSnapshot)):
            snapshot.items = [
                {k: v for k, v in item.items() if k != "flagged_since"} for item in snapshot.items
            ]
    report = consortium.gap_history.report()
    assert _item(report, "5G BTS upkeep")["flagged_since"] == _ago(40)
    stored = consortium.gap_history.report(snapshot=True)  # carries the day from now on
    assert _item(stored, "5G BTS upkeep")["flagged_since"] == _ago(40)
    assert _item(consortium.gap_history.report(), "5G BTS upkeep")["flagged_since"] == _ago(40)


def test_demo_5g_maintenance_is_a_red_gap_of_about_18_months(demo: Services) -> None:
    report = demo.gap_history.report()
    gap = _item(report, "5G base station maintenance")
    assert {"5G BTS upkeep", "5G基站维护"} <= set(gap["phrases"])
    assert gap["severity"] == "red" and not gap["covered"]
    assert 530 <= gap["lag_days"] <= 560
    assert gap["enterprises"] == 2 and gap["openings"] >= 40
    assert len(gap["nearest_courses"]) == 3
    assert all(0 <= c["similarity"] < 0.67 for c in gap["nearest_courses"])


def test_demo_skills_that_courses_teach_are_not_gaps(demo: Services) -> None:
    with demo.db.session() as session:
        taught = {
            normalise(p)
            for course in session.query(Course)
            for p in [*course.skills, *course.outcomes]
        }
    report = demo.gap_history.report()
    checked = 0
    for item in report["items"]:
        if taught & {normalise(p) for p in item["phrases"]}:
            checked += 1
            assert item["covered"] and item["severity"] == "green", item["skill"]
    assert checked >= 50
    # taught only in a course description ("Using calipers, micrometers, CMM ... and gauges")
    assert _item(report, "caliper and micrometer measurement")["covered"]
    assert report["summary"]["gaps"] < report["summary"]["skills"] / 4


def test_settings_change_the_rules(consortium: Services, tmp_path: Any) -> None:
    from matcher.gaps.analysis import GapAnalyzer

    strict = GapRules(red_lag_days=1000)
    report = GapAnalyzer(consortium.db, consortium.vectors, strict).report()
    assert _item(report, "5G base station maintenance")["severity"] == "yellow"
    assert report["rules"]["red_lag_days"] == 1000


def test_as_of_date_type_is_accepted() -> None:
    assert parse_as_of(date(2020, 1, 1)) == date(2020, 1, 1)


def test_reports_are_cached_until_demands_or_courses_change(
    consortium: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyzer = consortium.gaps
    build = analyzer._build
    built: list[date] = []  # the day of each report actually computed

    def counted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        built.append(args[1])
        return build(*args, **kwargs)

    monkeypatch.setattr(analyzer, "_build", counted)
    first = analyzer.report()
    again = analyzer.report()
    assert again == first and again is not first  # a copy: callers may change theirs
    again["items"].clear()
    assert analyzer.report() == first
    assert built == [TODAY]  # computed once, then served from the cache
    analyzer.report(as_of=_ago(1))
    assert built == [TODAY, TODAY - timedelta(days=1)]  # another day is another report
    _demand(consortium, "Telecom C", ["fiber optic splicing"], 1)
    assert _item(analyzer.report(), "fiber optic splicing")["severity"] == "yellow"
    _course(consortium, "North College", "N9", "Fiber Optics", ["fiber optic splicing"])
    assert _item(analyzer.report(), "fiber optic splicing")["severity"] == "green"
    assert len(built) == 4  # each write made the next report a new computation


# -- as-of days through REST and the CLI; one snapshot per scope and day -----------------------


def test_rest_and_cli_refuse_an_as_of_that_is_not_a_day_from_1900_to_today(
    services: Services,
) -> None:
    client = admin_client(services)
    for value in ("2026-W01-1", "20260105", "2026-01-05 ", "", "1899-12-31", "0001-01-01"):
        query = client.get("/api/v1/gaps", query_string={"as_of": value})
        assert query.status_code == 422, value
        assert query.get_json()["detail"].startswith("field 'as_of': "), query.get_json()
        body = client.post("/api/v1/gaps/snapshots", json={"as_of": value})
        assert body.status_code == 422, value
        assert body.get_json()["detail"].startswith("field 'as_of': "), body.get_json()
    assert client.get("/api/v1/gaps/snapshots").get_json()["items"] == []
    runner = CliRunner()
    for value, line in (
        ("2026-W01-1", "error: field 'as_of': '2026-W01-1' is not a date (YYYY-MM-DD)"),
        ("1899-12-31", "error: field 'as_of': 1899-12-31 is before 1900-01-01"),
    ):
        result = runner.invoke(cli, ["gaps", "--as-of", value], obj={"services": services})
        assert result.exit_code == 1 and result.stderr.strip().splitlines() == [line]


def test_a_later_snapshot_of_the_same_scope_and_day_replaces_the_earlier_one(
    consortium: Services,
) -> None:
    client = admin_client(consortium)
    north = consortium.catalog.list_page("organizations").items[0]["id"]
    noon = clock.day_start(TODAY) + timedelta(hours=12)
    with clock.fixed(noon - timedelta(days=5)):
        older = client.post("/api/v1/gaps/snapshots", json={"as_of": _ago(5)}).get_json()
    taken = []
    for minutes in range(4):
        with clock.fixed(noon + timedelta(minutes=minutes)):
            taken.append(client.post("/api/v1/gaps/snapshots", json={}).get_json())
    with clock.fixed(noon):
        school = client.post("/api/v1/gaps/snapshots", json={"school_id": north}).get_json()
    listed = client.get("/api/v1/gaps/snapshots").get_json()["items"]
    assert [(s["id"], s["as_of"]) for s in listed] == [
        (taken[-1]["snapshot_id"], TODAY.isoformat()),
        (older["snapshot_id"], _ago(5)),
    ]
    assert listed[0]["taken_at"] == iso(noon + timedelta(minutes=3))  # when it was taken
    assert [h["as_of"] for h in taken[-1]["history"]] == [_ago(5), TODAY.isoformat()]
    schools = client.get(f"/api/v1/gaps/snapshots?school_id={north}").get_json()["items"]
    assert [s["id"] for s in schools] == [school["snapshot_id"]]  # another scope: kept apart
    with consortium.db.session() as session:
        assert session.scalar(select(func.count()).select_from(GapSnapshot)) == 3


def test_a_title_only_posting_asks_for_its_role(services: Services) -> None:
    """Most scraped postings are a title and a paragraph: the title stands for what they ask,
    so an occupation no course prepares for is a gap instead of vanishing from the report."""
    _course(services, "Liuzhou Polytechnic", "W1", "Welding practice", ["TIG welding"])
    untaught = _demand(services, "Pearl River", [], 30, title="Credit risk analyst")
    taught = _demand(services, "Pearl River", [], 30, title="Welder")
    listed = _demand(services, "Pearl River", ["TIG welding"], 30, title="Bank clerk")
    report = services.gaps.report()
    assert untaught in _item(report, "Credit risk analyst")["demand_ids"]
    assert _item(report, "Credit risk analyst")["severity"] != "green"
    assert _item(report, "Welder")["demand_ids"] == [taught]
    phrases = {normalise(p) for item in report["items"] for p in item["phrases"]}
    assert normalise("Bank clerk") not in phrases  # it says what it asks: no role stand-in
    assert listed in _item(report, "TIG welding")["demand_ids"]
