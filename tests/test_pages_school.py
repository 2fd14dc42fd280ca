"""School pages (issue 15): programs and courses, forms, CSV import with a preview, the gap
report and its drill-down, the demands a program serves; who may open them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from api.pages.school import gap_key
from api.wiring import Services
from matcher.catalog import parse_input
from tests.clients import csrf_token, english, signed_in

PASSWORD = "correct horse battery"
DEMO_PASSWORD = "talentmatch-demo"
DEMO_SCHOOL = "Liuzhou Vocational & Technical College"


# -- a small world on the empty store of each test -------------------------------------------


def _create(services: Services, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return services.catalog.create(kind, parse_input(kind, data))


@pytest.fixture
def world(services: Services) -> dict[str, Any]:
    """Two schools with a course each, a program at the first, an enterprise asking for 5G
    skills; a member of each organization and an admin."""
    for org in (
        {"kind": "school", "name": "Liuzhou College", "city": "Liuzhou"},
        {"kind": "school", "name": "Other College", "city": "Dongguan"},
        {"kind": "enterprise", "name": "Pearl River", "city": "Dongguan"},
    ):
        _create(services, "organizations", org)
    course = _create(
        services,
        "courses",
        {
            "school": "Liuzhou College",
            "code": "LZ-001",
            "title": "Mobile Communication Networks",
            "skills": ["LTE network basics", "antenna installation"],
            "last_revised": "2026-03-01",
        },
    )
    other_course = _create(
        services,
        "courses",
        {
            "school": "Other College",
            "code": "OC-001",
            "title": "Secret Other Course",
            "skills": ["welding"],
        },
    )
    program = _create(
        services,
        "programs",
        {
            "school": "Liuzhou College",
            "name": "Telecom Technology",
            "level": "associate",
            "annual_graduates": 40,
            "courses": ["LZ-001"],
        },
    )
    other_program = _create(
        services, "programs", {"school": "Other College", "name": "Secret Other Program"}
    )
    demand = _create(
        services,
        "demands",
        {
            "enterprise": "Pearl River",
            "kind": "job",
            "title": "5G Site Technician",
            "posted_at": "2026-06-01",
            "skills": ["5G base station maintenance", "antenna installation"],
            "openings": 4,
        },
    )
    accounts = services.accounts
    accounts.create("dean@example.org", "school", organization="Liuzhou College", password=PASSWORD)
    accounts.create("hr@example.org", "enterprise", organization="Pearl River", password=PASSWORD)
    accounts.create("admin@example.org", "admin", password=PASSWORD)
    school_id = course["school_id"]
    return {
        "school_id": school_id,
        "other_school_id": other_course["school_id"],
        "course": course,
        "other_course": other_course,
        "program": program,
        "other_program": other_program,
        "demand": demand,
    }


@pytest.fixture
def pages(services: Services) -> Iterator[Services]:
    # The test client talks plain HTTP: Secure cookies would not come back.
    plain_http = Services(services.settings.replace(secure_cookies=False), services.vectors)
    yield plain_http
    plain_http.close()


def _csrf(client: FlaskClient, path: str) -> str:
    return csrf_token(client, path)


def _signed_in(pages: Services, email: str, password: str = PASSWORD) -> FlaskClient:
    return signed_in(english(create_app(services=pages).test_client()), email, password)


def _text(answer: Any) -> str:
    return answer.get_data(as_text=True)


def _course_codes(services: Services, school_id: int) -> list[str]:
    found = services.catalog.list_page("courses", 1, 1000, {"school_id": school_id}).items
    return sorted(c["code"] for c in found)


def _paths(world: dict[str, Any]) -> list[str]:
    course, program = world["course"]["id"], world["program"]["id"]
    return [
        "/school/catalog",
        "/school/courses/new",
        f"/school/courses/{course}/edit",
        "/school/programs/new",
        f"/school/programs/{program}/edit",
        f"/school/programs/{program}/demands",
        "/school/import",
        "/school/gaps",
        f"/school/gaps/{gap_key('5G base station maintenance')}",
    ]


# -- rendering and access --------------------------------------------------------------------


def test_every_school_page_renders_in_english_and_chinese(
    world: dict[str, Any], pages: Services
) -> None:
    dean = _signed_in(pages, "dean@example.org")
    for path in _paths(world):
        for language, lang in (("en", 'lang="en"'), ("zh-CN", 'lang="zh-Hans"')):
            answer = dean.get(path, headers={"Accept-Language": language})
            assert answer.status_code == 200, (path, language, _text(answer)[:500])
            assert lang in _text(answer)[:200], (path, language)
    catalog = _text(dean.get("/school/catalog", headers={"Accept-Language": "en"}))
    assert "Mobile Communication Networks" in catalog and "Telecom Technology" in catalog
    assert "Secret Other" not in catalog  # another school's records are not listed
    assert "Mar 1, 2026" in catalog  # last revised, as a date of the page's language
    chinese = _text(dean.get("/school/catalog", headers={"Accept-Language": "zh-CN"}))
    assert "2026年3月1日" in chinese


def test_anonymous_callers_are_sent_to_sign_in(world: dict[str, Any], pages: Services) -> None:
    anonymous = create_app(services=pages).test_client()
    for path in _paths(world):
        answer = anonymous.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/login?next=/school/"), path
    refused = anonymous.post("/school/courses/new", data={"code": "X", "title": "Y"})
    assert refused.status_code in (302, 400)  # no form is taken without a session


def test_an_enterprise_member_is_refused(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    hr = _signed_in(pages, "hr@example.org")
    for path in _paths(world):
        assert hr.get(path).status_code == 403, path
    form = {"code": "HR-1", "title": "Not ours", "skills": "x", "csrf_token": _csrf(hr, "/account")}
    assert hr.post("/school/courses/new", data=form).status_code == 403
    assert "HR-1" not in _course_codes(services, world["school_id"])


def test_another_schools_course_or_program_is_refused_never_its_form(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    dean = _signed_in(pages, "dean@example.org")
    other_course, other_program = world["other_course"]["id"], world["other_program"]["id"]
    for path in (
        f"/school/courses/{other_course}/edit",
        f"/school/programs/{other_program}/edit",
        f"/school/programs/{other_program}/demands",
    ):
        answer = dean.get(path)
        assert answer.status_code == 403, path
        assert "Secret Other" not in _text(answer)
    token = _csrf(dean, "/school/catalog")
    form = {"code": "OC-001", "title": "Taken over", "skills": "x", "csrf_token": token}
    assert dean.post(f"/school/courses/{other_course}/edit", data=form).status_code == 403
    assert services.catalog.get("courses", other_course)["title"] == "Secret Other Course"
    assert dean.get("/school/courses/999999/edit").status_code == 404
    # a member does not choose another school by address
    query = f"?school_id={world['other_school_id']}"
    assert dean.get(f"/school/catalog{query}").status_code == 403


def test_an_admin_chooses_a_school(world: dict[str, Any], pages: Services) -> None:
    admin = _signed_in(pages, "admin@example.org")
    chooser = _text(admin.get("/school/catalog"))
    assert f"/school/catalog?school_id={world['school_id']}" in chooser
    assert "Other College" in chooser
    page = _text(admin.get(f"/school/catalog?school_id={world['other_school_id']}"))
    assert "Secret Other Course" in page
    assert f"/school/courses/new?school_id={world['other_school_id']}" in page
    assert admin.get("/school/catalog?school_id=999999").status_code == 404


# -- course and program forms ----------------------------------------------------------------


def test_adding_a_course_makes_it_the_members_schools(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    dean = _signed_in(pages, "dean@example.org")
    form = {
        "code": "LZ-002",
        "title": "5G Base Station Maintenance",
        "description": "",
        "skills": "5G base station maintenance, AAU/BBU installation\n5G基站维护、基站安装调测",
        "outcomes": "Replace a faulty AAU, safely\nRead NR alarms",
        "hours": "64",
        "last_revised": "2026-09-01",
        "csrf_token": _csrf(dean, "/school/courses/new"),
    }
    answer = dean.post("/school/courses/new", data=form)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/school/catalog"
    stored = [
        c
        for c in services.catalog.list_page("courses", 1, 100, {"code": "LZ-002"}).items
        if c["code"] == "LZ-002"
    ]
    assert len(stored) == 1
    course = stored[0]
    assert course["school_id"] == world["school_id"]
    assert course["skills"] == [
        "5G base station maintenance",
        "AAU/BBU installation",
        "5G基站维护",
        "基站安装调测",
    ]
    assert course["outcomes"] == ["Replace a faulty AAU, safely", "Read NR alarms"]
    assert (course["hours"], course["last_revised"]) == (64, "2026-09-01")
    catalog = _text(dean.get("/school/catalog", headers={"Accept-Language": "en"}))
    assert "Course LZ-002 added." in catalog and "5G Base Station Maintenance" in catalog


def test_an_invalid_course_form_keeps_the_input_and_saves_nothing(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    dean = _signed_in(pages, "dean@example.org")
    before = _course_codes(services, world["school_id"])
    form = {
        "code": "  ",
        "title": "Keep what I typed",
        "description": "Fibre splicing & OTDR <basics>",
        "skills": "fiber fusion splicing",
        "outcomes": "",
        "hours": "lots",
        "last_revised": "",
        "csrf_token": _csrf(dean, "/school/courses/new"),
    }
    answer = dean.post("/school/courses/new", data=form, headers={"Accept-Language": "en"})
    assert answer.status_code == 422
    page = _text(answer)
    assert 'value="Keep what I typed"' in page
    assert "Fibre splicing &amp; OTDR &lt;basics&gt;</textarea>" in page
    assert "fiber fusion splicing</textarea>" in page
    code_error = re.search(r'<p class="error" id="f-code-error">([^<]*)</p>', page)
    assert code_error and "must not be blank" in code_error.group(1)
    hours_error = re.search(r'<p class="error" id="f-hours-error">([^<]*)</p>', page)
    assert hours_error and "whole number" in hours_error.group(1)
    assert 'id="f-code" name="code"' in page and 'aria-invalid="true"' in page
    assert _course_codes(services, world["school_id"]) == before

    # a code the school has already: the error is beside the code, nothing saved
    form.update(code="lz-001", hours="10")
    taken = dean.post("/school/courses/new", data=form, headers={"Accept-Language": "en"})
    assert taken.status_code == 409
    code_error = re.search(r'<p class="error" id="f-code-error">([^<]*)</p>', _text(taken))
    assert code_error and "taken already" in code_error.group(1)
    assert _course_codes(services, world["school_id"]) == before


def test_editing_a_course_changes_it(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    dean = _signed_in(pages, "dean@example.org")
    course_id = world["course"]["id"]
    path = f"/school/courses/{course_id}/edit"
    page = _text(dean.get(path))
    assert 'value="LZ-001"' in page and "LTE network basics\nantenna installation" in page
    form = {
        "code": "LZ-001",
        "title": "Mobile and 5G Networks",
        "description": "",
        "skills": "LTE network basics\n5G base station maintenance",
        "outcomes": "",
        "hours": "",
        "last_revised": "2026-10-01",
        "csrf_token": _csrf(dean, path),
    }
    assert dean.post(path, data=form).status_code == 303
    changed = services.catalog.get("courses", course_id)
    assert changed["title"] == "Mobile and 5G Networks"
    assert changed["skills"] == ["LTE network basics", "5G base station maintenance"]
    assert (changed["last_revised"], changed["school_id"]) == ("2026-10-01", world["school_id"])

    form.update(skills="", title="")  # no title, nothing it teaches: refused whole
    refused = dean.post(path, data=form, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert services.catalog.get("courses", course_id)["title"] == "Mobile and 5G Networks"


def test_programs_are_added_with_their_courses_and_show_the_demands_they_serve(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    dean = _signed_in(pages, "dean@example.org")
    page = _text(dean.get("/school/programs/new"))
    assert 'value="LZ-001"' in page and "OC-001" not in page  # this school's courses only
    form = {
        "name": "5G Network Operation",
        "description": "",
        "level": "associate",
        "annual_graduates": "30",
        "courses": ["LZ-001"],
        "csrf_token": _csrf(dean, "/school/programs/new"),
    }
    assert dean.post("/school/programs/new", data=form).status_code == 303
    programs = services.catalog.list_page("programs", 1, 100, {"school_id": world["school_id"]})
    made = [p for p in programs.items if p["name"] == "5G Network Operation"]
    assert len(made) == 1 and made[0]["course_ids"] == [world["course"]["id"]]

    bad = {**form, "name": "Other", "annual_graduates": "-3", "courses": ["OC-001"]}
    refused = dean.post("/school/programs/new", data=bad, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert re.search(r'id="f-annual_graduates-error">[^<]+<', _text(refused))
    assert 'value="-3"' in _text(refused)

    served = dean.get(
        f"/school/programs/{world['program']['id']}/demands", headers={"Accept-Language": "en"}
    )
    assert served.status_code == 200 and "5G Site Technician" in _text(served)


# -- CSV import ------------------------------------------------------------------------------

COURSES_CSV = """code,title,skills,hours,school
LZ-101,5G Base Station Maintenance,5G base station maintenance;AAU/BBU installation,64,
LZ-102,,OTDR testing,32,
LZ-103,Fibre Splicing,fiber fusion splicing,20,Other College
lz-001,Duplicate of an existing code,x,10,
LZ-104,光纤熔接,光纤熔接;OTDR测试,16,Liuzhou College
LZ-101,Twice in the file,y,8,
"""


def _upload(client: FlaskClient, text: str, kind: str = "courses") -> Any:
    form = {
        "csrf_token": _csrf(client, "/school/import"),
        "step": "preview",
        "kind": kind,
        "file": (io.BytesIO(text.encode("utf-8")), f"{kind}.csv"),
    }
    return client.post(
        "/school/import",
        data=form,
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )


def _rows(page: str, table: str) -> list[str]:
    body = re.search(rf'<table id="{table}".*?<tbody>(.*?)</tbody>', page, re.DOTALL)
    assert body, table
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.DOTALL)


def test_the_import_preview_lists_valid_and_invalid_rows_and_saves_nothing(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    dean = _signed_in(pages, "dean@example.org")
    before = _course_codes(services, world["school_id"])
    preview = _upload(dean, COURSES_CSV)
    assert preview.status_code == 200
    page = _text(preview)
    valid = _rows(page, "import-valid")
    assert [re.findall(r"LZ-\d+", r)[0] for r in valid] == ["LZ-101", "LZ-104"]
    line = re.compile(r'<th scope="row" class="num">(\d+)</th>')
    invalid = {int(line.findall(r)[0]): r for r in _rows(page, "import-invalid")}
    assert sorted(invalid) == [3, 4, 5, 7]  # the lines of the file (line 1 is the header)
    assert "title" in invalid[3]
    assert "another school" in invalid[4]
    assert "already exists" in invalid[5]
    assert "Line 2 has the same code" in invalid[7]
    assert "2 rows would be created." in page and "4 rows are invalid" in page
    assert _course_codes(services, world["school_id"]) == before  # nothing saved

    data = re.search(r'name="data" value="([^"]+)"', page)
    assert data
    confirm = {
        "csrf_token": _csrf(dean, "/school/import"),
        "step": "confirm",
        "kind": "courses",
        "file_name": "courses.csv",
        "data": data.group(1),
    }
    done = dean.post("/school/import", data=confirm, content_type="multipart/form-data")
    assert done.status_code == 303 and done.headers["Location"] == "/school/catalog"
    after = _course_codes(services, world["school_id"])
    assert after == sorted([*before, "LZ-101", "LZ-104"])
    assert _course_codes(services, world["other_school_id"]) == ["OC-001"]
    assert "Imported 2 courses." in _text(
        dean.get("/school/catalog", headers={"Accept-Language": "en"})
    )

    again = dean.post(
        "/school/import",
        data={**confirm, "csrf_token": _csrf(dean, "/school/import")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    assert again.status_code == 422  # both exist now: every row invalid, nothing imported
    assert "No row is valid: nothing was imported." in _text(again)
    assert _course_codes(services, world["school_id"]) == after


def test_a_program_import_checks_its_course_codes(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    dean = _signed_in(pages, "dean@example.org")
    text = "name,level,courses\nSmart Telecom,associate,LZ-001\nBroken,associate,LZ-001;NOPE-9\n"
    page = _text(_upload(dean, text, "programs"))
    assert len(_rows(page, "import-valid")) == 1
    (invalid,) = _rows(page, "import-invalid")
    assert "No course NOPE-9" in invalid
    listed = services.catalog.list_page("programs", 1, 100, {"school_id": world["school_id"]})
    assert "Smart Telecom" not in [p["name"] for p in listed.items]


def test_a_file_that_cannot_be_read_is_refused_whole(
    world: dict[str, Any], pages: Services
) -> None:
    dean = _signed_in(pages, "dean@example.org")
    wrong = _upload(dean, "code,title,colour\nA,B,red\n")
    assert wrong.status_code == 422 and "unknown column &#39;colour&#39;" in _text(wrong)
    assert 'id="import-confirm"' not in _text(wrong)
    large = _upload(dean, "code,title,skills\n" + "A,B,c\n" * 60_000)
    assert large.status_code == 422 and "kB" in _text(large)
    empty = _upload(dean, "code,title\n")
    assert empty.status_code == 422
    pasted = dean.post(
        "/school/import",
        data={
            "csrf_token": _csrf(dean, "/school/import"),
            "kind": "programs",
            "text": "nom,niveau\nA,B\n",
        },
    )
    assert pasted.status_code == 422
    assert "nom,niveau\nA,B\n</textarea>" in _text(pasted)  # what was pasted is kept
    assert 'value="programs" checked' in _text(pasted)


# -- the demo: the gap report and its drill-down ---------------------------------------------


@pytest.fixture(scope="module")
def demo_pages(demo: Services) -> Iterator[Services]:
    plain_http = Services(demo.settings.replace(secure_cookies=False), demo.vectors)
    yield plain_http
    plain_http.close()


def test_the_demo_school_sees_5g_base_station_maintenance_in_red_and_drills_in(
    demo: Services, demo_pages: Services
) -> None:
    school = _signed_in(demo_pages, "school@demo.talentmatch.org", DEMO_PASSWORD)
    answer = school.get("/school/gaps", headers={"Accept-Language": "en"})
    assert answer.status_code == 200
    page = _text(answer)
    assert DEMO_SCHOOL.replace("&", "&amp;") in page
    row = re.search(
        r'<tr id="gap-[^"]+" data-severity="(\w+)">\s*<th scope="row"><a href="([^"]+)">'
        r"5G base station maintenance</a></th>\s*<td><span class=\"badge (\w+)\">",
        page,
    )
    assert row, "no row for 5G base station maintenance"
    assert row.group(1) == row.group(3) == "red"
    assert 'id="severity-chart"' in page and 'id="lag-chart"' in page
    assert "&#34;severities&#34;: [&#34;red&#34;, &#34;yellow&#34;, &#34;green&#34;]" in page

    drill = school.get(row.group(2), headers={"Accept-Language": "en"})
    assert drill.status_code == 200
    detail = _text(drill)
    assert '<span class="badge red" id="gap-severity">' in detail
    demands = _rows(detail, "gap-demands")
    assert any("5G Base Station Maintenance Technician" in d for d in demands)
    assert any("Pearl River Electronics Co." in d for d in demands)
    assert any("5G基站维护工程师" in d for d in demands)  # the Chinese posting of the same skill
    courses = re.search(r'<div id="nearest-courses">(.*?)</div>', detail, re.DOTALL)
    assert courses and 'class="chip missing">5G base station maintenance<' in courses.group(1)

    chinese = _text(school.get(row.group(2), headers={"Accept-Language": "zh-CN"}))
    assert 'lang="zh-Hans"' in chinese and "年" in chinese  # dates in Chinese
    assert school.get("/school/gaps/no-such-skill-00000000").status_code == 404

    # a skill in Chinese has its own page too, at a link the page gives
    chinese_row = re.search(r'<a href="(/school/gaps/%E[^"]+)">([^<]+)</a>', page)
    assert chinese_row, "the demo's gaps include skills asked in Chinese"
    opened = school.get(chinese_row.group(1), headers={"Accept-Language": "zh-CN"})
    assert opened.status_code == 200 and f">{chinese_row.group(2)} <span" in _text(opened)


def test_the_gap_key_is_stable_and_keeps_chinese() -> None:
    assert gap_key("5G base station maintenance").startswith("5g-base-station-maintenance-")
    assert gap_key("机器人故障排除").startswith("机器人故障排除-")
    assert gap_key("AAU/BBU installation") != gap_key("AAU BBU installation")
    assert "/" not in gap_key("AAU/BBU installation")
    assert gap_key("5G基站维护") == gap_key("5G基站维护")
