"""School pages about answering demands: one demand seen by a school (its nearest courses, what
they cover and miss, the school's earlier answers) with the "answer this" form prefilled, and
"my answers" with their status, to withdraw or mark delivered.

The routes join the school blueprint (``school.bp``): the same school choice for admins, the
same error pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from embeddings import ModelLoadError
from matcher.answers import OPEN, ResponseIn
from matcher.catalog import MAX_ID, parse_input_model
from matcher.errors import TalentmatchError
from matcher.search import Filters

from . import answers
from .common import (
    day,
    error_page,
    for_role,
    form_status,
    in_page_language,
    number,
    services,
    signed_in,
)
from .school import bp
from .school_scope import ALL, School, courses_of, current_school, here

NEAREST = 8
"""The school's courses ranked against the demand on its page (the form offers these)."""
PRECHECKED = 3
FORM_FIELDS = ("kind", "program_id", "message", "seats", "starts_on")

# What a refused answer's whole-record message is about: the field it goes beside.
_RECORD_RULES = (
    ("names its courses", "course_ids"),
    ("names the program", "program_id"),
    ("states its seats", "seats"),
    ("says what it teaches", "message"),
)

Page = str | tuple[str, int] | Response


def _demand(demand_id: int) -> dict[str, Any] | None:
    if demand_id > MAX_ID:
        return None
    try:
        demand = services().catalog.get("demands", demand_id)
    except TalentmatchError:
        return None
    demand["posted_day"] = day(demand["posted_at"])
    return demand


def nearest_courses(demand_id: int, school: School) -> tuple[list[dict[str, Any]], str | None]:
    """The school's courses nearest to the demand, best first, each with the asked skills it
    covers and misses; or why there are none (the model could not be loaded)."""
    try:
        results = services().matcher.match_demand(
            demand_id, "courses", NEAREST, Filters(school_id=school.id)
        )
    except ModelLoadError:
        return [], _("Matching is unavailable: the language model could not be loaded.")
    return [
        {
            "id": r["id"],
            "code": r.get("code"),
            "title": r["title"],
            "score": r["score"],
            "covered": [c["skill"] for c in r["explanation"].get("covered", [])],
            "missing": list(r["explanation"].get("missing", [])),
        }
        for r in results
    ], None


def prefilled(
    demand: Mapping[str, Any], courses: list[dict[str, Any]], skill: str, program_id: int | None
) -> dict[str, Any]:
    """The form as the school most likely answers: with the program it came from (a program's
    demand matches), else its courses that cover asked skills (existing courses), else its
    nearest course to revise, else a new course; the asked skills none of the chosen courses
    covers written into the message (``skill``, the gap the school came from, first)."""
    covering = [c for c in courses if c["covered"]]
    if covering:
        kind, chosen = "existing_course", covering[:PRECHECKED]
    elif courses:
        kind, chosen = "revised_course", courses[:1]
    else:
        kind, chosen = "new_course", []
    covered = {s for c in chosen for s in c["covered"]}
    missing = [s for s in demand["skills"] if s not in covered]
    if skill:
        missing = [skill, *(s for s in missing if s != skill)]
    return {
        "kind": "program" if program_id else kind,
        "course_ids": [str(c["id"]) for c in chosen],
        "program_id": str(program_id or ""),
        "message": _("Missing: %(skills)s", skills=", ".join(missing)) if missing else "",
        "seats": "",
        "starts_on": "",
    }


def _typed() -> dict[str, Any]:
    values: dict[str, Any] = {name: request.form.get(name, "") for name in FORM_FIELDS}
    values["course_ids"] = request.form.getlist("course_ids")
    return values


def _answer_errors(error: TalentmatchError) -> dict[str, str]:
    """Messages beside the form's fields, in the page's language."""
    found: dict[str, str] = {}
    for item in error.errors or [{"field": "", "message": error.detail}]:
        name = str(item.get("field") or "").split(".")[0]
        message = str(item.get("message", ""))
        if name == "(record)" or name not in (*FORM_FIELDS, "course_ids"):
            name = next((f for text, f in _RECORD_RULES if text in message), "")
        found.setdefault(name, _answer_message(name, message))
    return found


