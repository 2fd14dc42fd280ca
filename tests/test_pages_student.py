"""Student pages: the profile with consent in plain words and its ledger, a student account
without a record making one, and the internship and job search with explained results."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext

from api.app import create_app
from api.wiring import Services
from matcher.catalog import parse_input
from tests.clients import csrf_token, english, signed_in

PASSWORD = "correct horse battery"
LANGUAGES = {"en": "en", "zh-CN": "zh-Hans"}


def _create(services: Services, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return services.catalog.create(kind, parse_input(kind, data))


@pytest.fixture
def world(services: Services) -> dict[str, Any]:
    """A school teaching PLC and robot upkeep (one course in Chinese), another school, an
    enterprise with an internship and a job, and accounts: a student with a record, a student
    without one, an enterprise member, an admin."""
    for org in (
        {"kind": "school", "name": "Liuzhou College", "city": "Liuzhou"},
        {"kind": "school", "name": "Dongguan Polytechnic", "city": "Dongguan"},
        {"kind": "enterprise", "name": "Longcheng Auto", "city": "Liuzhou", "industry": "auto"},
    ):
        _create(services, "organizations", org)
    plc = _create(
        services,
        "courses",
        {
            "school": "Liuzhou College",
            "code": "LC-101",
            "title": "PLC Programming",
            "skills": ["PLC programming", "ladder logic"],
        },
    )
    robots = _create(
        services,
        "courses",
        {
            "school": "Liuzhou College",
            "code": "LC-102",
            "title": "工业机器人运维",
            "skills": ["工业机器人故障排除", "robot troubleshooting"],
        },
    )
    other = _create(
        services,
        "courses",
        {
            "school": "Dongguan Polytechnic",
            "code": "DP-201",
            "title": "SMT Processes",
            "skills": ["reflow soldering"],
        },
    )
    program = _create(
        services,
        "programs",
        {"school": "Liuzhou College", "name": "Industrial Automation", "course_ids": [plc["id"]]},
    )
    for demand in (
        {
            "kind": "internship",
            "title": "Automation intern",
            "skills": ["PLC programming", "robot troubleshooting"],
        },
        {"kind": "job", "title": "工业机器人运维工程师", "skills": ["工业机器人故障排除"]},
    ):
        _create(
            services,
            "demands",
            {
                **demand,
                "enterprise": "Longcheng Auto",
                "city": "Liuzhou",
                "posted_at": "2026-11-01",
            },
        )
    student = _create(
        services,
        "students",
        {
            "name": "Wei Lan",
            "school": "Liuzhou College",
            "course_ids": [plc["id"]],
            "skills": ["PLC programming"],
            "city": "Liuzhou",
        },
    )
    accounts = services.accounts
    accounts.create("student@example.org", "student", student_id=student["id"], password=PASSWORD)
    accounts.create("new@example.org", "student", password=PASSWORD)
    accounts.create(
        "hr@example.org", "enterprise", organization="Longcheng Auto", password=PASSWORD
    )
    accounts.create("admin@example.org", "admin", password=PASSWORD)
    return {
        "student": student,
        "program": program,
        "courses": {"plc": plc, "robots": robots, "other": other},
    }


@pytest.fixture
def pages(services: Services) -> Iterator[Services]:
    # the test client talks plain HTTP: Secure cookies would not come back
    plain = Services(services.settings.replace(secure_cookies=False), services.vectors)
    yield plain
    plain.close()


@pytest.fixture
def app(pages: Services) -> Flask:
    return create_app(services=pages)


def _csrf(client: FlaskClient, path: str) -> str:
    return csrf_token(client, path)


def _signed_in(app: Flask, email: str) -> FlaskClient:
    return signed_in(english(app.test_client()), email, PASSWORD)


def _text(client: FlaskClient, path: str, language: str = "en", status: int = 200) -> str:
    answer = client.get(path, headers={"Accept-Language": language})
    assert answer.status_code == status, answer.get_data(as_text=True)[:2000]
    return answer.get_data(as_text=True)


def _translated(app: Flask, language: str, source: str) -> str:
    """``source`` as the page shows it in ``language`` (itself until it is translated)."""
    with app.test_request_context("/", headers={"Accept-Language": language}):
        return gettext(source)


def _profile_form(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    """The profile form as the page fills it, with ``changes``."""
    page = client.get("/student/profile").get_data(as_text=True)
    form: dict[str, Any] = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
        "name": unescape(re.search(r'id="f-name"[^>]*value="([^"]*)"', page).group(1)),  # type: ignore[union-attr]
        "program_id": (re.findall(r'<option value="(\d+)" selected', page) or [""])[0],
        "course_ids": re.findall(r'name="course_ids" value="(\d+)" checked', page),
        "skills": unescape(re.search(r'id="f-skills"[^>]*>([^<]*)</textarea>', page).group(1)),  # type: ignore[union-attr]
        "interests": "",
        "city": unescape(re.search(r'id="f-city"[^>]*value="([^"]*)"', page).group(1)),  # type: ignore[union-attr]
        "contact": "",
    }
    if 'id="f-consent" name="consent" value="yes" checked' in page:
        form["consent"] = "yes"
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _ledger_rows(page: str) -> list[str]:
    table = page.split('id="ledger"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr class="(given|withdrawn)">', table)


# -- profile ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_profile_and_search_render_in_both_languages(
    app: Flask, world: dict[str, Any], language: str
) -> None:
    client = _signed_in(app, "student@example.org")
    profile = _text(client, "/student/profile", language)
    assert f'<html lang="{LANGUAGES[language]}">' in profile
    assert _translated(app, language, "Save my profile") in profile
    consent = "Let enterprises find me: they see my skills, courses, program and city"
    assert _translated(app, language, consent) in profile
    search = _text(client, "/student/search", language)
    assert f'<html lang="{LANGUAGES[language]}">' in search
    assert _translated(app, language, "Internships and jobs") in search


def test_a_student_edits_the_profile_and_the_ledger_shows_each_consent(
    app: Flask, pages: Services, world: dict[str, Any]
) -> None:
    client = _signed_in(app, "student@example.org")
    student_id = world["student"]["id"]
    page = _text(client, "/student/profile")
    assert "Wei Lan" in page and "PLC Programming" in page and "Industrial Automation" in page
    assert _ledger_rows(page) == []  # never consented

    robots = str(world["courses"]["robots"]["id"])
    form = _profile_form(
        client,
        skills="PLC programming\n工业机器人故障排除，ladder logic",
        program_id=str(world["program"]["id"]),
        course_ids=[str(world["courses"]["plc"]["id"]), robots],
        consent="yes",
        share_contact="yes",
        contact="wei.lan@example.org",
    )
    saved = client.post("/student/profile", data=form)
    assert saved.status_code == 303 and saved.headers["Location"] == "/student/profile"
    record = pages.catalog.get("students", student_id)
    assert record["skills"] == ["PLC programming", "工业机器人故障排除", "ladder logic"]
    assert record["program_id"] == world["program"]["id"]
    assert robots in map(str, record["course_ids"])
    assert record["consent"] and record["share_contact"]
    assert record["contact"] == "wei.lan@example.org"
    page = _text(client, "/student/profile")
    assert "Your profile is saved." in page
    assert "工业机器人故障排除" in page  # the Chinese skill shown back as typed
    assert _ledger_rows(page) == ["given", "given"]
    assert "still given" in page and "Enterprises may find me" in page

    # consent off: the ledger closes both choices' rows, newest first
    off = _profile_form(client, consent=None, share_contact=None)
    assert client.post("/student/profile", data=off).status_code == 303
    assert not pages.catalog.get("students", student_id)["consent"]
    page = _text(client, "/student/profile")
    assert _ledger_rows(page) == ["withdrawn", "withdrawn"]
    assert 'id="f-consent" name="consent" value="yes" checked' not in page

    # and on again: a new row, given; the old ones stay withdrawn
    on = _profile_form(client, consent="yes")
    assert client.post("/student/profile", data=on).status_code == 303
    page = _text(client, "/student/profile")
    assert _ledger_rows(page) == ["given", "withdrawn", "withdrawn"]
    assert [r["purpose"] for r in pages.privacy.consents(student_id)] == [
        "found_by_enterprises",
        "share_contact",
        "found_by_enterprises",
    ]


def test_refused_changes_are_shown_beside_their_field_with_the_input_kept(
    app: Flask, pages: Services, world: dict[str, Any]
) -> None:
    client = _signed_in(app, "student@example.org")
    student_id = world["student"]["id"]
    before = pages.catalog.get("students", student_id)

    # a course of another school: refused, nothing saved, what was typed still there
    other = str(world["courses"]["other"]["id"])
    form = _profile_form(client, course_ids=[other], skills="机器人示教编程", city="Dongguan")
    answer = client.post("/student/profile", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404, page[:500]  # no such course at the student's school
    assert 'role="alert"' in page and "Nothing was saved" in page
    error = re.search(r'<p class="error" id="f-course_ids-error">([^<]*)</p>', page)
    assert error and "Not one of your school" in error.group(1)
    assert "机器人示教编程</textarea>" in page and 'value="Dongguan"' in page
    assert f'value="{other}"' not in page or "checked" not in page.split(f'value="{other}"')[1][:10]
    assert pages.catalog.get("students", student_id) == before

    # a skill too long for a phrase: the message is beside the skills field
    form = _profile_form(client, skills="x" * 500, consent="yes")
    answer = client.post("/student/profile", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    error = re.search(r'<p class="error" id="f-skills-error">([^<]*)</p>', page)
    assert error and error.group(1).strip()
    assert 'id="f-consent" name="consent" value="yes" checked' in page  # the choice kept
    assert "x" * 500 in page
    assert pages.catalog.get("students", student_id) == before
    assert pages.privacy.consents(student_id) == []  # no consent recorded half-way

    # a program that is not a number
    form = _profile_form(client, program_id="abc")
    answer = client.post("/student/profile", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    error = re.search(r'<p class="error" id="f-program_id-error">([^<]*)</p>', page)
    assert error and error.group(1).strip()

    # a form without its CSRF token is refused, nothing saved
    form = _profile_form(client, skills="welding")
    del form["csrf_token"]
    assert client.post("/student/profile", data=form).status_code == 400
    assert pages.catalog.get("students", student_id) == before


def test_a_student_account_without_a_record_makes_one(
    app: Flask, pages: Services, world: dict[str, Any]
) -> None:
    client = _signed_in(app, "new@example.org")
    page = _text(client, "/student/profile")
    assert 'id="f-school_id"' in page and "Liuzhou College" in page
    assert 'id="profile-form"' not in page
    token = _csrf(client, "/student/profile")

    missing = client.post(
        "/student/profile", data={"csrf_token": token, "name": "Li Ming", "skills": "CAD"}
    )
    page = missing.get_data(as_text=True)
    assert missing.status_code == 422
    assert re.search(r'id="f-school_id-error">[^<]+</p>', page) and 'value="Li Ming"' in page
    assert pages.accounts.by_email("new@example.org")["student_id"] is None

    gone = client.post(
        "/student/profile", data={"csrf_token": token, "school_id": "99999", "name": "Li Ming"}
    )
    assert gone.status_code == 404
    assert re.search(r'id="f-school_id-error">[^<]*99999[^<]*</p>', gone.get_data(as_text=True))
    assert pages.accounts.by_email("new@example.org")["student_id"] is None

    school = next(
        o["id"]
        for o in pages.catalog.list_page("organizations", 1, 10, {"kind": "school"}).items
        if o["name"] == "Liuzhou College"
    )
    made = client.post(
        "/student/profile",
        data={"csrf_token": token, "school_id": str(school), "name": "Li Ming", "skills": "CAD"},
    )
    assert made.status_code == 303
    student_id = pages.accounts.by_email("new@example.org")["student_id"]
    record = pages.catalog.get("students", student_id)
    assert record["school_id"] == school and record["skills"] == ["CAD"]
    assert not record["consent"]  # consent is a choice made on the profile, not by default
    page = _text(client, "/student/profile")
    assert 'id="profile-form"' in page and "PLC Programming" in page  # the school's courses


# -- search ----------------------------------------------------------------------------------


def _results(page: str) -> list[str]:
    return re.findall(r'<article class="result" id="result-(\w+-\d+)"', page)


def test_the_search_explains_results_and_names_courses_to_take(
    app: Flask, world: dict[str, Any]
) -> None:
    client = _signed_in(app, "student@example.org")
    # no text: the profile (PLC programming) against internships and jobs
    page = _text(client, "/student/search")
    found = _results(page)
    assert found and found[0].startswith("internship-")
    first = page.split('<article class="result"')[1]
    assert "Automation intern" in first
    assert '<li class="chip covered">PLC programming' in first
    assert '<li class="chip missing">robot troubleshooting</li>' in first
    assert "Courses that teach what is missing:" in first
    assert "工业机器人运维" in first and "Liuzhou College" in first  # the course, its school
    assert 'name="kind" value="internship" checked' in page

    # free text in Chinese, only jobs: the query stays in the URL and in the form
    path = "/student/search?q=工业机器人故障排除&kind=job&city=Liuzhou"
    page = _text(client, path)
    assert [r.split("-")[0] for r in _results(page)] == ["job"]
    assert "工业机器人运维工程师" in page and 'value="工业机器人故障排除"' in page
    assert 'name="kind" value="job" checked' in page
    assert 'name="kind" value="internship" checked' not in page
    assert '<option value="Liuzhou" selected>' in page
    assert 'method="get"' in page.split('id="student-search"')[0][-200:]

    # free text gets courses for what is missing too
    page = _text(client, "/student/search?q=ladder logic&kind=internship")
    first = page.split('<article class="result"')[1]
    assert "Automation intern" in first and "Courses that teach what is missing:" in first

    # text with nothing to match: said beside the form, in the page's language
    page = _text(client, "/student/search?q=!!!", status=422)
    assert 'role="alert"' in page and "at least one letter" in page

    # a city with no postings: nothing, said plainly
    page = _text(client, "/student/search?q=PLC&city=Shenzhen")
    assert _results(page) == [] and "Nothing matches" in page
    query = parse_qs(urlsplit("/student/search?q=PLC&city=Shenzhen").query)
    assert query["city"] == ["Shenzhen"]


# -- who may see these pages -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/student/profile", "/student/search?q=PLC"])
def test_anonymous_callers_are_sent_to_sign_in(
    app: Flask, world: dict[str, Any], path: str
) -> None:
    answer = app.test_client().get(path)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert location.path == "/login" and parse_qs(location.query)["next"] == [path]


@pytest.mark.parametrize("path", ["/student/profile", "/student/search"])
def test_an_enterprise_member_is_refused(app: Flask, world: dict[str, Any], path: str) -> None:
    client = _signed_in(app, "hr@example.org")
    assert client.get(path).status_code == 403
    token = _csrf(client, "/account")
    assert client.post(path, data={"csrf_token": token, "skills": "x"}).status_code in (403, 405)


def test_an_admin_looks_at_one_student_by_id(app: Flask, world: dict[str, Any]) -> None:
    client = _signed_in(app, "admin@example.org")
    assert 'id="choose-student"' in _text(client, "/student/profile")
    student_id = world["student"]["id"]
    page = _text(client, f"/student/profile?student={student_id}")
    assert "Wei Lan" in page and f'action="/student/profile?student={student_id}"' in page
    page = _text(client, f"/student/search?student={student_id}")
    assert _results(page) and f'name="student" value="{student_id}"' in page
