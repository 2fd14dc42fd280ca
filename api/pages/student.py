"""Student pages: the profile (record, consent in plain words, the consent ledger) and the
search for internships and jobs, each result explained with the courses that teach what is
missing.

Students see and change only their own record; admins pass ``?student=ID`` to see a
student's pages (the ownership-checked catalog decides what they may change).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from api.inputs import patch_model
from matcher.accounts import Actor
from matcher.catalog import InputModel, StudentIn, parse_input, parse_input_model
from matcher.errors import NotFound, TalentmatchError, ValidationFailed
from matcher.language import MAX_TEXT_CHARS
from matcher.search import Filters

from . import overview
from .common import (
    error_page,
    field_errors,
    for_role,
    in_page_language,
    number,
    services,
    signed_in,
)

bp = Blueprint("student", __name__, url_prefix="/student", template_folder="../templates")

KINDS = ("internship", "job", "apprenticeship", "training")
DEFAULT_KINDS = ("internship", "job")
RESULTS = 20
MAX_CITY = 100
_SEPARATORS = re.compile(r"[\n\r;；,，、|]+")


@cache
def _patch_model() -> type[InputModel]:
    return patch_model(StudentIn)


def phrases(text: str) -> list[str]:
    """Skills or interests as typed: one per line, or separated by commas (also ， and 、)."""
    seen: dict[str, str] = {}
    for part in _SEPARATORS.split(text):
        phrase = " ".join(part.split())
        if phrase and phrase.casefold() not in seen:
            seen[phrase.casefold()] = phrase
    return list(seen.values())


def _student_id(actor: Actor) -> int | None:
    """The student whose pages these are: the caller's own record; for admins ``?student=``."""
    if actor.is_admin:
        chosen = request.args.get("student", "")
        return number(chosen)
    return actor.student_id


_FIELD_DETAIL = re.compile(r"(?:[\w ]+: )?field '(\w+)[\w.]*': (.+)", re.DOTALL)


def _errors(exc: TalentmatchError) -> dict[str, str]:
    """Messages by form field: ``course_ids.2`` is shown beside the courses, and so is a
    refusal whose detail names the field (``field 'course_ids': no course with id 3 ...``)."""
    found: dict[str, str] = {}
    for name, message in field_errors(exc).items():
        named = _FIELD_DETAIL.fullmatch(message) if not name else None
        if named:
            name, message = named.groups()
        found.setdefault(name.split(".")[0], in_page_language(message))
    return found


# -- profile ---------------------------------------------------------------------------------


def _form_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """What the student typed, as the form shows it again."""
    return {
        "name": form.get("name", ""),
        "program_id": form.get("program_id", ""),
        "course_ids": form.getlist("course_ids"),
        "skills": form.get("skills", ""),
        "interests": form.get("interests", ""),
        "city": form.get("city", ""),
        "contact": form.get("contact", ""),
        "consent": form.get("consent") == "yes",
        "share_contact": form.get("share_contact") == "yes",
    }


def _record_values(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": record.get("name") or "",
        "program_id": str(record["program_id"] or ""),
        "course_ids": [str(i) for i in record["course_ids"]],
        "skills": "\n".join(record["skills"]),
        "interests": "\n".join(record["interests"]),
        "city": record.get("city") or "",
        "contact": record.get("contact") or "",
        "consent": bool(record.get("consent")),
        "share_contact": bool(record.get("share_contact")),
    }


def _patch(values: dict[str, Any]) -> dict[str, Any]:
    """The form as a change of the student record, validated field by field."""
    data = {
        "name": values["name"],
        "program_id": values["program_id"] or None,
        "course_ids": values["course_ids"],
        "skills": phrases(values["skills"]),
        "interests": phrases(values["interests"]),
        "city": values["city"],
        "contact": values["contact"],
        "consent": values["consent"],
        "share_contact": values["share_contact"],
    }
    return parse_input_model(_patch_model(), data, "profile").model_dump(exclude_unset=True)


def _ledger(student_id: int) -> list[dict[str, Any]]:
    rows = services().privacy.consents(student_id)
    for row in rows:
        for key in ("given_at", "withdrawn_at"):
            row[key.removesuffix("_at")] = datetime.fromisoformat(row[key]) if row[key] else None
    return list(reversed(rows))  # newest first


