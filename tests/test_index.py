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
    assert len(list(tmp_path.glob("courses.v1.*.faiss"))) == 1  # a reader of version 1 can open it
    loaded = store.load()
    assert loaded is not None and len(loaded.collections["courses"]) == 2
    assert len(first) == 1  # the copy was modified, never the live index


def test_damaged_manifest_reads_as_missing(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    assert IndexStore(tmp_path, 8).load() is None


def _live_brute_force(live: dict[int, np.ndarray], queries: np.ndarray, k: int) -> list[list[int]]:
    ids = np.array(list(live))
    vectors = np.vstack(list(live.values()))
    order = np.argsort(-(queries @ vectors.T), axis=1)[:, :k]
    return [ids[row].tolist() for row in order]


@pytest.mark.parametrize("exact_limit", [10**6, 1000])  # flat and IVF main indexes
def test_writes_go_to_the_delta_and_search_sees_exactly_the_live_entries(
    corpus: np.ndarray, exact_limit: int
) -> None:
    rng = np.random.default_rng(7)
    live = {i: corpus[i] for i in range(2000)}
    index = VectorIndex.build(
        corpus.shape[1], list(live), corpus[:2000], ["h"] * 2000, exact_limit, 64
    )
    for step in range(300):  # replace, add and remove at random
        i = int(rng.integers(0, 2600))
        if step % 3 == 2:
            index.remove([i])
            live.pop(i, None)
        else:
            j = int(rng.integers(0, len(corpus)))
            index.upsert([i], corpus[j : j + 1], [f"v{j}"])
            live[i] = corpus[j]
    assert len(index) == len(live) and set(index.hashes) == set(live)
    assert 0 < index.delta_size <= 600 and not index.needs_merge()  # a replaced entry counts 2
    queries = corpus[rng.choice(len(corpus), 100, replace=False)]
    for candidate in (index, index.merged()):
        _, found = candidate.search(queries, 10)
        expected = _live_brute_force(live, queries, 10)
        overlap = np.mean(
            [len(set(a) & set(b)) / 10 for a, b in zip(found.tolist(), expected, strict=True)]
        )
        assert overlap >= (0.99 if exact_limit > 2600 else 0.95), overlap
        assert set(found.ravel().tolist()) <= set(live)  # nothing removed or replaced shows
    merged = index.merged()
    assert (
        merged.delta_size == 0
        and len(merged) == len(live)
        and dict(merged.hashes) == dict(index.hashes)
    )


def test_a_write_publishes_a_small_delta_and_readers_keep_the_main_index(
    tmp_path: Path, corpus: np.ndarray
) -> None:
    store = IndexStore(tmp_path, nprobe=8)
    ids = list(range(len(corpus)))
    first = VectorIndex.build(corpus.shape[1], ids, corpus, ["a"] * len(ids), 10**6, 8)
    with store.write_lock():
        snap1 = store.publish("m", corpus.shape[1], {"courses": first}, None)
    (main_file,) = tmp_path.glob("courses.v1.*.faiss")
    main_size, main_mtime = main_file.stat().st_size, main_file.stat().st_mtime_ns
    second = snap1.collections["courses"].copy()
    second.upsert([5, 10**6], corpus[7:9], ["b", "c"])
    second.remove([11])
    with store.write_lock():
        store.publish("m", corpus.shape[1], {"courses": second}, snap1)
    entry = json.loads((tmp_path / "manifest.json").read_text())["collections"]["courses"]
    assert entry["file"] == main_file.name and entry["delta"] == "courses.v2.delta.npz"
    assert main_file.stat().st_mtime_ns == main_mtime  # the main file was not written again
    assert (tmp_path / entry["delta"]).stat().st_size < main_size / 100
    reader = store.load(known=snap1)
    assert reader is not None
    loaded = reader.collections["courses"]
    assert loaded._main is snap1.collections["courses"]._main  # reused, not read again
    assert len(loaded) == len(corpus) and loaded.hashes[5] == "b" and 11 not in loaded.hashes
    _, found = loaded.search(corpus[8:9], 2)
    assert set(found[0].tolist()) == {8, 10**6}  # the same vector, in main and in the delta
    fresh = IndexStore(tmp_path, nprobe=8).load()  # another process reads both files
    assert fresh is not None and dict(fresh.collections["courses"].hashes) == dict(loaded.hashes)


def test_a_delta_past_its_share_is_merged_into_a_new_main_index(corpus: np.ndarray) -> None:
    index = VectorIndex.build(
        corpus.shape[1], list(range(2000)), corpus[:2000], ["a"] * 2000, 10**6, 8
    )
    written = 0
    while not index.needs_merge():
        index.upsert([10_000 + written], corpus[2000 + written % 900 : 2001 + written % 900], ["b"])
        written += 1
    assert written == 513  # MERGE_AT_LEAST: 5 % of 2,000 is less
    merged = index.merged()
    assert merged.main_file is None and merged.delta_size == 0 and len(merged) == 2513


def _anonymous_mb() -> float:
    with open("/proc/self/smaps_rollup") as fh:
        line = next(line for line in fh if line.startswith("Anonymous:"))
    return int(line.split()[1]) / 1024


@pytest.mark.parametrize("exact_limit", [10**6, 1000])  # flat and IVF main indexes
def test_loaded_main_indexes_are_memory_mapped_and_still_merge(
    tmp_path: Path, corpus: np.ndarray, exact_limit: int
) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((20_000, corpus.shape[1])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = list(range(len(vectors)))
    built = VectorIndex.build(vectors.shape[1], ids, vectors, ["a"] * len(ids), exact_limit, 64)
    store = IndexStore(tmp_path, nprobe=64)
    with store.write_lock():
        store.publish("m", vectors.shape[1], {"demands": built}, None)
    del built
    before = _anonymous_mb()
    loaded = store.load()
    assert loaded is not None
    index = loaded.collections["demands"]
    assert _anonymous_mb() - before < 15  # 29 MB of vectors stay in the page cache
    _, found = index.search(vectors[:20], 1)
    assert (found[:, 0] == np.arange(20)).mean() >= 0.9
    changed = index.copy()
    changed.upsert([5, 10**6], vectors[7:9], ["b", "c"])
    merged = changed.merged()  # from a fresh read of the file: a mapped index cannot be cloned
    assert merged.delta_size == 0 and len(merged) == len(vectors) + 1
    _, found = merged.search(vectors[8:9], 2)
    assert 10**6 in found[0].tolist()
    assert len(index) == len(vectors) and index.hashes[5] == "a"  # the loaded one unchanged


def test_a_reader_never_takes_a_new_main_index_for_one_it_holds(
    tmp_path: Path, corpus: np.ndarray
) -> None:
    """Versions restart when the manifest is lost; a main index is known by a unique name."""
    store = IndexStore(tmp_path, nprobe=8)
    old = VectorIndex.build(corpus.shape[1], list(range(10)), corpus[:10], ["a"] * 10, 100, 8)
    with store.write_lock():
        store.publish("m", corpus.shape[1], {"courses": old}, None)
    reader = store.load()
    (tmp_path / "manifest.json").unlink()  # lost: the next writer starts at version 1 again
    new = VectorIndex.build(
        corpus.shape[1], list(range(100, 110)), corpus[10:20], ["b"] * 10, 100, 8
    )
    with store.write_lock():
        assert store.publish("m", corpus.shape[1], {"courses": new}, None).version == 1
    again = store.load(known=reader)
    assert again is not None and set(again.collections["courses"].hashes) == set(range(100, 110))
