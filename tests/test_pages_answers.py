"""Pages of answering demands (issue 16), on both stores: the school's demand page with the
"answer this" form prefilled, a posted answer and a refused one (errors beside the fields, the
input kept), the enterprise's answers section (accept, decline), the school's answers
(withdraw, deliver), who may make which move, the gap pages' links and the inbox."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from api.pages.school import gap_key
from api.wiring import Services
from matcher import clock
from matcher.accounts import Actor
from matcher.catalog import parse_input
from tests.clients import csrf_token, english, signed_in

PASSWORD = "correct horse battery"
TOMORROW = (clock.today() + timedelta(days=1)).isoformat()
YESTERDAY = (clock.today() - timedelta(days=1)).isoformat()


class World:
    """An enterprise asking for 5G skills, a school teaching one of them, another school, a
    member of each and an admin, each signed in through the form (session and CSRF)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        for kind, name in (
            ("enterprise", "Pearl River Electronics"),
            ("school", "Liuzhou College"),
            ("school", "Guilin Institute"),
        ):
            self._create("organizations", {"kind": kind, "name": name})
        self.demand = self._create(
            "demands",
            {
                "enterprise": "Pearl River Electronics",
                "kind": "job",
                "title": "5G base station maintainer",
                "posted_at": "2026-01-05",
                "skills": ["5G base station maintenance", "AAU/BBU installation"],
                "openings": 3,
            },
        )
        self.untaught = self._create(
            "demands",
            {
                "enterprise": "Pearl River Electronics",
                "kind": "internship",
                "title": "Pastry intern",
                "posted_at": "2026-01-05",
                "skills": ["croissant lamination"],
            },
        )
        self.course = self._create(
            "courses",
            {
                "school": "Liuzhou College",
                "code": "5G101",
                "title": "5G base station maintenance",
                "skills": ["5G base station maintenance"],
            },
        )
        self.other_course = self._create(
            "courses",
            {
                "school": "Guilin Institute",
                "code": "GL-1",
                "title": "Car electrics",
                "skills": ["x"],
            },
        )
        self.program = self._create(
            "programs", {"school": "Liuzhou College", "name": "Mobile communications"}
        )
        accounts = (
            ("hr", "hr@pearl.example", "enterprise", {"organization": "Pearl River Electronics"}),
            ("teacher", "t@liuzhou.example", "school", {"organization": "Liuzhou College"}),
            ("other_teacher", "t@guilin.example", "school", {"organization": "Guilin Institute"}),
            ("admin", "admin@consortium.example", "admin", {}),
        )
        self.clients: dict[str, FlaskClient] = {}
        for name, email, role, extra in accounts:
            services.accounts.create(email, role, password=PASSWORD, **extra)  # type: ignore[arg-type]
            client = english(create_app(services=services).test_client())
            self.clients[name] = signed_in(client, email, PASSWORD)

    def _create(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.services.catalog.create(kind, parse_input(kind, data))

    def get(self, who: str, path: str) -> tuple[int, str]:
        answer = self.clients[who].get(path)
        return answer.status_code, answer.get_data(as_text=True)

    def post(self, who: str, path: str, data: dict[str, Any]) -> Any:
        token = csrf_token(self.clients[who], "/inbox")
        return self.clients[who].post(path, data={**data, "csrf_token": token})

    def answer(self, **form: Any) -> Any:
        form = form or {"kind": "existing_course", "course_ids": [str(self.course["id"])]}
        return self.post("teacher", f"/school/demands/{self.demand['id']}", form)

    def answer_ids(self) -> list[int]:
        return [r["id"] for r in self.services.responses.list(Actor.local_admin())]

    def status(self, response_id: int) -> str:
        return str(self.services.responses.get(Actor.local_admin(), response_id)["status"])


@pytest.fixture
def world(services: Services) -> Iterator[World]:
    # The test client talks plain HTTP: Secure cookies would not come back.
    plain_http = Services(services.settings.replace(secure_cookies=False), services.vectors)
    yield World(plain_http)
    plain_http.close()


def _checked(page: str, name: str) -> list[str]:
    """The values of the checked inputs called ``name``."""
    found = []
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and " checked" in tag:
            found.append(re.search(r'value="([^"]*)"', tag).group(1))  # type: ignore[union-attr]
    return found


def _textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea id="f-{name}"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert found, page
    return html.unescape(found.group(1))


def _error(page: str, name: str) -> str:
    found = re.search(rf'<p class="error" id="f-{name}-error">(.*?)</p>', page, re.DOTALL)
    assert found, name
    return html.unescape(found.group(1)).strip()


def _flash(page: str) -> str:
    found = re.search(r'<p class="notice" role="status">(.*?)</p>', page, re.DOTALL)
    return html.unescape(found.group(1)) if found else ""


# -- the school's demand page ------------------------------------------------------------------


def test_the_form_is_prefilled_with_the_covering_course_and_the_missing_skills(
    world: World,
) -> None:
    skill = "AAU/BBU installation"
    status, page = world.get("teacher", f"/school/demands/{world.demand['id']}?skill={skill}")
    assert status == 200, page
    assert _checked(page, "kind") == ["existing_course"]
    assert _checked(page, "course_ids") == [str(world.course["id"])]
    assert _textarea(page, "message") == "Missing: AAU/BBU installation"
    nearest = page[page.index('id="nearest-courses"') : page.index('id="earlier-heading"')]
    assert "5G101" in nearest and "Car electrics" not in nearest  # this school's courses only
    assert 'class="chip covered">5G base station maintenance' in nearest
    assert 'class="chip missing">AAU/BBU installation' in nearest
    assert 'id="f-seats"' in page and 'id="f-starts_on"' in page  # shown without script too
    chinese = world.clients["teacher"].get(
        f"/school/demands/{world.demand['id']}", headers={"Accept-Language": "zh-CN"}
    )
    assert chinese.status_code == 200 and 'lang="zh-Hans"' in chinese.get_data(as_text=True)


def test_a_demand_no_course_covers_is_answered_by_revising_the_nearest(world: World) -> None:
    status, page = world.get("teacher", f"/school/demands/{world.untaught['id']}")
    assert status == 200
    assert _checked(page, "kind") == ["revised_course"]
    assert _checked(page, "course_ids") == [str(world.course["id"])]  # the school's only course
    assert _textarea(page, "message") == "Missing: croissant lamination"


def test_a_posted_answer_reaches_the_enterprise_and_its_inbox(world: World) -> None:
    sent = world.answer(
        kind="existing_course", course_ids=[str(world.course["id"])], message="From March."
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)
    assert sent.headers["Location"] == "/school/answers"
    status, mine = world.get("teacher", "/school/answers")
    assert "Pearl River Electronics has your answer" in _flash(mine)
    assert "5G base station maintainer" in mine and ">proposed<" in mine
    [response_id] = world.answer_ids()
    status, demand = world.get("hr", f"/enterprise/demands/{world.demand['id']}")
    answers = demand[demand.index('id="answers"') : demand.index('id="matches"')]
    assert "Liuzhou College" in answers and "From March." in answers and "5G101" in answers
    assert f'/enterprise/answers/{response_id}/status"' in answers
    assert 'value="accepted"' in answers and 'value="declined"' in answers
    _, listing = world.get("hr", "/enterprise/demands")
    assert "1 new answer" in listing
    _, inbox = world.get("hr", "/inbox")
    assert "Liuzhou College answered your demand “5G base station maintainer”" in html.unescape(
        inbox
    )
    assert 'data-read="no"' in inbox
    assert re.search(r'<span class="count">1<span class="visually-hidden"> unread', inbox)
    # the school page now shows the open answer instead of a second form
    _, again = world.get("teacher", f"/school/demands/{world.demand['id']}")
    assert 'id="answer-open"' in again and 'id="answer-form"' not in again


def test_a_refused_answer_keeps_the_input_and_says_why_beside_each_field(world: World) -> None:
    form = {"kind": "order_class", "message": "A class of our own", "seats": "", "starts_on": ""}
    refused = world.answer(**form)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert _error(page, "seats") == "An order class states its seats and its start date."
    assert _checked(page, "kind") == ["order_class"]
    assert _textarea(page, "message") == "A class of our own"
    past = world.answer(kind="order_class", seats="0", starts_on=YESTERDAY, message="x")
    assert past.status_code == 422
    page = past.get_data(as_text=True)
    assert _error(page, "seats") == "Must be at least 1."
    assert _error(page, "starts_on") == "The start date is in the past: today or later."
    assert f'value="{YESTERDAY}"' in page
    courseless = world.answer(kind="existing_course", message="see us")
    assert _error(courseless.get_data(as_text=True), "course_ids") == (
        "Tick the courses that answer the demand."
    )
    foreign = world.answer(kind="existing_course", course_ids=[str(world.other_course["id"])])
    assert foreign.status_code == 403
    assert world.answer_ids() == []
    ordered = world.answer(kind="order_class", seats="30", starts_on=TOMORROW)
    assert ordered.status_code == 303
    assert world.answer().status_code == 409  # one open answer per school and demand
    assert len(world.answer_ids()) == 1


# -- moving an answer on -----------------------------------------------------------------------


def _move(world: World, who: str, side: str, response_id: int, status: str) -> Any:
    data = {"status": status, "demand_id": str(world.demand["id"])}
    return world.post(who, f"/{side}/answers/{response_id}/status", data)


def test_the_enterprise_accepts_and_the_school_delivers(world: World) -> None:
    assert world.answer().status_code == 303
    [response_id] = world.answer_ids()
    accepted = _move(world, "hr", "enterprise", response_id, "accepted")
    assert accepted.status_code == 303
    assert accepted.headers["Location"] == f"/enterprise/demands/{world.demand['id']}#answers"
    assert world.status(response_id) == "accepted"
    _, page = world.get("hr", f"/enterprise/demands/{world.demand['id']}")
    assert "You accepted the answer of Liuzhou College" in _flash(page)
    assert f'/enterprise/answers/{response_id}/status"' not in page  # decided: no buttons
    _, inbox = world.get("teacher", "/inbox")
    assert "Pearl River Electronics accepted your answer" in html.unescape(inbox)
    _, mine = world.get("teacher", "/school/answers")
    assert 'value="delivered"' in mine and 'value="withdrawn"' in mine
    again = _move(world, "hr", "enterprise", response_id, "declined")
    assert again.status_code == 303  # moved on meanwhile: said, nothing changed
    _, page = world.get("hr", f"/enterprise/demands/{world.demand['id']}")
    assert "Nothing changed: the answer is accepted now" in _flash(page)
    assert _move(world, "teacher", "school", response_id, "delivered").status_code == 303
    assert world.status(response_id) == "delivered"
    _, mine = world.get("teacher", "/school/answers")
    assert "marked delivered" in _flash(mine) and 'value="withdrawn"' not in mine


def test_the_enterprise_declines_and_the_school_answers_anew_after_withdrawing(
    world: World,
) -> None:
    assert world.answer().status_code == 303
    [first] = world.answer_ids()
    assert _move(world, "hr", "enterprise", first, "declined").status_code == 303
    assert world.status(first) == "declined"
    _, page = world.get("teacher", f"/school/demands/{world.demand['id']}")
    assert 'id="answer-form"' in page and ">declined<" in page  # the earlier one, and a new form
    assert world.answer().status_code == 303
    second = max(world.answer_ids())
    assert _move(world, "teacher", "school", second, "withdrawn").status_code == 303
    assert world.status(second) == "withdrawn"


def test_only_the_right_party_makes_each_move(world: World) -> None:
    assert world.answer().status_code == 303
    [response_id] = world.answer_ids()
    # a school member cannot accept: not on the enterprise's route, nor on its own
    assert _move(world, "teacher", "enterprise", response_id, "accepted").status_code == 403
    refused = _move(world, "teacher", "school", response_id, "accepted")
    assert refused.status_code == 403
    assert "The demand's enterprise accepts or declines" in html.unescape(
        refused.get_data(as_text=True)
    )
    assert _move(world, "hr", "school", response_id, "withdrawn").status_code == 403
    assert _move(world, "hr", "enterprise", response_id, "withdrawn").status_code == 403
    other = _move(world, "other_teacher", "school", response_id, "withdrawn")
    assert other.status_code == 403
    assert _move(world, "hr", "enterprise", 999_999, "accepted").status_code == 404
    assert _move(world, "hr", "enterprise", response_id, "bogus").status_code == 400
    assert world.status(response_id) == "proposed"
    unsigned = world.clients["hr"].post(
        f"/enterprise/answers/{response_id}/status", data={"status": "accepted"}
    )
    assert unsigned.status_code == 400  # no CSRF token
    assert world.status(response_id) == "proposed"


def test_who_may_open_the_school_answer_pages(world: World) -> None:
    demand_path = f"/school/demands/{world.demand['id']}"
    for path in (demand_path, "/school/answers"):
        assert world.get("hr", path)[0] == 403
        anonymous = create_app(services=world.services).test_client()
        assert anonymous.get(path).status_code == 302
    assert world.get("teacher", "/school/demands/999999")[0] == 404
    status, page = world.get("admin", "/school/answers")
    assert status == 200 and "Liuzhou College" in page  # choose a school first
    school_id = world.course["school_id"]
    assert world.get("admin", f"{demand_path}?school_id={school_id}")[0] == 200


# -- the gap pages ---------------------------------------------------------------------------


def test_the_gap_pages_link_each_posting_to_answer_it_and_show_earlier_answers(
    world: World,
) -> None:
    demand_id = world.untaught["id"]
    key = gap_key("croissant lamination")
    link = f"/school/demands/{demand_id}?skill=croissant+lamination"
    for path in ("/school/gaps", f"/school/gaps/{key}"):
        status, page = world.get("teacher", path)
        assert status == 200, page
        assert html.escape(link) in page, path
        assert ">Answer this<" in page
    form = {"kind": "revised_course", "course_ids": [str(world.course["id"])]}
    assert world.post("teacher", f"/school/demands/{demand_id}", form).status_code == 303
    [response_id] = world.answer_ids()
    assert _move(world, "hr", "enterprise", response_id, "accepted").status_code == 303
    for path in ("/school/gaps", f"/school/gaps/{key}"):
        _, page = world.get("teacher", path)
        assert '<span class="badge green">accepted</span>' in page, path
        assert ">See the answer<" in page


# -- the inbox ---------------------------------------------------------------------------------


def test_the_inbox_marks_one_or_all_read(world: World) -> None:
    _, empty = world.get("hr", "/inbox")
    assert 'id="no-notices"' in empty and 'class="count"' not in empty
    assert world.answer().status_code == 303
    [first] = world.answer_ids()
    assert _move(world, "teacher", "school", first, "withdrawn").status_code == 303
    assert world.answer().status_code == 303
    _, inbox = world.get("hr", "/inbox")
    assert inbox.count('data-read="no"') == 3  # answered, withdrew, answered again
    ids = [int(i) for i in re.findall(r'id="notice-(\d+)"', inbox)]
    assert ids == sorted(ids, reverse=True)  # newest first
    assert world.post("hr", f"/inbox/{ids[0]}/read", {}).status_code == 303
    _, inbox = world.get("hr", "/inbox")
    assert inbox.count('data-read="no"') == 2
    assert re.search(r'<span class="count">2<span', inbox)
    assert world.post("teacher", f"/inbox/{ids[1]}/read", {}).status_code == 404  # not theirs
    done = world.post("hr", "/inbox/read", {})
    assert done.status_code == 303
    _, inbox = world.get("hr", "/inbox")
    assert "2 notices marked read." in _flash(inbox)
    assert 'data-read="no"' not in inbox and 'class="count"' not in inbox
    assert 'id="mark-all-read"' not in inbox
    chinese = world.clients["hr"].get("/inbox", headers={"Accept-Language": "zh-CN"})
    assert "答复了您的需求" in chinese.get_data(as_text=True)


def test_a_programs_demand_matches_lead_to_answering_with_the_program(world: World) -> None:
    program = world.services.catalog.create(
        "programs",
        parse_input(
            "programs",
            {
                "school": "Liuzhou College",
                "name": "5G network operations",
                "course_ids": [world.course["id"]],
            },
        ),
    )
    status, page = world.get("teacher", f"/school/programs/{program['id']}/demands")
    assert status == 200
    link = f"/school/demands/{world.demand['id']}?program_id={program['id']}"
    assert f'href="{link}"' in page
    status, form = world.get("teacher", link)
    assert status == 200
    assert _checked(form, "kind") == ["program"]
    assert f'<option value="{program["id"]}" selected>5G network operations</option>' in form
    status, ignored = world.get("teacher", f"/school/demands/{world.demand['id']}?program_id=²")
    assert status == 200 and _checked(ignored, "kind") == ["existing_course"]
