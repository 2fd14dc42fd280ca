"""Exports of the talent demand list and the answers: CSV (UTF-8 with BOM), XLSX, JSON over
REST, the printable pages and the CLI, on both stores; filters, who sees which answers, bad
filters refused."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from api.cli import cli
from api.exports import LABELS
from matcher import clock
from matcher.catalog import parse_input
from tests.clients import english
from tests.test_answers import World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TODAY = clock.today().isoformat()


class Exported(World):
    """The answers World plus: industries, a Guilin demand, answers in several statuses."""

    def __init__(self, services: Any) -> None:
        super().__init__(services)
        catalog = services.catalog
        catalog.update(
            "organizations",
            self.demand["enterprise_id"],
            {"industry": "Telecom"},
        )
        other = catalog.create(
            "demands",
            parse_input(
                "demands",
                {
                    "enterprise": "Nanning Motors",
                    "kind": "job",
                    "title": '=HYPERLINK("x") electrician',
                    "city": "南宁",
                    "posted_at": "2026-03-01",
                    "skills": ["汽车电工", "car electrics"],
                },
            ),
        )
        self.other_demand = other
        catalog.update(
            "organizations",
            other["enterprise_id"],
            {"industry": "Automotive"},
        )
        accepted = self.answer().get_json()["id"]
        assert self.move("hr", accepted, "accepted").status_code == 200
        self.accepted = accepted
        body = {"kind": "existing_course", "course_ids": [self.other_course["id"]]}
        self.guilin_answer = self.answer("other_teacher", other["id"], **body).get_json()["id"]


@pytest.fixture
def world(services: Any) -> Exported:
    return Exported(services)


def _csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the file as UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_demand_list_as_csv_is_public_and_filtered(world: Exported) -> None:
    anonymous = world.clients["anonymous"]
    reply = anonymous.get("/api/v1/exports/demands?format=csv")
    assert reply.status_code == 200 and reply.content_type == "text/csv; charset=utf-8"
    assert reply.headers["Content-Disposition"] == (
        f'attachment; filename="talent-demand-list-{TODAY}.csv"'
    )
    rows = _csv(reply.data)
    assert [r[LABELS["title"]] for r in rows] == [
        '\'=HYPERLINK("x") electrician',  # never a formula in a spreadsheet
        "Retired posting",
        "5G base station maintainer",
    ]
    five_g = rows[2]
    assert five_g[LABELS["enterprise"]] == "Pearl River Electronics"
    assert five_g[LABELS["industry"]] == "Telecom"
    assert five_g[LABELS["posted"]] == "2026-01-05"
    assert five_g[LABELS["status"]] == "active" and rows[1][LABELS["status"]] == "expired"
    assert (five_g[LABELS["answers"]], five_g[LABELS["accepted_by"]]) == ("1", "Liuzhou College")
    assert (
        rows[0][LABELS["city"]] == "南宁" and rows[0][LABELS["skills"]] == "汽车电工; car electrics"
    )

    def titles(query: str) -> list[str]:
        reply = anonymous.get(f"/api/v1/exports/demands?{query}")
        assert reply.status_code == 200, reply.get_json()
        return [r["title"] for r in reply.get_json()["items"]]

    assert titles("industry=Automotive") == ['=HYPERLINK("x") electrician']
    assert titles("industry=telecom") == ["Retired posting", "5G base station maintainer"]
    assert titles("skill=5G") == ["Retired posting", "5G base station maintainer"]
    assert titles("skill=汽车") == ['=HYPERLINK("x") electrician']
    assert titles(f"school_id={world.other_school_id}") == []  # Guilin's answer is proposed
    assert titles(f"school_id={world.school_id}") == ["5G base station maintainer"]  # accepted
    assert titles(f"school_id={world.school_id}&skill=car") == []


def test_skill_filter_also_finds_postings_the_gap_report_groups_under_it(
    world: Exported,
) -> None:
    world.services.catalog.create(
        "demands",
        parse_input(
            "demands",
            {
                "enterprise": "Pearl River Electronics",
                "kind": "job",
                "title": "基站维护员",
                "posted_at": "2026-04-01",
                "skills": ["5G基站维护"],
            },
        ),
    )
    # "5G基站维护" has no words of "5G base station maintenance": the gap report's grouping
    # finds it; the expired posting is not in the report but says the words.
    reply = world.clients["anonymous"].get(
        "/api/v1/exports/demands?skill=5G base station maintenance"
    )
    assert [r["title"] for r in reply.get_json()["items"]] == [
        "基站维护员",
        "Retired posting",
        "5G base station maintainer",
    ]
    reply = world.clients["anonymous"].get("/api/v1/exports/demands?skill=5G基站维护")
    assert [r["title"] for r in reply.get_json()["items"]] == [
        "基站维护员",
        "5G base station maintainer",
    ]


def test_demand_list_as_xlsx(world: Exported) -> None:
    reply = world.clients["anonymous"].get("/api/v1/exports/demands?format=xlsx")
    assert reply.status_code == 200 and reply.content_type == XLSX
    assert f"talent-demand-list-{TODAY}.xlsx" in reply.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(reply.data)).active
    assert sheet is not None
    assert sheet.title == "人才需求清单 Demands"
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["企业 Enterprise", "行业 Industry", "城市 City"]
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width > 10
    last = [c for c in sheet[4]]
    assert last[3].value == "5G base station maintainer"
    posted = last[header.index(LABELS["posted"])]
    assert posted.value == datetime(2026, 1, 5) and posted.is_date
    assert posted.number_format == "yyyy-mm-dd"
    assert last[header.index(LABELS["openings"])].value == 1  # numbers stay numbers
    formula_like = sheet.cell(2, 4)  # text, not a formula: typed as a string
    assert formula_like.value == '=HYPERLINK("x") electrician'
    assert formula_like.data_type == "s" and formula_like.quotePrefix


def test_answers_are_scoped_per_role(world: Exported) -> None:
    def demands(who: str, query: str = "") -> list[tuple[str, str]]:
        reply = world.clients[who].get(f"/api/v1/exports/responses?{query}")
        assert reply.status_code == 200, reply.get_json()
        return [(r["school"], r["status"]) for r in reply.get_json()["items"]]

    both = [("Guilin Institute", "proposed"), ("Liuzhou College", "accepted")]
    assert demands("admin") == both
    assert demands("hr") == [("Liuzhou College", "accepted")]
    assert demands("other_hr") == [("Guilin Institute", "proposed")]
    assert demands("teacher") == [("Liuzhou College", "accepted")]
    assert demands("other_teacher") == [("Guilin Institute", "proposed")]
    assert demands("admin", "status=accepted") == [("Liuzhou College", "accepted")]
    assert demands("admin", "industry=Automotive") == [("Guilin Institute", "proposed")]
    assert demands("admin", f"school_id={world.school_id}") == [("Liuzhou College", "accepted")]
    assert demands("teacher", f"school_id={world.other_school_id}") == []
    row = world.clients["admin"].get("/api/v1/exports/responses").get_json()["items"][1]
    assert row["decided"] == TODAY and row["days_to_decision"] == 0
    assert row["courses"] == ["5G base station maintenance"]
    assert world.clients["anonymous"].get("/api/v1/exports/responses").status_code == 401
    assert world.clients["student"].get("/api/v1/exports/responses").status_code == 403


def test_answers_as_xlsx_and_csv(world: Exported) -> None:
    reply = world.clients["hr"].get("/api/v1/exports/responses?format=xlsx")
    assert reply.status_code == 200 and reply.content_type == XLSX
    assert f'filename="answers-{TODAY}.xlsx"' in reply.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(reply.data)).active
    assert sheet is not None and sheet.title == "答复 Answers"
    header = [c.value for c in sheet[1]]
    values = [c.value for c in sheet[2]]
    assert sheet.max_row == 2
    assert values[header.index(LABELS["school"])] == "Liuzhou College"
    decided = sheet.cell(2, header.index(LABELS["decided"]) + 1)
    assert decided.is_date and decided.value.date() == date.fromisoformat(TODAY)
    rows = _csv(world.clients["teacher"].get("/api/v1/exports/responses?format=csv").data)
    assert [r[LABELS["status"]] for r in rows] == ["accepted"]


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("format=pdf", "format"),
        ("school_id=abc", "school_id"),
        ("status=lost", "status"),
        ("industry=", "industry"),
    ],
)
def test_bad_filters_are_422_and_an_unknown_school_404(
    world: Exported, query: str, detail: str
) -> None:
    unknown = world.clients["admin"].get("/api/v1/exports/demands?school_id=99999")
    assert unknown.status_code == 404
    assert unknown.get_json()["detail"] == "no school with id 99999"
    reply = world.clients["admin"].get(f"/api/v1/exports/responses?{query}")
    assert reply.status_code == 422, reply.get_data(as_text=True)
    assert reply.content_type == "application/problem+json"
    assert detail in str(reply.get_json())


def test_printable_pages(world: Exported) -> None:
    page = english(world.clients["anonymous"]).get("/consortium/demands?industry=Telecom")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "print.css" in html and 'class="print-list"' in html
    assert "5G base station maintainer" in html and "electrician" not in html
    assert "/api/v1/exports/demands?industry=Telecom&amp;format=xlsx" in html
    assert english(world.clients["anonymous"]).get("/consortium/answers").status_code == 302
    answers = english(world.clients["hr"]).get("/consortium/answers")
    text = answers.get_data(as_text=True)
    assert answers.status_code == 200 and "Liuzhou College" in text
    assert "Guilin Institute</td>" not in text
    bad = english(world.clients["admin"]).get("/consortium/answers?school_id=99999")
    assert bad.status_code == 404 and "no school with id 99999" in bad.get_data(as_text=True)
    home = english(world.clients["anonymous"]).get("/").get_data(as_text=True)
    assert 'href="/consortium/demands"' in home and 'id="response-time"' in home


def test_print_css_hides_navigation_and_repeats_the_header(world: Exported) -> None:
    reply = world.clients["anonymous"].get("/static/print.css")
    css = reply.get_data(as_text=True)
    reply.close()
    assert "size: A4" in css and "thead { display: table-header-group; }" in css
    assert "header.site" in css and "display: none" in css


def test_cli_writes_files_and_refuses_bad_filters(world: Exported, tmp_path: Path) -> None:
    runner = CliRunner()
    obj = {"services": world.services}
    out = tmp_path / "demands.xlsx"
    result = runner.invoke(
        cli, ["export", "demands", "--format", "xlsx", "--out", str(out)], obj=obj
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    assert sheet is not None and sheet.max_row == 4
    out = tmp_path / "answers.csv"
    result = runner.invoke(
        cli,
        [
            "export",
            "responses",
            "--format",
            "csv",
            "--out",
            str(out),
            "--status",
            "accepted",
        ],
        obj=obj,
    )
    assert result.exit_code == 0, result.output
    assert [r[LABELS["school"]] for r in _csv(out.read_bytes())] == ["Liuzhou College"]
    for args, code, line in (
        (["--school", "99999"], 1, "error: no school with id 99999"),
        (["--status", "lost"], 2, "'lost' is not one of"),
    ):
        result = runner.invoke(
            cli, ["export", "responses", "--out", str(tmp_path / "x.csv"), *args], obj=obj
        )
        assert result.exit_code == code and "Traceback" not in result.output
        assert line in result.stderr
    assert runner.invoke(
        cli,
        ["export", "responses", "--out", str(tmp_path / "x.csv"), "--school", "99999"],
        obj=obj,
    ).stderr.strip().splitlines() == ["error: no school with id 99999"]
    assert not (tmp_path / "x.csv").exists()
