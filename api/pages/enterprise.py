"""Enterprise pages: the enterprise's demands (list, post, edit, close), each demand's ranked
programs, courses and consenting students, its feeds with the last refresh of each, and skill
suggestions while typing.

A member sees their own enterprise; an admin any enterprise (``?enterprise_id=``). Another
enterprise's demand in the address is a 403 page, never its form. Every write goes through the
ownership-checked catalog, which validates the whole record and writes all of it or nothing.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from embeddings import ModelLoadError
from jobs.feeds import FeedRegistry
from jobs.refresh import Refresher
from matcher import clock
from matcher.accounts import Actor
from matcher.catalog import MAX_ID, parse_input
from matcher.errors import TalentmatchError, ValidationFailed
from matcher.search import Filters
from store import Course, Demand

from . import answers
from .common import (
    day,
    error_page,
    for_role,
    in_page_language,
    last_day,
    number,
    services,
    signed_in,
    when,
)

bp = Blueprint("enterprise", __name__, url_prefix="/enterprise", template_folder="../templates")

Page = str | tuple[str, int] | Response

KINDS = ("job", "internship", "apprenticeship", "training")
FORM_FIELDS = (
    "title",
    "kind",
    "description",
    "skills",
    "openings",
    "city",
    "posted_at",
    "expires_at",
)
TARGETS = ("programs", "courses", "students")
MATCHES_PER_TARGET = 10
PER_PAGE = 50
SUGGESTIONS = 10
PHRASES_TTL = 60.0
"""Seconds the known skill phrases are kept in memory for suggestions (own writes renew it)."""
_PHRASES_KEY = "enterprise.skill_phrases"
_SEPARATORS = re.compile(r"[\n\r,，;；]+")


# -- words of the page -----------------------------------------------------------------------


def kind_names() -> dict[str, str]:
    return {
        "job": _("job"),
        "internship": _("internship"),
        "apprenticeship": _("apprenticeship"),
        "training": _("training"),
    }


def status_names() -> dict[str, str]:
    return {"active": _("active"), "expired": _("expired"), "closed": _("closed")}


def feed_status_names() -> dict[str, str]:
    return {
        "succeeded": _("succeeded"),
        "partial": _("partly failed"),
        "failed": _("failed"),
        "not_modified": _("not modified"),
        "running": _("running"),
    }


def form_errors(error: TalentmatchError) -> dict[str, str]:
    """``{field: message}`` of a refused write, by the form's fields (``skills.3`` is the
    skills field); what concerns no field of the form goes under ``""``."""
    found: dict[str, str] = {}
    for item in error.errors:
        name = str(item.get("field") or "").split(".")[0]
        name = name if name in FORM_FIELDS else ""
        found.setdefault(name, in_page_language(str(item.get("message", ""))))
    if not found:
        found[""] = error.detail
    return found


# -- whose pages -----------------------------------------------------------------------------


def _enterprise_of(actor: Actor) -> int | None:
    """The enterprise shown: a member's own; for admins the ``enterprise_id`` asked for."""
    if not actor.is_admin:
        return actor.organization_id
    raw = request.values.get("enterprise_id", "")
    return number(raw)


def _enterprise(enterprise_id: int) -> dict[str, Any] | None:
    try:
        record = services().catalog.get("organizations", enterprise_id)
    except TalentmatchError:
        return None
    return record if record["kind"] == "enterprise" else None


def _enterprises() -> list[dict[str, Any]]:
    return services().catalog.list_page("organizations", 1, 1000, {"kind": "enterprise"}).items


def _scope(enterprise_id: int) -> dict[str, Any]:
    """URL arguments that keep an admin on the enterprise they chose."""
    return {"enterprise_id": enterprise_id} if signed_in().is_admin else {}


def _own_demand(demand_id: int) -> dict[str, Any] | tuple[str, int]:
    """The demand if the caller's enterprise owns it (admins: any); else an error page."""
    actor = signed_in()
    if demand_id > MAX_ID:
        return error_page(404, _("There is no demand with this number."))
    try:
        demand = services().catalog.get("demands", demand_id)
    except TalentmatchError:
        return error_page(404, _("There is no demand with this number."))
    if not actor.is_admin and demand["enterprise_id"] != actor.organization_id:
        return error_page(403, _("This demand belongs to another enterprise."))
    return demand


