"""Pages per role after sign-in: enterprises (demands, matches, feeds), schools (programs,
courses, import, gap report), students (profile, consent, search). Public pages (overview,
search, gap reports) and sign-in live in ``api/web.py`` and ``api/web_accounts.py``."""

from __future__ import annotations

from flask import Flask

from . import consortium, enterprise, inbox, school, school_answers, student
from .common import navigation

MATCH_ENDPOINTS = ("enterprise.demand", "student.search", "web.search")
"""Pages that rank matches: rate-limited like the REST match endpoints."""


def register(app: Flask) -> None:
    assert school_answers.bp is school.bp  # its routes join the school pages
    for blueprint in (enterprise.bp, school.bp, student.bp, inbox.bp, consortium.bp):
        app.register_blueprint(blueprint)
    app.jinja_env.globals["navigation"] = navigation
