"""CLI for the feed refresh: ``feeds``, ``refresh``, ``runs`` and the ``worker`` process."""

from __future__ import annotations

import json
from typing import Any

import click

from jobs.feeds import FeedPatch, FeedRegistry, parse_feed_input
from jobs.parse import FORMATS
from jobs.refresh import Refresher
from jobs.schedule import JOB_ID, build_scheduler

from .cli_common import actor_of, admins_only, audited, emit, progress_bar, services_of


@click.group()
def feeds() -> None:
    """Job feeds fetched by the nightly refresh."""


@feeds.command("add")
@click.argument("url")
@click.option("--format", "feed_format", type=click.Choice(FORMATS), required=True)
@click.option("--enterprise", help="Enterprise name (created if absent).")
@click.option("--disabled", is_flag=True, help="Register without fetching it yet.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def add_feed(
    ctx: click.Context,
    url: str,
    feed_format: str,
    enterprise: str | None,
    disabled: bool,
    as_json: bool,
) -> None:
    """Register a feed: schema.org JobPosting JSON-LD, a JSON list, or CSV."""
    audited(ctx, "feeds add", "feeds")
    data = {"url": url, "format": feed_format, "enterprise": enterprise, "enabled": not disabled}
    feed = parse_feed_input(data)
    owner = services_of(ctx).access.check_feed(actor_of(ctx), None, enterprise)
    if owner is not None and enterprise is None:
        feed = feed.model_copy(update={"enterprise_id": owner})
    record = FeedRegistry(services_of(ctx).db).add(feed)
    emit(record, as_json, lambda r: click.echo(f"feed {r['id']} registered: {r['url']}"))


def _print_feeds(items: list[dict[str, Any]]) -> None:
    if not items:
        click.echo("no feeds registered")
    for f in items:
        state = "enabled" if f["enabled"] else "disabled"
        last = (
            f"last {f['last_status']} at {f['last_fetched_at']}"
            if f["last_fetched_at"]
            else "never fetched"
        )
        click.echo(
            f"{f['id']:>4}  {f['format']:<6} {state:<8} {f['url']}  "
            f"({f['enterprise'] or '-'}; {last})"
        )


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_feeds(ctx: click.Context, as_json: bool) -> None:
    """Registered feeds and how their last fetch went."""
    actor = actor_of(ctx)
    access = services_of(ctx).access
    own = None if actor.is_admin else access.check_feed(actor, actor.organization_id)
    emit(FeedRegistry(services_of(ctx).db).list(own), as_json, _print_feeds)


def _may_manage(ctx: click.Context, feed_id: int, action: str) -> None:
    audited(ctx, f"feeds {action} {feed_id}", f"feeds/{feed_id}")
    access = services_of(ctx).access
    access.check_feed_owner(actor_of(ctx), access.feed_owner(feed_id))


def _toggle(enabled: bool) -> click.Command:
    @click.argument("feed_id", type=int)
    @click.pass_context
    def command(ctx: click.Context, feed_id: int) -> None:
        _may_manage(ctx, feed_id, "enable" if enabled else "disable")
        record = FeedRegistry(services_of(ctx).db).update(feed_id, FeedPatch(enabled=enabled))
        click.echo(f"feed {record['id']} {'enabled' if enabled else 'disabled'}")

    command.__doc__ = f"{'Enable' if enabled else 'Disable'} a feed."
    return click.command("enable" if enabled else "disable")(command)


feeds.add_command(_toggle(True))
feeds.add_command(_toggle(False))


@feeds.command("remove")
@click.argument("feed_id", type=int)
@click.pass_context
def remove_feed(ctx: click.Context, feed_id: int) -> None:
    """Remove a feed; the demands it brought stay."""
    _may_manage(ctx, feed_id, "remove")
    FeedRegistry(services_of(ctx).db).delete(feed_id)
    click.echo(f"feed {feed_id} removed")


def _print_run(run: dict[str, Any]) -> None:
    counts = ", ".join(f"{k} {v}" for k, v in run["counts"].items())
    click.echo(f"refresh run {run['id']}: {run['status']} ({counts})")
    for error in run["errors"]:
        where = f"feed {error['feed_id']} " if error["feed_id"] else ""
        click.echo(f"  {where}{error['reason']}")


@click.command()
@click.option("--feed", "feed_id", type=int, help="Only this feed.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def refresh(ctx: click.Context, feed_id: int | None, as_json: bool) -> None:
    """Run the nightly refresh once, now."""

    def on_feed(outcome: dict[str, Any]) -> None:
        counts = ", ".join(f"{k} {v}" for k, v in outcome["counts"].items())
        click.echo(
            f"feed {outcome['feed_id']} {outcome['status']}: {counts}  {outcome['url']}", err=True
        )

    with progress_bar("encoding new and changed postings") as progress:
        audited(ctx, "refresh")
        run = Refresher(admins_only(ctx, "run the refresh")).run(
            feed_id, trigger="manual", on_feed=on_feed, progress=progress
        )
    if as_json:
        keys = ("id", "status", "counts", "errors", "started_at", "finished_at", "feeds")
        click.echo(json.dumps({k: run[k] for k in keys}, ensure_ascii=False, indent=2))
    else:
        _print_run(run)
    if run["status"] == "failed":
        ctx.exit(1)


@click.command()
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def runs(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Recent refresh runs, newest first."""
    items = Refresher(admins_only(ctx, "read refresh runs")).runs(limit)
    emit(items, as_json, lambda rows: [_print_run(r) for r in rows] or click.echo("no runs yet"))


@click.command()
@click.pass_context
def worker(ctx: click.Context) -> None:
    """The scheduler process: the nightly refresh at REFRESH_TIME in REFRESH_TIMEZONE."""
    services = services_of(ctx)
    scheduler = build_scheduler(services)
    job = scheduler.get_job(JOB_ID)
    settings = services.settings
    click.echo(
        f"worker: nightly refresh at {settings.refresh_time} {settings.refresh_timezone}"
        f" ({job.name if job else JOB_ID}); Ctrl-C stops",
        err=True,
    )
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
