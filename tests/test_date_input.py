"""Dates in input are ISO 8601 text (or date objects): a number is never read as Unix time.

``posted_at``, ``expires_at``, ``created_at`` and ``last_revised`` take ``YYYY-MM-DD`` or a
date-time ``YYYY-MM-DDTHH:MM[:SS[.f]][Z|±HH:MM]``. Pydantic alone would read ``20261201`` or
``1764547200`` (text or number) as seconds since 1970 and store 1970-08-23; here they are a
clear 422 in a JSON body (strict JSON mode, then APIFlask's Python mode) and a clear record
error in an import file (Python mode, text cells).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from api.wiring import Services
from matcher import clock
from matcher.catalog import import_file, parse_input
from matcher.errors import ValidationFailed
from tests.clients import admin_client

NOON_IN_SHANGHAI = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DEMAND = {"enterprise": "Acme", "kind": "job", "title": "Welder", "posted_at": "2026-02-01"}
COURSE = {"school": "North College", "code": "W1", "title": "Welding", "skills": ["MIG"]}
NOT_ISO_TEXT = [
    "20261201",  # basic format: read by pydantic as 20 261 201 seconds after 1970
    "1764547200",
    "2026-W48-1",  # ISO week date
    "2026-335",  # ISO ordinal date
    " 2026-12-01",
    "2026-12-01 ",
    "2026-12-01 10:00:00",  # a space is not the ISO separator
    "2026-12-01T10:00:00+0800",  # offset without a colon
    "2026-12-01T10",
    "01/12/2026",
]
NUMBERS = [20261201, 1764547200, 0, 1764547200.5]


@pytest.fixture
def client(services: Services) -> Iterator[FlaskClient]:
    with clock.fixed(NOON_IN_SHANGHAI):
        yield admin_client(services)


def _refused(response: Any, field: str) -> str:
    assert response.status_code == 422, response.get_json()
    detail: str = response.get_json()["detail"]
    assert detail.startswith(f"body: field '{field}': not a date (YYYY-MM-DD)"), detail
    return detail


@pytest.mark.parametrize("field", ["posted_at", "expires_at"])
@pytest.mark.parametrize("value", [*NOT_ISO_TEXT, *NUMBERS])
def test_a_demand_date_that_is_not_iso_text_is_refused_in_a_json_body(
    client: FlaskClient, field: str, value: object
) -> None:
    _refused(client.post("/api/v1/demands", json={**DEMAND, field: value}), field)
    assert client.get("/api/v1/demands").get_json()["pagination"]["total"] == 0


@pytest.mark.parametrize("field", ["created_at", "last_revised"])
@pytest.mark.parametrize("value", ["20261201", "1764547200", 20261201, "2026-W48-1"])
def test_a_course_date_that_is_not_iso_text_is_refused_in_a_json_body(
    client: FlaskClient, field: str, value: object
) -> None:
    _refused(client.post("/api/v1/courses", json={**COURSE, field: value}), field)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2026-02-01", "2026-02-01T00:00:00Z"),
        ("2026-02-01T10:00", "2026-02-01T10:00:00Z"),  # no offset: UTC
        ("2026-02-01T10:00Z", "2026-02-01T10:00:00Z"),
        ("2026-02-01T10:00:30.5+08:00", "2026-02-01T02:00:30Z"),
        ("2026-02-01T10:00:00-05:00", "2026-02-01T15:00:00Z"),
    ],
)
def test_iso_dates_and_date_times_are_accepted_in_a_json_body(
    client: FlaskClient, written: str, stored: str
) -> None:
    created = client.post("/api/v1/demands", json={**DEMAND, "posted_at": written})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["posted_at"].startswith(stored.removesuffix("Z"))
    course = client.post("/api/v1/courses", json={**COURSE, "last_revised": written[:10]})
    assert course.status_code == 201 and course.get_json()["last_revised"] == written[:10]


@pytest.mark.parametrize("value", [*NOT_ISO_TEXT, *NUMBERS])
def test_a_date_that_is_not_iso_text_is_refused_in_an_import_record(value: object) -> None:
    for kind, record, field in (
        ("demands", {**DEMAND, "posted_at": value}, "posted_at"),
        ("demands", {**DEMAND, "expires_at": value}, "expires_at"),
        ("courses", {**COURSE, "created_at": value}, "created_at"),
        ("courses", {**COURSE, "last_revised": value}, "last_revised"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            parse_input(kind, record)
        assert refused.value.detail.startswith(f"body: field '{field}': not a date (YYYY-MM-DD)")


def test_date_objects_are_accepted_in_an_import_record() -> None:
    record = parse_input(
        "demands",
        {
            **DEMAND,
            "posted_at": date(2026, 2, 1),
            "expires_at": datetime(2026, 3, 1, 8, tzinfo=UTC),
        },
    )
    assert record.posted_at == datetime(2026, 2, 1, tzinfo=UTC)  # type: ignore[attr-defined]
    assert record.expires_at == datetime(2026, 3, 1, 8, tzinfo=UTC)  # type: ignore[attr-defined]
    course = parse_input("courses", {**COURSE, "last_revised": date(2026, 2, 1)})
    assert course.last_revised == date(2026, 2, 1)  # type: ignore[attr-defined]


def test_a_csv_date_written_as_digits_is_a_record_error_not_1970(
    services: Services, tmp_path: Path
) -> None:
    path = tmp_path / "demands.csv"
    path.write_text(
        "enterprise,kind,title,posted_at,expires_at\n"
        "Acme,job,Welder,2026-02-01,2026-12-31\n"
        "Acme,job,Fitter,2026-02-01,20261231\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed, match="line 3: field 'expires_at': not a date"):
        import_file(services.catalog, "demands", path)
    report = import_file(services.catalog, "demands", path, skip_invalid=True)
    assert len(report.created) == 1
    stored = services.catalog.get("demands", report.created[0])
    assert stored["expires_at"].startswith("2026-12-31")
