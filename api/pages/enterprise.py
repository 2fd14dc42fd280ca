"""Enterprise pages (being built: see issue 15)."""

from __future__ import annotations

from flask import Blueprint, render_template

from .common import for_role

bp = Blueprint("enterprise", __name__, url_prefix="/enterprise", template_folder="../templates")


@bp.get("/demands")
@for_role("enterprise")
def demands() -> str:
    return render_template("placeholder.html")


@bp.get("/feeds")
@for_role("enterprise")
def feeds() -> str:
    return render_template("placeholder.html")
