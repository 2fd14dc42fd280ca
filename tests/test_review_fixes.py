"""Review findings of issue 16 (pages, exports, CLI days), each fixed and tested on both stores:
numbers the pages cannot read are 4xx (never a 500), XLSX exports of any text, days in the
consortium's zone, the public demand list's answers, and the helpers shared once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from api.app import create_app
from api.cli import cli
from api.exports import LABELS
from api.wiring import Services
from matcher import clock
from matcher.catalog import parse_input
from tests.clients import english
from tests.test_exports import Exported
from tests.test_pages_answers import World as PagesWorld

HUGE = "99999999999999999999"


@pytest.fixture
def pages(services: Services) -> Iterator[PagesWorld]:
    # The test client talks plain HTTP: Secure cookies would not come back.
    plain_http = Services(services.settings.replace(secure_cookies=False), services.vectors)
    yield PagesWorld(plain_http)
    plain_http.close()


def _status(answer: Any) -> int:
    code = int(answer.status_code)
    answer.close()
    return code


# -- 1. numbers the pages cannot read ----------------------------------------------------------


def test_a_school_id_that_is_no_number_is_a_4xx_page(pages: PagesWorld) -> None:
    anonymous = english(create_app(services=pages.services).test_client())
    admin = pages.clients["admin"]
    for text in ("²", "٣", "1²", HUGE, "0", "-1"):
        asked = {"school_id": text}
        assert _status(anonymous.get("/consortium/demands", query_string=asked)) == 422, text
        assert _status(admin.get("/consortium/answers", query_string=asked)) == 422, text
        for path in ("/school/answers", "/school/catalog"):
            assert _status(admin.get(path, query_string=asked)) == 404, (text, path)


def test_a_demand_number_that_is_no_number_goes_back_to_the_demands(pages: PagesWorld) -> None:
    assert pages.answer().status_code == 303
    [response_id] = pages.answer_ids()
    for text, status in (("²", "accepted"), (HUGE, "declined")):  # declined: a 409 message
        data = {"status": status, "demand_id": text}
        moved = pages.post("hr", f"/enterprise/answers/{response_id}/status", data)
        assert moved.status_code == 303, moved.get_data(as_text=True)
        assert moved.headers["Location"].endswith("/enterprise/demands")
    assert pages.status(response_id) == "accepted"


def test_an_answer_number_beyond_the_database_is_404(pages: PagesWorld) -> None:
    for who, side in (("hr", "enterprise"), ("teacher", "school")):
        for status in ("accepted", "withdrawn"):
            moved = pages.post(who, f"/{side}/answers/{HUGE}/status", {"status": status})
            assert moved.status_code == 404, moved.get_data(as_text=True)
            assert "There is no answer with this number." in moved.get_data(as_text=True)


# -- 2, 3. XLSX of any text --------------------------------------------------------------------


@pytest.fixture
def exported(services: Services) -> Exported:
    return Exported(services)


def _post_demand(world: Exported, title: str, skills: list[str]) -> None:
    data = {"enterprise": "Nanning Motors", "kind": "job", "title": title, "skills": skills}
    data["posted_at"] = "2026-03-02"  # the newest posting: first in the list
    world.services.catalog.create("demands", parse_input("demands", data))


def _sheet_rows(body: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_control_characters_leave_xlsx_cells_and_stay_in_csv(exported: Exported) -> None:
    _post_demand(exported, "Bell\x07 ringer", ["tab\x0bstop", "esc\x1bape"])
    anonymous = exported.clients["anonymous"]
    xlsx = anonymous.get("/api/v1/exports/demands?format=xlsx")
    assert xlsx.status_code == 200, xlsx.get_data(as_text=True)[:500]
    rows = _sheet_rows(xlsx.data)
    header = rows[0]
    newest = dict(zip(header, rows[1], strict=True))
    assert newest[LABELS["title"]] == "Bell ringer"
    assert newest[LABELS["skills"]] == "tabstop; escape"
    csv_reply = anonymous.get("/api/v1/exports/demands?format=csv")
    assert csv_reply.status_code == 200
    assert "Bell\x07 ringer" in csv_reply.data.decode("utf-8-sig")
    mine = exported.clients["admin"].get("/api/v1/exports/responses?format=xlsx")
    assert mine.status_code == 200


def test_formula_like_text_is_a_text_cell_in_xlsx_and_quoted_in_csv(exported: Exported) -> None:
    _post_demand(exported, "=1+1", ["@SUM(A1)"])
    anonymous = exported.clients["anonymous"]
    xlsx = anonymous.get("/api/v1/exports/demands?format=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    title = sheet.cell(2, header.index(LABELS["title"]) + 1)
    assert (title.value, title.data_type, title.quotePrefix) == ("=1+1", "s", True)
    skills = sheet.cell(2, header.index(LABELS["skills"]) + 1)
    assert (skills.value, skills.data_type, skills.quotePrefix) == ("@SUM(A1)", "s", True)
    plain = sheet.cell(2, header.index(LABELS["enterprise"]) + 1)
    assert (plain.value, plain.quotePrefix) == ("Nanning Motors", False)
    text = anonymous.get("/api/v1/exports/demands?format=csv").data.decode("utf-8-sig")
    assert "'=1+1" in text and "'@SUM(A1)" in text


# -- 4. days in the consortium's zone ----------------------------------------------------------

EVENING_UTC = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
"""04:00 on 2 March in Shanghai: the UTC date is still the 1st."""


def test_an_expiry_is_the_day_it_was_given_in_the_export(exported: Exported) -> None:
    rows = exported.clients["anonymous"].get("/api/v1/exports/demands").get_json()["items"]
    retired = next(r for r in rows if r["title"] == "Retired posting")
    assert retired["expires"] == "2026-02-01"  # as posted: valid through that day
    assert clock.last_day(datetime(2026, 2, 1, 16, 0, tzinfo=UTC)) == date(2026, 2, 1)
    assert clock.last_day(datetime(2026, 2, 1, 16, 0, 1, tzinfo=UTC)) == date(2026, 2, 2)
    assert clock.last_day(datetime.min.replace(tzinfo=UTC)) == date.min


def test_the_school_sees_its_answer_on_the_consortium_day(pages: PagesWorld) -> None:
    with clock.fixed(EVENING_UTC):
        assert pages.answer().status_code == 303
    code, page = pages.get("teacher", "/school/answers")
    assert code == 200 and "sent Mar 2, 2026" in page and "Mar 1, 2026" not in page
    code, page = pages.get("teacher", f"/school/demands/{pages.demand['id']}")
    assert code == 200 and "sent Mar 2, 2026" in page
    assert "posted Jan 5, 2026" in page  # posted_at is 2026-01-04T16:00Z


def test_the_cli_lists_notices_on_the_consortium_day(exported: Exported) -> None:
    with clock.fixed(EVENING_UTC):
        created = exported.answer("teacher", exported.other_demand["id"])
    assert created.status_code == 201, created.get_json()
    result = CliRunner().invoke(
        cli,
        ["--as", "hr@nanning.example", "notifications", "list"],
        obj={"services": exported.services},
    )
    assert result.exit_code == 0, result.output
    [line] = [x for x in result.stdout.splitlines() if "Liuzhou College answered" in x]
    assert "  2026-03-02  " in line, line


# -- 5. the public demand list shows accepted answers only --------------------------------------


def test_the_public_demand_list_counts_and_filters_accepted_answers_only(
    exported: Exported,
) -> None:
    five_g, motors = exported.demand["id"], exported.other_demand["id"]
    guilin = {"kind": "existing_course", "course_ids": [exported.other_course["id"]]}
    proposed = exported.answer("other_teacher", five_g, **guilin).get_json()["id"]
    assert exported.move("other_hr", exported.guilin_answer, "declined").status_code == 200
    anonymous = exported.clients["anonymous"]

    def rows(query: str = "") -> dict[int, tuple[int, list[str]]]:
        reply = anonymous.get(f"/api/v1/exports/demands?{query}")
        assert reply.status_code == 200, reply.get_json()
        return {r["id"]: (r["answers"], r["accepted_by"]) for r in reply.get_json()["items"]}

    assert rows()[five_g] == (1, ["Liuzhou College"])  # Guilin's proposed answer: private
    assert rows()[motors] == (0, [])  # declined: private too
    assert rows(f"school_id={exported.other_school_id}") == {}
    assert list(rows(f"school_id={exported.school_id}")) == [five_g]
    assert exported.move("other_teacher", proposed, "withdrawn").status_code == 200
    assert rows()[five_g] == (1, ["Liuzhou College"])
    delivered = exported.move("teacher", exported.accepted, "delivered")
    assert delivered.status_code == 200
    assert rows(f"school_id={exported.school_id}")[five_g] == (1, ["Liuzhou College"])

    page = anonymous.get(f"/consortium/demands?school_id={exported.other_school_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "No demands match." in text and "Accepted answers" in text
    header = anonymous.get("/api/v1/exports/demands?format=csv").data.decode("utf-8-sig")
    assert header.splitlines()[0].count("已接受的答复 Accepted answers") == 1
    # the answers export stays scoped by role, every status
    mine = exported.clients["other_teacher"].get("/api/v1/exports/responses").get_json()["items"]
    assert sorted(r["status"] for r in mine) == ["declined", "withdrawn"]
