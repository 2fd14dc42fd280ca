"""Import files: formats, all-or-nothing, --skip-invalid, clear errors naming record and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.wiring import Services
from matcher.catalog.importing import import_file
from matcher.errors import Conflict, ValidationFailed


def _count(svc: Services, kind: str) -> int:
    return svc.catalog.list_page(kind).total


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


GOOD = {
    "enterprise": "Acme",
    "kind": "job",
    "title": "Welder",
    "posted_at": "2026-02-01",
    "skills": ["MIG welding"],
}


def test_jsonl_json_and_csv_import(services: Services, tmp_path: Path) -> None:
    report = import_file(services.catalog, "demands", _write(tmp_path / "d.jsonl", [GOOD]))
    assert len(report.created) == 1
    (tmp_path / "d.json").write_text(json.dumps([{**GOOD, "title": "Fitter"}]))
    import_file(services.catalog, "demands", tmp_path / "d.json")
    (tmp_path / "d.csv").write_text(
        "enterprise,kind,title,posted_at,skills\n"
        "Acme,internship,Robot intern,2026-03-01,robot programming; PLC basics\n"
    )
    import_file(services.catalog, "demands", tmp_path / "d.csv")
    items = services.catalog.list_page("demands").items
    assert [i["title"] for i in items] == ["Welder", "Fitter", "Robot intern"]
    assert items[2]["skills"] == ["robot programming", "PLC basics"]


def test_bad_record_stops_the_import_and_writes_nothing(services: Services, tmp_path: Path) -> None:
    bad = {**GOOD, "posted_at": "yesterday"}
    path = _write(tmp_path / "d.jsonl", [GOOD, bad])
    with pytest.raises(ValidationFailed, match=r"line 2: field 'posted_at'"):
        import_file(services.catalog, "demands", path)
    assert _count(services, "demands") == 0
    assert _count(services, "organizations") == 0


def test_bad_json_line_is_named(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(GOOD) + "\n{broken\n")
    with pytest.raises(ValidationFailed, match="line 2: not valid JSON"):
        import_file(services.catalog, "demands", path)
    assert _count(services, "demands") == 0


def test_wrong_csv_header(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("school,code,titel\nX,C1,Welding\n")
    with pytest.raises(ValidationFailed, match="wrong CSV header: unknown column 'titel'"):
        import_file(services.catalog, "courses", path)


def test_duplicate_external_ids_in_one_file(services: Services, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "d.jsonl", [{**GOOD, "external_id": "A"}, {**GOOD, "external_id": "A"}]
    )
    with pytest.raises(Conflict, match="line 2: a demand with external_id 'A'"):
        import_file(services.catalog, "demands", path)
    assert _count(services, "demands") == 0


def test_skip_invalid_reports_each_skipped_record(services: Services, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "d.jsonl",
        [
            GOOD,
            {**GOOD, "kind": "gig"},
            {**GOOD, "external_id": "A"},
            {**GOOD, "external_id": "A"},
            {**GOOD, "title": ""},
        ],
    )
    report = import_file(services.catalog, "demands", path, skip_invalid=True)
    assert len(report.created) == 2
    assert [s["record"] for s in report.skipped] == ["line 2", "line 5", "line 4"]
    assert _count(services, "demands") == 2


def test_unknown_file_type_and_empty_file(services: Services, tmp_path: Path) -> None:
    (tmp_path / "d.xml").write_text("<x/>")
    with pytest.raises(ValidationFailed, match="unknown file type"):
        import_file(services.catalog, "demands", tmp_path / "d.xml")
    (tmp_path / "e.jsonl").write_text("\n")
    with pytest.raises(ValidationFailed, match="no records"):
        import_file(services.catalog, "demands", tmp_path / "e.jsonl")
