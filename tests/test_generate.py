"""``bench/generate.py``: synthetic consortium data that the real import loads, on both stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.wiring import Services
from bench.generate import KINDS, Consortium, parse_size, write
from matcher.catalog import parse_input


def test_sizes_are_read_as_postings() -> None:
    assert [parse_size(s) for s in ("10k", "100K", "1m", "250")] == [10_000, 100_000, 10**6, 250]
    for bad in ("10x", "k", "0", "-5"):
        with pytest.raises(ValueError, match="number of postings"):
            parse_size(bad)


def test_a_province_spreads_over_cities_enterprises_and_schools() -> None:
    province = Consortium(100_000)
    assert len(province.enterprises) == 500 and len(province.schools) == 40
    assert len({city for _, city, _, _ in province.enterprises}) == 12
    assert len({name for name, _, _, _ in province.enterprises}) == 500
    demands = [d for _, d in zip(range(3000), province.demands(), strict=False)]
    assert len({d["enterprise"] for d in demands}) > 300 and len({d["city"] for d in demands}) == 12


def test_generated_files_import_whole_and_repeat_for_a_seed(
    services: Services, tmp_path: Path
) -> None:
    counts = write(Consortium(60, seed=3), tmp_path / "a", progress=False)
    write(Consortium(60, seed=3), tmp_path / "b", progress=False)
    assert counts["demands"] == 60 and counts["students"] == 6
    for kind in KINDS:
        assert (tmp_path / "a" / f"{kind}.jsonl").read_bytes() == (
            tmp_path / "b" / f"{kind}.jsonl"
        ).read_bytes()
    lines = (tmp_path / "a" / "demands.jsonl").read_text(encoding="utf-8").splitlines()
    demands = [json.loads(line) for line in lines]
    texts = {(d["title"], d["description"]) for d in demands}
    assert len(texts) == 60  # every posting distinct, as on a real board
    assert len({d["kind"] for d in demands}) >= 3
    for kind in KINDS:
        lines = (tmp_path / "a" / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines()
        records = [parse_input(kind, json.loads(line)) for line in lines]
        assert len(services.catalog.create_many(kind, records)) == counts[kind]
    assert services.catalog.list_page("demands").total == 60
    found = services.matcher.match_text("PLC programming", "demands", k=3)
    assert len(found) == 3