def _chooser(endpoint: str) -> tuple[str, int]:
    """Admins pick the enterprise whose pages to see."""
    return render_template(
        "enterprise/choose.html", enterprises=_enterprises(), endpoint=endpoint
    ), 200


# -- demands ---------------------------------------------------------------------------------


@bp.get("/demands")
@for_role("enterprise")
def demands() -> Page:
    actor = signed_in()
    enterprise_id = _enterprise_of(actor)
    if enterprise_id is None:
        return _chooser("enterprise.demands")
    enterprise = _enterprise(enterprise_id)
    if enterprise is None:
        return error_page(404, _("There is no enterprise with this number."))
    show = request.args.get("show", "all")
    show = show if show in ("all", "active", "inactive") else "all"
    filters: dict[str, Any] = {"enterprise_id": enterprise_id}
    if show != "all":
        filters["active"] = show == "active"
    raw_page = request.args.get("page", "1")
    page_no = number(raw_page, 99_999) or 1
    found = services().catalog.list_page("demands", page_no, PER_PAGE, filters)
    pages = max(1, -(-found.total // PER_PAGE))
    proposed = Counter(
        r["demand_id"]
        for r in services().responses.list(actor, status=["proposed"])
        if r["enterprise_id"] == enterprise_id
    )
    rows = [
        {
            **d,
            "posted_day": day(d["posted_at"]),
            "last_day": last_day(d["expires_at"]),
            "new_answers": proposed[d["id"]],
        }
        for d in found.items
    ]
    return render_template(
        "enterprise/demands.html",
        enterprise=enterprise,
        demands=rows,
        total=found.total,
        page=page_no,
        pages=pages,
        show=show,
        scope=_scope(enterprise_id),
        kind_names=kind_names(),
        status_names=status_names(),
    )


def _form_values(demand: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the form shows: a stored demand's values, or a new demand's defaults."""
    if demand is None:
        return {"kind": "job", "openings": "1", "posted_at": clock.today().isoformat()}
    expires = last_day(demand["expires_at"])
    posted = day(demand["posted_at"])
    return {
        "title": demand["title"],
        "kind": demand["kind"],
        "description": demand["description"],
        "skills": ", ".join(demand["skills"]),
        "openings": str(demand["openings"]),
        "city": demand["city"] or "",
        "posted_at": posted.isoformat() if posted else "",
        "expires_at": expires.isoformat() if expires else "",
    }


def split_skills(text: str) -> list[str]:
    """Skills typed one per line or separated by commas or semicolons, each once."""
    seen: set[str] = set()
    skills = []
    for part in _SEPARATORS.split(text):
        phrase = part.strip()
        key = _key(phrase)
        if phrase and key not in seen:
            seen.add(key)
            skills.append(phrase)
    return skills


def _typed() -> dict[str, str]:
    return {name: request.form.get(name, "") for name in FORM_FIELDS}


def _record(typed: dict[str, str], stored: dict[str, Any] | None = None) -> dict[str, Any]:
    """The form as an input record for the catalog to validate.

    Blank openings take the default (1), a blank expiry is none. On an edit, a day left as
    the form showed it keeps the stored instant (a demand closed at 10:23 stays closed).
    """
    data: dict[str, Any] = {
        "title": typed["title"],
        "kind": typed["kind"],
        "description": typed["description"],
        "skills": split_skills(typed["skills"]),
        "city": typed["city"],
        "posted_at": typed["posted_at"].strip(),
        "expires_at": typed["expires_at"].strip() or None,
    }
    if typed["openings"].strip():
        data["openings"] = typed["openings"].strip()
    if not data["posted_at"]:
        del data["posted_at"]  # "required", beside the field
    if stored is not None:
        shown = _form_values(stored)
        for name in ("posted_at", "expires_at"):
            if data.get(name) and data[name] == shown[name]:
                data[name] = stored[name]
    return data


def _form_page(
    values: dict[str, Any],
    errors: dict[str, str],
    status: int,
    demand: dict[str, Any] | None,
    enterprise: dict[str, Any],
) -> tuple[str, int]:
    return render_template(
        "enterprise/demand_form.html",
        values=values,
        errors=errors,
        demand=demand,
        enterprise=enterprise,
        skills=split_skills(values.get("skills", "")),
        kinds=KINDS,
        kind_names=kind_names(),
        today=clock.today().isoformat(),
        scope=_scope(enterprise["id"]),
    ), status


def _with_found_skill(
    typed: dict[str, str], demand: dict[str, Any] | None, enterprise: dict[str, Any]
) -> tuple[str, int]:
    """A form sent with a phrase in "find a skill" (Enter there, or no script): the phrase
    joins the skills and the form comes back to be checked; nothing is saved yet."""
    phrase = request.form.get("q", "").strip()
    flash(_("“%(skill)s” was added to the skills. Check the form, then send it.", skill=phrase))
    return _form_page(_add_skill(typed), {}, 200, demand, enterprise)


def _add_skill(typed: dict[str, str]) -> dict[str, str]:
    """The form with the phrase of "find a skill" added to its skills (nothing is saved)."""
    phrase = request.values.get("q", "").strip()
    skills = split_skills(typed["skills"])
    if phrase and _key(phrase) not in {_key(s) for s in skills}:
        skills.append(phrase)
    return {**typed, "skills": ", ".join(skills)}


@bp.route("/demands/new", methods=["GET", "POST"])
@for_role("enterprise")
def new_demand() -> Page:
    actor = signed_in()
    enterprise_id = _enterprise_of(actor)
    if enterprise_id is None:
        return _chooser("enterprise.new_demand")
    enterprise = _enterprise(enterprise_id)
    if enterprise is None:
        return error_page(404, _("There is no enterprise with this number."))
    if request.method == "GET":
        return _form_page(_form_values(), {}, 200, None, enterprise)
    typed = _typed()
    if request.form.get("q", "").strip():
        return _with_found_skill(typed, None, enterprise)
    data = _record(typed)
    if actor.is_admin:
        data["enterprise_id"] = enterprise_id  # members' own comes from their account
    try:
        record = parse_input("demands", data)
        _expiry_after_posting(record)
        created = services().catalog_for(actor).create("demands", record)
    except TalentmatchError as exc:
        return _form_page(typed, form_errors(exc), exc.status, None, enterprise)
    _phrases_changed()
    flash(_("Demand “%(title)s” posted. Its matches are below.", title=created["title"]))
    return redirect(url_for("enterprise.demand", demand_id=created["id"]), code=303)


@bp.route("/demands/<int:demand_id>/edit", methods=["GET", "POST"])
@for_role("enterprise")
def edit_demand(demand_id: int) -> Page:
    demand = _own_demand(demand_id)
    if isinstance(demand, tuple):
        return demand
    enterprise = _enterprise(demand["enterprise_id"])
    assert enterprise is not None
    if request.method == "GET":
        return _form_page(_form_values(demand), {}, 200, demand, enterprise)
    typed = _typed()
    if request.form.get("q", "").strip():
        return _with_found_skill(typed, demand, enterprise)
    data = _record(typed, demand)
    catalog = services().catalog_for(signed_in())
    try:
        record = parse_input("demands", {**data, "enterprise_id": demand["enterprise_id"]})
        _expiry_after_posting(record)
        patch = record.model_dump(include={*FORM_FIELDS})
        updated = catalog.update("demands", demand_id, patch)
    except TalentmatchError as exc:
        return _form_page(typed, form_errors(exc), exc.status, demand, enterprise)
    _phrases_changed()
    flash(_("Changes to “%(title)s” saved.", title=updated["title"]))
    return redirect(url_for("enterprise.demand", demand_id=demand_id), code=303)


@bp.post("/demands/<int:demand_id>/close")
@for_role("enterprise")
def close_demand(demand_id: int) -> Page:
    """Closing sets the expiry to now: the demand is no longer active nor matched to students."""
    demand = _own_demand(demand_id)
    if isinstance(demand, tuple):
        return demand
    try:
        services().catalog_for(signed_in()).update(
            "demands", demand_id, {"expires_at": clock.now()}
        )
    except TalentmatchError as exc:
        return error_page(exc.status, exc.detail)
    flash(_("Demand “%(title)s” closed today: it expires now.", title=demand["title"]))
    return redirect(url_for("enterprise.demands", **_scope(demand["enterprise_id"])), code=303)


def _match_filters() -> tuple[Filters, dict[str, Any]]:
    city = request.args.get("city", "").strip()[:100] or None
    raw = request.args.get("school_id", "")
    school_id = number(raw)
    return Filters(city=city, school_id=school_id), {"city": city or "", "school_id": school_id}


def _with_shared_contact(results: list[dict[str, Any]]) -> None:
    """Students who share their contact with enterprises show it beside their name."""
    catalog = services().catalog_for(signed_in())
    for result in results:
        shown = catalog.get("students", result["id"])
        if shown.get("contact"):
            result["contact"] = shown["contact"]


def _expiry_after_posting(record: Any) -> None:
    """A form posts demands that are open: one that would end before it starts is refused
    (feeds and imports may carry such postings, which are then simply expired)."""
    if record.expires_at is not None and record.expires_at < record.posted_at:
        message = _("Open until must not be before the day it is posted.")
        raise ValidationFailed(message, errors=[{"field": "expires_at", "message": message}])


@bp.get("/demands/<int:demand_id>")
@for_role("enterprise")
def demand(demand_id: int) -> Page:
    found = _own_demand(demand_id)
    if isinstance(found, tuple):
        return found
    filters, chosen = _match_filters()
    sections = []
    for target in TARGETS:
        results: list[dict[str, Any]] = []
        problem = None
        try:
            if target == "students":
                services().access.require_finder(signed_in())
            results = services().matcher.match_demand(
                demand_id, target, MATCHES_PER_TARGET, filters
            )
            if target == "students":
                _with_shared_contact(results)
        except TalentmatchError as exc:
            problem = exc.detail
        except ModelLoadError:
            problem = _("Matching is unavailable: the language model could not be loaded.")
        sections.append({"target": target, "results": results, "problem": problem})
    schools = services().catalog.list_page("organizations", 1, 1000, {"kind": "school"}).items
    received = services().responses.list(signed_in(), demand_id=demand_id)
    return render_template(
        "enterprise/demand.html",
        answers=[_answer_shown(r) for r in reversed(received)],  # newest first
        **answers.words(),
        demand={
            **found,
            "posted_day": day(found["posted_at"]),
            "last_day": last_day(found["expires_at"]),
        },
        sections=sections,
        schools=schools,
        chosen=chosen,
        scope=_scope(found["enterprise_id"]),
        kind_names=kind_names(),
        status_names=status_names(),
        target_names={
            "programs": _("Programs"),
            "courses": _("Courses"),
            "students": _("Students who agreed to be found"),
        },
    )


def _answer_shown(record: dict[str, Any]) -> dict[str, Any]:
    return {
        **record,
        "received": when(record["created_at"]),
        "decided": when(record["decided_at"]),
        "closed": when(record["closed_at"]),
        "starts_day": date.fromisoformat(record["starts_on"]) if record["starts_on"] else None,
    }


@bp.post("/answers/<int:response_id>/status")
@for_role("enterprise")
def answer_status(response_id: int) -> Page:
    """Accept or decline an answer; back to its demand's answers."""
    demand_id = number(request.form.get("demand_id", ""))
    back = (
        url_for("enterprise.demand", demand_id=demand_id, _anchor="answers")
        if demand_id is not None
        else url_for("enterprise.demands")
    )
    return answers.move(response_id, back)


# -- feeds -----------------------------------------------------------------------------------


def _last_runs(feed_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Each feed's outcome in the newest refresh run that took it."""
    refresher = Refresher(services())
    try:
        runs = refresher.runs(50)
    finally:
        refresher.fetcher.session.close()
    last: dict[int, dict[str, Any]] = {}
    for run in runs:
        for outcome in run["feeds"] or []:
            feed_id = outcome.get("feed_id")
            if feed_id in feed_ids and feed_id not in last:
                last[feed_id] = {
                    **outcome,
                    "run_id": run["id"],
                    "finished": when(run["finished_at"] or run["started_at"]),
                }
    return last


@bp.get("/feeds")
@for_role("enterprise")
def feeds() -> Page:
    actor = signed_in()
    enterprise_id = _enterprise_of(actor)
    enterprise = None
    if enterprise_id is not None:
        enterprise = _enterprise(enterprise_id)
        if enterprise is None:
            return error_page(404, _("There is no enterprise with this number."))
    # admins without a chosen enterprise see every feed
    listed = FeedRegistry(services().db).list(enterprise_id)
    runs = _last_runs({f["id"] for f in listed})
    rows = [{**f, "fetched": when(f["last_fetched_at"]), "run": runs.get(f["id"])} for f in listed]
    return render_template(
        "enterprise/feeds.html",
        enterprise=enterprise,
        feeds=rows,
        enterprises=_enterprises() if actor.is_admin else [],
        status_names=feed_status_names(),
    )


# -- skill suggestions -----------------------------------------------------------------------


def _key(phrase: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", phrase).casefold().split())


def _phrases_changed() -> None:
    current_app.extensions.pop(_PHRASES_KEY, None)


def known_phrases() -> list[str]:
    """Skill phrases of the store's demands and courses, each once in its most used spelling,
    most used first; kept for ``PHRASES_TTL`` seconds."""
    cached = current_app.extensions.get(_PHRASES_KEY)
    if cached is not None and time.monotonic() - cached[0] < PHRASES_TTL:
        return list(cached[1])
    spellings: Counter[str] = Counter()
    with services().db.session() as session:
        for column in (Demand.skills, Course.skills):
            for skills in session.scalars(select(column)):
                spellings.update(p.strip() for p in skills or [] if p and p.strip())
    by_key: dict[str, tuple[int, str]] = {}
    uses: Counter[str] = Counter()
    for phrase, count in spellings.items():
        key = _key(phrase)
        uses[key] += count
        if key not in by_key or count > by_key[key][0]:
            by_key[key] = (count, phrase)
    phrases = [by_key[key][1] for key, _n in uses.most_common()]
    current_app.extensions[_PHRASES_KEY] = (time.monotonic(), phrases)
    return phrases


def suggest(text: str, exclude: list[str] | None = None, limit: int = SUGGESTIONS) -> list[str]:
    """Known phrases that start with ``text``, then those with a word that does, then those
    that contain it; most used first within each; at most ``limit``."""
    wanted = _key(text)
    if not wanted:
        return []
    skip = {_key(p) for p in exclude or []}
    starts, words, contains = [], [], []
    for phrase in known_phrases():
        key = _key(phrase)
        if key in skip or wanted not in key:
            continue
        if key.startswith(wanted):
            starts.append(phrase)
        elif any(w.startswith(wanted) for w in re.split(r"[\s/()\-]+", key)):
            words.append(phrase)
        else:
            contains.append(phrase)
    return (starts + words + contains)[:limit]


@bp.get("/skills")
@for_role("enterprise")
def skills() -> str:
    """``<option>``s for the "find a skill" field's ``<datalist>`` (htmx fills it)."""
    text = request.args.get("q", "")[:200]
    chosen = split_skills(request.args.get("skills", "")[:20_000])
    return render_template(
        "enterprise/_skill_options.html", suggestions=suggest(text, exclude=chosen)
    )


@bp.get("/skills/add")
@for_role("enterprise")
def add_skill() -> str:
    """The skills part of the form with the found phrase added (htmx; nothing is saved)."""
    typed = {name: request.args.get(name, "") for name in FORM_FIELDS}
    values = _add_skill(typed)
    return render_template(
        "enterprise/_skills.html",
        values=values,
        errors={},
        skills=split_skills(values["skills"]),
    )
