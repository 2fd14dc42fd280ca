"""Integrity of writes: duplicates and races answer 409 with nothing written, and a record
whose index update fails after the commit is answered, stored once and indexed later.

Every test runs on SQLite and PostgreSQL. Races are real: a second connection writes the
conflicting row between the catalog's check and its insert.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import OperationalError

from api.wiring import Services
from jobs.feeds import FeedRegistry, parse_feed_input
from matcher.catalog import Catalog, Resolver, parse_input
from matcher.errors import Conflict
from matcher.language.texts import content_hash
from matcher.language.vectors import VectorCache
from store import Course, Demand, Feed, Organization, Program, TextEmbedding
from tests.clients import admin_client
from tests.conftest import PostgresDatabases, make_services

PROBLEM = "application/problem+json"


def _create(svc: Services, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return svc.catalog.create(kind, parse_input(kind, data))


def _count(svc: Services, model: type[Any]) -> int:
    with svc.db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _course(code: str, title: str, skills: list[str], school: str = "Test College") -> dict:
    return {"school": school, "code": code, "title": title, "skills": skills}


def _demand(title: str, **extra: object) -> dict[str, Any]:
    return {"kind": "job", "title": title, "posted_at": "2026-01-05", **extra}


def _in_another_connection(svc: Services, statement: Any) -> None:
    """Commit ``statement`` from a connection of its own, as a concurrent writer would."""
    with svc.db.engine.begin() as connection:
        connection.execute(statement)


def _before(owner: object, name: str, action: Callable[[], None], mp: pytest.MonkeyPatch) -> None:
    """Run ``action`` each time ``owner.name`` is called, just before the call itself."""
    original = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        action()
        return original(*args, **kwargs)

    mp.setattr(owner, name, wrapped)


def _after(owner: object, name: str, action: Callable[[], None], mp: pytest.MonkeyPatch) -> None:
    """Run ``action`` each time ``owner.name`` returned (a check that has just passed)."""
    original = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        action()
        return result

    mp.setattr(owner, name, wrapped)


# -- one comparison of names, in the checks and in the database ---------------------------------

SAME_NAMES = [
    ("Straße Werke", "STRASSE WERKE"),  # ß case-folds to ss
    ("Acme Robotics", "ＡＣＭＥ　ＲＯＢＯＴＩＣＳ"),  # fullwidth letters and ideographic space
    ("Nord  Metall ", "nord metall"),  # runs of whitespace
    ("İzmir Tekstil", "i̇zmir tekstil"),  # dotted capital I folds to i + combining dot
    ("Ärzte Kammer", "Ärzte Kammer"),  # the same non-ASCII name again
]


def test_organization_names_differing_only_by_case_width_or_spacing_conflict(
    services: Services,
) -> None:
    for stored, again in SAME_NAMES:
        first = _create(services, "organizations", {"kind": "enterprise", "name": stored})
        with pytest.raises(Conflict, match="already exists") as refused:
            _create(services, "organizations", {"kind": "enterprise", "name": again})
        assert refused.value.errors[0]["field"] == "name"
        assert services.catalog.get("organizations", first["id"])["name"] == stored.strip()
    assert _count(services, Organization) == len(SAME_NAMES)


def test_the_same_name_may_be_an_enterprise_and_a_school(services: Services) -> None:
    _create(services, "organizations", {"kind": "enterprise", "name": "Harbour Institute"})
    _create(services, "organizations", {"kind": "school", "name": "HARBOUR institute"})
    assert _count(services, Organization) == 2


def test_course_codes_and_program_names_compare_like_names(services: Services) -> None:
    _create(services, "courses", _course("CS101", "Programming", ["Python"]))
    with pytest.raises(Conflict, match="course 'ｃｓ１０１' at Test College already exists"):
        _create(services, "courses", _course("ｃｓ１０１", "Programming again", ["Python"]))
    _create(services, "programs", {"school": "Test College", "name": "Software Technology"})
    with pytest.raises(Conflict, match="already exists"):
        _create(services, "programs", {"school": "test college", "name": "software  TECHNOLOGY"})
    assert (_count(services, Course), _count(services, Program)) == (1, 1)
    assert _count(services, Organization) == 1  # "test college" is the stored school


def test_references_by_name_find_the_record_however_it_is_written(services: Services) -> None:
    course = _create(services, "courses", _course("CS101", "Programming", ["Python"]))
    program = _create(
        services,
        "programs",
        {"school": "ＴＥＳＴ ＣＯＬＬＥＧＥ", "name": "Software", "courses": ["cs101"]},
    )
    student = _create(
        services,
        "students",
        {"school": "test college", "program": "SOFTWARE", "courses": [" Cs101 "]},
    )
    assert program["school_id"] == course["school_id"] == student["school_id"]
    assert program["course_ids"] == student["course_ids"] == [course["id"]]
    assert student["program_id"] == program["id"]


def test_duplicates_within_one_import_are_refused_whole(services: Services) -> None:
    records = [
        parse_input("organizations", {"kind": "school", "name": name})
        for name in ("Lake College", "Hill College", "LAKE  college")
    ]
    with pytest.raises(Conflict, match="record 3: a school named 'LAKE  college' already exists"):
        services.catalog.create_many("organizations", records)
    assert _count(services, Organization) == 0


def test_renaming_checks_the_new_name_but_not_against_itself(services: Services) -> None:
    acme = _create(services, "organizations", {"kind": "enterprise", "name": "Acme"})
    _create(services, "organizations", {"kind": "enterprise", "name": "Bolt Works"})
    assert services.catalog.update("organizations", acme["id"], {"name": "ACME"})["name"] == "ACME"
    with pytest.raises(Conflict, match="already exists"):
        services.catalog.update("organizations", acme["id"], {"name": "bolt works"})
    with pytest.raises(Conflict, match="already exists"):  # the key followed the rename
        _create(services, "organizations", {"kind": "enterprise", "name": "acme"})


# -- races between the check and the commit ----------------------------------------------------


def test_a_name_stored_between_check_and_insert_is_a_conflict(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    racer = insert(Organization).values(kind="enterprise", name="RIVAL GMBH")
    _after(Catalog, "_check_unique", lambda: _in_another_connection(services, racer), monkeypatch)
    with pytest.raises(Conflict) as refused:
        _create(services, "organizations", {"kind": "enterprise", "name": "Rival GmbH"})
    assert "field 'name': another organization with the same name" in refused.value.detail
    assert "nothing was written" in refused.value.detail
    monkeypatch.undo()
    with services.db.session() as session:
        assert session.scalars(select(Organization.name)).all() == ["RIVAL GMBH"]


def test_an_external_id_stored_meanwhile_leaves_nothing_of_the_write(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = _create(services, "organizations", {"kind": "enterprise", "name": "Other"})
    racer = insert(Demand).values(
        enterprise_id=other["id"],
        kind="job",
        title="Racer",
        posted_at=datetime(2026, 1, 1, tzinfo=UTC),
        external_id="R-1",
    )
    _after(Catalog, "_check_unique", lambda: _in_another_connection(services, racer), monkeypatch)
    with pytest.raises(Conflict, match="field 'external_id': another demand"):
        _create(services, "demands", _demand("Welder", enterprise="New Works", external_id="R-1"))
    monkeypatch.undo()
    assert _count(services, Demand) == 1
    assert _count(services, Organization) == 1  # "New Works", created on the way, rolled back


def test_a_reference_deleted_meanwhile_is_a_conflict(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = _create(services, "organizations", {"kind": "enterprise", "name": "Acme"})
    gone = delete(Organization).where(Organization.id == acme["id"])
    _after(Resolver, "organization", lambda: _in_another_connection(services, gone), monkeypatch)
    with pytest.raises(Conflict, match="the record it refers to was deleted at the same moment"):
        _create(services, "demands", _demand("Welder", enterprise_id=acme["id"]))
    monkeypatch.undo()
    assert (_count(services, Demand), _count(services, Organization)) == (0, 0)


def test_deleting_an_organization_referenced_meanwhile_is_a_conflict(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = _create(services, "organizations", {"kind": "enterprise", "name": "Acme"})
    racer = insert(Demand).values(
        enterprise_id=acme["id"], kind="job", title="Racer", posted_at=datetime(2026, 1, 1)
    )
    _after(
        Catalog, "_check_unreferenced", lambda: _in_another_connection(services, racer), monkeypatch
    )
    with pytest.raises(Conflict, match="still referenced by"):
        services.catalog.delete("organizations", acme["id"])
    monkeypatch.undo()
    assert (_count(services, Demand), _count(services, Organization)) == (1, 1)


def test_an_organization_with_a_feed_cannot_be_deleted(services: Services) -> None:
    FeedRegistry(services.db).add(
        parse_feed_input(
            {"url": "https://acme.example/jobs", "format": "json", "enterprise": "Acme"}
        )
    )
    acme = services.catalog.list_page("organizations").items[0]
    with pytest.raises(Conflict, match="still has feeds"):
        services.catalog.delete("organizations", acme["id"])
    assert _count(services, Organization) == 1


def test_a_feed_url_registered_meanwhile_is_a_conflict(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "https://acme.example/jobs.json"
    racer = insert(Feed).values(url=url, format="json")
    # before the enterprise is resolved: on SQLite its creation takes the write lock
    _before(Resolver, "organization", lambda: _in_another_connection(services, racer), monkeypatch)
    with pytest.raises(Conflict, match="field 'url': another feed with the same url"):
        FeedRegistry(services.db).add(
            parse_feed_input({"url": url, "format": "json", "enterprise": "Acme"})
        )
    monkeypatch.undo()
    assert (_count(services, Feed), _count(services, Organization)) == (1, 0)


def test_a_text_encoded_by_another_write_meanwhile_is_shared_not_refused(
    store: str, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    if store == "sqlite":
        pytest.skip("SQLite has one writer at a time: no other write commits inside this one")
    phrase = "hydraulic pumps 7731"
    racer = insert(TextEmbedding).values(
        model=services.vectors.model,
        content_hash=content_hash(phrase),
        dimension=services.encoder.dimension,
        vector=services.encoder.encode([phrase])[0].tobytes(),
    )
    raced: list[bool] = []

    def race_once() -> None:
        if not raced:
            raced.append(True)
            _in_another_connection(services, racer)

    _after(VectorCache, "_from_store", race_once, monkeypatch)
    data = _course("C1", "Hydraulics", [phrase])
    assert _create(services, "courses", data)["code"] == "C1"
    assert raced  # the other write did store the text first
    with services.db.session() as session:
        rows = session.scalars(
            select(TextEmbedding).where(TextEmbedding.content_hash == content_hash(phrase))
        ).all()
    assert len(rows) == 1


# -- an index update that fails after the commit ------------------------------------------------


def _index_writes_fail(svc: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index folder's disk is full: publishing a new index version fails."""

    def full_disk(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(svc.index.store, "publish", full_disk)


def _ids(results: list[dict[str, Any]]) -> list[int]:
    return [r["id"] for r in results]


def test_create_answers_the_record_when_the_index_update_fails_and_a_match_catches_up(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.index.retry_interval = 0  # retry at the very next match
    _create(services, "courses", _course("C1", "Welding", ["TIG welding"]))
    _index_writes_fail(services, monkeypatch)
    course = _create(services, "courses", _course("C2", "Hydraulic systems", ["hydraulic pumps"]))
    assert course["code"] == "C2" and course["id"]
    assert services.catalog.list_page("courses").total == 2  # stored, once
    assert services.index.pending() == {"courses": {course["id"]}}
    assert course["id"] not in _ids(services.matcher.match_text("hydraulic pumps", "courses", k=5))
    monkeypatch.undo()  # the disk has room again
    assert _ids(services.matcher.match_text("hydraulic pumps", "courses", k=1)) == [course["id"]]
    assert services.index.pending() == {}


def test_a_record_that_could_not_even_be_marked_pending_is_found_by_comparing_everything(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.index.retry_interval = 0

    def store_down(**kwargs: object) -> None:
        raise OperationalError("INSERT INTO index_pending", {}, ConnectionError("server closed"))

    _index_writes_fail(services, monkeypatch)
    monkeypatch.setattr("matcher.search.indexing.IndexPending", store_down)
    course = _create(services, "courses", _course("C1", "Hydraulic systems", ["hydraulic pumps"]))
    monkeypatch.undo()
    assert services.index.pending() == {}  # no mark was stored
    assert _ids(services.matcher.match_text("hydraulic pumps", "courses", k=1)) == [course["id"]]


def test_the_next_write_of_any_process_indexes_a_pending_record(
    store: str,
    tmp_path: Path,
    postgres: PostgresDatabases | None,
    shared_vectors: VectorCache,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = make_services(store, tmp_path, postgres, shared_vectors)
    _index_writes_fail(first, monkeypatch)
    pending = _create(first, "courses", _course("C1", "Hydraulic systems", ["hydraulic pumps"]))
    monkeypatch.undo()
    other = make_services(
        store, tmp_path, None, shared_vectors, DATABASE_URL=first.settings.database_url
    )
    written = _create(other, "courses", _course("C2", "Welding", ["TIG welding"]))
    assert set(other.index.collection("courses").hashes) == {pending["id"], written["id"]}
    assert other.index.pending() == {}
    found = first.matcher.match_text("hydraulic pumps", "courses", k=1)  # reads the new version
    assert _ids(found) == [pending["id"]]
    other.close()
    first.close()


def test_a_delete_whose_index_update_fails_is_not_matched_and_leaves_the_index_later(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = _create(services, "courses", _course("C1", "Hydraulic systems", ["hydraulic pumps"]))
    kept = _create(services, "courses", _course("C2", "Welding", ["TIG welding"]))
    _index_writes_fail(services, monkeypatch)
    services.catalog.delete("courses", course["id"])
    assert course["id"] in services.index.collection("courses").hashes  # the index is behind
    assert course["id"] not in _ids(services.matcher.match_text("hydraulic pumps", "courses", k=5))
    monkeypatch.undo()
    services.index.sync()  # what `talentmatch index` and the refresh worker run
    assert set(services.index.collection("courses").hashes) == {kept["id"]}
    assert services.index.pending() == {}


def test_rest_create_answers_201_with_the_record_while_the_index_cannot_be_written(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    client: FlaskClient = admin_client(services)
    _index_writes_fail(services, monkeypatch)
    response = client.post(
        "/api/v1/courses", json=_course("C1", "Hydraulic systems", ["hydraulic pumps"])
    )
    assert response.status_code == 201
    record = response.get_json()
    assert record["code"] == "C1" and response.headers["Location"].endswith(f"/{record['id']}")
    assert client.get("/api/v1/courses").get_json()["pagination"]["total"] == 1
    monkeypatch.undo()
    client.post("/api/v1/courses", json=_course("C2", "Welding", ["TIG welding"]))
    found = client.post("/api/v1/match", json={"text": "hydraulic pumps", "target": "courses"})
    assert found.get_json()["results"][0]["id"] == record["id"]


def test_rest_duplicate_names_answer_409_problem_json(services: Services) -> None:
    client: FlaskClient = admin_client(services)
    body = {"kind": "enterprise", "name": "Ärzte Kammer"}
    assert client.post("/api/v1/organizations", json=body).status_code == 201
    for name in ("Ärzte Kammer", "ÄRZTE  KAMMER", "ärzte kammer"):
        response = client.post("/api/v1/organizations", json={**body, "name": name})
        assert response.status_code == 409 and response.content_type == PROBLEM
        assert "already exists" in response.get_json()["detail"]
    assert client.get("/api/v1/organizations").get_json()["pagination"]["total"] == 1
