"""Public pages: the consortium overview, the free-text search, and the gap reports of the
region and of each school. Anyone may read them; admins see a little more on the overview.

The standalone gap report (``api/gap_output.to_html``, the CLI's ``--format html``) is a file
of its own with server-side SVG charts; these pages draw the same figures with the shared
``chart()`` macro on the common layout.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matcher.errors import TalentmatchError, ValidationFailed
from matcher.search import TEXT_TARGETS

from .pages import overview
from .pages.common import caller_or_none, error_page, services
from .pages.student import text_error

bp = Blueprint("web", __name__, template_folder="templates")

SEARCH_RESULTS = 20
TOP_GAPS = 10
TREND_SNAPSHOTS = 60
RECENT_RESPONSES = 15
SEVERITY_ORDER = {"red": 0, "yellow": 1, "green": 2}
_DAYS = ("first_seen", "opened", "closed", "responded")


def _uncovered(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Gaps, worst first: red before yellow, then the longest unmet."""
    gaps = [i for i in report["items"] if not i["covered"]]
    return sorted(gaps, key=lambda i: (SEVERITY_ORDER[i["severity"]], -i["lag_days"], i["skill"]))


def _report_message(report: dict[str, Any]) -> str | None:
    """The report's note, in the page's language."""
    if not report.get("message"):
        return None
    if not report["summary"].get("active_demands"):
        return _(
            "There are no active demands on %(day)s: nothing to compare.",
            day=_day(report["as_of"]),
        )
    return _("There are no courses in scope: every demanded skill is a gap.")


