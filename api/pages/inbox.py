"""Every signed-in user's inbox: notifications newest first in the page's language, unread ones
marked, the state of their e-mail when it is not plain; mark one or all read."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from api.i18n import notice_language
from api.local_paths import local_path
from matcher.catalog import MAX_ID
from matcher.errors import NotFound

from .common import error_page, for_role, services, signed_in, when

bp = Blueprint("inbox", __name__, url_prefix="/inbox", template_folder="../templates")

SHOWN = 100
"""The newest notifications on the page."""
ROLES = ("enterprise", "school", "student")


def _user_id() -> int | None:
    """The signed-in user's id; the local admin (CLI) has no inbox."""
    return signed_in().user_id


def mail_notes() -> dict[str, str]:
    return {
        "pending": _("E-mail pending: it is sent or retried shortly."),
        "sending": _("E-mail being sent."),
        "failed": _("E-mail failed: the notice stays here."),
    }


@bp.get("")
@for_role(*ROLES)
def inbox() -> str | tuple[str, int]:
    user_id = _user_id()
    if user_id is None:
        return error_page(404, _("This account has no inbox."))
    notices = services().inbox.list(user_id, notice_language(), limit=SHOWN)
    for notice in notices:
        notice["when"] = when(notice["created_at"])
        notice["target"] = local_path(notice["link"] or "")
    return render_template(
        "inbox.html",
        notices=notices,
        unread=sum(1 for n in notices if n["read_at"] is None),
        mail_notes=mail_notes(),
    )


@bp.post("/<int:notification_id>/read")
@for_role(*ROLES)
def mark_read(notification_id: int) -> Response | tuple[str, int]:
    user_id = _user_id()
    if user_id is None or notification_id > MAX_ID:
        return error_page(404, _("There is no such notice in your inbox."))
    try:
        services().inbox.mark_read(user_id, notification_id, notice_language())
    except NotFound:
        return error_page(404, _("There is no such notice in your inbox."))
    return redirect(url_for("inbox.inbox"), code=303)


@bp.post("/read")
@for_role(*ROLES)
def mark_all_read() -> Response | tuple[str, int]:
    user_id = _user_id()
    if user_id is None:
        return error_page(404, _("This account has no inbox."))
    count = services().inbox.mark_all_read(user_id)
    flash(ngettext("%(num)d notice marked read.", "%(num)d notices marked read.", count))
    return redirect(url_for("inbox.inbox"), code=303)