def _profile_page(
    actor: Actor,
    student_id: int,
    record: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> tuple[str, int]:
    catalog = services().catalog
    school_id = record["school_id"]
    programs = catalog.list_page("programs", 1, 1000, {"school_id": school_id}).items
    courses = catalog.list_page("courses", 1, 1000, {"school_id": school_id}).items
    return render_template(
        "student/profile.html",
        actor=actor,
        student_id=student_id,
        record=record,
        values=values,
        errors=errors,
        programs=sorted(programs, key=lambda p: p["name"]),
        courses=sorted(courses, key=lambda c: c["code"]),
        ledger=_ledger(student_id),
        admin_query={"student": student_id} if actor.is_admin else {},
    ), status


def _create_page(values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    return render_template(
        "student/create.html",
        values=values,
        errors=errors,
        schools=overview.schools(services().db),
    ), status


def _create(actor: Actor) -> Any:
    """A student account without a record makes one: school, and the first details."""
    form = request.form
    values = {
        "school_id": form.get("school_id", ""),
        "name": form.get("name", ""),
        "city": form.get("city", ""),
        "skills": form.get("skills", ""),
    }
    if not values["school_id"]:
        return _create_page(values, {"school_id": _("Choose the school you study at.")}, 422)
    try:
        record = parse_input(
            "students",
            {
                "school_id": values["school_id"],
                "name": values["name"],
                "city": values["city"],
                "skills": phrases(values["skills"]),
            },
            "profile",
        )
        services().catalog_for(actor).create("students", record)
    except NotFound as exc:  # the school chosen is gone (or never was)
        return _create_page(values, {"school_id": exc.detail}, exc.status)
    except TalentmatchError as exc:
        return _create_page(values, _errors(exc), exc.status)
    flash(_("Your student record is made. Add your program, courses and skills below."))
    return redirect(url_for("student.profile"), code=303)


@bp.route("/profile", methods=["GET", "POST"])
@for_role("student")
def profile() -> Any:
    actor = signed_in()
    student_id = _student_id(actor)
    if student_id is None:
        if actor.is_admin:
            return render_template("student/choose.html", target="student.profile")
        if request.method == "POST":
            return _create(actor)
        return _create_page({"school_id": "", "name": "", "city": "", "skills": ""}, {})
    catalog = services().catalog_for(actor)
    try:
        record = catalog.get("students", student_id)
    except TalentmatchError as exc:
        return error_page(exc.status, exc.detail)
    if request.method == "GET":
        return _profile_page(actor, student_id, record, _record_values(record), {})
    values = _form_values(request.form)
    try:
        catalog.update("students", student_id, _patch(values))
    except TalentmatchError as exc:
        return _profile_page(actor, student_id, record, values, _errors(exc), exc.status)
    flash(_("Your profile is saved."))
    if actor.is_admin:
        return redirect(url_for("student.profile", student=student_id), code=303)
    return redirect(url_for("student.profile"), code=303)


# -- search ----------------------------------------------------------------------------------


def text_error(exc: TalentmatchError) -> str:
    """What is wrong with a search's text, in the page's language."""
    if isinstance(exc, ValidationFailed):
        return _(
            "Type skills or a description: at least one letter, digit or Chinese character, "
            "and at most %(n)s characters.",
            n=format_decimal(MAX_TEXT_CHARS),
        )
    return exc.detail


def _with_courses(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Free-text results get what profile matches have: the courses that teach what is
    missing (``explanation.learn``)."""
    return services().matcher.suggest_courses(results)


@bp.get("/search")
@for_role("student")
def search() -> Any:
    actor = signed_in()
    student_id = _student_id(actor)
    args = request.args
    submitted = "q" in args
    text = args.get("q", "").strip()
    # first visit: internships and jobs; a search with no kind ticked: every kind
    kinds = tuple(k for k in KINDS if k in args.getlist("kind")) if submitted else DEFAULT_KINDS
    kinds = kinds or KINDS
    city = args.get("city", "").strip()[:MAX_CITY] or None
    filters = Filters(kinds, city, True, None)
    record = None
    results: list[dict[str, Any]] = []
    error = None
    status = 200
    try:
        if student_id is not None:
            record = services().catalog_for(actor).get("students", student_id)
    except TalentmatchError as exc:
        return error_page(exc.status, exc.detail)
    try:
        if text:
            results = _with_courses(
                services().matcher.match_text(text, "demands", RESULTS, filters)
            )
        elif student_id is not None:
            results = services().matcher.match_student(student_id, RESULTS, filters)
    except TalentmatchError as exc:
        error, status = text_error(exc), exc.status
    return render_template(
        "student/search.html",
        actor=actor,
        student_id=student_id,
        record=record,
        text=text,
        kinds=kinds,
        all_kinds=KINDS,
        city=city or "",
        cities=overview.demand_cities(services().db),
        results=results,
        error=error,
        admin_query={"student": student_id} if actor.is_admin and student_id else {},
    ), status
