"""Gap reports as CSV and as a self-contained HTML page (the same page the web app serves)."""

from __future__ import annotations

import csv
import io
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from matcher.gaps.response_time import ANSWER_STATUSES

from .charts import COLORS, Bar, bar_chart, line_chart

CSV_COLUMNS = (
    "skill",
    "severity",
    "covered",
    "coverage",
    "lag_days",
    "first_seen",
    "openings",
    "postings",
    "enterprises",
    "trend",
    "opened",
    "closed",
    "covered_on",
    "answered_on",
    "responded_on",
    "response_by",
    "response_days",
    *(f"answers_{status}" for status in ANSWER_STATUSES),
    "nearest_course",
    "nearest_similarity",
    "phrases",
    "enterprise_names",
    "demand_ids",
)
_LAG_BARS = 15

_environment = Environment(
    loader=PackageLoader("api", "templates"), autoescape=select_autoescape(["html"])
)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A text cell as a spreadsheet shows it, never as a formula (OWASP CSV injection).

    Skills and names come from postings anyone may publish: ``=HYPERLINK(...)`` opened in
    Excel or WPS would run. Such text gets a leading apostrophe; numbers stay numbers.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(report: dict[str, Any]) -> str:
    """One row per demanded skill; lists joined with " | "."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in report["items"]:
        nearest = item["nearest_courses"][0] if item["nearest_courses"] else {}
        row = {
            **{k: item[k] for k in CSV_COLUMNS if k in item},
            "nearest_course": nearest.get("title", ""),
            "nearest_similarity": nearest.get("similarity", ""),
            "phrases": " | ".join(cell(p) for p in item["phrases"]),
            "enterprise_names": " | ".join(cell(n) for n in item["enterprise_names"]),
            "demand_ids": " ".join(map(str, item["demand_ids"])),
            **{f"answers_{k}": n for k, n in item["answers"].items()},
        }
        writer.writerow({k: cell(v) for k, v in row.items()})
    return buffer.getvalue()


def charts(report: dict[str, Any]) -> dict[str, Any]:
    """The charts of a report page: severity counts, lag of the worst gaps, history, and the
    median response time per quarter."""
    summary = report["summary"]
    gaps = [i for i in report["items"] if not i["covered"]]
    longest = sorted(gaps, key=lambda i: -i["lag_days"])[:_LAG_BARS]
    history = report.get("history") or []
    return {
        "severity": bar_chart(
            "Demanded skills by warning level",
            [Bar(level, summary[level], COLORS[level]) for level in ("red", "yellow", "green")],
        ),
        "lag": bar_chart(
            "Longest-unmet gaps (days)",
            [Bar(i["skill"], i["lag_days"], COLORS[i["severity"]]) for i in longest],
            unit=" d",
        ),
        "longest": longest,
        "history": line_chart(
            "Gaps at each snapshot",
            [h["as_of"] for h in history],
            {"red": [h["red"] for h in history], "yellow": [h["yellow"] for h in history]},
        )
        if history
        else None,
        "response": bar_chart(
            "Median curriculum response per quarter (days)",
            [
                Bar(q["quarter"], q["median_response_days"])
                for q in summary["response_trend"]
                if q["median_response_days"] is not None
            ],
            unit=" d",
        ),
    }


def to_html(report: dict[str, Any], links: dict[str, Any] | None = None) -> str:
    """A complete page; ``links`` (web only) adds navigation between scopes."""
    template = _environment.get_template("gaps.html")
    return template.render(report=report, charts=charts(report), links=links)
