"""Web pages: the search page, and gap reports for the region and each school."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for

from matcher.errors import TalentmatchError
from matcher.search import TEXT_TARGETS

from .gap_output import to_html

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/search", endpoint="search")
@bp.get("/")
def home() -> str:
    services = current_app.extensions["talentmatch"]
    text = request.args.get("q", "").strip()
    target = request.args.get("target", "demands")
    results: list[dict[str, Any]] = []
    error = None
    if text:
        try:
            if target not in TEXT_TARGETS:
                raise TalentmatchError(f"target must be one of {', '.join(TEXT_TARGETS)}")
            results = services.matcher.match_text(text, target, 20)
        except TalentmatchError as exc:
            error = exc.detail
    return render_template(
        "home.html", text=text, target=target, targets=TEXT_TARGETS, results=results, error=error
    )


def _gap_links(services: Any) -> dict[str, Any]:
    schools = services.catalog.list_page("organizations", 1, 1000, {"kind": "school"}).items
    return {
        "region": url_for("web.region_gaps"),
        "schools": [
            {"name": s["name"], "url": url_for("web.school_gaps", school_id=s["id"])}
            for s in schools
        ],
    }


def _gap_page(school_id: int | None) -> tuple[str, int]:
    services = current_app.extensions["talentmatch"]
    try:
        report = services.gap_history.report(school_id, request.args.get("as_of") or None)
    except TalentmatchError as exc:
        return render_template("error.html", status=exc.status, detail=exc.detail), exc.status
    return to_html(report, links=_gap_links(services)), 200


@bp.get("/gaps")
def region_gaps() -> tuple[str, int]:
    """The region's gap report: skills the consortium's enterprises need and no school teaches."""
    return _gap_page(None)


@bp.get("/gaps/schools/<int:school_id>")
def school_gaps(school_id: int) -> tuple[str, int]:
    """One school's gap report: demanded skills its own courses do not teach."""
    return _gap_page(school_id)


from . import web_accounts  # noqa: E402,F401  (registers the account pages on bp)
