"""School pages (being built: see issue 15)."""

from __future__ import annotations

from flask import Blueprint, render_template

from .common import for_role

bp = Blueprint("school", __name__, url_prefix="/school", template_folder="../templates")


@bp.get("/catalog")
@for_role("school")
def catalog() -> str:
    return render_template("placeholder.html")


@bp.get("/gaps")
@for_role("school")
def gaps() -> str:
    return render_template("placeholder.html")
