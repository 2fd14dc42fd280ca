"""School pages: the school's programs and courses (add, edit, import a CSV with a preview), its
gap report with charts and a drill-down per skill, and the demands each program serves.

A school member works on their own school; an admin picks one (``?school_id=``). Another
school's course or program in the address is refused (403), never shown in a form. Writes go
through the ownership-checked catalog (``services().catalog_for(actor)``); reads of courses,
programs, demands and gap reports are public anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from matcher.catalog import CourseIn, InputModel, ProgramIn, parse_input
from matcher.catalog.importing import BadLine, csv_records
from matcher.errors import NotFound, TalentmatchError, ValidationFailed
from matcher.search import Filters
from store.models import identity_key

from . import answers
from .common import (
    day,
    error_page,
    field_errors,
    for_role,
    form_status,
    in_page_language,
    services,
    signed_in,
)
from .school_scope import ALL, ChooseSchool, School, courses_of, current_school, here

bp = Blueprint("school", __name__, url_prefix="/school", template_folder="../templates")

IMPORT_KINDS = ("courses", "programs")
MAX_IMPORT_BYTES = 256 * 1024
"""An import's CSV text, UTF-8: it travels back in the confirm form (as base64, under the
form-field limit of 500 kB), so it is capped well below the 1 MiB request limit."""
MAX_IMPORT_ROWS = 1000
DRILL_DEMANDS = 20
"""Demands behind one gap that are matched against the school's courses on the drill-down."""
PROGRAM_MATCHES = 20
TOP_GAPS = 10
"""Gaps in the lag chart."""

_PHRASE_SEPARATORS = re.compile(r"[\r\n,;，；、]+")
_LINE_SEPARATORS = re.compile(r"[\r\n]+")
_FIELD_IN_DETAIL = re.compile(r"^(?:[^:']*: )?field '([^']+)': (.+)$", re.DOTALL)


def _own(kind: str, record_id: int) -> dict[str, Any]:
    """A course or program of the caller's school (admins: of any school); else 403 / 404."""
    record = services().catalog.get(kind, record_id)  # NotFound → the 404 page
    actor = signed_in()
    if not actor.is_admin and record["school_id"] != actor.organization_id:
        abort(403, _("This belongs to another school."))
    g.school = School(record["school_id"], record["school"])
    return record


@bp.context_processor
def _page_helpers() -> dict[str, Any]:
    return {"here": here, "severity_names": _severity_names(), "kind_names": _kind_names()}


@bp.errorhandler(ChooseSchool)
def _choose_school(_error: ChooseSchool) -> tuple[str, int]:
    schools = services().catalog.list_page("organizations", 1, ALL, {"kind": "school"}).items
    endpoint = request.endpoint or "school.catalog"
    links = [
        {
            "name": s["name"],
            "url": url_for(endpoint, **(request.view_args or {}), school_id=s["id"]),
        }
        for s in schools
    ]
    return render_template("school/choose.html", schools=links), 200


@bp.errorhandler(TalentmatchError)
def _domain_error(error: TalentmatchError) -> tuple[str, int]:
    return error_page(error.status, error.detail)


def _severity_names() -> dict[str, str]:
    return {"red": _("red"), "yellow": _("yellow"), "green": _("green")}


def _kind_names() -> dict[str, str]:
    return {
        "job": _("job"),
        "internship": _("internship"),
        "apprenticeship": _("apprenticeship"),
        "training": _("training"),
    }


# -- values for templates ----------------------------------------------------------------------


def gap_key(skill: str) -> str:
    """A gap's key in the address: the skill as a readable slug (Chinese kept) and a short
    hash of its exact text, so two skills that read alike never share a page."""
    folded = unicodedata.normalize("NFKC", skill).casefold()
    slug = "-".join(re.findall(r"\w+", folded))[:60].strip("-_") or "skill"
    return f"{slug}-{hashlib.sha256(skill.encode('utf-8')).hexdigest()[:8]}"


