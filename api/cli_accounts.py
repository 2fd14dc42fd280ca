"""``talentmatch users``, ``tokens`` and ``audit``: accounts, API tokens, the audit log."""

from __future__ import annotations

import sys
from typing import Any

import click

from matcher.accounts import ROLES

from .cli_common import actor_of, admins_only, audited, emit, services_of


def _read_password(prompt: bool) -> str:
    """Asked twice at a terminal (hidden), else the first line of stdin."""
    if prompt and sys.stdin.isatty():
        return str(click.prompt("password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@click.group()
def users() -> None:
    """Accounts: admins, enterprise and school members, students."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--organization", help="Enterprise or school (name or id) of a member.")
@click.option("--student", "student_id", type=int, help="A student user's existing record.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from stdin (else: asked at a terminal; none when not a terminal).",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def create_user(
    ctx: click.Context,
    email: str,
    role: str,
    organization: str | None,
    student_id: int | None,
    password_stdin: bool,
    as_json: bool,
) -> None:
    """Create an account. Without a password the user works with API tokens only."""
    audited(ctx, f"users create {email}", "users")
    services = admins_only(ctx, "create users")
    password = None
    if password_stdin or sys.stdin.isatty():
        password = _read_password(prompt=not password_stdin)
    record = services.accounts.create(
        email, role, organization=organization, student_id=student_id, password=password
    )
    emit(record, as_json, lambda r: click.echo(f"user {r['id']} created: {r['email']}"))


def _print_users(items: list[dict[str, Any]]) -> None:
    for u in items:
        where = u["organization"] or (f"student {u['student_id']}" if u["student_id"] else "")
        state = "" if u["active"] else "  [disabled]"
        click.echo(f"{u['id']:>5}  {u['email']}  {u['role']}  {where}{state}")
    if not items:
        click.echo("no users yet")


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_users(ctx: click.Context, as_json: bool) -> None:
    """Every account."""
    audited(ctx, "users list", "users")
    emit(admins_only(ctx, "list users").accounts.list(), as_json, _print_users)


def _set_active(active: bool) -> click.Command:
    @click.argument("email")
    @click.pass_context
    def command(ctx: click.Context, email: str) -> None:
        audited(ctx, f"users {'enable' if active else 'disable'} {email}", "users")
        services = admins_only(ctx, "change users")
        services.accounts.set_active(email, active)
        click.echo(f"{email} {'enabled' if active else 'disabled'}")

    command.__doc__ = (
        "Let the user sign in and use tokens again."
        if active
        else "Stop the user: no sign-in, every token refused (nothing is deleted)."
    )
    return click.command("enable" if active else "disable")(command)


users.add_command(_set_active(False))
users.add_command(_set_active(True))


@click.group()
def tokens() -> None:
    """API tokens (Authorization: Bearer TOKEN)."""


def _may_manage_tokens_of(ctx: click.Context, email: str) -> int:
    """Admins manage anyone's tokens; a user (--as) only their own."""
    actor = actor_of(ctx)
    user = services_of(ctx).accounts.by_email(email)
    if not actor.is_admin and actor.user_id != user["id"]:
        admins_only(ctx, "manage another user's tokens")
    return int(user["id"])


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="A label to recognise it by.")
@click.option("--expires-days", type=int, help="Days it lasts (default TOKEN_DAYS).")
@click.pass_context
def create_token(ctx: click.Context, email: str, name: str, expires_days: int | None) -> None:
    """Create a token for EMAIL and print the token alone (it is not shown again)."""
    audited(ctx, f"tokens create {email}", "tokens")
    user_id = _may_manage_tokens_of(ctx, email)
    _record, secret = services_of(ctx).tokens.create(user_id, name, expires_days)
    click.echo(secret)


@tokens.command("list")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_tokens(ctx: click.Context, email: str, as_json: bool) -> None:
    """EMAIL's tokens (never the tokens themselves: only their hashes are kept)."""
    audited(ctx, f"tokens list {email}", "tokens")
    user_id = _may_manage_tokens_of(ctx, email)

    def human(items: list[dict[str, Any]]) -> None:
        for t in items:
            click.echo(f"{t['id']:>5}  {t['name']}  {t['state']}  expires {t['expires_at']}")
        if not items:
            click.echo("no tokens")

    emit(services_of(ctx).tokens.list(user_id), as_json, human)


@tokens.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def revoke_token(ctx: click.Context, token_id: int) -> None:
    """Revoke a token by its id (``tokens list`` shows ids)."""
    audited(ctx, f"tokens revoke {token_id}", f"tokens/{token_id}")
    actor = actor_of(ctx)
    services_of(ctx).tokens.revoke(token_id, None if actor.is_admin else actor.user_id)
    click.echo(f"token {token_id} revoked")


@click.command()
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--actor", help="Only events of this e-mail (or 'anonymous', 'local admin').")
@click.option("--outcome", type=click.Choice(["ok", "refused", "failed"]))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def audit(
    ctx: click.Context, limit: int, actor: str | None, outcome: str | None, as_json: bool
) -> None:
    """The audit log, newest first: who read or changed personal data, and refused attempts."""
    audited(ctx, "audit")
    services = admins_only(ctx, "read the audit log")
    items = services.audit.list(limit, actor=actor, outcome=outcome)

    def human(rows: list[dict[str, Any]]) -> None:
        for e in rows:
            status = f" {e['status']}" if e["status"] else ""
            detail = f"  ({e['detail']})" if e["detail"] else ""
            click.echo(
                f"{e['at']}  {e['actor']}  {e['action']}  {e['outcome']}{status}"
                f"  [{e['source']}]{detail}"
            )
        if not rows:
            click.echo("no events")

    emit(items, as_json, human)
