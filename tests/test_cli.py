"""The talentmatch CLI end to end in a subprocess-free runner, on a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import cli


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TALENTMATCH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TALENTMATCH_DATABASE_URL", raising=False)
    return CliRunner()


def _run(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, list(args), obj={})


def test_commands_need_init_first(runner: CliRunner) -> None:
    result = _run(runner, "match", "demand", "1")
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == "error: the database has no schema yet: run `talentmatch init` first"
    )


def test_init_import_match_json(runner: CliRunner, tmp_path: Path) -> None:
    assert _run(runner, "init").exit_code == 0
    courses = tmp_path / "courses.csv"
    courses.write_text(
        "school,code,title,skills\n"
        "Test College,C1,PLC Programming,PLC programming; ladder logic\n"
        "Test College,C2,Welding,MIG welding; TIG welding\n"
    )
    result = _run(runner, "import", "courses", str(courses), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == 2
    demands = tmp_path / "demands.jsonl"
    demands.write_text(
        json.dumps(
            {
                "enterprise": "Acme",
                "kind": "job",
                "title": "PLC tech",
                "posted_at": "2026-01-01",
                "skills": ["PLC programming"],
            }
        )
    )
    assert _run(runner, "import", "demands", str(demands)).exit_code == 0
    result = _run(runner, "match", "demand", "1", "--json", "-k", "1")
    assert result.exit_code == 0, result.output
    best = json.loads(result.stdout)["results"][0]
    assert best["title"] == "PLC Programming" and best["rank"] == 1
    result = _run(runner, "match", "text", "TIG welding", "--target", "courses")
    assert "Welding" in result.stdout.splitlines()[0]
    assert result.stdout.splitlines()[1].strip().startswith("text 0.")  # the score's parts
    assert " · terms " in result.stdout and " · skills " in result.stdout
    assert _run(runner, "show", "courses", "1").exit_code == 0
    assert "PLC tech" in _run(runner, "list", "demands").stdout


def test_bad_input_is_one_line_and_non_zero(runner: CliRunner, tmp_path: Path) -> None:
    _run(runner, "init")
    bad = tmp_path / "d.jsonl"
    bad.write_text('{"kind": "job"}\n')
    result = _run(runner, "import", "demands", str(bad))
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: line 1: field ")
    result = _run(runner, "match", "demand", "42")
    assert result.exit_code == 1 and result.stderr.strip() == "error: no demand with id 42"
    assert _run(runner, "import", "planets", str(bad)).exit_code == 2


def test_skip_invalid_reports_skipped(runner: CliRunner, tmp_path: Path) -> None:
    _run(runner, "init")
    path = tmp_path / "d.jsonl"
    good = {"enterprise": "Acme", "kind": "job", "title": "Welder", "posted_at": "2026-01-01"}
    path.write_text(json.dumps(good) + "\nnot json\n")
    result = _run(runner, "import", "demands", str(path), "--skip-invalid")
    assert result.exit_code == 0
    assert "skipped line 2: not valid JSON" in result.stderr
    assert "imported 1 demands, skipped 1" in result.stdout


def test_output_cut_short_by_the_reader_is_not_an_error(tmp_path: Path) -> None:
    """``talentmatch list demands | head -1``: the closed pipe ends the command quietly."""
    env = {**os.environ, "TALENTMATCH_INSTANCE_PATH": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    env.pop("TALENTMATCH_DATABASE_URL", None)
    env.pop("DATABASE_URL", None)
    demand = {
        "enterprise": "Acme",
        "kind": "job",
        "title": "Welder " * 20,
        "posted_at": "2026-01-01",
    }
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(demand) + "\n" for _ in range(1000)))
    command = [sys.executable, "-m", "api"]
    subprocess.run([*command, "init"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*command, "import", "demands", str(path)], env=env, check=True, capture_output=True
    )
    with subprocess.Popen(
        [*command, "list", "demands", "--per-page", "1000"],  # > a pipe buffer
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as listing:
        assert listing.stdout is not None and listing.stderr is not None
        assert b"Welder" in listing.stdout.readline()
        listing.stdout.close()
        assert listing.wait(timeout=60) == 0
        assert listing.stderr.read() == b""
