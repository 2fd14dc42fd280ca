"""Answers to demands over REST, on both stores: the state machine (every allowed and refused
transition), who may answer, see and move an answer, bad input, and the notices each change
leaves in the other party's inbox. Refused requests change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from api.wiring import Services
from matcher import clock
from matcher.answers import STATUSES, TRANSITIONS
from matcher.catalog import parse_input
from store import Notification, Response
from tests.clients import client_as, token_for

TOMORROW = (clock.today() + timedelta(days=1)).isoformat()

# how to bring a new answer into each status, and who moves it there
PATHS: dict[str, list[tuple[str, str]]] = {
    "proposed": [],
    "accepted": [("hr", "accepted")],
    "declined": [("hr", "declined")],
    "withdrawn": [("teacher", "withdrawn")],
    "delivered": [("hr", "accepted"), ("teacher", "delivered")],
}
MOVER = {"accepted": "hr", "declined": "hr", "withdrawn": "teacher", "delivered": "teacher"}
ALLOWED = {  # written out, not read from the code's table: the contract this test pins
    ("proposed", "accepted"),
    ("proposed", "declined"),
    ("proposed", "withdrawn"),
    ("accepted", "delivered"),
    ("accepted", "withdrawn"),
}


class World:
    """Two enterprises, two schools, their members, a student and an admin, each a client."""

    def __init__(self, services: Services) -> None:
        self.services = services
        catalog = services.catalog
        for kind, name in (
            ("enterprise", "Pearl River Electronics"),
            ("enterprise", "Nanning Motors"),
            ("school", "Liuzhou College"),
            ("school", "Guilin Institute"),
        ):
            catalog.create(
                "organizations", parse_input("organizations", {"kind": kind, "name": name})
            )
        self.demand = self._demand("5G base station maintainer", "Pearl River Electronics")
        self.closed = self._demand("Retired posting", "Pearl River Electronics", expired=True)
        self.course = self._course("Liuzhou College", "5G101", "5G base station maintenance")
        self.other_course = self._course("Guilin Institute", "AUTO1", "Car electrics")
        self.program = catalog.create(
            "programs",
            parse_input(
                "programs",
                {"school": "Liuzhou College", "name": "Mobile communications", "level": "diploma"},
            ),
        )
        students = parse_input("students", {"school": "Liuzhou College", "skills": ["5G"]})
        self.student = catalog.create("students", students)
        accounts = (
            ("hr", "hr@pearl.example", "enterprise", {"organization": "Pearl River Electronics"}),
            ("other_hr", "hr@nanning.example", "enterprise", {"organization": "Nanning Motors"}),
            ("teacher", "t@liuzhou.example", "school", {"organization": "Liuzhou College"}),
            ("colleague", "t2@liuzhou.example", "school", {"organization": "Liuzhou College"}),
            ("other_teacher", "t@guilin.example", "school", {"organization": "Guilin Institute"}),
            ("student", "s@liuzhou.example", "student", {"student_id": self.student["id"]}),
            ("admin", "admin@consortium.example", "admin", {}),
        )
        self.clients: dict[str, FlaskClient] = {
            name: client_as(services, token_for(services, email, role, **extra))
            for name, email, role, extra in accounts
        }
        self.clients["anonymous"] = client_as(services, None)
        self.school_id = self.course["school_id"]
        self.other_school_id = self.other_course["school_id"]

    def _demand(self, title: str, enterprise: str, expired: bool = False) -> dict[str, Any]:
        data = {
            "enterprise": enterprise,
            "kind": "job",
            "title": title,
            "posted_at": "2026-01-05",
            "skills": ["5G base station maintenance"],
        }
        if expired:
            data["expires_at"] = "2026-02-01"
        return self.services.catalog.create("demands", parse_input("demands", data))

    def _course(self, school: str, code: str, skill: str) -> dict[str, Any]:
        return self.services.catalog.create(
            "courses",
            parse_input(
                "courses", {"school": school, "code": code, "title": skill, "skills": [skill]}
            ),
        )

    def answer(self, who: str = "teacher", demand_id: int | None = None, **body: Any) -> Any:
        body = body or {"kind": "existing_course", "course_ids": [self.course["id"]]}
        return self.clients[who].post(
            f"/api/v1/demands/{demand_id or self.demand['id']}/responses", json=body
        )

    def move(self, who: str, response_id: int, status: str) -> Any:
        return self.clients[who].patch(f"/api/v1/responses/{response_id}", json={"status": status})

    def fresh_demand(self) -> int:
        """Another open demand of the enterprise (its text's vector is cached already)."""
        return int(self._demand("5G base station maintainer", "Pearl River Electronics")["id"])

    def in_status(self, status: str, demand_id: int | None = None) -> int:
        created = self.answer(demand_id=demand_id)
        assert created.status_code == 201, created.get_json()
        response_id = created.get_json()["id"]
        for who, step in PATHS[status]:
            assert self.move(who, response_id, step).status_code == 200
        return response_id

    def counts(self) -> tuple[int, int, list[tuple[int, str]]]:
        with self.services.db.session() as session:
            return (
                session.scalar(select(func.count()).select_from(Response)) or 0,
                session.scalar(select(func.count()).select_from(Notification)) or 0,
                [tuple(r) for r in session.execute(select(Response.id, Response.status))],
            )


@pytest.fixture
def world(services: Services) -> World:
    return World(services)


def _unchanged(world: World, call: Callable[[], Any], status: int) -> dict[str, Any]:
    before = world.counts()
    reply = call()
    assert reply.status_code == status, reply.get_json()
    assert reply.content_type.startswith("application/problem+json")
    assert world.counts() == before
    body: dict[str, Any] = reply.get_json()
    return body


def test_every_transition_is_allowed_or_refused_as_the_contract_says(world: World) -> None:
    for start in STATUSES:
        for target in sorted(TRANSITIONS):
            response_id = world.in_status(start, world.fresh_demand())
            if (start, target) in ALLOWED:
                moved = world.move(MOVER[target], response_id, target)
                assert moved.status_code == 200, (start, target)
                record = moved.get_json()
                assert record["status"] == target
                stamp = "decided_at" if MOVER[target] == "hr" else "closed_at"
                assert record[stamp] is not None, (start, target)
            else:
                move = partial(world.move, MOVER[target], response_id, target)
                problem = _unchanged(world, move, 409)
                assert start in problem["detail"], (start, target)


def test_a_declined_answer_never_becomes_accepted_and_the_school_answers_anew(world: World) -> None:
    response_id = world.in_status("declined")
    problem = _unchanged(world, lambda: world.move("hr", response_id, "accepted"), 409)
    assert "declined" in problem["detail"]
    assert world.answer().status_code == 201  # a new answer is allowed once the old one is closed


WRONG_PARTIES = [
    ("teacher", "accepted", 403),  # the school does not accept its own answer
    ("other_hr", "accepted", 403),  # another enterprise
    ("other_hr", "declined", 403),
    ("hr", "withdrawn", 403),  # the enterprise does not withdraw the school's answer
    ("other_teacher", "withdrawn", 403),  # another school
    ("student", "accepted", 403),
    ("anonymous", "accepted", 401),
]


def test_only_the_right_party_moves_an_answer(world: World) -> None:
    response_id = world.in_status("proposed")
    for who, target, status in WRONG_PARTIES:
        _unchanged(world, partial(world.move, who, response_id, target), status)


def test_admins_act_for_either_party_and_a_colleague_for_the_school(world: World) -> None:
    response_id = world.in_status("proposed")
    assert world.move("admin", response_id, "accepted").status_code == 200
    assert world.move("colleague", response_id, "delivered").get_json()["status"] == "delivered"


BAD_ANSWERS = (
    ("hr", None, 403, "school members"),  # the enterprise answering its own demand
    ("student", None, 403, "school members"),
    ("anonymous", None, 401, "account"),
    ("teacher", {"kind": "existing_course", "course_ids": [0]}, 422, "course_ids"),
    ("teacher", {"kind": "existing_course", "course_ids": []}, 422, "course_ids"),
    ("teacher", {"kind": "program"}, 422, "program_id"),
    ("teacher", {"kind": "order_class", "seats": 0, "starts_on": TOMORROW}, 422, "seats"),
    ("teacher", {"kind": "order_class", "seats": -3, "starts_on": TOMORROW}, 422, "seats"),
    ("teacher", {"kind": "order_class", "seats": 30}, 422, "start date"),
    ("teacher", {"kind": "order_class", "seats": 30, "starts_on": "2020-09-01"}, 422, "past"),
    ("teacher", {"kind": "training"}, 422, "message"),
    ("teacher", {"kind": "training", "message": "x", "status": "accepted"}, 422, "status"),
    ("teacher", {"kind": "lecture", "message": "x"}, 422, "kind"),
)


def test_bad_answers_are_refused_and_nothing_is_written(world: World) -> None:
    for who, body, status, words in BAD_ANSWERS:
        problem = _unchanged(world, partial(world.answer, who, **(body or {})), status)
        assert words in str(problem), problem


def test_answers_name_only_the_schools_own_courses_program_and_school(world: World) -> None:
    foreign = {"kind": "existing_course", "course_ids": [world.other_course["id"]]}
    assert "another school" in _unchanged(world, lambda: world.answer(**foreign), 403)["detail"]
    named = {"kind": "training", "message": "x", "school_id": world.other_school_id}
    _unchanged(world, lambda: world.answer(**named), 403)
    missing = {"kind": "existing_course", "course_ids": [999999]}
    _unchanged(world, lambda: world.answer(**missing), 404)
    admin_nameless = {"kind": "training", "message": "5G maintenance workshop"}
    _unchanged(world, lambda: world.answer("admin", **admin_nameless), 403)
    for_school = {**admin_nameless, "school_id": world.school_id}
    assert world.answer("admin", **for_school).status_code == 201


def test_closed_unknown_and_already_answered_demands(world: World) -> None:
    problem = _unchanged(world, lambda: world.answer(demand_id=world.closed["id"]), 409)
    assert "closed" in problem["detail"]
    _unchanged(world, lambda: world.answer(demand_id=999999), 404)
    world.in_status("accepted")
    problem = _unchanged(world, lambda: world.answer(), 409)
    assert "open answer" in problem["detail"]
    assert world.answer("other_teacher", kind="training", message="x").status_code == 201


def test_every_kind_of_answer_round_trips(world: World) -> None:
    program = world.program["id"]
    course = world.course["id"]
    bodies = [
        {"kind": "existing_course", "course_ids": [course, course]},
        {"kind": "revised_course", "course_ids": [course], "message": "adds AAU swap drills"},
        {"kind": "new_course", "course_ids": [course]},
        {"kind": "program", "program_id": program},
        {"kind": "order_class", "seats": 30, "starts_on": TOMORROW, "program_id": program},
        {"kind": "training", "message": "two-week 5G workshop", "seats": 12},
    ]
    for body in bodies:
        created = world.answer(**body)
        assert created.status_code == 201, created.get_json()
        record = created.get_json()
        assert created.headers["Location"].endswith(f"/api/v1/responses/{record['id']}")
        assert record["kind"] == body["kind"] and record["status"] == "proposed"
        assert record["course_ids"] == list(dict.fromkeys(body.get("course_ids", [])))
        assert record["enterprise"] == "Pearl River Electronics"
        assert record["school"] == "Liuzhou College"
        assert world.move("teacher", record["id"], "withdrawn").status_code == 200
    order = world.clients["hr"].get("/api/v1/responses?status=withdrawn").get_json()["items"]
    assert [r["kind"] for r in order] == [b["kind"] for b in bodies]
    assert order[4]["seats"] == 30 and order[4]["starts_on"] == TOMORROW
    assert order[4]["program"] == "Mobile communications"


def test_who_sees_which_answers(world: World) -> None:
    ours = world.in_status("proposed")
    theirs = world.answer("other_teacher", kind="training", message="x").get_json()["id"]
    path = f"/api/v1/demands/{world.demand['id']}/responses"

    def ids(who: str, url: str = path) -> list[int]:
        reply = world.clients[who].get(url)
        assert reply.status_code == 200, reply.get_json()
        return [r["id"] for r in reply.get_json()["items"]]

    assert ids("hr") == ids("admin") == [ours, theirs]
    assert ids("teacher") == [ours] and ids("other_teacher") == [theirs]
    assert ids("other_hr") == []  # not their demand: nothing of it
    assert world.clients["other_hr"].get(f"/api/v1/responses/{ours}").status_code == 403
    assert world.clients["other_teacher"].get(f"/api/v1/responses/{ours}").status_code == 403
    assert world.clients["student"].get(path).status_code == 403
    assert world.clients["anonymous"].get(path).status_code == 401
    assert ids("hr", f"/api/v1/responses?school_id={world.other_school_id}") == [theirs]
    assert world.clients["hr"].get("/api/v1/responses?status=bogus").status_code == 422
    assert world.clients["hr"].get("/api/v1/demands/999999/responses").status_code == 404


def test_each_change_notifies_the_other_party_once(world: World) -> None:
    def inbox(who: str) -> list[dict[str, Any]]:
        reply = world.clients[who].get("/api/v1/me/notifications")
        assert reply.status_code == 200
        items: list[dict[str, Any]] = reply.get_json()["items"]
        return items

    response_id = world.in_status("proposed")
    received = inbox("hr")
    assert [n["kind"] for n in received] == ["answer_received"]
    assert received[0]["subject"] == (
        "Liuzhou College answered your demand “5G base station maintainer”"
    )
    assert received[0]["link"] == f"/enterprise/demands/{world.demand['id']}#answers"
    assert received[0]["mail_state"] == "none"  # no mail server configured: inbox only
    assert inbox("teacher") == [] and inbox("other_hr") == []

    assert world.move("hr", response_id, "accepted").status_code == 200
    for who in ("teacher", "colleague"):  # every member of the school
        assert [n["kind"] for n in inbox(who)] == ["answer_accepted"]
    assert inbox("other_teacher") == []
    chinese = world.clients["teacher"].get(
        "/api/v1/me/notifications", headers={"Accept-Language": "zh-CN"}
    )
    assert chinese.get_json()["items"][0]["subject"].startswith("Pearl River Electronics 接受了")

    assert world.move("teacher", response_id, "delivered").status_code == 200
    assert [n["kind"] for n in inbox("hr")] == ["answer_delivered", "answer_received"]
    refused = world.move("teacher", response_id, "withdrawn")  # refused: no notice
    assert refused.status_code == 409
    assert len(inbox("hr")) == 2


def test_notifications_are_read_by_their_owner_only(world: World) -> None:
    world.in_status("proposed")
    hr = world.clients["hr"]
    notice = hr.get("/api/v1/me/notifications").get_json()
    assert notice["unread"] == 1
    notice_id = notice["items"][0]["id"]
    assert (
        world.clients["other_hr"].post(f"/api/v1/me/notifications/{notice_id}/read").status_code
        == 404
    )
    read = hr.post(f"/api/v1/me/notifications/{notice_id}/read")
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    after = hr.get("/api/v1/me/notifications?unread=true").get_json()
    assert after == {"items": [], "unread": 0}
    assert world.clients["anonymous"].get("/api/v1/me/notifications").status_code == 401


def test_a_users_notifications_are_in_their_export_and_go_with_their_account(
    world: World,
) -> None:
    world.in_status("proposed")
    hr = world.clients["hr"]
    exported = hr.get("/api/v1/me/export").get_json()["notifications"]
    assert [(n["kind"], n["params"]["school"]) for n in exported] == [
        ("answer_received", "Liuzhou College")
    ]
    assert hr.delete("/api/v1/me").status_code == 204
    with world.services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 0


def test_racing_requests_give_one_open_answer_and_one_decision(world: World) -> None:
    """The checks read before they write; the store decides races: a partial unique index
    (one open answer per school and demand) and a move conditional on the state read."""
    from concurrent.futures import ThreadPoolExecutor

    body = {"kind": "existing_course", "course_ids": [world.course["id"]]}
    teachers = [world.clients["teacher"], world.clients["colleague"]] * 2

    def answer(client: FlaskClient) -> int:
        return client.post(f"/api/v1/demands/{world.demand['id']}/responses", json=body).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(answer, teachers))
    assert statuses.count(201) == 1 and set(statuses) <= {201, 409}, statuses
    (open_answer,) = world.clients["hr"].get("/api/v1/responses").get_json()["items"]

    moves = [("hr", "accepted"), ("hr", "declined"), ("admin", "declined"), ("admin", "accepted")]

    def move(pair: tuple[str, str]) -> int:
        return world.move(pair[0], open_answer["id"], pair[1]).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(move, moves))
    assert statuses.count(200) == 1 and set(statuses) <= {200, 409}, statuses
    school_notices = world.clients["teacher"].get("/api/v1/me/notifications").get_json()
    assert len(school_notices["items"]) == 1  # one decision, one notice
