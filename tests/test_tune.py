"""``talentmatch tune``: a real (tiny) tuning run on the packaged model, the held-out rule of its
pairs, the ``tuned`` MODEL setting, and the CLI's errors."""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from api.cli import cli
from api.wiring import Services
from embeddings import Encoder, ModelLoadError
from embeddings.tuned import resolve_tuned, tuned_models
from embeddings.tuning import Progress, batches
from matcher.catalog import parse_input
from matcher.language import entity_text
from matcher.taxonomy import evaluation_split, load_occupations
from matcher.taxonomy.pairs import (
    SHARES,
    build_pairs,
    consortium_pairs,
    held_out_titles,
    with_hard_negatives,
)
from matcher.taxonomy.tuning_eval import Task, recall_at
from store import Course, Demand, Program, Response


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TALENTMATCH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("TALENTMATCH_MODEL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TALENTMATCH_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], obj={}).exit_code == 0
    return runner


def _run(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(cli, list(args), obj={})


def _one_line_error(result: Any, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.output
    if code == 1:
        assert len(lines) == 1
    return str(lines[-1])


def test_pairs_never_hold_a_test_split_title_and_repeat_for_a_seed() -> None:
    pairs = build_pairs(3000)
    assert pairs == build_pairs(3000) and pairs != build_pairs(3000, seed=7)
    assert 2990 <= len(pairs) <= 3000
    assert {p.source for p in pairs} == set(SHARES) - {"consortium"}
    held_out = held_out_titles()
    assert not [p for p in pairs if p.anchor.lower() in held_out or p.positive.lower() in held_out]
    split = {o.uri: evaluation_split(o.uri) for o in load_occupations()}
    assert {split[p.group] for p in pairs if p.source.startswith("title-")} == {"dev"}
    by_source = {s: sum(p.source == s for p in pairs) for s in SHARES}
    assert by_source["title-preferred"] > by_source["skill-alias"]  # titles come first


def test_consortium_pairs_are_the_confirmed_answers(services: Services) -> None:
    catalog = services.catalog
    for kind, name in (("enterprise", "Pearl River Electronics"), ("school", "Liuzhou College")):
        catalog.create("organizations", parse_input("organizations", {"kind": kind, "name": name}))
    demands = [
        catalog.create(
            "demands",
            parse_input(
                "demands",
                {
                    "enterprise": "Pearl River Electronics",
                    "kind": "job",
                    "title": title,
                    "posted_at": "2026-01-05",
                    "skills": [title],
                },
            ),
        )
        for title in ("5G基站维护", "PLC programmer", "CNC machinist", "welder")
    ]
    courses = [
        catalog.create(
            "courses",
            parse_input(
                "courses",
                {"school": "Liuzhou College", "code": code, "title": title, "skills": [title]},
            ),
        )
        for code, title in (("5G101", "5G base station maintenance"), ("PLC1", "PLC basics"))
    ]
    program = catalog.create(
        "programs",
        parse_input("programs", {"school": "Liuzhou College", "name": "Mobile communications"}),
    )
    school = courses[0]["school_id"]
    with services.db.session() as session:
        for demand, status, course, program_id in (
            (demands[0], "accepted", courses[0], program["id"]),
            (demands[1], "delivered", courses[1], None),
            (demands[2], "proposed", courses[0], None),
            (demands[3], "declined", courses[1], None),
        ):
            answer = Response(
                demand_id=demand["id"], school_id=school, kind="existing_course", status=status
            )
            answer.courses = [session.get_one(Course, course["id"])]
            answer.program_id = program_id
            session.add(answer)

    form = services.vectors.form
    pairs = consortium_pairs(services.db, form)
    with services.db.session() as session:
        asked = [form(entity_text(session.get_one(Demand, d["id"]))) for d in demands[:2]]
        taught = [form(entity_text(session.get_one(Course, c["id"]))) for c in courses]
        offered = form(entity_text(session.get_one(Program, program["id"])))
    assert [(p.anchor, p.positive) for p in pairs] == [
        (asked[0], taught[0]),
        (asked[0], offered),
        (asked[1], taught[1]),
    ]
    assert "base station" in pairs[0].anchor  # the text form: Chinese put into English
    assert {p.source for p in pairs} == {"consortium"}


def test_batches_keep_one_source_and_never_repeat_a_group_or_text() -> None:
    pairs = build_pairs(1000)
    plan = batches(pairs, 32, random.Random(1))
    assert plan == batches(pairs, 32, random.Random(1))
    assert all(2 <= len(b) <= 32 for b in plan)
    assert len({p for b in plan for p in b}) >= 0.98 * len(pairs)  # a few lone pairs dropped
    for batch in plan:
        assert len({p.source for p in batch}) == 1
        groups = [p.group for p in batch]
        texts = [t.lower() for p in batch for t in (p.anchor, p.positive)]
        assert len(set(groups)) == len(groups) and len(set(texts)) == len(texts)
    assert Progress(done=10, total=40, elapsed=20.0).eta == 60.0


def test_hard_negatives_are_near_wrong_occupations_in_the_positive_s_form(
    encoder: Encoder,
) -> None:
    pairs = build_pairs(600)
    mined = with_hard_negatives(pairs, encoder.encode)
    assert [replace(p, negative="", negative_group="") for p in mined] == pairs
    occupations = {o.uri: o for o in load_occupations()}
    with_negative = [p for p in mined if p.negative]
    assert {p.source for p in with_negative} == {
        "title-preferred",
        "title-title",
        "title-description",
    }
    assert len(with_negative) == sum(p.source.startswith("title-") for p in pairs)
    held_out = held_out_titles()
    for pair in with_negative:
        other = occupations[pair.negative_group]
        assert pair.negative_group != pair.group and evaluation_split(other.uri) == "dev"
        assert pair.anchor.lower() not in {t.lower() for t in (other.label, *other.alternatives)}
        assert pair.negative.lower() not in held_out
        own = occupations[pair.group]
        assert pair.negative.lower() not in {t.lower() for t in (own.label, *own.alternatives)}
        if pair.source == "title-preferred":
            assert pair.negative == other.label
        elif pair.source == "title-title":
            assert pair.negative in other.alternatives
        else:
            assert other.description.startswith(pair.negative)
    # nearer the anchor than a random dev occupation's title, on average
    anchors = encoder.encode([p.anchor for p in with_negative])
    negatives = encoder.encode([occupations[p.negative_group].label for p in with_negative])
    shuffled = negatives[np.random.default_rng(1).permutation(len(negatives))]
    assert (
        np.mean(np.sum(anchors * negatives, axis=1))
        > np.mean(np.sum(anchors * shuffled, axis=1)) + 0.2
    )

    plan = batches(mined, 16, random.Random(2))
    for batch in plan:
        assert len({bool(p.negative) for p in batch}) == 1
        groups = [g for p in batch for g in (p.group, p.negative_group) if g]
        texts = [t.lower() for p in batch for t in (p.anchor, p.positive, p.negative) if t]
        assert len(set(groups)) == len(groups) and len(set(texts)) == len(texts)


def test_a_tiny_tuning_run_writes_a_version_that_learnt_its_pairs(
    runner: CliRunner, tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _run(runner, "tune", "--max-pairs", "200", "--batch-size", "16", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    path = Path(data["model"])
    assert path.parent == tmp_path / "models"
    assert re.fullmatch(r"all-MiniLM-L6-v2-tuned-\d{8}T\d{6}", path.name)
    record = json.loads((path / "tuning.json").read_text())
    assert record["base"] == "all-MiniLM-L6-v2" and record["pairs_total"] == sum(
        record["pairs"].values()
    )
    assert 190 <= record["pairs_total"] <= 200 and record["steps"] >= 12
    assert "TALENTMATCH_MODEL=tuned" in data["next"] and "talentmatch index" in data["next"]

    tuned = Encoder(str(path))
    pairs = build_pairs(200)  # the same seed: the pairs it was trained on
    anchors = [p.anchor for p in pairs]
    positives = [p.positive for p in pairs]
    before = encoder.encode(anchors), encoder.encode(positives)
    after = tuned.encode(anchors), tuned.encode(positives)
    assert not np.allclose(before[0], after[0], atol=1e-3)
    pair_cosine = [float(np.mean(np.sum(a * p, axis=1))) for a, p in (before, after)]
    assert pair_cosine[1] > pair_cosine[0]
    task = Task(anchors, [{i} for i in range(len(pairs))], positives)
    assert recall_at(tuned.encode, task, (1,))[1] >= recall_at(encoder.encode, task, (1,))[1]

    monkeypatch.setenv("TALENTMATCH_MODEL", "tuned")
    # occupation coding off: this model's ESCO titles' graph would cost a minute to build
    monkeypatch.setenv("TALENTMATCH_OCCUPATION_WEIGHT", "0")
    monkeypatch.setenv("TALENTMATCH_GAP_OCCUPATION_WEIGHT", "0")
    indexed = _run(runner, "index", "--json")
    assert indexed.exit_code == 0, indexed.output
    assert json.loads(indexed.stdout)["occupation_labels"] == 0
    services = Services.from_environment()
    assert services.encoder.model_name == str(path)
    services.close()


def test_tuned_means_the_newest_finished_version(tmp_path: Path) -> None:
    models = tmp_path / "models"
    for name in (
        "all-MiniLM-L6-v2-tuned-20260102T080000",
        "LaBSE-tuned-20260103T090000",
        "all-MiniLM-L6-v2-tuned-20260101T235959",
    ):
        (models / name).mkdir(parents=True)
        (models / name / "tuning.json").write_text("{}")
    (models / "all-MiniLM-L6-v2-tuned-20260104T000000").mkdir()  # unfinished: no tuning.json
    (models / ".all-MiniLM-L6-v2-tuned-20260105T000000.partial").mkdir()
    assert [p.name[-15:] for p in tuned_models(tmp_path)] == [
        "20260101T235959",
        "20260102T080000",
        "20260103T090000",
    ]
    assert resolve_tuned("tuned", tmp_path) == str(models / "LaBSE-tuned-20260103T090000")
    assert resolve_tuned("all-MiniLM-L6-v2", tmp_path) == "all-MiniLM-L6-v2"
    with pytest.raises(ModelLoadError, match="holds no tuned model: run `talentmatch tune`"):
        resolve_tuned("tuned", tmp_path / "elsewhere")


def test_cli_errors_are_one_line_with_a_non_zero_exit(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    for flags, option in (
        (("--batch-size", "1"), "--batch-size"),
        (("--epochs", "0"), "--epochs"),
        (("--max-pairs", "many"), "--max-pairs"),
        (("--max-pairs", "10"), "--max-pairs"),
        (("--learning-rate", "1"), "--learning-rate"),
    ):
        error = _one_line_error(_run(runner, "tune", *flags), code=2)
        assert error.startswith("Error:") and option in error

    services = Services.from_environment()
    services.accounts.create("student@example.org", "student")
    services.close()
    refused = _run(runner, "--as", "student@example.org", "tune")
    assert "admin" in _one_line_error(refused)

    monkeypatch.setenv("TALENTMATCH_MODEL", "multilingual-e5-small")
    error = _one_line_error(_run(runner, "tune"))
    assert "cannot be tuned" in error and "multilingual-e5-small" in error

    monkeypatch.setenv("TALENTMATCH_MODEL", "tuned")
    for command in (("tune",), ("index",)):
        error = _one_line_error(_run(runner, *command))
        assert error.startswith("error: TALENTMATCH_MODEL is 'tuned' but ")
        assert error.endswith(
            "holds no tuned model: run `talentmatch tune` first, "
            "or set TALENTMATCH_MODEL to a model name or path"
        )


def test_recall_counts_a_query_answered_in_the_top_k(encoder: Encoder) -> None:
    task = Task(
        ["arc welder", "pastry cook"],
        [{0}, {1}],
        ["welder. Welders join metal parts.", "baker. Bakers make bread and pastries."],
    )
    assert recall_at(encoder.encode, task, (1, 2)) == {1: 1.0, 2: 1.0}
