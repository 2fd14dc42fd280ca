"""Loads the demo consortium through the same import path users have, then builds the index."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select

from matcher import clock
from matcher.accounts import Accounts, Actor
from matcher.answers import ResponseIn, Responses
from matcher.catalog import Catalog, parse_input
from matcher.errors import Conflict
from matcher.search import IndexService
from store import Course, Database, Demand, Organization, Program, Student

DATA_DIR = Path(__file__).resolve().parent / "data"
ORDER = ("organizations", "courses", "programs", "demands", "students")
DATE_FIELDS = ("posted_at", "expires_at", "created_at", "last_revised", "answered_on", "starts_on")

DEMO_PASSWORD = "talentmatch-demo"
DEMO_ACCOUNTS = (
    # e-mail, role, organization (members) or the student's external id
    ("admin@demo.talentmatch.org", "admin", None),
    ("enterprise@demo.talentmatch.org", "enterprise", "Pearl River Electronics Co."),
    ("school@demo.talentmatch.org", "school", "Liuzhou Vocational & Technical College"),
    ("student@demo.talentmatch.org", "student", "demo-S007"),
)
"""The demo's four accounts (README, "Demo accounts"): the 5G electronics enterprise, a
Liuzhou college, and one of that college's students who consented to be found."""


def _shift(record: dict[str, Any], days: int) -> dict[str, Any]:
    """Move the record's dates forward so the demo is as recent today as on its anchor day."""
    shifted = dict(record)
    for name in DATE_FIELDS:
        if shifted.get(name):
            shifted[name] = (date.fromisoformat(shifted[name]) + timedelta(days=days)).isoformat()
    return shifted


def demo_records(today: date | None = None) -> dict[str, list[dict[str, Any]]]:
    anchor = date.fromisoformat(json.loads((DATA_DIR / "meta.json").read_text())["anchor"])
    days = ((today or clock.today()) - anchor).days
    records = {}
    for kind in (*ORDER, "responses"):
        lines = (DATA_DIR / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines()
        records[kind] = [_shift(json.loads(line), days) for line in lines if line.strip()]
    for answer in records["responses"]:
        answer["steps"] = [
            [status, (date.fromisoformat(day) + timedelta(days=days)).isoformat()]
            for status, day in answer["steps"]
        ]
    return records


class DemoTarget(Protocol):
    """What loading the demo needs: the store, the catalog that writes, the index to build."""

    db: Database
    catalog: Catalog
    index: IndexService
    accounts: Accounts
    responses: Responses


def load_demo(
    services: DemoTarget,
    progress: Callable[..., None] | None = None,
) -> dict[str, int]:
    """Load every demo file in one go per kind; refuse when organizations already exist."""
    with services.db.session() as session:
        if session.scalar(select(func.count()).select_from(Organization)):
            raise Conflict("the store is not empty: the demo loads only into an empty database")
    counts = {}
    records = demo_records()
    for kind in ORDER:
        models = [
            parse_input(kind, r, f"{kind}.jsonl line {i}") for i, r in enumerate(records[kind], 1)
        ]
        report = partial(progress, kind, total=len(models)) if progress else None
        counts[kind] = len(services.catalog.create_many(kind, models, progress=report))
    counts["accounts"] = create_demo_accounts(services)
    counts["responses"] = replay_answers(services, records["responses"])
    services.index.sync()
    return counts


def _at(day: str) -> datetime:
    """Ten in the morning of ``day`` in the consortium's zone: when a demo answer happened."""
    return datetime.combine(date.fromisoformat(day), time(10, 0), clock.zone())


def replay_answers(services: DemoTarget, answers: list[dict[str, Any]]) -> int:
    """Schools' answers and the enterprises' decisions, each on its own day in the past.

    They go through ``Responses`` as users' would (checks, notices), with the clock set to the
    day each happened, so response times and the inbox read as a history rather than as one
    burst at loading time. The local admin acts for both parties.
    """
    admin = Actor.local_admin()
    for answer in answers:
        with services.db.session() as session:
            school = session.scalars(
                select(Organization).where(
                    Organization.kind == "school", Organization.name == answer["school"]
                )
            ).one()
            demand_id = session.scalars(
                select(Demand.id).where(Demand.external_id == answer["demand"])
            ).one()
            course_ids = [
                session.scalars(
                    select(Course.id).where(Course.school_id == school.id, Course.code == code)
                ).one()
                for code in answer.get("courses", [])
            ]
            program_id = (
                session.scalars(
                    select(Program.id).where(
                        Program.school_id == school.id, Program.name == answer["program"]
                    )
                ).one()
                if answer.get("program")
                else None
            )
        with clock.fixed(_at(answer["answered_on"])):
            body = ResponseIn(
                kind=answer["kind"],
                school_id=school.id,
                course_ids=course_ids,
                program_id=program_id,
                message=answer.get("message", ""),
                seats=answer.get("seats"),
                starts_on=answer.get("starts_on"),
            )
            response_id = services.responses.create(admin, demand_id, body)["id"]
        for status, day in answer["steps"]:
            with clock.fixed(_at(day)):
                services.responses.set_status(admin, response_id, status)
    return len(answers)


def create_demo_accounts(services: DemoTarget) -> int:
    for email, role, owner in DEMO_ACCOUNTS:
        if role == "student":
            with services.db.session() as session:
                student_id = session.scalar(select(Student.id).where(Student.external_id == owner))
            services.accounts.create(email, role, student_id=student_id, password=DEMO_PASSWORD)
        else:
            services.accounts.create(email, role, organization=owner, password=DEMO_PASSWORD)
    return len(DEMO_ACCOUNTS)
