"""Curriculum response time from real answers, on both stores.

A consortium with known days: a 5G skill first asked 540 days ago and answered (accepted) by
North College 500 days ago, a fiber-optics skill covered by South College's course revised 10
days ago and answered by North 5 days ago, PLC taught long before it was asked. Declined,
withdrawn and proposed answers do not count; reports as of an earlier day see the answers as
they stood then.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from api.wiring import Services
from matcher import clock
from matcher.accounts import Actor
from matcher.answers.schemas import ResponseIn
from matcher.gaps.response_time import status_on
from store import Response
from tests.clients import client_as
from tests.test_gaps import TODAY, _add, _ago, _course, _demand, _item

ADMIN = Actor.local_admin()
NONE = {"proposed": 0, "accepted": 0, "delivered": 0, "declined": 0, "withdrawn": 0}


def _at(days_ago: int) -> datetime:
    """Noon of that day in the consortium's zone."""
    return datetime.combine(TODAY - timedelta(days=days_ago), time(12), clock.zone())


def _answer(svc: Services, school_id: int, demand_id: int, days_ago: int) -> int:
    with clock.fixed(_at(days_ago)):
        body = ResponseIn(kind="training", school_id=school_id, message="A training offer")
        return int(svc.responses.create(ADMIN, demand_id, body)["id"])


def _move(svc: Services, response_id: int, status: str, days_ago: int) -> None:
    with clock.fixed(_at(days_ago)):
        svc.responses.set_status(ADMIN, response_id, status)


class Consortium:
    def __init__(self, svc: Services) -> None:
        self.north = _add(svc, "organizations", kind="school", name="North College")["id"]
        self.south = _add(svc, "organizations", kind="school", name="South College")["id"]
        _course(svc, "North College", "N1", "Arc Welding", ["MIG welding"])
        _course(svc, "South College", "S1", "PLC Programming", ["PLC programming"])
        _course(
            svc,
            "South College",
            "S2",
            "Fiber Optics",
            ["fiber optic splicing"],
            created_at=_ago(3000),
            last_revised=_ago(10),
        )
        five_g = ["5G base station maintenance"]
        self.a = _demand(svc, "Telecom A", five_g, 540, openings=6)
        self.b = _demand(svc, "Telecom B", five_g, 100, openings=3)
        _demand(svc, "Telecom B", ["PLC programming"], 30)
        self.d = _demand(svc, "Fiber Works", ["fiber optic splicing"], 70)
        # 5G: North's answer to A accepted 500 days ago (40 days after first asked): counts.
        _move(svc, _answer(svc, self.north, self.a, 520), "accepted", 500)
        # North's answer to B: accepted 45 days ago, delivered 10 days ago.
        north_b = _answer(svc, self.north, self.b, 50)
        _move(svc, north_b, "accepted", 45)
        _move(svc, north_b, "delivered", 10)
        # South: one proposed, one declined, one accepted and then withdrawn: none counts today.
        _answer(svc, self.south, self.a, 60)
        _move(svc, _answer(svc, self.south, self.b, 90), "declined", 80)
        withdrawn = _answer(svc, self.south, self.b, 35)
        _move(svc, withdrawn, "accepted", 30)
        _move(svc, withdrawn, "withdrawn", 20)
        # Fiber: North's answer accepted 5 days ago, after South's course (10 days ago).
        _move(svc, _answer(svc, self.north, self.d, 8), "accepted", 5)


@pytest.fixture
def world(services: Services) -> tuple[Services, Consortium]:
    return services, Consortium(services)


def _quarter(days_ago: int) -> str:
    day = TODAY - timedelta(days=days_ago)
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def test_region_takes_the_earlier_of_accepted_answer_and_covering_course(
    world: tuple[Services, Consortium],
) -> None:
    svc, _ = world
    report = svc.gap_history.report()
    five_g = _item(report, "5G base station maintenance")
    assert (five_g["covered"], five_g["severity"]) == (False, "red")  # still not taught
    assert five_g["answered_on"] == _ago(500) and five_g["covered_on"] is None
    assert (five_g["responded_on"], five_g["response_by"], five_g["response_days"]) == (
        _ago(500),
        "answer",
        40,
    )
    assert five_g["answers"] == {
        "proposed": 1,
        "accepted": 1,
        "delivered": 1,
        "declined": 1,
        "withdrawn": 1,
    }
    fiber = _item(report, "fiber optic splicing")
    assert (fiber["covered_on"], fiber["answered_on"]) == (_ago(10), _ago(5))
    assert (fiber["response_by"], fiber["response_days"]) == ("course", 60)
    plc = _item(report, "PLC programming")
    assert (plc["response_by"], plc["response_days"], plc["answers"]) == ("course", 0, NONE)

    summary = report["summary"]
    assert (summary["responded"], summary["taught_before_asked"]) == (2, 1)  # PLC: taught first
    assert (summary["responded_by_answer"], summary["responded_by_course"]) == (1, 1)
    assert summary["median_response_days"] == 50.0  # of 40 and 60; PLC's 0 counted apart
    assert summary["accepted_not_delivered"] == 2  # North's answers to A and to fiber
    by_school = {s["name"]: s for s in summary["by_school"]}
    # North: 5G answered after 40 days, fiber answered after 65 (South's course is not North's)
    assert by_school["North College"]["responded"] == 2
    assert by_school["North College"]["median_response_days"] == 52.5
    # South: fiber covered after 60 days; PLC taught before asked (apart); 5G answers not taken
    assert by_school["South College"]["responded"] == 1
    assert by_school["South College"]["median_response_days"] == 60.0


