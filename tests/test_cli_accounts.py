"""``talentmatch users``, ``tokens``, ``audit`` and ``--as`` on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.cli import cli


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TALENTMATCH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TALENTMATCH_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], obj={}).exit_code == 0
    return runner


def _run(runner: CliRunner, *args: str, stdin: str | None = None) -> Any:
    return runner.invoke(cli, list(args), obj={}, input=stdin)


def _import(runner: CliRunner, tmp_path: Path, kind: str, *records: dict[str, Any]) -> Any:
    path = tmp_path / f"{kind}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return _run(runner, "import", kind, str(path))


def test_users_tokens_and_acting_as_a_member(runner: CliRunner, tmp_path: Path) -> None:
    organizations = [
        {"kind": "school", "name": "Liuzhou College"},
        {"kind": "school", "name": "Other College"},
    ]
    assert _import(runner, tmp_path, "organizations", *organizations).exit_code == 0
    made = _run(
        runner,
        "users", "create", "dean@example.org", "--role", "school",
        "--organization", "Liuzhou College", "--password-stdin",
        stdin="a long enough password\n",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    listed = json.loads(_run(runner, "users", "list", "--json").stdout)
    assert [(u["email"], u["role"], u["organization"]) for u in listed] == [
        ("dean@example.org", "school", "Liuzhou College")
    ]

    token = _run(runner, "tokens", "create", "dean@example.org", "--name", "ci").stdout.strip()
    assert token.startswith("tm_") and "\n" not in token  # the token alone

    own = {"code": "C1", "title": "PLC", "skills": ["PLC programming"]}
    as_dean = ("--as", "dean@example.org")
    assert _run(runner, *as_dean, "import", "courses", _file(tmp_path, own)).exit_code == 0
    other = {**own, "code": "C2", "school": "Other College"}
    refused = _run(runner, *as_dean, "import", "courses", _file(tmp_path, other))
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: you act for your own school only")
    assert _run(runner, *as_dean, "users", "list").exit_code == 1  # not an admin
    courses = json.loads(_run(runner, "list", "courses", "--json").stdout)["items"]
    assert [(c["code"], c["school"]) for c in courses] == [("C1", "Liuzhou College")]

    tokens = json.loads(_run(runner, "tokens", "list", "dean@example.org", "--json").stdout)
    assert [(t["name"], t["state"]) for t in tokens] == [("ci", "active")]
    assert _run(runner, "tokens", "revoke", str(tokens[0]["id"])).exit_code == 0
    tokens = json.loads(_run(runner, "tokens", "list", "dean@example.org", "--json").stdout)
    assert tokens[0]["state"] == "revoked"

    assert _run(runner, "users", "disable", "dean@example.org").exit_code == 0
    stopped = _run(runner, *as_dean, "list", "courses")
    assert stopped.exit_code == 1 and "disabled" in stopped.stderr

    events = json.loads(_run(runner, "audit", "--json", "--limit", "50").stdout)
    seen = {(e["actor"], e["action"], e["outcome"]) for e in events}
    assert ("dean@example.org", "cli import courses", "ok") in seen
    assert ("dean@example.org", "cli import courses", "refused") in seen
    assert ("local admin", "cli tokens revoke " + str(tokens[0]["id"]), "ok") in seen
    assert all(e["source"] == "cli" for e in events)


def _file(tmp_path: Path, record: dict[str, Any]) -> str:
    path = tmp_path / f"course-{record['code']}.jsonl"
    path.write_text(json.dumps(record) + "\n")
    return str(path)


def test_bad_account_input_is_one_line(runner: CliRunner) -> None:
    for args, message in [
        (("users", "create", "not-an-email", "--role", "admin"), "is not an e-mail address"),
        (("users", "create", "x@example.org", "--role", "school"), "names their school"),
        (
            ("users", "create", "x@example.org", "--role", "school", "--organization", "Nowhere"),
            "no school 'Nowhere'",
        ),
        (("tokens", "create", "nobody@example.org"), "no user with e-mail"),
        (("--as", "nobody@example.org", "list", "courses"), "no user with e-mail"),
        (("tokens", "revoke", "999"), "no token with id 999"),
    ]:
        result = _run(runner, *args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    short = _run(
        runner, "users", "create", "y@example.org", "--role", "admin", "--password-stdin",
        stdin="short\n",
    )  # fmt: skip
    assert short.exit_code == 1 and "at least 10 characters" in short.stderr
    assert json.loads(_run(runner, "users", "list", "--json").stdout) == []  # nothing half-made
