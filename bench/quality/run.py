"""Runs an evaluation set: loads it, ranks every query with the product and the baseline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api.wiring import Services
from embeddings import Encoder
from matcher.language import entity_text
from matcher.search import Filters, FusionWeights
from store import Course, Demand, Program, Student

from .baselines import Baselines
from .evalset import DIRECTIONS, EvalSet, Query

_MODELS: dict[str, Any] = {
    "courses": Course,
    "programs": Program,
    "demands": Demand,
    "students": Student,
}
_COLLECTION_OF = {"demand": "demands", "course": "courses", "program": "programs"}
_COLLECTION_OF["student"] = "students"
ALL = Filters(active_only=False)


@dataclass
class Candidate:
    """One result of the product with the parts of its score (for re-weighting)."""

    key: str
    id: int
    text: float
    lexical: float
    skill: float | None


@dataclass
class Outcome:
    query: Query
    product: list[str]
    baseline: list[str]  # plain cosine
    bm25: list[str]
    base_model: list[str] = field(default_factory=list)  # plain cosine of the untuned model
    candidates: list[Candidate] = field(default_factory=list)
    # per product result: (is an answer, best similarity of each asked skill)
    explained: list[tuple[bool, list[float]]] = field(default_factory=list)


def unlist_titles(services: Services, titles: Sequence[str]) -> None:
    """Occupation coding without these taxonomy titles: the harness asks with ESCO's own
    titles, which the coder would otherwise find verbatim; without them it has to read the
    title from the occupation's other labels, as with a wording the taxonomy does not list."""
    coder = services.occupations.get() if titles else None
    if coder is not None:
        services.occupations.replace(coder.without(titles))


class LoadedSet:
    """An evaluation set in a fresh store, with record keys mapped to ids both ways."""

    def __init__(
        self, services: Services, data: EvalSet, base_encoder: Encoder | None = None
    ) -> None:
        self.services = services
        self.data = data
        self.ids: dict[str, dict[str, int]] = {}
        catalog = services.catalog
        if data.organizations:
            catalog.create_many("organizations", data.organizations)
        for collection, records in data.records().items():
            ids = catalog.create_many(collection, [r for _, r in records]) if records else []
            self.ids[collection] = {key: i for (key, _), i in zip(records, ids, strict=True)}
        self.keys = {c: {i: k for k, i in m.items()} for c, m in self.ids.items()}
        unlist_titles(services, data.unlisted_titles)
        self._baselines = _Baselines(services, self.ids, base_encoder)

    def run(self, query: Query, k: int = 10, tune_k: int = 0) -> Outcome:
        """Product and baseline rankings; with ``tune_k`` also the product's top ``tune_k``
        candidates with the parts of their scores."""
        source_kind, target = DIRECTIONS[query.direction]
        product = self._product(query, source_kind, target, k)
        cosine, bm25, base = self._baselines.rank(query, source_kind, target, k)
        outcome = Outcome(
            query, [self.keys[target][r["id"]] for r in product], cosine, bm25, base_model=base
        )
        for r in product:
            e = r["explanation"]
            sims = [c["similarity"] for c in e["covered"]] + [n["similarity"] for n in e["nearest"]]
            answer = self.keys[target][r["id"]] in query.relevant
            outcome.explained.append((answer, sims))
        if tune_k:
            for r in self._product(query, source_kind, target, tune_k):
                e = r["explanation"]
                outcome.candidates.append(
                    Candidate(
                        self.keys[target][r["id"]],
                        r["id"],
                        e["text_similarity"],
                        e["lexical_score"],
                        e["skill_score"],
                    )
                )
        return outcome

    def _product(self, query: Query, source_kind: str, target: str, k: int) -> list[dict[str, Any]]:
        matcher = self.services.matcher
        if source_kind == "text":
            return matcher.match_text(query.source, target, k=k, filters=ALL)
        source_id = self.ids[_COLLECTION_OF[source_kind]][query.source]
        if source_kind == "demand":
            return matcher.match_demand(source_id, target, k=k, filters=ALL)
        if source_kind == "course":
            return matcher.match_course(source_id, k=k, filters=ALL)
        if source_kind == "program":
            return matcher.match_program(source_id, k=k, filters=ALL)
        return matcher.match_student(source_id, k=k, filters=Filters(("job",), None, False))


class _Baselines:
    """Plain cosine and BM25 over every collection of the set, texts as the product stores them."""

    def __init__(
        self,
        services: Services,
        ids: dict[str, dict[str, int]],
        base_encoder: Encoder | None = None,
    ) -> None:
        self.encoder = services.encoder
        self.base_encoder = base_encoder
        self.by_collection: dict[str, Baselines] = {}
        self.base: dict[str, Baselines] = {}
        self.text: dict[str, dict[str, str]] = {}
        with services.db.session() as session:
            for collection, by_key in ids.items():
                if not by_key:
                    continue
                model = _MODELS[collection]
                query = select(model).where(model.id.in_(list(by_key.values())))
                if model in (Program, Student):
                    query = query.options(selectinload(model.courses))
                if model is Student:
                    query = query.options(selectinload(Student.program))
                text_of = {e.id: entity_text(e) for e in session.scalars(query)}
                keys = list(by_key)
                self.text[collection] = {k: text_of[by_key[k]] for k in keys}
                texts = [text_of[by_key[k]] for k in keys]
                self.by_collection[collection] = Baselines(self.encoder, keys, texts)
                if base_encoder is not None:
                    self.base[collection] = Baselines(base_encoder, keys, texts)
        self.row = {c: {k: n for n, k in enumerate(b.keys)} for c, b in self.by_collection.items()}

    def rank(
        self, query: Query, source_kind: str, target: str, k: int
    ) -> tuple[list[str], list[str], list[str]]:
        """(plain cosine, BM25, plain cosine of the base model or nothing) rankings."""
        if source_kind == "text":
            text = query.source
        else:
            text = self.text[_COLLECTION_OF[source_kind]][query.source]
        base: list[str] = []
        if self.base_encoder is not None:
            vector = self._vector(self.base, self.base_encoder, query, source_kind)
            base = self.base[target].cosine(vector, k)
        vector = self._vector(self.by_collection, self.encoder, query, source_kind)
        baselines = self.by_collection[target]
        return baselines.cosine(vector, k), baselines.lexical(text, k), base

    def _vector(
        self, sets: dict[str, Baselines], encoder: Encoder, query: Query, source_kind: str
    ) -> np.ndarray:
        if source_kind == "text":
            return encoder.encode([query.source])[0]
        collection = _COLLECTION_OF[source_kind]
        return sets[collection].matrix[self.row[collection][query.source]]


def rerank(candidates: Sequence[Candidate], weights: FusionWeights, k: int = 10) -> list[str]:
    """The product's ranking of these candidates under other fusion weights."""
    scored = sorted(
        candidates,
        key=lambda c: (-round(weights.fuse(c.text, c.lexical, c.skill), 4), c.id),
    )
    return [c.key for c in scored[:k]]
