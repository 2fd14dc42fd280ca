"""The demo's answers: every status on its own day in the past, one of them to the 5G demand."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from api.wiring import Services
from matcher import clock
from matcher.accounts import Actor
from seed.loader import demo_records


def test_the_demo_holds_answers_in_every_state_and_one_to_the_5g_demand(demo: Services) -> None:
    answers = demo.responses.list(Actor.local_admin())
    assert Counter(a["status"] for a in answers) == {
        "accepted": 2,
        "delivered": 2,
        "declined": 1,
        "proposed": 1,
        "withdrawn": 1,
    }
    five_g = [a for a in answers if "5G Base Station Maintenance" in a["demand_title"]]
    assert {(a["enterprise"], a["status"], a["kind"]) for a in five_g} == {
        ("Pearl River Electronics Co.", "declined", "existing_course"),
        ("Pearl River Electronics Co.", "proposed", "order_class"),
    }
    order_class = next(a for a in five_g if a["kind"] == "order_class")
    assert order_class["seats"] == 30 and order_class["program"] == "Communication Technology"
    assert date.fromisoformat(order_class["starts_on"]) > clock.today()


def test_demo_answers_keep_their_days_relative_to_today(demo: Services) -> None:
    """Dates are shifted like the demand dates: an answer is as old today as on the anchor."""
    planned = {r["demand"]: r for r in demo_records()["responses"]}
    zone = clock.zone()
    for answer in demo.responses.list(Actor.local_admin()):
        external = demo.catalog.get("demands", answer["demand_id"])["external_id"]
        plan = planned[external]
        created = clock.local_day(_instant(answer["created_at"]), zone).isoformat()
        assert created == plan["answered_on"]
        if plan["steps"] and plan["steps"][0][0] in ("accepted", "declined"):
            decided = clock.local_day(_instant(answer["decided_at"]), zone).isoformat()
            assert decided == plan["steps"][0][1]
        assert date.fromisoformat(created) < clock.today() - timedelta(days=7)


def test_the_demo_enterprise_heard_of_each_answer_to_its_demands(demo: Services) -> None:
    user = demo.accounts.by_email("enterprise@demo.talentmatch.org")
    notices = demo.inbox.list(user["id"], "en")
    kinds = Counter(n["kind"] for n in notices)
    # the declined 5G answer, the proposed 5G order class, the withdrawn network course
    assert kinds == {"answer_received": 3, "answer_withdrawn": 1}
    assert all(n["mail_state"] == "none" for n in notices)  # the demo configures no mail server


def _instant(text: str) -> datetime:

    return datetime.fromisoformat(text.replace("Z", "+00:00"))