def _phrases(text: str, separators: re.Pattern[str] = _PHRASE_SEPARATORS) -> list[str]:
    return [part.strip() for part in separators.split(text or "") if part.strip()]


def _form_errors(error: TalentmatchError) -> dict[str, str]:
    """Messages by form field: ``skills.2`` is the skills field's third item; a message about
    the whole record (or no field) goes under ``""``, shown above the form."""
    found: dict[str, str] = {}
    named = field_errors(error)
    if list(named) == [""]:  # no field list: the detail may still name one
        match = _FIELD_IN_DETAIL.match(error.detail)
        named = {match.group(1): match.group(2)} if match else named
    for key, message in named.items():
        base, _dot, index = key.partition(".")
        if base.startswith("("):
            base = ""
        if index.isdigit():
            message = _("item %(n)s: %(message)s", n=int(index) + 1, message=message)
        found.setdefault(base, message)
    return found


# -- the catalog -------------------------------------------------------------------------------


@bp.get("/catalog")
@for_role("school")
def catalog() -> str:
    school = current_school()
    courses = courses_of(school.id)
    programs = services().catalog.list_page("programs", 1, ALL, {"school_id": school.id}).items
    for course in courses:
        course["revised_day"] = day(course["last_revised"])
    return render_template("school/catalog.html", school=school, courses=courses, programs=programs)


COURSE_FIELDS = ("code", "title", "description", "skills", "outcomes", "hours", "last_revised")
PROGRAM_FIELDS = ("name", "description", "level", "annual_graduates")


def _course_data(values: Mapping[str, str], school_id: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "school_id": school_id,
        "code": values["code"],
        "title": values["title"],
        "description": values["description"],
        "skills": _phrases(values["skills"]),
        "outcomes": _phrases(values["outcomes"], _LINE_SEPARATORS),
    }
    for name in ("hours", "last_revised"):
        if values[name].strip():  # blank: none (dates take no blank)
            data[name] = values[name].strip()
    return data


def _course_values(record: Mapping[str, Any] | None) -> dict[str, str]:
    """What the form shows: a stored course, or what was typed."""
    if record is None:
        return {name: request.form.get(name, "") for name in COURSE_FIELDS}
    return {
        "code": record["code"],
        "title": record["title"],
        "description": record["description"] or "",
        "skills": "\n".join(record["skills"]),
        "outcomes": "\n".join(record["outcomes"]),
        "hours": "" if record["hours"] is None else str(record["hours"]),
        "last_revised": record["last_revised"] or "",
    }


def _as_patch(record: InputModel, owner_fields: Iterable[str]) -> dict[str, Any]:
    """Every field of a validated form as a change, except who owns it."""
    return record.model_dump(exclude={*owner_fields, "created_at"})


@bp.route("/courses/new", methods=["GET", "POST"])
@for_role("school")
def new_course() -> Any:
    school = current_school()
    if request.method == "GET":
        return _course_page(school, None, {name: "" for name in COURSE_FIELDS}, {})
    values = _course_values(None)
    try:
        record = parse_input("courses", _course_data(values, school.id), "form")
        created = services().catalog_for(signed_in()).create("courses", record)
    except TalentmatchError as exc:
        return _course_page(school, None, values, _form_errors(exc), form_status(exc))
    flash(_("Course %(code)s added.", code=created["code"]))
    return redirect(here("school.catalog"), code=303)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@for_role("school")
def edit_course(course_id: int) -> Any:
    course = _own("courses", course_id)
    school = School(course["school_id"], course["school"])
    if request.method == "GET":
        return _course_page(school, course, _course_values(course), {})
    values = _course_values(None)
    try:
        record = parse_input("courses", _course_data(values, school.id), "form")
        assert isinstance(record, CourseIn)
        patch = _as_patch(record, ("school_id", "school"))
        changed = services().catalog_for(signed_in()).update("courses", course_id, patch)
    except TalentmatchError as exc:
        return _course_page(school, course, values, _form_errors(exc), form_status(exc))
    flash(_("Course %(code)s saved.", code=changed["code"]))
    return redirect(here("school.catalog"), code=303)