def _day(value: str | None) -> str:
    return format_date(date.fromisoformat(value)) if value else ""


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _with_days(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gap items with their ISO days as dates too (``first_seen_day``...), for ``format_date``."""
    return [
        {**i, **{f"{k}_day": date.fromisoformat(i[k]) if i.get(k) else None for k in _DAYS}}
        for i in items
    ]


def _history(school_id: int | None) -> list[dict[str, Any]]:
    """Stored snapshots of a scope, oldest first (the logic of GET /api/v1/gaps/snapshots)."""
    return list(reversed(services().gap_history.snapshots(school_id, TREND_SNAPSHOTS)))


def _trend_chart(history: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "line",
        "title": _("Gaps at each snapshot"),
        "unit": _("skills"),
        "labels": [_day(h["as_of"]) for h in history],
        "series": [  # in the palette's order: blue, then red for the red ones
            {"name": _("All gaps"), "values": [h["gaps"] for h in history]},
            {"name": _("Red gaps"), "values": [h["red"] for h in history]},
        ],
    }


def _lag_chart(gaps: list[dict[str, Any]], title: str) -> dict[str, Any]:
    return {
        "type": "bar",
        "horizontal": True,
        "title": title,
        "unit": _("days"),
        "labels": [g["skill"] for g in gaps],
        "series": [
            {
                "name": _("Days unmet"),
                "values": [g["lag_days"] for g in gaps],
                "severities": [g["severity"] for g in gaps],
            }
        ],
    }


def _responded(report: dict[str, Any], limit: int | None = None) -> list[dict[str, Any]]:
    """Responded skills, the latest response first."""
    items = [i for i in report["items"] if i.get("responded_on")]
    items.sort(key=lambda i: (i["responded_on"], i["skill"]), reverse=True)
    return _with_days(items[:limit])


def _response_chart(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The median response per quarter, over the quarters in which skills were responded."""
    quarters = [q for q in summary["response_trend"] if q["responded"]]
    if not quarters:
        return None
    return {
        "type": "line",
        "title": _("Median curriculum response per quarter"),
        "unit": _("days"),
        "labels": [q["quarter"] for q in quarters],
        "series": [
            {"name": _("Median days"), "values": [q["median_response_days"] for q in quarters]},
            {"name": _("Skills responded"), "values": [q["responded"] for q in quarters]},
        ],
    }


# -- the overview ---------------------------------------------------------------------------


@bp.get("/")
def home() -> Any:
    """Supply and demand by city and industry, top gaps, refresh status, the gap trend."""
    if request.args.get("q"):  # the old home page searched: its links keep working
        return search()
    actor = caller_or_none()
    db = services().db
    try:
        report = services().gap_history.report(None, None)
    except TalentmatchError as exc:
        return error_page(exc.status, exc.detail)
    gaps = _uncovered(report)
    unmet_ids = {i for g in gaps for i in g["demand_ids"]}
    figures = overview.figures(db, unmet_ids)
    history = _history(None)
    top = _with_days(gaps[:TOP_GAPS])
    not_given = _("not given")
    charts = {
        "city": {
            "type": "bar",
            "title": _("Demand and supply by city"),
            "labels": [r.label or not_given for r in figures.by_city],
            "series": [
                {"name": _("Openings"), "values": [r.openings for r in figures.by_city]},
                {
                    "name": _("Graduates a year"),
                    "values": [r.graduates for r in figures.by_city],
                },
                {"name": _("Courses"), "values": [r.courses for r in figures.by_city]},
            ],
        },
        "industry": {
            "type": "bar",
            "horizontal": True,
            "title": _("Openings by industry"),
            "labels": [r.label or not_given for r in figures.by_industry],
            "series": [
                {"name": _("Openings"), "values": [r.openings for r in figures.by_industry]},
                {
                    "name": _("Openings with a gap"),
                    "values": [r.unmet_openings for r in figures.by_industry],
                },
            ],
        },
        "gaps": _lag_chart(top, _("Days unmet, worst gaps")) if top else None,
        "trend": _trend_chart(history) if history else None,
        "response": _response_chart(report["summary"]),
    }
    refresh = overview.last_refresh(db)
    if refresh is not None:
        refresh.update(
            started=_instant(refresh["started_at"]), finished=_instant(refresh["finished_at"])
        )
    return render_template(
        "public/overview.html",
        report=report,
        as_of_day=date.fromisoformat(report["as_of"]),
        message=_report_message(report),
        figures=figures,
        top=top,
        charts=charts,
        history=history,
        responded=_responded(report, RECENT_RESPONSES),
        refresh=refresh,
        is_admin=bool(actor and actor.is_admin),
        not_given=not_given,
    )


# -- free-text search -----------------------------------------------------------------------


@bp.get("/search")
def search() -> tuple[str, int]:
    """Free text (skills or a description) against demands, courses or programs."""
    text = request.args.get("q", "").strip()
    target = request.args.get("target", "demands")
    results: list[dict[str, Any]] = []
    error = None
    status = 200
    if target not in TEXT_TARGETS:
        target, error, status = "demands", _("Choose what to search in from the list."), 422
    elif text:
        try:
            results = services().matcher.match_text(text, target, SEARCH_RESULTS)
        except TalentmatchError as exc:
            error, status = text_error(exc), exc.status
    return render_template(
        "public/search.html",
        text=text,
        target=target,
        targets=TEXT_TARGETS,
        results=results,
        error=error,
    ), status


# -- gap reports ----------------------------------------------------------------------------


def _gap_page(school_id: int | None) -> tuple[str, int] | Response:
    as_of = request.args.get("as_of") or None
    schools = overview.schools(services().db)
    school = next((s for s in schools if s["id"] == school_id), None)
    if school_id is not None and school is None:
        return error_page(404, _("school %(id)s not found", id=school_id))
    scope_name = school["name"] if school else _("the region")
    try:
        report = services().gap_history.report(school_id, as_of)
    except ValidationFailed as exc:
        # the day typed stays in the form, with what is wrong beside it
        return render_template(
            "public/gaps.html",
            report=None,
            school=school,
            scope_name=scope_name,
            schools=schools,
            as_of=as_of,
            scope_as_of=None,
            as_of_error=exc.detail.removeprefix("field 'as_of': "),
        ), 422
    except TalentmatchError as exc:
        return error_page(exc.status, exc.detail)
    gaps = _uncovered(report)
    longest = sorted(gaps, key=lambda i: (-i["lag_days"], i["skill"]))[:15]
    summary = report["summary"]
    history = report.get("history") or []
    charts = {
        "severity": {
            "type": "bar",
            "title": _("Demanded skills by warning level"),
            "labels": [_("Red"), _("Yellow"), _("Green (covered)")],
            "series": [
                {
                    "name": _("Skills"),
                    "values": [summary["red"], summary["yellow"], summary["green"]],
                    "severities": ["red", "yellow", "green"],
                }
            ],
        },
        "lag": _lag_chart(longest, _("Longest-unmet gaps")) if longest else None,
        "trend": _trend_chart(history) if history else None,
        "response": _response_chart(summary),
    }
    return render_template(
        "public/gaps.html",
        report=report,
        message=_report_message(report),
        school=school,
        scope_name=scope_name,
        schools=schools,
        as_of=report["as_of"],
        scope_as_of=as_of,
        as_of_day=date.fromisoformat(report["as_of"]),
        as_of_error=None,
        changes_since=date.fromisoformat(report["changes"]["since"])
        if report.get("changes")
        else None,
        gaps=_with_days(gaps),
        responded=_responded(report),
        charts=charts,
        history=history,
    ), 200


@bp.get("/gaps")
def region_gaps() -> tuple[str, int] | Response:
    """The region's gap report: skills the consortium's enterprises need and no school teaches."""
    return _gap_page(None)


@bp.get("/gaps/schools/<int:school_id>")
def school_gaps(school_id: int) -> tuple[str, int] | Response:
    """One school's gap report: demanded skills its own courses do not teach."""
    return _gap_page(school_id)


from . import web_accounts  # noqa: E402,F401  (registers the account pages on bp)
