"""``talentmatch export demands|responses``: the talent demand list or the answers as a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from matcher.answers import STATUSES
from matcher.answers.exports import ExportFilter, Exports

from . import exports
from .cli_common import actor_of, services_of


def _write(path: Path, body: bytes) -> None:
    """Through a temporary file beside it: never a half-written file."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(body)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@click.command()
@click.argument("which", type=click.Choice(exports.LISTS))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("csv", "xlsx")),
    default="csv",
    show_default=True,
    help="CSV is UTF-8 with a byte order mark (Excel reads Chinese).",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file."
)
@click.option("--industry", help="Only the enterprises of this industry.")
@click.option("--skill", help="Only demands asking for this skill (or their answers).")
@click.option("--school", "school_id", type=int, help="Demands this school answered / its answers.")
@click.option(
    "--status", type=click.Choice(STATUSES), multiple=True, help="Answers only; repeatable."
)
@click.pass_context
def export(
    ctx: click.Context,
    which: str,
    output_format: str,
    out: Path,
    industry: str | None,
    skill: str | None,
    school_id: int | None,
    status: tuple[str, ...],
) -> None:
    """Write the talent demand list (人才需求清单) or the answers the caller may see."""
    out = out.expanduser()
    if not out.parent.is_dir():
        raise click.BadParameter(f"folder {str(out.parent)!r} does not exist", param_hint="--out")
    if status and which == "demands":
        raise click.BadParameter("only answers have a status", param_hint="--status")
    services = services_of(ctx)
    records = (
        services.responses.list(actor_of(ctx), status=status) if which == "responses" else None
    )
    where = ExportFilter(industry, skill, school_id)
    items = exports.rows(Exports(services.db), services.gaps, which, where, records)
    body = (exports.to_csv if output_format == "csv" else exports.to_xlsx)(which, items)
    _write(out, body)
    click.echo(f"wrote {len(items)} {which} rows as {output_format} to {out}", err=True)