def _course_page(
    school: School,
    course: Mapping[str, Any] | None,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "school/course_form.html", school=school, course=course, values=values, errors=errors
    )
    return page, status


def _program_values(record: Mapping[str, Any] | None, codes: Mapping[int, str]) -> dict[str, Any]:
    if record is None:
        values: dict[str, Any] = {name: request.form.get(name, "") for name in PROGRAM_FIELDS}
        values["courses"] = request.form.getlist("courses")
        return values
    return {
        "name": record["name"],
        "description": record["description"] or "",
        "level": record["level"] or "",
        "annual_graduates": ""
        if record["annual_graduates"] is None
        else str(record["annual_graduates"]),
        "courses": [codes[i] for i in record["course_ids"] if i in codes],
    }


def _program_data(values: Mapping[str, Any], school_id: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "school_id": school_id,
        "name": values["name"],
        "description": values["description"],
        "level": values["level"],
        "annual_graduates": values["annual_graduates"],
        "courses": list(values["courses"]),
    }
    return data


@bp.route("/programs/new", methods=["GET", "POST"])
@for_role("school")
def new_program() -> Any:
    school = current_school()
    courses = courses_of(school.id)
    if request.method == "GET":
        empty: dict[str, Any] = {name: "" for name in PROGRAM_FIELDS}
        return _program_page(school, None, courses, {**empty, "courses": []}, {})
    values = _program_values(None, {})
    try:
        record = parse_input("programs", _program_data(values, school.id), "form")
        created = services().catalog_for(signed_in()).create("programs", record)
    except TalentmatchError as exc:
        status = form_status(exc)
        return _program_page(school, None, courses, values, _form_errors(exc), status)
    flash(_("Program %(name)s added.", name=created["name"]))
    return redirect(here("school.catalog"), code=303)


@bp.route("/programs/<int:program_id>/edit", methods=["GET", "POST"])
@for_role("school")
def edit_program(program_id: int) -> Any:
    program = _own("programs", program_id)
    school = School(program["school_id"], program["school"])
    courses = courses_of(school.id)
    if request.method == "GET":
        codes = {c["id"]: c["code"] for c in courses}
        return _program_page(school, program, courses, _program_values(program, codes), {})
    values = _program_values(None, {})
    try:
        record = parse_input("programs", _program_data(values, school.id), "form")
        assert isinstance(record, ProgramIn)
        patch = _as_patch(record, ("school_id", "school", "course_ids"))
        changed = services().catalog_for(signed_in()).update("programs", program_id, patch)
    except TalentmatchError as exc:
        status = form_status(exc)
        return _program_page(school, program, courses, values, _form_errors(exc), status)
    flash(_("Program %(name)s saved.", name=changed["name"]))
    return redirect(here("school.catalog"), code=303)


def _program_page(
    school: School,
    program: Mapping[str, Any] | None,
    courses: list[dict[str, Any]],
    values: Mapping[str, Any],
    errors: Mapping[str, str],
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "school/program_form.html",
        school=school,
        program=program,
        courses=courses,
        values=values,
        errors=errors,
    )
    return page, status


@bp.get("/programs/<int:program_id>/demands")
@for_role("school")
def program_demands(program_id: int) -> str:
    program = _own("programs", program_id)
    school = School(program["school_id"], program["school"])
    results = services().matcher.match_program(program_id, PROGRAM_MATCHES, Filters())
    courses = [c for c in courses_of(school.id) if c["id"] in set(program["course_ids"])]
    return render_template(
        "school/program_demands.html",
        school=school,
        program=program,
        courses=courses,
        results=results,
    )


# -- import ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One CSV row of an import preview: what it would create, or why it cannot."""

    line: int
    shown: dict[str, str]
    record: InputModel | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    kind: str
    rows: list[Row]

    @property
    def valid(self) -> list[Row]:
        return [r for r in self.rows if r.record is not None]

    @property
    def invalid(self) -> list[Row]:
        return [r for r in self.rows if r.record is None]


