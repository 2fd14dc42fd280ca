"""Student pages (being built: see issue 15)."""

from __future__ import annotations

from flask import Blueprint, render_template

from .common import for_role

bp = Blueprint("student", __name__, url_prefix="/student", template_folder="../templates")


@bp.get("/profile")
@for_role("student")
def profile() -> str:
    return render_template("placeholder.html")


@bp.get("/search")
@for_role("student")
def search() -> str:
    return render_template("placeholder.html")