def _answer_message(field: str, message: str) -> str:
    if field == "course_ids" and "names its courses" in message:
        return _("Tick the courses that answer the demand.")
    if field == "program_id" and "names the program" in message:
        return _("Choose the program.")
    if field == "seats" and "states its seats" in message:
        return _("An order class states its seats and its start date.")
    if field == "message" and "says what it teaches" in message:
        return _("Say what the training teaches, or tick its courses.")
    if field == "starts_on" and "in the past" in message:
        return _("The start date is in the past: today or later.")
    if field == "kind":
        return _("Choose one of the kinds in the list.")
    if "open answer" in message:
        return _("Your school has an open answer to this demand already: withdraw it first.")
    if "is closed" in message:
        return _("The demand is closed: only open demands are answered.")
    if message.startswith("no course with id") or message.startswith("no program with id"):
        return _("Not one of your school's courses or programs.")
    return in_page_language(message)


def _data(values: Mapping[str, Any], school: School) -> dict[str, Any]:
    return {
        "kind": values["kind"],
        "school_id": school.id,
        "course_ids": list(values["course_ids"]),
        "program_id": values["program_id"],
        "message": values["message"],
        "seats": values["seats"].strip(),
        "starts_on": values["starts_on"].strip(),
    }


@bp.route("/demands/<int:demand_id>", methods=["GET", "POST"])
@for_role("school")
def demand(demand_id: int) -> Page:
    school = current_school()
    found = _demand(demand_id)
    if found is None:
        return error_page(404, _("There is no demand with this number."))
    skill = request.values.get("skill", "").strip()[:200]
    courses, problem = nearest_courses(demand_id, school)
    if request.method == "GET":
        program_id = number(request.args.get("program_id", ""))
        form = prefilled(found, courses, skill, program_id)
        return _page(school, found, courses, problem, form, {})
    values = _typed()
    try:
        answer = parse_input_model(ResponseIn, _data(values, school), "form")
        services().responses.create(signed_in(), demand_id, answer)
    except TalentmatchError as exc:
        if exc.status == 403:
            return error_page(403, _("Answer with your own school's courses and programs."))
        errors = _answer_errors(exc)
        return _page(school, found, courses, problem, values, errors, form_status(exc))
    flash(_("%(enterprise)s has your answer to “%(title)s”.", **_names(found)))
    return redirect(here("school.my_answers"), code=303)


def _names(demand: Mapping[str, Any]) -> dict[str, str]:
    return {"title": demand["title"], "enterprise": demand["enterprise"]}


def _page(
    school: School,
    demand: dict[str, Any],
    courses: list[dict[str, Any]],
    problem: str | None,
    values: Mapping[str, Any],
    errors: Mapping[str, str],
    status: int = 200,
) -> tuple[str, int]:
    earlier = services().responses.list(signed_in(), demand_id=demand["id"], school_id=school.id)
    ranked = {c["id"] for c in courses}
    others = [c for c in courses_of(school.id) if c["id"] not in ranked]
    programs = services().catalog.list_page("programs", 1, ALL, {"school_id": school.id}).items
    page = render_template(
        "school/demand.html",
        school=school,
        demand=demand,
        courses=courses,
        other_courses=others,
        programs=programs,
        problem=problem,
        earlier=[_shown(r) for r in reversed(earlier)],
        open_answer=next((r for r in earlier if r["status"] in OPEN), None),
        values=values,
        errors=errors,
        kinds=answers.kind_names(),
        **answers.words(),
    )
    return page, status


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    """An answer with its days as dates for the page."""
    return {
        **record,
        "created_day": day(record["created_at"]),
        "decided_day": day(record["decided_at"]),
        "closed_day": day(record["closed_at"]),
        "starts_day": day(record["starts_on"]),
    }


@bp.get("/answers")
@for_role("school")
def my_answers() -> str:
    school = current_school()
    found = services().responses.list(signed_in(), school_id=school.id)
    return render_template(
        "school/answers.html",
        school=school,
        answers=[_shown(r) for r in reversed(found)],  # newest first
        **answers.words(),
    )


@bp.post("/answers/<int:response_id>/status")
@for_role("school")
def answer_status(response_id: int) -> Page:
    current_school()
    return answers.move(response_id, here("school.my_answers"))
