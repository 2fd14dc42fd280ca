"""Cost of one write to the faiss index at 10k and 100k vectors, ratios measured in one run.

A write is what ``IndexService`` does after a posting is saved: copy the published index, upsert
one vector, merge the delta when due, publish a new version (files + manifest swap). Measured
two ways on the same data:

- **delta** (what ships): the write lands in the delta; the main file is written again only
  when a merge is due.
- **whole rewrite** (before): every write saves the whole collection, as each version did.

Printed per size: write p50 / p95 in ms, bytes written per write, and search p50 with the delta
at its merge threshold against an empty one; then the growth of write p95 from 10k to 100k
(target <= 3x). Vectors are synthetic (unit vectors around 300 random centres, 384 dimensions),
not encoded texts: this measures the index, not the model. Run: ``make bench-index``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from embeddings import IndexStore, VectorIndex
from embeddings.index import MERGE_AT_LEAST, MERGE_AT_MOST, MERGE_SHARE

DIMENSION = 384
EXACT_LIMIT = 20_000  # the EXACT_INDEX_LIMIT default: 100k is IVF
NPROBE = 16
SIZES = (10_000, 100_000)
WRITES = {"delta": 200, "whole rewrite": 15}


def _vectors(count: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.standard_normal((300, DIMENSION)).astype(np.float32)
    rows = centres[rng.integers(0, 300, count)] + 0.6 * rng.standard_normal(
        (count, DIMENSION)
    ).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _written_bytes(folder: Path, before: set[str]) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.name not in before)


def _writes(size: int, mode: str, rng: np.random.Generator) -> tuple[list[float], list[int]]:
    """(ms per write, bytes per write) for ``WRITES[mode]`` writes into an index of ``size``."""
    folder = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        store = IndexStore(folder, NPROBE)
        vectors = _vectors(size, rng)
        index = VectorIndex.build(
            DIMENSION, list(range(size)), vectors, ["h"] * size, EXACT_LIMIT, NPROBE
        )
        with store.write_lock():
            snapshot = store.publish("bench", DIMENSION, {"demands": index}, None)
        new = _vectors(WRITES[mode], rng)
        times, sizes = [], []
        for n in range(WRITES[mode]):
            before = {p.name for p in folder.iterdir()}
            start = time.perf_counter()
            with store.write_lock():
                base = store.load(known=snapshot)
                assert base is not None
                changed = base.collections["demands"].copy()
                changed.upsert([size + n], new[n : n + 1], [f"new{n}"])
                if mode == "whole rewrite" or changed.needs_merge():
                    changed = changed.merged()
                snapshot = store.publish("bench", DIMENSION, {"demands": changed}, base)
            times.append((time.perf_counter() - start) * 1000)
            sizes.append(_written_bytes(folder, before))
        return times, sizes
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _search_ms(index: VectorIndex, queries: np.ndarray) -> float:
    start = time.perf_counter()
    for query in queries:
        index.search(query[None, :], 50)
    return (time.perf_counter() - start) * 1000 / len(queries)


def _search_with_full_delta(size: int, rng: np.random.Generator) -> tuple[float, float]:
    """Search p50-ish (mean of 200 single queries) with an empty delta and a full one."""
    vectors = _vectors(size, rng)
    index = VectorIndex.build(
        DIMENSION, list(range(size)), vectors, ["h"] * size, EXACT_LIMIT, NPROBE
    )
    queries = _vectors(200, rng)
    empty = _search_ms(index, queries)
    full = index.copy()
    due = int(min(MERGE_AT_MOST, max(MERGE_AT_LEAST, MERGE_SHARE * size)))
    replaced = rng.choice(size, due // 2, replace=False)  # each one hidden and in the delta
    full.upsert(replaced.tolist(), _vectors(len(replaced), rng), ["r"] * len(replaced))
    assert not full.needs_merge()
    return empty, _search_ms(full, queries)


def main() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    rng = np.random.default_rng(2026)
    p95: dict[tuple[str, int], float] = {}
    print(f"{'size':>8} {'mode':<14} {'writes':>6} {'p50 ms':>8} {'p95 ms':>8} {'MB/write':>9}")
    for size in SIZES:
        for mode in WRITES:
            times, sizes = _writes(size, mode, rng)
            p95[mode, size] = float(np.percentile(times, 95))
            print(
                f"{size:>8} {mode:<14} {len(times):>6} {np.percentile(times, 50):>8.1f} "
                f"{p95[mode, size]:>8.1f} {np.mean(sizes) / 1e6:>9.3f}",
                flush=True,
            )
    for size in SIZES:
        empty, full = _search_with_full_delta(size, rng)
        print(
            f"search k=50 at {size}: {empty:.2f} ms with an empty delta, {full:.2f} ms with "
            f"one at its merge threshold ({full / empty:.2f}x)"
        )
    small, large = SIZES
    for mode in WRITES:
        growth = p95[mode, large] / p95[mode, small]
        print(f"write p95 growth {small:,} -> {large:,}, {mode}: {growth:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