def test_the_trend_is_the_median_per_quarter_of_the_response_day(
    world: tuple[Services, Consortium],
) -> None:
    svc, _ = world
    trend = svc.gap_history.report()["summary"]["response_trend"]
    assert len(trend) == 6 and trend[-1]["quarter"] == _quarter(0)
    assert [t["quarter"] for t in trend] == sorted(t["quarter"] for t in trend)
    quarters = [t["quarter"] for t in trend]
    expected = {q: (0, None) for q in quarters}
    expected[_quarter(10)] = (1, 60.0)  # fiber, covered 10 days ago after 60 days
    if _quarter(500) in expected:  # 5G, answered 500 days ago: in the window only early in Q
        expected[_quarter(500)] = (1, 40.0)
    assert _quarter(2000) not in expected  # PLC's course is older than the window
    assert {t["quarter"]: (t["responded"], t["median_response_days"]) for t in trend} == expected


def test_a_school_report_counts_only_that_schools_answers_and_courses(
    world: tuple[Services, Consortium],
) -> None:
    svc, consortium = world
    north = svc.gap_history.report(school_id=consortium.north)
    five_g = _item(north, "5G base station maintenance")
    assert (five_g["response_by"], five_g["response_days"]) == ("answer", 40)
    assert five_g["answers"] == {**NONE, "accepted": 1, "delivered": 1}
    fiber = _item(north, "fiber optic splicing")
    assert not fiber["covered"]  # no North course teaches it: still a gap there
    assert (fiber["response_by"], fiber["response_days"]) == ("answer", 65)
    assert _item(north, "PLC programming")["responded_on"] is None
    assert north["summary"]["median_response_days"] == 52.5
    assert [s["name"] for s in north["summary"]["by_school"]] == ["North College"]

    south = svc.gap_history.report(school_id=consortium.south)
    five_g = _item(south, "5G base station maintenance")
    assert five_g["responded_on"] is None and five_g["answered_on"] is None
    assert five_g["answers"] == {**NONE, "proposed": 1, "declined": 1, "withdrawn": 1}
    assert south["summary"]["accepted_not_delivered"] == 0
    assert south["summary"]["responded_by_answer"] == 0


def test_as_of_sees_the_answers_as_they_stood_that_day(
    world: tuple[Services, Consortium],
) -> None:
    svc, _ = world
    # 25 days ago: South's answer to B was accepted (withdrawn 20 days ago), North's to B not
    # yet delivered, the fiber course not yet revised and North's fiber answer not yet made.
    then = svc.gap_history.report(as_of=_ago(25))
    five_g = _item(then, "5G base station maintenance")
    assert five_g["answers"] == {**NONE, "proposed": 1, "accepted": 3, "declined": 1}
    assert then["summary"]["accepted_not_delivered"] == 3
    fiber = _item(then, "fiber optic splicing")
    assert fiber["responded_on"] is None and fiber["answers"] == NONE
    # 47 days ago North's answer to B was still proposed (accepted 45 days ago).
    earlier = _item(svc.gap_history.report(as_of=_ago(47)), "5G base station maintenance")
    assert earlier["answers"] == {**NONE, "proposed": 2, "accepted": 1, "declined": 1}
    # 510 days ago nothing had been accepted yet: the 5G skill was not responded.
    before = _item(svc.gap_history.report(as_of=_ago(510)), "5G base station maintenance")
    assert before["responded_on"] is None and before["answers"] == {**NONE, "proposed": 1}


def test_an_answer_accepted_now_shows_at_once_despite_the_cache(
    world: tuple[Services, Consortium],
) -> None:
    svc, consortium = world
    assert svc.gap_history.report()["summary"]["accepted_not_delivered"] == 2
    _move(svc, _answer(svc, consortium.south, consortium.d, 3), "accepted", 0)
    report = svc.gap_history.report()
    assert report["summary"]["accepted_not_delivered"] == 3
    assert _item(report, "fiber optic splicing")["answers"]["accepted"] == 2


@pytest.mark.parametrize(
    ("status", "decided", "closed", "day", "expected"),
    [
        ("accepted", 5, None, 6, "proposed"),
        ("accepted", 5, None, 5, "accepted"),
        ("declined", 5, None, 4, "declined"),
        ("delivered", 9, 3, 4, "accepted"),
        ("delivered", 9, 3, 3, "delivered"),
        ("withdrawn", None, 3, 4, "proposed"),
        ("withdrawn", 9, 3, 4, "accepted"),
        ("withdrawn", 9, 3, 2, "withdrawn"),
        ("proposed", None, None, 0, "proposed"),
    ],
)
def test_status_on_a_day(
    status: str, decided: int | None, closed: int | None, day: int, expected: str
) -> None:
    response = Response(
        status=status,
        decided_at=_at(decided) if decided is not None else None,
        closed_at=_at(closed) if closed is not None else None,
    )
    assert status_on(response, date.fromisoformat(_ago(day)), clock.zone()) == expected


def test_rest_report_declares_the_response_fields(world: tuple[Services, Consortium]) -> None:
    svc, _ = world
    reply = client_as(svc, None).get("/api/v1/gaps")
    assert reply.status_code == 200
    body: dict[str, Any] = reply.get_json()
    assert body["summary"]["responded_by_answer"] == 1
    csv_text = client_as(svc, None).get("/api/v1/gaps?format=csv").get_data(as_text=True)
    header = csv_text.splitlines()[0].split(",")
    assert {"response_by", "answered_on", "covered_on", "answers_accepted"} <= set(header)
