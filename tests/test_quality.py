"""The evaluation harness's own arithmetic, and that re-weighting reproduces the product."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.wiring import Services
from bench.quality.metrics import score
from bench.quality.run import Candidate, rerank
from matcher.errors import ConfigError
from matcher.settings import load_settings
from store import Demand


def test_metrics() -> None:
    rankings = [
        (["a", "b", "c"], frozenset({"a"})),  # first
        (["b", "a", "c"], frozenset({"a"})),  # second
        (["x", "y", "z", "u", "v", "a"], frozenset({"a"})),  # sixth: outside @5, inside @10
        (["a", "x", "b"], frozenset({"a", "b"})),  # two answers
    ]
    result = score(rankings)
    assert result.count == 4
    assert result.recall_1 == pytest.approx((1 + 0 + 0 + 1) / 4)
    assert result.recall_5 == pytest.approx((1 + 1 + 0 + 1) / 4)
    assert result.mrr_10 == pytest.approx((1 + 0.5 + 1 / 6 + 1) / 4)


def test_rerank_with_the_product_weights_reproduces_the_product(demo: Services) -> None:
    matcher = demo.matcher
    with demo.db.session() as session:
        demand_ids = session.scalars(select(Demand.id).order_by(Demand.id).limit(8)).all()
    for demand_id in demand_ids:
        wide = matcher.match_demand(demand_id, "courses", k=60)
        candidates = [
            Candidate(
                str(r["id"]),
                r["id"],
                r["explanation"]["text_similarity"],
                r["explanation"]["lexical_score"],
                r["explanation"]["skill_score"],
            )
            for r in wide
        ]
        top = [str(r["id"]) for r in matcher.match_demand(demand_id, "courses", k=10)]
        assert rerank(candidates, matcher.weights) == top


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SKILL_WEIGHT": 0.8, "LEXICAL_WEIGHT": 0.3}, "must not exceed 1"),
        ({"LEXICAL_WEIGHT": -0.1}, r"LEXICAL_WEIGHT must lie in \[0, 1\]"),
        ({"TRANSLATE": "sometimes"}, "TRANSLATE must be auto, on or off"),
    ],
)
def test_bad_weights_are_config_errors(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(settings)


def test_bm25_baseline_reads_chinese_words_and_characters() -> None:
    from bench.quality.baselines import Bm25, bm25_terms

    assert {"电焊工", "焊", "工"} <= set(bm25_terms("电焊工"))
    ranking = Bm25(["焊工", "会计师", "welding inspector"]).scores("电焊工")
    assert ranking.argmax() == 0 and ranking[1] == 0.0
    assert Bm25(["焊工", "welding inspector"]).scores("Welding").argmax() == 1


def test_title_sets_are_split_by_occupation_and_ask_with_other_titles() -> None:
    from bench.quality import occupation_set
    from matcher.taxonomy import evaluation_split, load_occupations

    data = occupation_set.build_english()
    assert {q.split for q in data.queries} == {"dev", "test"}
    assert len(data.queries) == 2 * occupation_set.QUERIES_PER_SPLIT
    program = dict(data.programs)
    title = {key: d.title for key, d in data.demands}
    by_label = {o.label: o for o in load_occupations()}
    for q in data.queries[::40]:
        occupation = by_label[program[next(iter(q.relevant))].name.lower()]
        assert q.split == evaluation_split(occupation.uri)
        assert title[q.source].lower() in occupation.alternatives
        assert title[q.source].lower() != occupation.label
    again = occupation_set.build_english()
    assert [d.title for _, d in again.demands] == [d.title for _, d in data.demands]