SHOWN = {"courses": ("code", "title", "skills"), "programs": ("name", "level", "courses")}
"""The cells of a preview row that say which row it is."""


def _shown(kind: str, data: Any) -> dict[str, str]:
    cells = data if isinstance(data, dict) else {}
    return {name: str(cells.get(name, "")) for name in SHOWN[kind]}


def _line(label: str) -> int:
    return int(label.rsplit(" ", 1)[-1])


def preview_import(kind: str, text: str, school: School, file_name: str) -> Preview:
    """Each row validated (``parse_input``) and checked against the school's catalog as the
    write would check it; nothing is written. A file that cannot be read as a whole (no header,
    an unknown column, too many rows) raises ``ValidationFailed``."""
    raw = csv_records(text, file_name, kind)
    if not raw:
        raise ValidationFailed(_("The file has a header but no rows."))
    if len(raw) > MAX_IMPORT_ROWS:
        raise ValidationFailed(
            _(
                "The file has %(n)s rows; import at most %(max)s at a time.",
                n=len(raw),
                max=MAX_IMPORT_ROWS,
            )
        )
    courses = courses_of(school.id)
    course_keys = {identity_key(c["code"]) for c in courses}
    course_ids = {c["id"] for c in courses}
    taken = (
        course_keys
        if kind == "courses"
        else {
            identity_key(p["name"])
            for p in services()
            .catalog.list_page("programs", 1, ALL, {"school_id": school.id})
            .items
        }
    )
    seen: dict[str, int] = {}
    rows = []
    for label, data in raw:
        row = Row(_line(label), _shown(kind, data))
        rows.append(row)
        if isinstance(data, BadLine):
            row.errors.append(data.error)
            continue
        try:
            record = parse_input(kind, data, label)
        except ValidationFailed as exc:
            row.errors.extend(in_page_language(f"{e['field']}: {e['message']}") for e in exc.errors)
            row.errors = row.errors or [in_page_language(exc.detail)]
            continue
        assert isinstance(record, CourseIn | ProgramIn)
        row.errors.extend(_owner_errors(record, school))
        key_field = "code" if isinstance(record, CourseIn) else "name"
        value = getattr(record, key_field)
        key = identity_key(value)
        if key in taken:
            row.errors.append(
                _("%(value)s already exists at %(school)s.", value=value, school=school.name)
            )
        elif key in seen:
            row.errors.append(
                _("Line %(line)s has the same %(field)s.", line=seen[key], field=key_field)
            )
        seen.setdefault(key, row.line)
        if isinstance(record, ProgramIn):
            for code in record.courses:
                if identity_key(code) not in course_keys:
                    row.errors.append(
                        _("No course %(code)s at %(school)s.", code=code, school=school.name)
                    )
            for course_id in record.course_ids:
                if course_id not in course_ids:
                    row.errors.append(
                        _(
                            "No course with id %(id)s at %(school)s.",
                            id=course_id,
                            school=school.name,
                        )
                    )
        if not row.errors:
            row.record = record.model_copy(update={"school_id": school.id, "school": None})
    return Preview(kind, rows)


def _owner_errors(record: CourseIn | ProgramIn, school: School) -> list[str]:
    """A row may name this school (by id or name) or none; naming another is invalid."""
    other = (record.school_id is not None and record.school_id != school.id) or (
        record.school is not None and identity_key(record.school) != identity_key(school.name)
    )
    if other:
        return [
            _("This row names another school; you import for %(school)s only.", school=school.name)
        ]
    return []


