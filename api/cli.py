"""The ``talentmatch`` command line (also ``python -m api``).

Errors are one line on stderr and a non-zero exit: 1 for bad input or state, 2 for usage,
3 for an unexpected failure (its traceback goes to the log, shown with ``--debug``).
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from matcher.catalog import ENTITIES, import_file
from matcher.search import Filters

from .cli_accounts import audit, tokens, users
from .cli_answers import notifications, responses
from .cli_common import (
    Group,
    actor_of,
    admins_only,
    audited,
    catalog_of,
    emit,
    progress_bar,
    services_of,
)
from .cli_exports import export
from .cli_gaps import gaps
from .cli_jobs import feeds, refresh, runs, worker
from .cli_tune import tune

KINDS = click.Choice(list(ENTITIES))
DEMAND_KINDS = click.Choice(["job", "internship", "apprenticeship", "training"])


def _print_results(data: dict[str, Any]) -> None:
    results = data["results"]
    if not results:
        click.echo("no matches")
    for r in results:
        where = r.get("enterprise") or r.get("school") or ""
        click.echo(
            f"{r['rank']:>3}. {r['score']:.3f}  [{r['kind']}] {r['title']}  ({where}, id {r['id']})"
        )
        e = r["explanation"]
        skills = "-" if e["skill_score"] is None else f"{e['skill_score']:.2f}"
        click.echo(
            f"       text {e['text_similarity']:.2f} · terms {e['lexical_score']:.2f} · "
            f"skills {skills}"
        )
        if e.get("occupation"):
            o = e["occupation"]
            click.echo(
                f"       occupation (ESCO): {o['asked']} <-> {o['offered']}, "
                f"same with probability {o['agreement']:.2f}"
            )
        covered = ", ".join(f"{c['skill']} <- {c['by']}" for c in e["covered"])
        if covered:
            click.echo(f"       covered: {covered}")
        if r["explanation"]["missing"]:
            click.echo(f"       missing: {', '.join(r['explanation']['missing'])}")
        for tip in r["explanation"].get("learn", []):
            click.echo(f"       learn {tip['skill']!r} in: {tip['course']} ({tip['school']})")


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected failures.")
@click.option(
    "--as",
    "as_email",
    metavar="EMAIL",
    help="Act as this user, with their rights (default: the local admin).",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, as_email: str | None) -> None:
    """talentmatch: match enterprise talent demands with school programs and courses.

    Commands work on the local database as its administrator; --as EMAIL lets a script act
    as one user, with what that user may do.
    """
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr)
    ctx.ensure_object(dict)
    ctx.obj["as"] = as_email


@cli.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create or migrate the database (DATABASE_URL) to the newest schema."""
    services = services_of(ctx, require_schema=False)
    services.init_schema()
    click.echo(f"database ready: {services.db.engine.url.render_as_string(hide_password=True)}")


