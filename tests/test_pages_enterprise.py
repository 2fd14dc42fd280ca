"""Enterprise pages: demands (list, post, edit, close), each demand's matches, feeds, skill
suggestions; who may see them; errors beside their fields with the input kept."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from api.wiring import Services
from jobs.feeds import FeedRegistry, parse_feed_input
from matcher import clock
from matcher.catalog import parse_input
from store import RefreshRun
from tests.clients import csrf_token, english, signed_in

PASSWORD = "correct horse battery"
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def _world(services: Services) -> dict[str, Any]:
    """A school with a PLC course, two enterprises with a demand each, a consenting and a
    private student, and an account for each role."""
    catalog = services.catalog
    for org in (
        {"kind": "school", "name": "Liuzhou College", "city": "Liuzhou"},
        {"kind": "enterprise", "name": "Pearl River", "city": "Dongguan"},
        {"kind": "enterprise", "name": "Other Works", "city": "Liuzhou"},
    ):
        catalog.create("organizations", parse_input("organizations", org))
    catalog.create(
        "courses",
        parse_input(
            "courses",
            {
                "school": "Liuzhou College",
                "code": "PLC-101",
                "title": "PLC Programming",
                "description": "Programmable logic controllers for production lines.",
                "skills": ["PLC programming"],
            },
        ),
    )
    ours = catalog.create(
        "demands",
        parse_input(
            "demands",
            {
                "enterprise": "Pearl River",
                "kind": "internship",
                "title": "自动化实习生 PLC",
                "description": "PLC work on our assembly lines.",
                "posted_at": "2026-11-01",
                "skills": ["PLC programming", "forklift driving licence"],
                "city": "Dongguan",
            },
        ),
    )
    theirs = catalog.create(
        "demands",
        parse_input(
            "demands",
            {
                "enterprise": "Other Works",
                "kind": "job",
                "title": "Welding Technician",
                "posted_at": "2026-10-01",
                "skills": ["robot welding"],
            },
        ),
    )
    found = catalog.create(
        "students",
        parse_input(
            "students",
            {
                "name": "Wei Lan",
                "school": "Liuzhou College",
                "skills": ["PLC programming"],
                "consent": True,
            },
        ),
    )
    private = catalog.create(
        "students",
        parse_input(
            "students",
            {"name": "Hidden Student", "school": "Liuzhou College", "skills": ["PLC programming"]},
        ),
    )
    accounts = services.accounts
    accounts.create("hr@example.org", "enterprise", organization="Pearl River", password=PASSWORD)
    accounts.create("boss@example.org", "enterprise", organization="Other Works", password=PASSWORD)
    accounts.create("dean@example.org", "school", organization="Liuzhou College", password=PASSWORD)
    accounts.create("student@example.org", "student", student_id=found["id"], password=PASSWORD)
    accounts.create("admin@example.org", "admin", password=PASSWORD)
    return {"ours": ours, "theirs": theirs, "student": found, "private": private}


@pytest.fixture
def world(services: Services) -> dict[str, Any]:
    return _world(services)


@pytest.fixture
def pages(services: Services) -> Iterator[Services]:
    """The same store over plain HTTP (the test client would not send Secure cookies back)."""
    plain_http = Services(services.settings.replace(secure_cookies=False), services.vectors)
    try:
        yield plain_http
    finally:
        plain_http.close()


def _csrf(client: FlaskClient, path: str) -> str:
    return csrf_token(client, path)


def _signed_in(pages: Services, email: str | None) -> FlaskClient:
    client = english(create_app(services=pages).test_client())
    return signed_in(client, email, PASSWORD) if email is not None else client


def _form(client: FlaskClient, path: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": _csrf(client, path), **fields}


def _valid(**changes: str) -> dict[str, str]:
    return {
        "title": "PLC 维护技术员",
        "kind": "job",
        "description": "Keep our PLC lines running.",
        "skills": "PLC programming, 传感器调试\nfault finding; PLC programming",
        "openings": "3",
        "city": "Dongguan",
        "posted_at": clock.today().isoformat(),
        "expires_at": "",
        **changes,
    }


def _demands_of(services: Services, enterprise_id: int) -> list[dict[str, Any]]:
    return services.catalog.list_page("demands", 1, 100, {"enterprise_id": enterprise_id}).items


def _error_of(body: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="f-{field}-error">([^<]*)</p>', body)
    assert found, body
    return found.group(1)


# -- seeing the pages ------------------------------------------------------------------------


def test_the_pages_render_for_the_enterprise_in_english_and_chinese(
    pages: Services, world: dict[str, Any]
) -> None:
    client = _signed_in(pages, "hr@example.org")
    demand_id = world["ours"]["id"]
    paths = [
        "/enterprise/demands",
        "/enterprise/demands/new",
        f"/enterprise/demands/{demand_id}",
        f"/enterprise/demands/{demand_id}/edit",
        "/enterprise/feeds",
    ]
    for headers, lang, day in ((EN, "en", "Nov 1, 2026"), (ZH, "zh-Hans", "2026年11月1日")):
        for path in paths:
            answer = client.get(path, headers=headers)
            body = answer.get_data(as_text=True)
            assert answer.status_code == 200, (path, body)
            assert f'<html lang="{lang}">' in body, path
            assert "<script>" not in body  # no inline script (CSP)
        listing = client.get("/enterprise/demands", headers=headers).get_data(as_text=True)
        assert "自动化实习生 PLC" in listing and day in listing  # Chinese data, dates per locale
        assert "Welding Technician" not in listing  # another enterprise's demand
        assert 'id="post-demand"' in listing
        assert f"/enterprise/demands/{demand_id}/edit" in listing


def test_a_title_only_demand_shows_its_matches_with_the_occupation_reading(
    pages: Services, world: dict[str, Any]
) -> None:
    """A posting that is only a title has no skill score (shown as a dash) and is matched by
    the occupation its title names (was a 500: the page formatted the missing skill score)."""
    pages.catalog.create(
        "programs", parse_input("programs", {"school": "Liuzhou College", "name": "Welder"})
    )
    demand = pages.catalog.create(
        "demands",
        parse_input(
            "demands",
            {
                "enterprise": "Pearl River",
                "kind": "job",
                "title": "Repair welder",
                "posted_at": "2026-11-02",
            },
        ),
    )
    client = _signed_in(pages, "hr@example.org")
    for headers, occupation, no_skills in (
        (EN, "Occupation (ESCO): welder ↔ welder", "skills –."),
        (ZH, "职业（ESCO）：welder ↔ welder", "技能 –。"),
    ):
        answer = client.get(f"/enterprise/demands/{demand['id']}?target=programs", headers=headers)
        body = answer.get_data(as_text=True)
        assert answer.status_code == 200, body
        assert occupation in body and no_skills in body


def test_a_valid_demand_is_posted_for_the_members_enterprise(
    services: Services, pages: Services, world: dict[str, Any]
) -> None:
    client = _signed_in(pages, "hr@example.org")
    ours = world["ours"]["enterprise_id"]
    before = len(_demands_of(services, ours))
    form = _form(client, "/enterprise/demands/new", **_valid())
    answer = client.post("/enterprise/demands/new", data=form)
    assert answer.status_code == 303
    created = [d for d in _demands_of(services, ours) if d["title"] == "PLC 维护技术员"]
    assert len(_demands_of(services, ours)) == before + 1 and len(created) == 1
    demand = created[0]
    assert answer.headers["Location"] == f"/enterprise/demands/{demand['id']}"
    assert demand["skills"] == ["PLC programming", "传感器调试", "fault finding"]
    assert (demand["openings"], demand["city"], demand["kind"]) == (3, "Dongguan", "job")
    assert demand["source"] == "manual" and demand["expires_at"] is None
    page = client.get(answer.headers["Location"], headers=EN).get_data(as_text=True)
    assert "posted. Its matches are below." in page  # the flash
    assert 'id="matches-courses"' in page and "PLC Programming" in page


@pytest.mark.parametrize("headers", [EN, ZH])
def test_an_invalid_demand_comes_back_with_its_errors_and_the_input_kept(
    services: Services, pages: Services, world: dict[str, Any], headers: dict[str, str]
) -> None:
    client = _signed_in(pages, "hr@example.org")
    ours = world["ours"]["enterprise_id"]
    before = _demands_of(services, ours)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    typed = _valid(title="   ", openings="0", posted_at=tomorrow, description="留着这段话")
    answer = client.post(
        "/enterprise/demands/new",
        data=_form(client, "/enterprise/demands/new", **typed),
        headers=headers,
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert _demands_of(services, ours) == before  # nothing created
    # each error beside its field, the values as typed
    if headers is EN:
        assert "blank" in _error_of(body, "title")
        assert "1" in _error_of(body, "openings")
        assert "future" in _error_of(body, "posted_at")
    else:  # the checks' messages in the page's language
        assert _error_of(body, "title") == "此项不能为空。"
        assert "1" in _error_of(body, "openings") and "least" not in _error_of(body, "openings")
        assert _error_of(body, "posted_at") and "future" not in _error_of(body, "posted_at")
    assert _error_of(body, "city") == ""
    assert 'id="f-openings" name="openings" type="number" value="0"' in body
    assert f'value="{tomorrow}"' in body
    assert "留着这段话</textarea>" in body
    assert "PLC programming, 传感器调试\nfault finding; PLC programming</textarea>" in body
    assert 'aria-invalid="true"' in body and 'href="#f-posted_at"' in body


def test_a_phrase_left_in_find_a_skill_joins_the_skills_and_nothing_is_saved(
    services: Services, pages: Services, world: dict[str, Any]
) -> None:
    client = _signed_in(pages, "hr@example.org")
    before = _demands_of(services, world["ours"]["enterprise_id"])
    typed = _valid(skills="PLC programming", q="robot welding")
    answer = client.post(
        "/enterprise/demands/new", data=_form(client, "/enterprise/demands/new", **typed)
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "PLC programming, robot welding</textarea>" in body
    assert _demands_of(services, world["ours"]["enterprise_id"]) == before


def test_the_own_demand_is_edited_and_closed(
    services: Services, pages: Services, world: dict[str, Any]
) -> None:
    client = _signed_in(pages, "hr@example.org")
    demand_id = world["ours"]["id"]
    path = f"/enterprise/demands/{demand_id}/edit"
    form = client.get(path).get_data(as_text=True)
    assert 'value="2026-11-01"' in form and 'value="自动化实习生 PLC"' in form
    changed = _valid(title="PLC intern", posted_at="2026-11-01", openings="5")
    answer = client.post(path, data=_form(client, path, **changed))
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/enterprise/demands/{demand_id}"
    stored = services.catalog.get("demands", demand_id)
    assert (stored["title"], stored["openings"]) == ("PLC intern", 5)
    assert stored["posted_at"] == "2026-11-01T00:00:00Z"

    refused = client.post(path, data=_form(client, path, **_valid(openings="100001")))
    assert refused.status_code == 422
    assert services.catalog.get("demands", demand_id)["openings"] == 5

    closing = f"/enterprise/demands/{demand_id}/close"
    token = _csrf(client, f"/enterprise/demands/{demand_id}")
    answer = client.post(closing, data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["Location"] == "/enterprise/demands"
    closed = services.catalog.get("demands", demand_id)
    assert closed["status"] == "expired" and closed["expires_at"] is not None
    listing = client.get("/enterprise/demands?show=inactive", headers=EN).get_data(as_text=True)
    assert "PLC intern" in listing and "closed today" in listing
    # saving the form again as shown keeps it closed (the stored instant, not the day's end)
    again = client.post(path, data=_form(client, path, **_form_values(client, path)))
    assert again.status_code == 303
    assert services.catalog.get("demands", demand_id)["status"] == "expired"


def _form_values(client: FlaskClient, path: str) -> dict[str, str]:
    body = client.get(path).get_data(as_text=True)
    values = dict(re.findall(r'<input id="f-(\w+)" name="\w+" type="\w+" value="([^"]*)"', body))
    for name in ("description", "skills"):
        found = re.search(rf'<textarea id="f-{name}"[^>]*>([^<]*)</textarea>', body)
        assert found
        values[name] = found.group(1)
    kind = re.search(r'<option value="(\w+)" selected>', body)
    assert kind
    values["kind"] = kind.group(1)
    return values


def test_another_enterprises_demand_is_refused_and_unchanged(
    services: Services, pages: Services, world: dict[str, Any]
) -> None:
    client = _signed_in(pages, "hr@example.org")
    theirs = world["theirs"]["id"]
    token = _csrf(client, "/enterprise/demands")
    for path in (f"/enterprise/demands/{theirs}/edit", f"/enterprise/demands/{theirs}"):
        answer = client.get(path)
        body = answer.get_data(as_text=True)
        assert answer.status_code == 403
        assert 'id="demand-form"' not in body and "Welding Technician" not in body
    edit = client.post(
        f"/enterprise/demands/{theirs}/edit", data={"csrf_token": token, **_valid(title="Mine")}
    )
    close = client.post(f"/enterprise/demands/{theirs}/close", data={"csrf_token": token})
    assert edit.status_code == close.status_code == 403
    assert services.catalog.get("demands", theirs) == world["theirs"]
    assert client.get("/enterprise/demands/999999/edit").status_code == 404
    assert client.get("/enterprise/demands/99999999999").status_code == 404
    # the enterprise asked for in the address is the member's own whatever it says
    other_id = world["theirs"]["enterprise_id"]
    listing = client.get(f"/enterprise/demands?enterprise_id={other_id}").get_data(as_text=True)
    assert "Welding Technician" not in listing and "自动化实习生 PLC" in listing


def test_the_matches_page_shows_covered_and_missing_skills_and_the_parts_of_the_score(
    pages: Services, world: dict[str, Any]
) -> None:
    client = _signed_in(pages, "hr@example.org")
    answer = client.get(f"/enterprise/demands/{world['ours']['id']}", headers=EN)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    for target in ("programs", "courses", "students"):
        assert f'id="matches-{target}"' in body
    courses = body[body.index('id="matches-courses"') : body.index('id="matches-students"')]
    assert "PLC Programming" in courses and "PLC-101" in courses
    covered = re.findall(r'<li class="chip covered">([^<]*)</li>', courses)
    missing = re.findall(r'<li class="chip missing">([^<]*)</li>', courses)
    assert any(re.fullmatch(r"PLC programming ← .+ \(\d+%\)", c) for c in covered), covered
    assert "forklift driving licence" in missing
    assert "Parts of the score: text similarity" in courses and "shared terms" in courses
    students = body[body.index('id="matches-students"') :]
    assert f'id="students-{world["student"]["id"]}"' in students
    assert f'id="students-{world["private"]["id"]}"' not in students  # no consent, not found
    assert "Hidden Student" not in body
    # filters narrow every section: no school in that city
    narrowed = client.get(f"/enterprise/demands/{world['ours']['id']}?city=Nowhere", headers=EN)
    assert narrowed.status_code == 200
    assert narrowed.get_data(as_text=True).count("Nothing matches yet.") == 3


def test_feeds_of_the_enterprise_with_their_last_refresh(
    services: Services, pages: Services, world: dict[str, Any]
) -> None:
    registry = FeedRegistry(services.db)
    ours = registry.add(
        parse_feed_input(
            {
                "url": "https://jobs.example.org/feed.json",
                "format": "json",
                "enterprise": "Pearl River",
            }
        )
    )
    registry.add(
        parse_feed_input(
            {
                "url": "https://other.example.org/jobs.csv",
                "format": "csv",
                "enterprise": "Other Works",
            }
        )
    )
    with services.db.session() as session:
        session.add(
            RefreshRun(
                status="partial",
                started_at=clock.now(),
                finished_at=clock.now(),
                counts={},
                errors=[],
                feeds=[
                    {
                        "feed_id": ours["id"],
                        "url": ours["url"],
                        "status": "partial",
                        "errors": ["record 2: field 'title': must not be blank"],
                        "counts": {
                            "fetched": 3,
                            "new": 2,
                            "updated": 0,
                            "unchanged": 0,
                            "expired": 0,
                            "failed": 1,
                        },  # fmt: skip
                    }
                ],
            )
        )
    client = _signed_in(pages, "hr@example.org")
    for headers in (EN, ZH):
        answer = client.get("/enterprise/feeds", headers=headers)
        assert answer.status_code == 200
    body = client.get("/enterprise/feeds", headers=EN).get_data(as_text=True)
    assert "https://jobs.example.org/feed.json" in body
    assert "other.example.org" not in body
    assert "2 new, 0 updated, 0 unchanged, 0 expired, 1 failed" in body
    assert "record 2: field &#39;title&#39;: must not be blank" in body
    admin = _signed_in(pages, "admin@example.org")
    everything = admin.get("/enterprise/feeds", headers=EN).get_data(as_text=True)
    assert "jobs.example.org" in everything and "other.example.org" in everything


# -- suggestions while typing ----------------------------------------------------------------


def test_skill_suggestions_come_from_demands_and_courses(
    pages: Services, world: dict[str, Any]
) -> None:
    client = _signed_in(pages, "hr@example.org")
    options = client.get("/enterprise/skills?q=plc").get_data(as_text=True)
    assert '<option value="PLC programming">' in options
    assert '<option value="robot welding">' in client.get("/enterprise/skills?q=weld").get_data(
        as_text=True
    )
    assert "<option" not in client.get("/enterprise/skills?q=").get_data(as_text=True)
    chosen = client.get("/enterprise/skills?q=plc&skills=PLC+programming").get_data(as_text=True)
    assert "PLC programming" not in chosen  # already in the list
    block = client.get("/enterprise/skills/add?skills=PLC+programming&q=robot+welding")
    text = block.get_data(as_text=True)
    assert block.status_code == 200 and 'id="skills-block"' in text
    assert "PLC programming, robot welding</textarea>" in text
    assert '<li class="chip">robot welding</li>' in text


def test_at_most_ten_suggestions_starting_ones_first(
    services: Services, pages: Services, world: dict[str, Any]
) -> None:
    phrases = [f"sensor calibration {i}" for i in range(12)] + ["PLC sensor wiring"]
    services.catalog.create(
        "demands",
        parse_input(
            "demands",
            {
                "enterprise": "Pearl River",
                "kind": "job",
                "title": "Sensor technician",
                "posted_at": "2026-11-01",
                "skills": phrases,
            },
        ),
    )
    client = _signed_in(pages, "hr@example.org")
    found = re.findall(r'<option value="([^"]+)">', client.get("/enterprise/skills?q=sensor").text)
    assert len(found) == 10 and all(p.startswith("sensor calibration") for p in found)
    found = re.findall(r'<option value="([^"]+)">', client.get("/enterprise/skills?q=wiring").text)
    assert found == ["PLC sensor wiring"]


# -- who may see them ------------------------------------------------------------------------


def test_anonymous_callers_are_sent_to_sign_in(pages: Services, world: dict[str, Any]) -> None:
    client = _signed_in(pages, None)
    for path in (
        "/enterprise/demands",
        "/enterprise/demands/new",
        f"/enterprise/demands/{world['ours']['id']}",
        "/enterprise/feeds",
        "/enterprise/skills?q=plc",
    ):
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/login?next=/enterprise/"), path
    posted = client.post("/enterprise/demands/new", data=_valid())
    # a form sent without being signed in: explained, what was typed kept, nothing saved
    assert posted.status_code == 400 and "Send the form again" in posted.get_data(as_text=True)


@pytest.mark.parametrize("email", ["student@example.org", "dean@example.org"])
def test_students_and_schools_get_403(pages: Services, world: dict[str, Any], email: str) -> None:
    client = _signed_in(pages, email)
    for path in (
        "/enterprise/demands",
        "/enterprise/demands/new",
        f"/enterprise/demands/{world['ours']['id']}",
        "/enterprise/feeds",
        "/enterprise/skills?q=plc",
    ):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "text/html" in answer.headers["Content-Type"]
    token = _csrf(client, "/account")
    posted = client.post("/enterprise/demands/new", data={"csrf_token": token, **_valid()})
    assert posted.status_code == 403


def test_a_form_without_its_csrf_token_is_refused(
    services: Services, pages: Services, world: dict[str, Any]
) -> None:
    client = _signed_in(pages, "hr@example.org")
    before = _demands_of(services, world["ours"]["enterprise_id"])
    answer = client.post("/enterprise/demands/new", data=_valid())
    assert answer.status_code == 400
    assert _demands_of(services, world["ours"]["enterprise_id"]) == before


def test_admins_choose_an_enterprise_and_post_for_it(
    services: Services, pages: Services, world: dict[str, Any]
) -> None:
    admin = _signed_in(pages, "admin@example.org")
    chooser = admin.get("/enterprise/demands", headers=EN).get_data(as_text=True)
    assert "Choose an enterprise" in chooser and "Other Works" in chooser
    other = world["theirs"]["enterprise_id"]
    listing = admin.get(f"/enterprise/demands?enterprise_id={other}").get_data(as_text=True)
    assert "Welding Technician" in listing and "自动化实习生 PLC" not in listing
    assert f"/enterprise/demands/new?enterprise_id={other}" in listing
    path = f"/enterprise/demands/new?enterprise_id={other}"
    answer = admin.post(path, data=_form(admin, path, **_valid(title="Welder trainee")))
    assert answer.status_code == 303
    assert [d["title"] for d in _demands_of(services, other)] == [
        "Welding Technician",
        "Welder trainee",
    ]
    assert admin.get(f"/enterprise/demands/{world['ours']['id']}/edit").status_code == 200
    assert admin.get("/enterprise/demands?enterprise_id=999999").status_code == 404
