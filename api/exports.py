"""The consortium's lists as files: CSV (UTF-8 with a BOM, so Excel and WPS read Chinese) and
XLSX (bold frozen header, column widths, days as date cells). Rows come from
``matcher.answers.exports``; REST, the pages and the CLI all write through here.

Headers are bilingual ("企业 Enterprise"): one file serves readers of both languages, and a
header does not change with whoever downloaded it. Text that a spreadsheet would run as a
formula stays text: in CSV it gets a leading apostrophe (``gap_output.cell``); in XLSX the cell
is typed as a string with Excel's quote prefix, so the value itself is unchanged. Control
characters that XML cannot carry (BEL, ESC, ...) are left out of XLSX cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from matcher.answers.exports import ANSWER_COLUMNS, DEMAND_COLUMNS, ExportFilter, Exports
from matcher.gaps.analysis import GapAnalyzer
from matcher.language import normalise

from .gap_output import cell

LISTS = ("demands", "responses")
FORMATS = ("csv", "xlsx", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SHEET_TITLES = {"demands": "人才需求清单 Demands", "responses": "答复 Answers"}
FILE_STEMS = {"demands": "talent-demand-list", "responses": "answers"}
LABELS = {
    "enterprise": "企业 Enterprise",
    "industry": "行业 Industry",
    "city": "城市 City",
    "title": "岗位 Title",
    "kind": "类型 Kind",
    "openings": "人数 Openings",
    "skills": "技能 Skills",
    "posted": "发布日期 Posted",
    "expires": "截止日期 Expires",
    "status": "状态 Status",
    "answers": "已接受的答复 Accepted answers",
    "accepted_by": "已接受的学校 Accepted by",
    "demand": "需求 Demand",
    "school": "学校 School",
    "courses": "课程 Courses",
    "program": "专业 Program",
    "seats": "名额 Seats",
    "starts_on": "开始日期 Starts on",
    "created": "提交日期 Created",
    "decided": "决定日期 Decided",
    "days_to_decision": "决定用时(天) Days to decision",
}
_MAX_WIDTH = 60


def columns(which: str) -> tuple[str, ...]:
    return DEMAND_COLUMNS if which == "demands" else ANSWER_COLUMNS


def skill_demands(gaps: GapAnalyzer, skill: str | None) -> set[int]:
    """Active demands that the region's gap report groups under a skill one of whose phrases
    is ``skill`` (so "5G基站维护" finds the postings that say "5G base station maintenance")."""
    if not skill:
        return set()
    wanted = normalise(skill)
    found: set[int] = set()
    for item in gaps.report()["items"]:
        if wanted in {normalise(p) for p in [item["skill"], *item["phrases"]]}:
            found.update(item["demand_ids"])
    return found


def rows(
    exports: Exports,
    gaps: GapAnalyzer,
    which: str,
    where: ExportFilter,
    answer_records: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The rows of a list; ``answer_records`` are the answers the caller may see."""
    where = ExportFilter(
        where.industry, where.skill, where.school_id, skill_demands(gaps, where.skill)
    )
    if which == "demands":
        return exports.demands(where)
    return exports.answers(answer_records or [], where)


def _text(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else value


def _plain(value: Any) -> Any:
    """A value as a CSV cell: lists joined, text never a formula."""
    return cell(_text(value))


def _xlsx_value(value: Any) -> Any:
    """A value as an XLSX cell: days stay dates, lists joined, text without the control
    characters XML cannot carry (openpyxl refuses them)."""
    if isinstance(value, date):
        return value
    value = _text(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _formula_like(value: Any) -> bool:
    return isinstance(value, str) and cell(value) != value


def to_csv(which: str, items: Sequence[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte order mark; days as YYYY-MM-DD."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    names = columns(which)
    writer.writerow([LABELS[n] for n in names])
    for row in items:
        writer.writerow(
            [v.isoformat() if isinstance(v, date) else _plain(v) for v in (row[n] for n in names)]
        )
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(which: str, items: Sequence[dict[str, Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = SHEET_TITLES[which]
    names = columns(which)
    sheet.append([LABELS[n] for n in names])
    for header in sheet[1]:
        header.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    widths = [len(LABELS[n]) + 2 for n in names]
    for row in items:
        values = [_xlsx_value(row[n]) for n in names]
        sheet.append(values)
        for text in sheet[sheet.max_row]:
            if _formula_like(text.value):  # openpyxl would store "=..." as a formula
                text.data_type = "s"
                text.quotePrefix = True
        for i, value in enumerate(values):
            shown = 10 if isinstance(value, date) else len(str(value))
            widths[i] = min(_MAX_WIDTH, max(widths[i], shown + 2))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        for (day,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            if isinstance(day.value, date):
                day.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(which: str, output_format: str, day: date) -> str:
    return f"{FILE_STEMS[which]}-{day.isoformat()}.{output_format}"


def to_json(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with days as YYYY-MM-DD (the REST answer)."""
    return [
        {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()} for row in items
    ]
