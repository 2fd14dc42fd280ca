"""Property tests: whatever an import file or a date string holds, the answer is clear.

- An import body (.jsonl, .json or .csv, arbitrary text or records with arbitrary field values)
  gives records or a ``TalentmatchError`` — never another exception — and an import that fails
  writes nothing, one that succeeds writes exactly the records it reports.
- A date string of an input model, of a feed posting or of a report's as-of day gives a date
  (never one after the consortium's today where the future is refused) or a clear error.

Bounded (``max_examples`` 200, no deadline) and on a temporary SQLite store, to stay fast.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from api.wiring import Services
from jobs.feeds import FeedRegistry, parse_feed_input
from jobs.parse import ParseResult, Posting
from jobs.upsert import upsert_feed
from matcher import clock
from matcher.catalog import parse_input
from matcher.catalog.importing import import_file
from matcher.catalog.schemas import INPUT_MODELS
from matcher.errors import TalentmatchError, ValidationFailed
from matcher.gaps.analysis import parse_as_of
from matcher.language.vectors import VectorCache
from store import Course, Demand, Feed, Organization, Program, Student
from tests.conftest import make_services

BOUNDED = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TABLES = {
    "organizations": Organization,
    "demands": Demand,
    "courses": Course,
    "programs": Program,
    "students": Student,
}


@pytest.fixture(scope="module")
def imports_store(
    tmp_path_factory: pytest.TempPathFactory, shared_vectors: VectorCache
) -> Iterator[Services]:
    """One SQLite store for every example: imports pile up, as they would in use."""
    svc = make_services("sqlite", tmp_path_factory.mktemp("imports"), None, shared_vectors)
    yield svc
    svc.close()


def _counts(svc: Services) -> dict[str, int]:
    with svc.db.session() as session:
        return {
            kind: session.scalar(select(func.count()).select_from(model)) or 0
            for kind, model in TABLES.items()
        }


# -- strategies ------------------------------------------------------------------------------

dates_as_text = st.one_of(
    st.text(max_size=30),
    st.dates().map(date.isoformat),
    st.datetimes(timezones=st.none() | st.timezones()).map(datetime.isoformat),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?\Z"),
    st.sampled_from(["", " ", "2026-02-30", "20261201", "2026-W48-1", "0001-01-01T00:00+01:00"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    dates_as_text,
    st.sampled_from(["Acme", "North College", "job", "school", "enterprise", "C1", "welding"]),
)
values = scalars | st.lists(scalars, max_size=4)


@st.composite
def records(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A record of ``kind`` with arbitrary values, often valid: known fields, some unknown."""
    fields = list(INPUT_MODELS[kind].model_fields)
    plausible = draw(st.booleans())  # a valid base changed in a field or two: often valid
    names = draw(
        st.lists(
            st.sampled_from(fields)
            if plausible
            else st.sampled_from(fields) | st.text(max_size=10),
            max_size=2 if plausible else 8,
        )
    )
    record = {name: draw(values) for name in names}
    if plausible:
        # Names from a small set collide (conflicts), numbered ones rarely do.
        name = draw(st.sampled_from(["A", "B"]) | st.integers(0, 10**9).map(str))
        base = {
            "organizations": {"kind": "enterprise", "name": f"Org {name}"},
            "demands": {
                "enterprise": "Acme",
                "kind": "job",
                "title": "Welder",
                "external_id": name,
            },
            "courses": {"school": "North College", "code": f"C{name}", "title": "Weld"},
            "programs": {"school": "North College", "name": f"Program {name}"},
            "students": {"school": "North College", "external_id": name},
        }[kind]
        record = {**base, **record}
    return record


def _csv(rows: list[dict[str, Any]]) -> str:
    header = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()}
        )
    return out.getvalue()


@st.composite
def import_bodies(draw: st.DrawFn) -> tuple[str, str, str]:
    """(kind, suffix, body): arbitrary text, or records serialised in the file's format."""
    kind = draw(st.sampled_from(list(INPUT_MODELS)))
    suffix = draw(st.sampled_from([".jsonl", ".json", ".csv"]))
    if draw(st.booleans()):
        return kind, suffix, draw(st.text(max_size=300))
    rows = draw(st.lists(records(kind), min_size=1, max_size=4))
    if suffix == ".jsonl":
        body = "\n".join(json.dumps(r, ensure_ascii=draw(st.booleans())) for r in rows)
    elif suffix == ".json":
        body = json.dumps(rows)
    else:
        body = _csv(rows)
    return kind, suffix, body


