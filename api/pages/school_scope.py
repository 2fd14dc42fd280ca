"""Which school a school page is about — the member's own, or the one an admin chose with
``?school_id=`` — and what the school pages (``school``, ``school_answers``) share about it:
links that keep an admin's choice, the school's courses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, g, request, url_for
from flask_babel import gettext as _

from matcher.errors import NotFound

from .common import number, services, signed_in

ALL = 10_000
"""Every course or program of one school on one page (schools have dozens, not thousands)."""


@dataclass(frozen=True)
class School:
    id: int
    name: str


class ChooseSchool(Exception):
    """An admin opened a school page without saying which school."""


def current_school() -> School:
    """The school this page is about: the member's own; an admin's ``?school_id=``."""
    actor = signed_in()
    given = request.args.get("school_id", "").strip()
    if actor.is_admin:
        if not given:
            raise ChooseSchool
        school_id = number(given)
        if school_id is None:
            abort(404)
        school = _organization(school_id)
    else:
        if actor.organization_id is None:
            abort(403)
        if given and given != str(actor.organization_id):
            abort(403, _("You work on your own school's pages only."))
        school = _organization(actor.organization_id)
    g.school = school
    return school


def _organization(school_id: int) -> School:
    try:
        record = services().catalog.get("organizations", school_id)
    except NotFound:
        abort(404)
    if record["kind"] != "school":
        abort(404)
    return School(record["id"], record["name"])


def here(endpoint: str, **values: Any) -> str:
    """A URL on this school's pages: admins carry the school they chose along."""
    school = g.get("school")
    if school is not None and signed_in().is_admin:
        values.setdefault("school_id", school.id)
    return url_for(endpoint, **values)


def courses_of(school_id: int) -> list[dict[str, Any]]:
    return services().catalog.list_page("courses", 1, ALL, {"school_id": school_id}).items
