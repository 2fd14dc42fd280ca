"""The consortium's printable lists: the talent demand list (人才需求清单, public) and the
schools' answers (each signed-in enterprise or school sees its own, admins all), with a filter
form and download links to the same list as CSV and XLSX (``/api/v1/exports/...``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from api import exports
from matcher.answers import STATUSES
from matcher.answers.exports import ExportFilter, Exports
from matcher.errors import TalentmatchError, ValidationFailed

from . import overview
from .common import caller_or_none, for_role, in_page_language, number, services

bp = Blueprint("consortium", __name__, url_prefix="/consortium", template_folder="../templates")


def _filters(with_status: bool) -> tuple[ExportFilter, list[str], dict[str, str]]:
    """The form's filters; an unreadable school or status is an error shown by the form."""
    args = request.args
    school_text = args.get("school_id", "").strip()
    school_id = None
    if school_text:
        school_id = number(school_text)
        if school_id is None:
            raise ValidationFailed(f"field 'school_id': {school_text!r} is not a school")
    status = args.get("status", "").strip() if with_status else ""
    if status and status not in STATUSES:
        raise ValidationFailed(f"field 'status': one of {', '.join(STATUSES)}")
    values = {
        "industry": args.get("industry", "").strip(),
        "skill": args.get("skill", "").strip(),
        "school_id": school_text,
        "status": status,
    }
    where = ExportFilter(values["industry"] or None, values["skill"] or None, school_id)
    return where, [status] if status else [], values


def _page(which: str, records: Any = None) -> tuple[str, int]:
    svc = services()
    status = 200
    error = None
    items: list[dict[str, Any]] = []
    try:
        where, statuses, values = _filters(which == "responses")
        if which == "responses":
            records = svc.responses.list(caller_or_none(), status=statuses)
        items = exports.rows(Exports(svc.db), svc.gaps, which, where, records)
    except TalentmatchError as exc:
        status, error = exc.status, in_page_language(exc.detail)
        values = {k: request.args.get(k, "") for k in ("industry", "skill", "school_id", "status")}
    query = {k: v for k, v in values.items() if v}
    return render_template(
        f"consortium/{'demands' if which == 'demands' else 'answers'}.html",
        items=items,
        values=values,
        error=error,
        industries=overview.industries(svc.db),
        schools=overview.schools(svc.db),
        statuses=STATUSES,
        downloads={f: {**query, "format": f} for f in ("csv", "xlsx")},
        title=_("Talent demand list") if which == "demands" else _("Answers to demands"),
    ), status


@bp.get("/demands")
def demands() -> tuple[str, int]:
    """The talent demand list: every posting, its answers and who was accepted."""
    return _page("demands")


@bp.get("/answers")
@for_role("enterprise", "school")
def answers() -> tuple[str, int]:
    """The answers the signed-in enterprise or school may see (admins: all)."""
    return _page("responses")
