"""``make quality``: recall@1, recall@5 and MRR@10 per set and direction, the product against a
plain-cosine baseline computed in the same run, and a per-language summary.

``--tune`` also searches the fusion weights (LEXICAL_WEIGHT, SKILL_WEIGHT) on half of the ESCO
and held-out bilingual queries and reports the other half; the demo is never tuned on.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np

from bench.common import fresh_services
from matcher.ranking import FusionWeights

from . import bilingual_set, demo_set, esco_set
from .evalset import EvalSet
from .metrics import Scores, score
from .run import LoadedSet, Outcome, rerank

TUNE_K = 50
_ROW = "{:<20} {:<16} {:<6} {:>4} | {:>5} {:>5} {:>5} | {:>5} {:>5} {:>5} | {:>6}"


def _header() -> str:
    names = ("set", "direction", "lang", "n", "r@1", "r@5", "mrr", "r@1", "r@5", "mrr", "Δr@1")
    groups = f"{'':<50}| {'plain cosine':^17} | {'talentmatch':^17} |"
    return f"{groups}\n{_ROW.format(*names)}"


def _line(name: str, direction: str, language: str, base: Scores, ours: Scores) -> str:
    return _ROW.format(
        name,
        direction,
        language,
        ours.count,
        f"{base.recall_1:.3f}",
        f"{base.recall_5:.3f}",
        f"{base.mrr_10:.3f}",
        f"{ours.recall_1:.3f}",
        f"{ours.recall_5:.3f}",
        f"{ours.mrr_10:.3f}",
        f"{100 * (ours.recall_1 - base.recall_1):+.1f}",
    )


def _scores(outcomes: Sequence[Outcome], pick: Callable[[Outcome], list[str]]) -> Scores:
    return score([(pick(o), o.query.relevant) for o in outcomes])


def run_set(data: EvalSet, tune: bool) -> list[Outcome]:
    start = time.perf_counter()
    services = fresh_services(f"quality-{data.name.split()[0]}")
    loaded = LoadedSet(services, data)
    outcomes = [loaded.run(q, tune_k=TUNE_K if tune else 0) for q in data.queries]
    services.close()
    print(
        f"# {data.name}: {data.note}; {len(data.queries)} queries in "
        f"{time.perf_counter() - start:.0f}s",
        flush=True,
    )
    return outcomes


def report(results: dict[str, list[Outcome]]) -> None:
    print()
    print(_header())
    for name, outcomes in results.items():
        by_direction: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
        for o in outcomes:
            by_direction[(o.query.direction, o.query.language)].append(o)
        for (direction, language), group in by_direction.items():
            base = _scores(group, lambda o: o.baseline)
            ours = _scores(group, lambda o: o.product)
            print(_line(name, direction, language, base, ours))
        base = _scores(outcomes, lambda o: o.baseline)
        ours = _scores(outcomes, lambda o: o.product)
        print(_line(name, "all", "", base, ours))
        print()
    print("per language (queries pooled over the sets):")
    by_language: dict[str, list[Outcome]] = defaultdict(list)
    for name, outcomes in results.items():
        for o in outcomes:
            by_language[(o.query.language, name)].append(o)
    for (language, name), group in sorted(by_language.items()):
        base = _scores(group, lambda o: o.baseline)
        ours = _scores(group, lambda o: o.product)
        print(_line(name, "all", language, base, ours))


def _objective(outcomes: Sequence[Outcome], weights: FusionWeights) -> float:
    """Mean MRR@10 over (set, direction) groups, each group counting once."""
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for o in outcomes:
        ranked = rerank(o.candidates, weights)
        groups[(o.query.language, o.query.direction)].append(
            score([(ranked, o.query.relevant)]).mrr_10
        )
    return float(np.mean([np.mean(v) for v in groups.values()]))


def tune(results: dict[str, list[Outcome]], configured: FusionWeights) -> None:
    tuned = [o for name, outs in results.items() if name != "demo" for o in outs]
    dev = [o for n, o in enumerate(tuned) if n % 2 == 0]
    test = [o for n, o in enumerate(tuned) if n % 2 == 1]
    steps = np.round(np.arange(0.0, 1.0001, 0.05), 2)
    grid = [
        FusionWeights(float(lex), float(skill))
        for lex, skill in itertools.product(steps, steps)
        if lex + skill <= 1.0001
    ]
    ranked = sorted(grid, key=lambda w: -_objective(dev, w))
    print("\nfusion weights, mean MRR@10 over (language, direction) groups:")
    print(f"{'lexical':>8} {'skill':>6} {'text':>6} | {'dev':>6} {'test':>6}")
    for w in [*ranked[:5], configured, FusionWeights(0.0, 0.0), FusionWeights(0.0, 0.6)]:
        print(
            f"{w.lexical:>8.2f} {w.skill:>6.2f} {w.text:>6.2f} | "
            f"{_objective(dev, w):>6.3f} {_objective(test, w):>6.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tune", action="store_true", help="also search the fusion weights")
    args = parser.parse_args()
    start = time.perf_counter()
    probe = fresh_services("quality-probe")
    encoder = probe.encoder
    weights = probe.matcher.weights
    print(
        f"model {probe.vectors.model}; fusion weights: text {weights.text:.2f}, lexical "
        f"{weights.lexical:.2f}, skill {weights.skill:.2f}",
        flush=True,
    )
    results: dict[str, list[Outcome]] = {}
    for data in (
        lambda: esco_set.build(encoder),
        lambda: demo_set.build(),
        lambda: bilingual_set.build(encoder, held_out=False),
        lambda: bilingual_set.build(encoder, held_out=True),  # last: it edits the dictionary
    ):
        built = data()
        results[built.name] = run_set(built, args.tune)
    probe.close()
    report(results)
    if args.tune:
        tune(results, weights)
    print(f"\nmake quality: {time.perf_counter() - start:.0f}s")


if __name__ == "__main__":
    main()
