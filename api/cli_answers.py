"""``talentmatch responses`` (schools' answers to demands) and ``notifications`` (the inbox of
the ``--as`` user, and sending the mail that is due)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from matcher import clock
from matcher.answers import KINDS, STATUSES, ResponseIn
from matcher.catalog import parse_input_model
from matcher.errors import ValidationFailed

from .cli_common import actor_of, admins_only, audited, emit, services_of


def _answer_line(r: dict[str, Any]) -> str:
    what = ", ".join(c["code"] for c in r["courses"]) or r["program"] or r["message"][:40]
    return (
        f"{r['id']:>4}  {r['status']:<9} {r['kind']:<15} demand {r['demand_id']} "
        f"“{r['demand_title']}” — {r['school']}" + (f": {what}" if what else "")
    )


def _answers(rows: list[dict[str, Any]]) -> None:
    if not rows:
        click.echo("no answers")
    for r in rows:
        click.echo(_answer_line(r))


@click.group()
def responses() -> None:
    """Schools' answers to demands: list, create, move on."""


@responses.command("list")
@click.option("--demand", "demand_id", type=int, help="Answers to this demand.")
@click.option("--school", "school_id", type=int, help="Answers of this school.")
@click.option(
    "--status",
    "statuses",
    type=click.Choice(STATUSES),
    multiple=True,
    help="Only answers in this status (repeat for several).",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_responses(
    ctx: click.Context,
    demand_id: int | None,
    school_id: int | None,
    statuses: tuple[str, ...],
    as_json: bool,
) -> None:
    """The answers you may see, oldest first."""
    rows = services_of(ctx).responses.list(actor_of(ctx), demand_id, school_id, statuses)
    emit(rows, as_json, _answers)


@responses.command("create")
@click.argument("demand_id", type=int)
@click.option("--kind", type=click.Choice(KINDS), required=True)
@click.option("--course", "course_ids", type=int, multiple=True, help="A course id (repeat).")
@click.option("--program", "program_id", type=int, help="A program id (kind program).")
@click.option("--seats", type=int, help="Seats of an order class.")
@click.option("--starts-on", help="First day, YYYY-MM-DD (today or later).")
@click.option("--message", default="", help="What the school offers, in a few words.")
@click.option("--school", "school_id", type=int, help="The answering school (admins).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def create_response(
    ctx: click.Context,
    demand_id: int,
    kind: str,
    course_ids: tuple[int, ...],
    program_id: int | None,
    seats: int | None,
    starts_on: str | None,
    message: str,
    school_id: int | None,
    as_json: bool,
) -> None:
    """Answer a demand for your school; the enterprise's members are notified."""
    audited(ctx, "responses create", f"demand {demand_id}")
    data = {
        "kind": kind,
        "course_ids": list(course_ids),
        "program_id": program_id,
        "seats": seats,
        "starts_on": starts_on,
        "message": message,
        "school_id": school_id,
    }
    answer = parse_input_model(ResponseIn, data, "answer")
    record = services_of(ctx).responses.create(actor_of(ctx), demand_id, answer)
    emit(record, as_json, lambda r: click.echo(f"created: {_answer_line(r)}"))


@responses.command("set")
@click.argument("response_id", type=int)
@click.argument("status", type=click.Choice(STATUSES))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def set_response(ctx: click.Context, response_id: int, status: str, as_json: bool) -> None:
    """Move an answer on: accepted / declined (enterprise), withdrawn / delivered (school)."""
    audited(ctx, f"responses set {status}", f"response {response_id}")
    record = services_of(ctx).responses.set_status(actor_of(ctx), response_id, status)
    emit(record, as_json, lambda r: click.echo(_answer_line(r)))


@click.group()
def notifications() -> None:
    """Your inbox (with --as EMAIL) and the mail that is due."""


@notifications.command("list")
@click.option("--unread", is_flag=True, help="Only notifications not read yet.")
@click.option("--language", type=click.Choice(["zh", "en"]), default="en", show_default=True)
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_notifications(
    ctx: click.Context, unread: bool, language: str, limit: int, as_json: bool
) -> None:
    """The --as user's notifications, newest first."""
    actor = actor_of(ctx)
    if actor.user_id is None:
        raise ValidationFailed("notifications belong to a user: name one with --as EMAIL")
    rows = services_of(ctx).inbox.list(actor.user_id, language, unread, limit)

    def human(items: list[dict[str, Any]]) -> None:
        if not items:
            click.echo("no notifications")
        for n in items:
            mark = " " if n["read_at"] else "*"
            day = clock.local_day(datetime.fromisoformat(n["created_at"])).isoformat()
            click.echo(f"{mark} {n['id']:>4}  {day}  {n['subject']}  {n['link'] or ''}".rstrip())
            for line in n["params"].get("lines") or []:
                click.echo(f"        - {line}")

    emit(rows, as_json, human)


@notifications.command("send")
@click.pass_context
def send_notifications(ctx: click.Context) -> None:
    """Send every notification mail that is due now (what the worker does every few minutes)."""
    services = admins_only(ctx, "send notification mail")
    if services.mailer.server is None:
        raise ValidationFailed("no mail server: set TALENTMATCH_MAIL_SERVER to send e-mail")
    sent = services.mailer.deliver_due()
    outbox = services.mailer.outbox()
    click.echo(f"sent {sent}; pending {outbox['pending']}; failed {outbox['failed']}")
