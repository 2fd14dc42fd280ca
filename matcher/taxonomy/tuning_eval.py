"""Base against tuned model on what tuning never trained on (``talentmatch tune --evaluate``).

- **job title → occupation**: the query is an alternative title of a test-split ESCO
  occupation; the candidates are all test-split occupations as "preferred label. description";
  the answer is every occupation that carries the title. recall@1 and @5.
- **skill alias**: an ESCO skill's alternative label → its preferred label among all preferred
  labels; recall@1 over skills that no training pair mentions.

Plain cosine between whole texts, as written: the model alone, without the product's ranking.
recall@k is the share of queries with an answer in the top k.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.tuning import Pair
from matcher.taxonomy.esco_occupations import load_occupations
from matcher.taxonomy.esco_skills import load_skills
from matcher.taxonomy.splits import evaluation_split

Encode = Callable[[Sequence[str]], np.ndarray]  # texts → unit rows


@dataclass(frozen=True)
class Task:
    queries: list[str]
    answers: list[set[int]]  # per query, the right candidates
    candidates: list[str]


@dataclass(frozen=True)
class HeldOut:
    titles: Task
    skills: Task


def held_out(
    trained: Iterable[Pair], max_titles: int = 2000, max_skills: int = 1000, seed: int = 2026
) -> HeldOut:
    """The evaluation queries, sampled with ``seed``; ``trained``: the pairs a model learnt from."""
    rng = random.Random(seed)
    test = [o for o in load_occupations() if evaluation_split(o.uri) == "test"]
    carriers: dict[str, set[int]] = defaultdict(set)
    for i, o in enumerate(test):
        for title in (o.label, *o.alternatives):
            carriers[title].add(i)
    queries = sorted({a for o in test for a in o.alternatives})
    queries = rng.sample(queries, min(max_titles, len(queries)))
    titles = Task(
        queries, [carriers[q] for q in queries], [f"{o.label}. {o.description}" for o in test]
    )

    seen = {text.lower() for pair in trained for text in (pair.anchor, pair.positive)}
    skills = load_skills()
    labels = sorted({s.label for s in skills})
    position = {label: i for i, label in enumerate(labels)}
    unseen = [
        s for s in skills if s.label.lower() not in seen and s.alternative.lower() not in seen
    ]
    unseen = rng.sample(unseen, min(max_skills, len(unseen)))
    skill_task = Task(
        [s.alternative for s in unseen], [{position[s.label]} for s in unseen], labels
    )
    return HeldOut(titles, skill_task)


def recall_at(encode: Encode, task: Task, ks: Sequence[int]) -> dict[int, float]:
    """recall@k for each k of ``ks``."""
    if not task.queries:
        return {k: 0.0 for k in ks}
    scores = encode(task.queries) @ encode(task.candidates).T
    top = np.argsort(-scores, axis=1)[:, : max(ks)].tolist()
    hits = {
        k: [bool(gold.intersection(row[:k])) for row, gold in zip(top, task.answers, strict=True)]
        for k in ks
    }
    return {k: sum(found) / len(found) for k, found in hits.items()}


def evaluate(encode: Encode, data: HeldOut) -> dict[str, float]:
    """The figures ``talentmatch tune --evaluate`` prints for one model."""
    titles = recall_at(encode, data.titles, (1, 5))
    skills = recall_at(encode, data.skills, (1,))
    return {
        "title_recall_at_1": titles[1],
        "title_recall_at_5": titles[5],
        "skill_recall_at_1": skills[1],
    }
