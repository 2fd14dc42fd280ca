"""The pgvector backend against the faiss one and against exact search, on a real PostgreSQL
with the real extension (built by ``shared/vendor/install-pgvector.sh``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text

from api.wiring import Services
from embeddings.pgvector import TABLE_PREFIX, PgVectorStore
from matcher.catalog import parse_input
from matcher.errors import ConfigError
from matcher.language.vectors import VectorCache
from matcher.search import Filters
from matcher.settings import load_settings
from seed.loader import load_demo
from tests.conftest import PostgresDatabases, make_services


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory,
    postgres: PostgresDatabases | None,
    shared_vectors: VectorCache,
) -> Iterator[tuple[Services, Services]]:
    """The demo on faiss (SQLite) and on pgvector (PostgreSQL)."""
    faiss = make_services("sqlite", tmp_path_factory.mktemp("faiss"), None, shared_vectors)
    pgvector = make_services(
        "pgvector", tmp_path_factory.mktemp("pgvector"), postgres, shared_vectors
    )
    load_demo(faiss)
    load_demo(pgvector)
    yield faiss, pgvector
    faiss.close()
    pgvector.close()


def _top(results: list[dict[str, Any]]) -> list[str]:
    return [r["title"] for r in results]


def test_rankings_agree_with_faiss_on_the_demo(pair: tuple[Services, Services]) -> None:
    faiss, pgvector = pair
    assert pgvector.index.collection("demands").type == "exact"  # type: ignore[union-attr]
    questions = [
        lambda s: s.matcher.match_demand(1, "courses", 5),
        lambda s: s.matcher.match_demand(2, "programs", 5),
        lambda s: s.matcher.match_course(3, 5),
        lambda s: s.matcher.match_text("5G 基站维护, RF testing", "demands", 5),
        lambda s: s.matcher.match_text("PLC programming", "courses", 5),
        lambda s: s.matcher.match_text(
            "welding", "demands", 5, Filters(kinds=("internship",), city="Suzhou")
        ),
    ]
    for question in questions:
        expected, found = question(faiss), question(pgvector)
        assert _top(found) == _top(expected)
        assert [r["score"] for r in found] == pytest.approx([r["score"] for r in expected])
        assert [r["explanation"]["covered"] for r in found] == [
            r["explanation"]["covered"] for r in expected
        ]


@pytest.fixture
def opened() -> Iterator[list[Services]]:
    """Services a test opens, closed after it."""
    services: list[Services] = []
    yield services
    for svc in services:
        svc.close()


def _store_with(
    opened: list[Services],
    tmp_path: Path,
    postgres: PostgresDatabases | None,
    shared_vectors: VectorCache,
    vectors: np.ndarray,
    exact_limit: int,
) -> PgVectorStore:
    services = make_services("pgvector", tmp_path, postgres, shared_vectors)
    opened.append(services)
    store = services.index.store
    assert isinstance(store, PgVectorStore)
    ids = list(range(1, len(vectors) + 1))
    with store.write_lock():
        built = store.build(
            "demands", vectors.shape[1], ids, vectors, ["h"] * len(ids), exact_limit
        )
        store.publish("m", vectors.shape[1], {"demands": built}, None)
    return store


def _unit(rows: int, seed: int = 7, clusters: int = 0) -> np.ndarray:
    """Random unit vectors; with ``clusters``, gathered around that many centres, as postings
    of the same roles are."""
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(rows, 32))
    if clusters:
        centres = rng.normal(size=(clusters, 32))
        vectors = centres[rng.integers(0, clusters, rows)] + 0.35 * vectors
    vectors = vectors.astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_filter_keeping_a_tenth_still_fills_k_through_the_ivfflat_lists(
    opened: list[Services],
    tmp_path: Path,
    postgres: PostgresDatabases | None,
    shared_vectors: VectorCache,
) -> None:
    """Without iterative scans an approximate index returns a fraction of k when a filter
    keeps 10 % of rows (pgvector's documentation: about 4 of 40)."""
    vectors = _unit(3000, clusters=40)
    store = _store_with(opened, tmp_path, postgres, shared_vectors, vectors, exact_limit=100)
    snapshot = store.load()
    assert snapshot is not None
    index = snapshot.collections["demands"]
    assert index.type == "ivfflat" and index.trained_on == 3000

    def tenth(query: Any, id_column: Any) -> Any:
        return query.where(id_column % 10 == 0)

    queries = _unit(20, seed=11, clusters=40)
    scores, ids = index.search(queries, 40, tenth)
    assert (ids % 10 == 0).all() and (ids > 0).all()  # 40 found for each query, all allowed
    exact = queries @ vectors.T
    allowed = np.arange(1, 3001) % 10 == 0
    recall = []
    for row in range(len(queries)):
        truth = set((np.argsort(-np.where(allowed, exact[row], -9))[:40] + 1).tolist())
        recall.append(len(truth & set(ids[row].tolist())) / 40)
        assert scores[row] == pytest.approx(exact[row][ids[row] - 1], abs=1e-5)
    assert np.mean(recall) >= 0.9

    def three(query: Any, id_column: Any) -> Any:
        return query.where(id_column.in_([5, 17, 2999]))

    _, few = index.search(queries[:1], 10, three)  # the index scan ends short: exact search
    assert sorted(few[0][few[0] > 0].tolist()) == [5, 17, 2999]


def test_a_rebuild_fills_a_new_table_and_drops_the_one_before_last(
    opened: list[Services],
    tmp_path: Path,
    postgres: PostgresDatabases | None,
    shared_vectors: VectorCache,
) -> None:
    vectors = _unit(50)
    store = _store_with(opened, tmp_path, postgres, shared_vectors, vectors, exact_limit=1000)

    def tables() -> list[str]:
        with store.engine.connect() as conn:
            return sorted(
                conn.scalars(
                    text("SELECT tablename FROM pg_tables WHERE tablename LIKE :p"),
                    {"p": TABLE_PREFIX + "%"},
                )
            )

    first = tables()
    for _ in range(2):
        base = store.load()
        with store.write_lock():
            built = store.build("demands", 32, [1, 2], vectors[:2], ["a", "b"], 0)
            store.publish("m", 32, {"demands": built}, base)
    after = tables()
    assert len(after) == 2 and not set(first) & set(after)  # live and previous; first dropped
    snapshot = store.load()
    assert snapshot is not None and len(snapshot.collections["demands"]) == 2
    assert snapshot.collections["demands"].hashes_of([1, 2, 3]) == {1: "a", 2: "b"}


def test_a_write_on_one_host_is_matched_on_another_at_once(
    tmp_path: Path, postgres: PostgresDatabases | None, shared_vectors: VectorCache
) -> None:
    one = make_services("pgvector", tmp_path / "one", postgres, shared_vectors)
    other = make_services(
        "pgvector",
        tmp_path / "other",
        postgres,
        shared_vectors,
        DATABASE_URL=one.settings.database_url,
    )
    try:
        load_demo(one)
        assert other.matcher.match_text("offshore wind turbine blade repair", "demands", 3)
        data = {
            "enterprise": "Rail Co",
            "kind": "job",
            "title": "Offshore wind turbine blade repair technician",
            "skills": ["composite blade repair", "rope access"],
            "posted_at": "2026-01-05",
        }
        demand = one.catalog.create("demands", parse_input("demands", data))
        found = other.matcher.match_text("offshore wind turbine blade repair", "demands", 3)
        assert found[0]["id"] == demand["id"]
        assert not (tmp_path / "other" / "index").exists()  # no files on either host
    finally:
        other.close()
        one.close()


def test_pgvector_needs_postgresql() -> None:
    with pytest.raises(ConfigError, match="needs a PostgreSQL DATABASE_URL"):
        load_settings({"DATABASE_URL": "sqlite:///x.db", "VECTOR_BACKEND": "pgvector"})
    with pytest.raises(ConfigError, match="must be faiss or pgvector"):
        load_settings({"VECTOR_BACKEND": "milvus"})
