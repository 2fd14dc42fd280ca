"""``talentmatch responses`` and ``notifications`` on both stores, acting ``--as`` members, with
a real SMTP server on 127.0.0.1 for ``notifications send``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.cli import cli
from api.wiring import Services
from matcher import clock
from matcher.language import VectorCache
from tests.conftest import PostgresDatabases, make_services
from tests.mail_server import free_port, mail_server
from tests.test_answers import World

TEACHER = ("--as", "t@liuzhou.example")
HR = ("--as", "hr@pearl.example")


@pytest.fixture
def port(
    services: Services,
    tmp_path: Path,
    store: str,
    postgres: PostgresDatabases | None,
    shared_vectors: VectorCache,
) -> Iterator[int]:
    """The CLI's services on the test's store, mailing to a port where nothing listens yet."""
    port = free_port()
    cli_services = make_services(
        store,
        tmp_path / "cli",
        postgres,
        shared_vectors,
        DATABASE_URL=services.settings.database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
    )
    _CLI.append(cli_services)
    yield port
    _CLI.clear()
    cli_services.close()


_CLI: list[Services] = []


def _run(*args: str) -> Any:
    """The command on the test's CLI services (closed by the fixture, not by the command)."""
    return CliRunner().invoke(cli, list(args), obj={"services": _CLI[0]})


def _error(result: Any) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    return str(lines[0])


def test_answer_list_move_and_read_the_inbox(services: Services, port: int) -> None:
    world = World(services)
    demand, course = world.demand["id"], world.course["id"]
    created = _run(
        *TEACHER, "responses", "create", str(demand), "--kind", "existing_course",
        "--course", str(course), "--message", "PLC and 5G in one term", "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    answer = json.loads(created.stdout)
    assert (answer["status"], answer["course_ids"], answer["school"]) == (
        "proposed",
        [course],
        "Liuzhou College",
    )
    again = _run(
        *TEACHER, "responses", "create", str(demand), "--kind", "training", "--message", "x"
    )
    assert _error(again).startswith("error: Liuzhou College has an open answer")

    listed = json.loads(_run(*HR, "responses", "list", "--demand", str(demand), "--json").stdout)
    assert [r["id"] for r in listed] == [answer["id"]]
    human = _run(*HR, "responses", "list", "--status", "proposed")
    assert f"demand {demand}" in human.stdout and "Liuzhou College: 5G101" in human.stdout
    assert _run(*HR, "responses", "list", "--status", "accepted").stdout.strip() == "no answers"
    other = _run("--as", "t@guilin.example", "responses", "list", "--json")
    assert json.loads(other.stdout) == []  # another school sees none of Liuzhou's answers

    refused = _run(*TEACHER, "responses", "set", str(answer["id"]), "accepted")
    assert _error(refused) == "error: only the demand's enterprise may mark an answer accepted"
    moved = _run(*HR, "responses", "set", str(answer["id"]), "accepted", "--json")
    assert moved.exit_code == 0 and json.loads(moved.stdout)["status"] == "accepted"

    inbox = json.loads(_run(*TEACHER, "notifications", "list", "--json").stdout)
    assert [(n["kind"], n["link"]) for n in inbox] == [
        ("answer_accepted", f"/school/demands/{demand}")
    ]
    chinese = _run(*TEACHER, "notifications", "list", "--unread", "--language", "zh")
    assert "Pearl River Electronics 接受了您对“5G base station maintainer”的答复" in chinese.stdout
    hr_inbox = _run(*HR, "notifications", "list")
    assert "Liuzhou College answered your demand" in hr_inbox.stdout
    assert _error(_run("notifications", "list")).endswith("name one with --as EMAIL")


def test_bad_input_is_one_line(services: Services, port: int) -> None:
    world = World(services)
    demand = str(world.demand["id"])
    past = (clock.today() - timedelta(days=1)).isoformat()
    late = _run(
        *TEACHER, "responses", "create", demand, "--kind", "order_class", "--starts-on", past
    )
    assert "answer: field 'starts_on': the start date is in the past" in _error(late)
    foreign = _run(
        *TEACHER, "responses", "create", demand, "--kind", "existing_course",
        "--course", str(world.other_course["id"]),
    )  # fmt: skip
    assert "is another school's" in _error(foreign)
    assert _error(_run(*TEACHER, "responses", "set", "999", "withdrawn")).startswith(
        "error: no answer with id 999"
    )
    assert _run(*TEACHER, "responses", "set", "1", "bogus").exit_code == 2  # usage
    assert "admin" in _error(_run(*TEACHER, "notifications", "send"))
    assert json.loads(_run("responses", "list", "--json").stdout) == []


def test_send_delivers_the_mail_that_is_due(services: Services, port: int) -> None:
    world = World(services)
    created = _run(
        *TEACHER, "responses", "create", str(world.demand["id"]), "--kind", "training",
        "--message", "5G evening course",
    )  # fmt: skip
    assert created.exit_code == 0, created.output  # its mail failed: nothing listens yet
    assert _run("notifications", "send").stdout.strip() == "sent 0; pending 1; failed 0"
    with mail_server(port) as (sink, _), clock.fixed(clock.now() + timedelta(minutes=2)):
        assert _run("notifications", "send").stdout.strip() == "sent 1; pending 0; failed 0"
        assert [m["To"] for m in sink.messages()] == ["hr@pearl.example"]
        assert _run("notifications", "send").stdout.strip() == "sent 0; pending 0; failed 0"
