"""Web pages: a search page that shows ranked matches with their explanations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from matcher.errors import TalentmatchError
from matcher.ranking import TEXT_TARGETS

bp = Blueprint("web", __name__, template_folder="templates")


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
