"""The faiss index: exact search equals brute force, IVF recall, persistence and swap."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from embeddings import Encoder, IndexStore, VectorIndex
from seed.catalog import ROLES, TOPICS


@pytest.fixture(scope="module")
def corpus(encoder: Encoder) -> np.ndarray:
    """About 3,000 real embeddings of skill combinations from the demo vocabulary."""
    phrases = sorted(
        {s for t in TOPICS.values() for s in t[2] + t[3]}
        | {s for r in ROLES.values() for s in r[3]}
    )
    texts = [f"{a}; {b}" for a, b in itertools.islice(itertools.permutations(phrases, 2), 3000)]
    return encoder.encode(texts)


def _brute_force(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(queries @ vectors.T), axis=1)[:, :k]


def test_exact_search_equals_brute_force(corpus: np.ndarray) -> None:
    ids = list(range(1000, 1000 + len(corpus)))
    index = VectorIndex.build(corpus.shape[1], ids, corpus, ["h"] * len(ids), 10**6, 8)
    assert index.type == "flat"
    queries = corpus[:50]
    _, found = index.search(queries, 10)
    expected = _brute_force(corpus, queries, 10) + 1000
    assert (found[:, 0] == expected[:, 0]).all()
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, expected, strict=True)])
    assert overlap > 0.99  # ties may order differently


def test_approximate_index_recall_at_10_against_exact(corpus: np.ndarray) -> None:
    ids = list(range(len(corpus)))
    index = VectorIndex.build(corpus.shape[1], ids, corpus, ["h"] * len(ids), 1000, 24)
    assert index.type == "ivf"
    rng = np.random.default_rng(42)
    queries = corpus[rng.choice(len(corpus), 200, replace=False)]
    _, found = index.search(queries, 10)
    expected = _brute_force(corpus, queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, expected, strict=True)])
    assert recall >= 0.95, recall


def test_upsert_and_remove_keep_ids(corpus: np.ndarray) -> None:
    index = VectorIndex.build(corpus.shape[1], [1, 2, 3], corpus[:3], ["a", "b", "c"], 100, 8)
    index.upsert([2], corpus[10:11], ["b2"])
    index.remove([3])
    assert len(index) == 2 and index.hashes == {1: "a", 2: "b2"}
    _, found = index.search(corpus[10:11], 1)
    assert found[0, 0] == 2


def test_publish_swaps_manifest_and_keeps_previous_files(
    tmp_path: Path, corpus: np.ndarray
) -> None:
    store = IndexStore(tmp_path, nprobe=8)
    first = VectorIndex.build(corpus.shape[1], [1], corpus[:1], ["a"], 100, 8)
    with store.write_lock():
        snap1 = store.publish("m", corpus.shape[1], {"courses": first}, None)
    second = first.copy()
    second.upsert([2], corpus[1:2], ["b"])
    with store.write_lock():
        snap2 = store.publish("m", corpus.shape[1], {"courses": second}, snap1)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["version"] == snap2.version == 2
    assert manifest["collections"]["courses"]["count"] == 2
    assert (tmp_path / "courses.v1.faiss").exists()  # a reader of version 1 can still open it
    loaded = store.load()
    assert loaded is not None and len(loaded.collections["courses"]) == 2
    assert len(first) == 1  # the copy was modified, never the live index


def test_damaged_manifest_reads_as_missing(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    assert IndexStore(tmp_path, 8).load() is None
