"""The lexical channel: BM25 arithmetic, bilingual terms, and following index updates."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import insert

from api.wiring import Services
from embeddings import Encoder
from matcher.catalog.schemas import DemandIn
from matcher.language.phrasing import TextForm
from matcher.language.vectors import VectorCache
from matcher.search.indexing import texts_by_id
from matcher.search.lexical import Bm25Index, LexicalHits, lexical_terms
from store import Demand, Organization

ENGLISH = TextForm(translate=True)


def test_bm25_scores_follow_the_okapi_formula() -> None:
    documents = {
        1: ("h1", ["plc", "program"]),
        2: ("h2", ["robot", "program", "program", "weld"]),
        3: ("h3", ["weld"]),
    }
    bm25 = Bm25Index.build(documents)
    scores = dict(zip(bm25.ids.tolist(), bm25.scores(["plc", "program"]), strict=True))
    average = (2 + 4 + 1) / 3

    def part(tf: int, length: int, df: int) -> float:
        idf = math.log(1 + (3 - df + 0.5) / (df + 0.5))
        return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / average))

    assert scores[1] == pytest.approx(part(1, 2, 1) + part(1, 2, 2))
    assert scores[2] == pytest.approx(part(2, 4, 2))
    assert scores[3] == 0.0
    assert bm25.scores(["unknown"]).tolist() == [0.0, 0.0, 0.0]


def test_matching_documents_score_as_the_dense_scores_do() -> None:
    rng = np.random.default_rng(3)
    words = [f"w{n}" for n in range(40)]
    documents = {
        i: (f"h{i}", [str(w) for w in rng.choice(words, rng.integers(1, 12))])
        for i in range(1, 301)
    }
    bm25 = Bm25Index.build(documents)
    for query in (["w1", "w7"], ["w3"], ["w2", "w2", "nothing"], ["nothing"]):
        dense = bm25.scores(query)
        rows, scores = bm25.matching(query)
        assert rows.tolist() == np.flatnonzero(dense).tolist()
        assert scores == pytest.approx(dense[rows])
        hits = LexicalHits.of_query(bm25, rows, scores, 5)
        if len(rows):
            assert max(hits.top.values()) == 1.0 and len(hits.top) == 5
            assert all(hits.of(i) == pytest.approx(v) for i, v in hits.top.items())
        assert hits.of(10_000) == 0.0


def test_terms_keep_abbreviations_and_bridge_chinese_and_english() -> None:
    english = set(lexical_terms("PLC programming", ENGLISH))
    chinese = set(lexical_terms("PLC编程", ENGLISH))
    assert "plc" in english and "plc" in chinese  # the abbreviation as written
    assert {"logic", "control"} <= english & chinese  # its spelled-out form
    assert "编程" in chinese  # and the Chinese word itself
    assert "the" not in lexical_terms("the welding of pipes", ENGLISH)


def test_form_for_a_multilingual_model_keeps_chinese() -> None:
    assert not TextForm.for_model("paraphrase-multilingual-MiniLM-L12-v2").translate
    assert TextForm.for_model("all-MiniLM-L6-v2").translate
    assert not TextForm.for_model("all-MiniLM-L6-v2", "off").translate
    assert TextForm(translate=False)("PLC编程") == "programmable logic controller编程"


def _demand(title: str, skills: list[str]) -> DemandIn:
    return DemandIn(
        enterprise="Lexical Works", kind="job", title=title, skills=skills, posted_at="2026-01-05"
    )


def test_channel_follows_writes(services: Services) -> None:
    ids = services.catalog.create_many(
        "demands",
        [_demand("Robot welder", ["robotic welding"]), _demand("Data clerk", ["data entry"])],
    )
    lexical = services.matcher.lexical
    with services.db.session() as session:
        hits = lexical.search(session, "demands", "welding robot", 10)
    assert list(hits.top) == [ids[0]] and hits.of(ids[0]) == 1.0
    services.catalog.update("demands", ids[1], {"skills": ["arc welding"]})
    with services.db.session() as session:
        hits = lexical.search(session, "demands", "arc welding", 10)
    assert list(hits.top)[0] == ids[1]
    services.catalog.delete("demands", ids[0])
    with services.db.session() as session:
        assert ids[0] not in lexical.search(session, "demands", "robot", 10).top


def test_vectors_are_keyed_by_model_and_text_form(encoder: Encoder) -> None:
    """Vectors made from translated text are never served to a setup that encodes as written."""
    translated = VectorCache(encoder, TextForm(translate=True))
    as_written = VectorCache(encoder, TextForm(translate=False))
    assert translated.model != as_written.model
    assert translated.model.startswith(encoder.model_name)
    english, chinese = translated.encoder.encode(
        [translated.form("基站维护"), translated.form("base station maintenance")]
    )
    assert float(english @ chinese) > 0.95


def test_texts_are_read_in_chunks_of_ids(services: Services) -> None:
    """A whole collection can be asked for at once (a new model re-encodes everything): more
    ids than one statement takes, and ids that do not exist, are both fine."""
    with services.db.session() as session:
        session.execute(insert(Organization), [{"id": 1, "kind": "enterprise", "name": "Acme"}])
        session.execute(
            insert(Demand),
            [
                {
                    "id": i,
                    "enterprise_id": 1,
                    "kind": "job",
                    "title": f"Welder {i}",
                    "skills": ["TIG welding"],
                    "posted_at": datetime(2026, 1, 1, tzinfo=UTC),
                }
                for i in range(1, 1202)
            ],
        )
    with services.db.session() as session:
        texts = texts_by_id(session, "demands", [*range(1, 1202), 5000])
    assert len(texts) == 1201 and 5000 not in texts
    assert texts[1201] == "Welder 1201. Skills: TIG welding."