@cli.command()
@click.option("--if-empty", is_flag=True, help="Do nothing (exit 0) when data is already loaded.")
@click.pass_context
def seed(ctx: click.Context, if_empty: bool) -> None:
    """Load the demo consortium and build the index."""
    from matcher.errors import Conflict
    from seed.loader import load_demo

    services = admins_only(ctx, "load the demo")
    audited(ctx, "seed")
    bars: dict[str, tqdm] = {}

    def progress(kind: str, n: int, total: int = 0) -> None:
        if kind not in bars:
            bars[kind] = tqdm(desc=f"encoding {kind}", unit="text", file=sys.stderr, disable=None)
        bars[kind].update(n)

    try:
        counts = load_demo(services, progress)
    except Conflict as exc:
        if if_empty:
            click.echo(f"demo not loaded: {exc.detail}")
            if not services.accounts.list():
                click.echo(
                    "no accounts yet: create one with `talentmatch users create EMAIL --role admin`"
                )
            return
        raise
    finally:
        for bar in bars.values():
            bar.close()
    click.echo("loaded " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


@cli.command("import")
@click.argument("kind", type=KINDS)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Leave out invalid records, reporting each.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def import_command(
    ctx: click.Context, kind: str, file: Path, skip_invalid: bool, as_json: bool
) -> None:
    """Import KIND records from FILE (.jsonl, .json list or .csv); all or nothing."""
    audited(ctx, f"import {kind}", kind)
    catalog = catalog_of(ctx)
    with progress_bar(f"encoding {kind}") as progress:
        report = import_file(catalog, kind, file, skip_invalid=skip_invalid, progress=progress)
    data = report.as_dict()

    def human(d: dict[str, Any]) -> None:
        for skipped in d["skipped"]:
            click.echo(f"skipped {skipped['error']}", err=True)
        click.echo(f"imported {d['created']} {kind}, skipped {len(d['skipped'])}")

    emit(data, as_json, human)


@cli.command("list")
@click.argument("kind", type=KINDS)
@click.option("--page", default=1, type=click.IntRange(min=1))
@click.option("--per-page", default=20, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_command(ctx: click.Context, kind: str, page: int, per_page: int, as_json: bool) -> None:
    """List KIND records, a page at a time."""
    if kind == "students":
        audited(ctx, "list students", "students")
    result = catalog_of(ctx).list_page(kind, page, per_page)
    data = {"items": result.items, "total": result.total, "page": page, "per_page": per_page}

    def human(d: dict[str, Any]) -> None:
        for item in d["items"]:
            click.echo(f"{item['id']:>6}  {item.get('title') or item.get('name') or ''}")
        click.echo(f"page {page}, {len(d['items'])} of {d['total']}")

    emit(data, as_json, human)


@cli.command()
@click.argument("kind", type=KINDS)
@click.argument("item_id", type=int)
@click.pass_context
def show(ctx: click.Context, kind: str, item_id: int) -> None:
    """Print one KIND record as JSON."""
    if kind == "students":
        audited(ctx, f"show students {item_id}", f"students/{item_id}")
    record = catalog_of(ctx).get(kind, item_id)
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))


@cli.command()
@click.argument("kind", type=KINDS)
@click.argument("item_id", type=int)
@click.pass_context
def delete(ctx: click.Context, kind: str, item_id: int) -> None:
    """Delete one KIND record (and its vectors from the index)."""
    audited(ctx, f"delete {kind} {item_id}", f"{kind}/{item_id}")
    catalog_of(ctx).delete(kind, item_id)
    click.echo(f"deleted {kind} {item_id}")


@cli.group()
def match() -> None:
    """Rank matches in every direction."""


