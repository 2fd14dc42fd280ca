"""recall@k and MRR@10 over ranked lists of record keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scores:
    recall_1: float
    recall_5: float
    mrr_10: float
    count: int


def reciprocal_rank(ranked: Sequence[str], relevant: frozenset[str], k: int = 10) -> float:
    for position, key in enumerate(ranked[:k], start=1):
        if key in relevant:
            return 1.0 / position
    return 0.0


def score(rankings: Sequence[tuple[Sequence[str], frozenset[str]]]) -> Scores:
    """Mean recall@1 (capped: one slot finds at most one answer), recall@5 and MRR@10."""
    if not rankings:
        return Scores(float("nan"), float("nan"), float("nan"), 0)
    r1 = [len(rel & set(r[:1])) / min(1, len(rel)) for r, rel in rankings]
    r5 = [len(rel & set(r[:5])) / min(5, len(rel)) for r, rel in rankings]
    mrr = [reciprocal_rank(r, rel) for r, rel in rankings]
    return Scores(float(np.mean(r1)), float(np.mean(r5)), float(np.mean(mrr)), len(rankings))
