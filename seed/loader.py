"""Loads the demo consortium through the same import path users have, then builds the index."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select

from matcher import clock
from matcher.accounts import Accounts
from matcher.catalog import Catalog, parse_input
from matcher.errors import Conflict
from matcher.search import IndexService
from store import Database, Organization, Student

DATA_DIR = Path(__file__).resolve().parent / "data"
ORDER = ("organizations", "courses", "programs", "demands", "students")
DATE_FIELDS = ("posted_at", "expires_at", "created_at", "last_revised")

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
    for kind in ORDER:
        lines = (DATA_DIR / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines()
        records[kind] = [_shift(json.loads(line), days) for line in lines if line.strip()]
    return records


class DemoTarget(Protocol):
    """What loading the demo needs: the store, the catalog that writes, the index to build."""

    db: Database
    catalog: Catalog
    index: IndexService
    accounts: Accounts


def load_demo(
    services: DemoTarget,
    progress: Callable[..., None] | None = None,
) -> dict[str, int]:
    """Load every demo file in one go per kind; refuse when organizations already exist."""
    with services.db.session() as session:
        if session.scalar(select(func.count()).select_from(Organization)):
            raise Conflict("the store is not empty: the demo loads only into an empty database")
    counts = {}
    for kind, records in demo_records().items():
        models = [parse_input(kind, r, f"{kind}.jsonl line {i}") for i, r in enumerate(records, 1)]
        report = partial(progress, kind, total=len(records)) if progress else None
        counts[kind] = len(services.catalog.create_many(kind, models, progress=report))
    counts["accounts"] = create_demo_accounts(services)
    services.index.sync()
    return counts


def create_demo_accounts(services: DemoTarget) -> int:
    for email, role, owner in DEMO_ACCOUNTS:
        if role == "student":
            with services.db.session() as session:
                student_id = session.scalar(select(Student.id).where(Student.external_id == owner))
            services.accounts.create(email, role, student_id=student_id, password=DEMO_PASSWORD)
        else:
            services.accounts.create(email, role, organization=owner, password=DEMO_PASSWORD)
    return len(DEMO_ACCOUNTS)