def _match_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Adds -k, the filter options and --json; hands the command one ``filters`` value."""

    @functools.wraps(func)
    def wrapper(
        *args: Any,
        kinds: tuple[str, ...],
        city: str | None,
        school_id: int | None,
        include_inactive: bool,
        **kwargs: Any,
    ) -> Any:
        filters = Filters(kinds or None, city, not include_inactive, school_id)
        return func(*args, filters=filters, **kwargs)

    for option in reversed(
        [
            click.option("-k", "k", default=10, type=click.IntRange(1, 500), help="Results."),
            click.option(
                "--kind",
                "kinds",
                multiple=True,
                type=DEMAND_KINDS,
                help="Demand kinds to keep (repeatable).",
            ),
            click.option("--city", help="Only this city."),
            click.option("--school", "school_id", type=int, help="Only this school's offerings."),
            click.option(
                "--include-inactive", is_flag=True, help="Also expired or closed demands."
            ),
            click.option("--json", "as_json", is_flag=True, help="Machine-readable output."),
        ]
    ):
        wrapper = option(wrapper)
    return wrapper


@match.command("demand")
@click.argument("demand_id", type=int)
@click.option(
    "--target",
    type=click.Choice(["courses", "programs", "students"]),
    default="courses",
    show_default=True,
)
@_match_options
@click.pass_context
def match_demand(
    ctx: click.Context, demand_id: int, target: str, k: int, filters: Filters, as_json: bool
) -> None:
    """Courses, programs or consenting students for a demand."""
    if target == "students":
        audited(ctx, f"match demand {demand_id} students")
        services_of(ctx).access.require_finder(actor_of(ctx))
    results = services_of(ctx).matcher.match_demand(demand_id, target, k, filters)
    emit({"results": results}, as_json, _print_results)


def _demand_side(name: str, help_text: str) -> None:
    @match.command(name, help=help_text)
    @click.argument("item_id", type=int)
    @_match_options
    @click.pass_context
    def command(ctx: click.Context, item_id: int, k: int, filters: Filters, as_json: bool) -> None:
        if name == "student":
            audited(ctx, f"match student {item_id}", f"students/{item_id}")
            services_of(ctx).access.require_full_student(actor_of(ctx), item_id)
        method = getattr(services_of(ctx).matcher, f"match_{name}")
        emit({"results": method(item_id, k, filters)}, as_json, _print_results)


_demand_side("program", "Demands that this program serves.")
_demand_side("course", "Demands whose skills this course teaches.")
_demand_side("student", "Internships and jobs for the student, with courses for missing skills.")


@match.command("text")
@click.argument("text")
@click.option(
    "--target",
    type=click.Choice(["demands", "courses", "programs"]),
    default="demands",
    show_default=True,
)
@_match_options
@click.pass_context
def match_text(
    ctx: click.Context, text: str, target: str, k: int, filters: Filters, as_json: bool
) -> None:
    """Free text (skills separated by commas, or a description) against any kind."""
    results = services_of(ctx).matcher.match_text(text, target, k, filters)
    emit({"results": results}, as_json, _print_results)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def index(ctx: click.Context, as_json: bool) -> None:
    """Bring the vector index in line with the store (rebuilds from stored vectors if needed)."""
    services = admins_only(ctx, "rebuild the index")
    with progress_bar("encoding") as progress:
        report = services.index.sync(progress=progress)
    # the taxonomy labels' vectors, once per model: the first match must not wait for them
    with progress_bar("encoding occupation titles (once per model)") as progress:
        coder = services.occupations.get(progress)
    snapshot = services.index.snapshot()
    data = {
        "version": report.version,
        "rebuilt": report.rebuilt,
        "upserted": report.upserted,
        "removed": report.removed,
        "collections": {
            name: {"count": len(ix), "type": ix.type}
            for name, ix in (snapshot.collections.items() if snapshot else [])
        },
        "occupation_labels": len(coder.owners) if coder else 0,
    }

    def human(d: dict[str, Any]) -> None:
        click.echo(f"index version {d['version']}")
        for name, info in d["collections"].items():
            click.echo(f"  {name}: {info['count']} vectors ({info['type']})")
        if d["occupation_labels"]:
            click.echo(f"  occupation coding: {d['occupation_labels']} ESCO titles")

    emit(data, as_json, human)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int) -> None:
    """Serve the web app and REST API with gunicorn."""
    from gunicorn.app.base import BaseApplication

    from .app import create_app

    services_of(ctx)  # fail fast with a clear message when the database is not initialised

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("timeout", 120)
            self.cfg.set("accesslog", "-")
            # The app bounds every query parameter and answers 422 naming it; gunicorn's own
            # 4094-byte line limit would cut in first with a bare 414 (percent-encoded Chinese
            # is 9 bytes a character). A reverse proxy in front keeps its own limit.
            self.cfg.set("limit_request_line", 0)

        def load(self) -> Any:
            app = create_app()
            # a worker never encodes the ESCO titles inside a request (see LazyCoder)
            app.extensions["talentmatch"].occupations.in_background = True
            return app

    click.echo(f"serving on http://{host}:{port}", err=True)
    _Server().run()


for command in (gaps, feeds, refresh, runs, worker, users, tokens, audit, responses, notifications):
    cli.add_command(command)
cli.add_command(export)
cli.add_command(tune)


def main() -> None:
    cli(obj={})


if __name__ == "__main__":
    main()