# -- import files ----------------------------------------------------------------------------


@BOUNDED
@given(body=import_bodies(), skip_invalid=st.booleans())
def test_an_import_file_gives_records_or_a_clear_error_and_all_or_nothing(
    imports_store: Services,
    tmp_path_factory: pytest.TempPathFactory,
    body: tuple[str, str, str],
    skip_invalid: bool,
) -> None:
    kind, suffix, text = body
    path = tmp_path_factory.mktemp("file") / f"records{suffix}"
    path.write_text(text, encoding="utf-8")
    before = _counts(imports_store)
    try:
        report = import_file(imports_store.catalog, kind, path, skip_invalid=skip_invalid)
    except TalentmatchError as exc:
        event(f"refused: {type(exc).__name__}")
        assert exc.detail.strip() and "Traceback" not in exc.detail
        assert _counts(imports_store) == before  # nothing half-written
        return
    event("imported" if report.created else "nothing valid to import")
    after = _counts(imports_store)
    assert after[kind] - before[kind] == len(report.created)
    assert len(set(report.created)) == len(report.created)
    assert all(imports_store.catalog.get(kind, i)["id"] == i for i in report.created)
    if not skip_invalid:
        assert report.skipped == []


# -- dates -----------------------------------------------------------------------------------


@BOUNDED
@given(value=dates_as_text)
def test_an_as_of_string_gives_a_past_day_or_a_clear_error(value: str) -> None:
    try:
        day = parse_as_of(value)
    except ValidationFailed as exc:
        assert exc.detail.startswith("field 'as_of': ")
        assert any(why in exc.detail for why in ("not a date", "in the future", "before 1900"))
        return
    assert date(1900, 1, 1) <= day <= clock.today()
    assert value == day.isoformat()  # written YYYY-MM-DD, nothing else


@BOUNDED
@given(posted=dates_as_text, expires=dates_as_text | st.none(), created=dates_as_text)
def test_input_model_dates_give_utc_instants_or_a_clear_error(
    posted: str, expires: str | None, created: str
) -> None:
    demand = {"enterprise": "Acme", "kind": "job", "title": "Welder", "posted_at": posted}
    course = {"school": "North College", "code": "C1", "title": "Welding", "skills": ["MIG"]}
    for kind, data, field in (
        ("demands", {**demand, "expires_at": expires}, "posted_at"),
        ("courses", {**course, "created_at": created, "last_revised": created}, "created_at"),
    ):
        try:
            record = parse_input(kind, data)
        except ValidationFailed as exc:
            assert exc.detail.startswith("body: field '") and "\n" not in exc.detail
            continue
        instant = getattr(record, field)
        assert instant is None or (isinstance(instant, datetime) and instant.tzinfo is UTC)


@BOUNDED
@given(day=st.dates())
def test_a_posted_day_is_accepted_only_up_to_the_local_today(day: date) -> None:
    demand = {"enterprise": "Acme", "kind": "job", "title": "Welder", "posted_at": str(day)}
    try:
        parse_input("demands", demand)
    except ValidationFailed as exc:
        assert day > clock.today() or "future" not in exc.detail
        return
    assert day <= clock.today()


@pytest.fixture(scope="module")
def feed_id(imports_store: Services) -> int:
    data = {"url": "https://jobs.example.com/feed.json", "format": "json", "enterprise": "Acme"}
    feed: dict[str, Any] = FeedRegistry(imports_store.db).add(parse_feed_input(data))
    return int(feed["id"])


@BOUNDED
@given(posted=dates_as_text | st.none(), expires=dates_as_text | st.none())
def test_feed_dates_give_a_posting_or_a_record_error(
    imports_store: Services, feed_id: int, posted: str | None, expires: str | None
) -> None:
    posting = Posting(title="Fitter", external_id="P1", posted=posted, expires=expires)
    now = clock.now()
    with imports_store.db.session() as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None
        result = upsert_feed(session, imports_store.catalog, feed, ParseResult([(1, posting)]), now)
        demand = session.scalars(select(Demand).where(Demand.source == f"feed:{feed_id}")).first()
        if result.errors:
            assert [e.split(": field '")[0] for e in result.errors] == ["record 1"]
            return
        assert demand is not None and demand.posted_at.tzinfo is not None
        assert clock.local_day(demand.posted_at) <= clock.today()
        expired = demand.expires_at is not None and demand.expires_at <= now
        assert demand.status == ("expired" if expired else "active")