def _uploaded_text() -> tuple[str, str]:
    """(text, file name) of the uploaded file, else of the pasted text; size and UTF-8 checked."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.stream.read(MAX_IMPORT_BYTES + 1)
        name = upload.filename
    else:
        data = request.form.get("text", "").encode("utf-8")
        name = _("the pasted text")
    if not data.strip():
        raise ValidationFailed(_("Choose a CSV file, or paste its text."))
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationFailed(
            _(
                "%(name)s is larger than %(kb)s kB: split it into smaller files.",
                name=name,
                kb=MAX_IMPORT_BYTES // 1024,
            )
        )
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError:
        raise ValidationFailed(
            _("%(name)s is not UTF-8 text: save it as CSV UTF-8.", name=name)
        ) from None


def _confirmed_text() -> tuple[str, str]:
    """The text of the preview, carried back by the confirm form."""
    try:
        data = base64.b64decode(request.form.get("data", ""), validate=True)
        if len(data) > MAX_IMPORT_BYTES:
            raise ValueError
        return data.decode("utf-8"), request.form.get("file_name", "")[:200] or "CSV"
    except (binascii.Error, ValueError):
        abort(400)


@bp.route("/import", methods=["GET", "POST"])
@for_role("school")
def import_csv() -> Any:
    school = current_school()
    kind = request.values.get("kind", "courses")
    if kind not in IMPORT_KINDS:
        kind = "courses"
    if request.method == "GET":
        return _import_page(school, kind)
    confirming = request.form.get("step") == "confirm"
    try:
        text, name = _confirmed_text() if confirming else _uploaded_text()
        preview = preview_import(kind, text, school, name)
    except ValidationFailed as exc:
        return _import_page(school, kind, error=exc.detail, status=422)
    if not confirming:
        return _import_page(school, kind, preview=preview, text=text, file_name=name)
    if not preview.valid:
        message = _("No row is valid: nothing was imported.")
        return _import_page(school, kind, preview, text, name, error=message, status=422)
    try:
        ids = (
            services()
            .catalog_for(signed_in())
            .create_many(
                kind,
                [r.record for r in preview.valid if r.record is not None],
                labels=[_("line %(n)s", n=r.line) for r in preview.valid],
            )
        )
    except TalentmatchError as exc:
        message = _("Nothing was imported: %(reason)s", reason=exc.detail)
        return _import_page(
            school, kind, preview, text, name, error=message, status=form_status(exc)
        )
    if kind == "courses":
        flash(ngettext("Imported %(num)s course.", "Imported %(num)s courses.", len(ids)))
    else:
        flash(ngettext("Imported %(num)s program.", "Imported %(num)s programs.", len(ids)))
    return redirect(here("school.catalog"), code=303)


def _import_page(
    school: School,
    kind: str,
    preview: Preview | None = None,
    text: str = "",
    file_name: str = "",
    *,
    error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    columns = {
        kind: [c for c in model.model_fields if c not in ("school_id", "school")]
        for kind, model in (("courses", CourseIn), ("programs", ProgramIn))
    }
    page = render_template(
        "school/import.html",
        school=school,
        kind=kind,
        kinds={"courses": _("courses"), "programs": _("programs")},
        columns=columns,
        shown_names=SHOWN[kind],
        preview=preview,
        data=base64.b64encode(text.encode("utf-8")).decode("ascii") if preview else "",
        file_name=file_name,
        error=error,
        max_kb=MAX_IMPORT_BYTES // 1024,
    )
    return page, status


# -- gaps --------------------------------------------------------------------------------------


def _report(school: School) -> dict[str, Any]:
    report = services().gap_history.report(school.id, None)
    for item in report["items"]:
        item["key"] = gap_key(item["skill"])
        item["first_day"] = day(item.get("first_seen"))
    return report


@bp.get("/gaps")
@for_role("school")
def gaps() -> str:
    school = current_school()
    report = _report(school)
    summary = report["summary"]
    unmet = [i for i in report["items"] if not i["covered"]]
    covered = [i for i in report["items"] if i["covered"]]
    top = unmet[:TOP_GAPS]  # the report's order: red first, the most urgent at the top
    severity_chart = {
        "type": "bar",
        "title": _("Demanded skills by warning level"),
        "unit": _("skills"),
        "labels": [_("red: long unmet"), _("yellow: unmet"), _("green: covered")],
        "series": [
            {
                "name": _("Skills"),
                "values": [
                    summary.get("red", 0),
                    summary.get("yellow", 0),
                    summary.get("green", 0),
                ],
                "severities": ["red", "yellow", "green"],
            }
        ],
    }
    lag_chart = {
        "type": "bar",
        "horizontal": True,
        "title": _("Top gaps: days unmet since first asked"),
        "unit": _("days"),
        "labels": [i["skill"] for i in top],
        "series": [
            {
                "name": _("Days unmet"),
                "values": [i["lag_days"] or 0 for i in top],
                "severities": [i["severity"] for i in top],
            }
        ],
    }
    return render_template(
        "school/gaps.html",
        school=school,
        postings=answers.postings(i for item in unmet for i in item["demand_ids"]),
        answered=answers.latest_by_demand(school.id),
        report=report,
        as_of=day(report["as_of"]),
        summary=summary,
        unmet=unmet,
        covered=covered,
        severity_chart=severity_chart,
        lag_chart=lag_chart if top else None,
        **answers.words(),
    )


@bp.get("/gaps/<key>")
@for_role("school")
def gap(key: str) -> Any:
    school = current_school()
    report = _report(school)
    item = next((i for i in report["items"] if i["key"] == key), None)
    if item is None:
        return error_page(404, _("This skill is not in your school's gap report (any more)."))
    phrases = set(item["phrases"])
    demands = []
    for demand_id in item["demand_ids"]:
        try:
            demand = services().catalog.get("demands", demand_id)
        except NotFound:  # deleted since the report was made
            continue
        demand["posted_day"] = day(demand["posted_at"])
        demand["asks"] = [s for s in demand["skills"] if s in phrases] or [item["skill"]]
        demands.append(demand)
    courses = _nearest_courses(school, item, [d["id"] for d in demands[:DRILL_DEMANDS]])
    return render_template(
        "school/gap.html",
        school=school,
        item=item,
        as_of=day(report["as_of"]),
        demands=demands,
        courses=courses,
        matched_demands=min(len(demands), DRILL_DEMANDS),
        answered=answers.latest_by_demand(school.id),
        **answers.words(),
    )


def _nearest_courses(
    school: School, item: Mapping[str, Any], demand_ids: list[int]
) -> list[dict[str, Any]]:
    """The report's nearest courses, each with its own skills, the closest it comes to this
    gap's phrases, and which of the demands' skills it covers and misses."""
    wanted = {c["id"] for c in item["nearest_courses"]}
    phrases = set(item["phrases"])
    found: dict[int, dict[str, Any]] = {
        i: {"covered": {}, "missing": {}, "closest": None} for i in wanted
    }
    filters = Filters(school_id=school.id)
    k = services().settings.max_k
    for demand_id in demand_ids:
        for result in services().matcher.match_demand(demand_id, "courses", k, filters):
            if result["id"] not in wanted:
                continue
            into = found[result["id"]]
            explanation = result["explanation"]
            for covered in explanation.get("covered", []):
                into["covered"][covered["skill"]] = covered
            for skill in explanation.get("missing", []):
                into["missing"][skill] = True
            for near in explanation.get("nearest", []):
                if near["skill"] in phrases and (
                    into["closest"] is None or near["similarity"] > into["closest"]["similarity"]
                ):
                    into["closest"] = near
    courses = []
    for nearest in item["nearest_courses"]:
        try:
            course = services().catalog.get("courses", nearest["id"])
        except NotFound:
            continue
        seen = found[nearest["id"]]
        covered = list(seen["covered"].values())
        covered_skills = {c["skill"] for c in covered}
        courses.append(
            {
                **course,
                "similarity": nearest["similarity"],
                "closest": seen["closest"],
                "covered": covered,
                "missing": sorted(
                    (s for s in seen["missing"] if s not in covered_skills),
                    key=lambda s: s not in phrases,  # this gap's phrases first
                ),
                "own": course["school_id"] == school.id,
            }
        )
    return courses
