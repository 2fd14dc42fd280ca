"""``talentmatch gaps``: the curriculum gap report as text, JSON, CSV or an HTML page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .cli_common import admins_only, progress_bar, services_of, write_atomically
from .gap_output import to_csv, to_html

FORMATS = ("text", "json", "csv", "html")


def _text(report: dict[str, Any]) -> str:
    summary = report["summary"]
    scope = report["school"]["name"] if report["school"] else "region"
    lines = [
        f"gap report for {scope} as of {report['as_of']}: {summary['gaps']} gaps "
        f"({summary['red']} red, {summary['yellow']} yellow) among {summary['skills']} demanded "
        f"skills, {summary['unmet_openings']} unmet openings"
    ]
    median = summary["median_response_days"]
    lines.append(
        f"curriculum response: median {'–' if median is None else f'{median:g}'} days over "
        f"{summary['responded']} skills ({summary['responded_by_answer']} by an accepted answer, "
        f"{summary['responded_by_course']} by a course) asked before they were answered or "
        f"taught; {summary['taught_before_asked']} taught before anyone asked; "
        f"{summary['accepted_not_delivered']} answers accepted, not yet delivered"
    )
    if report.get("message"):
        lines.append(report["message"])
    for item in report["items"]:
        if item["covered"]:
            continue
        nearest = item["nearest_courses"][0] if item["nearest_courses"] else None
        lines.append(
            f"{item['severity']:>6}  {item['skill']}  lag {item['lag_days']} d, "
            f"{item['openings']} openings, {item['enterprises']} enterprises, "
            f"trend {item['trend']}, coverage {item['coverage']:.2f}"
            + (f"; nearest: {nearest['title']} ({nearest['similarity']:.2f})" if nearest else "")
        )
    return "\n".join(lines)


@click.command()
@click.option("--school", "school_id", type=int, help="One school's courses (default: region).")
@click.option(
    "--as-of",
    help="Report as of this day, YYYY-MM-DD from 1900-01-01 up to today (default: today in "
    "TIMEZONE).",
)
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file.")
@click.option("--snapshot", is_flag=True, help="Store this report in the gap history.")
@click.pass_context
def gaps(
    ctx: click.Context,
    school_id: int | None,
    as_of: str | None,
    output_format: str,
    as_json: bool,
    out: Path | None,
    snapshot: bool,
) -> None:
    """Demanded skills that no course teaches: demand, lag, warning level, nearest courses."""
    if out is not None and not out.expanduser().parent.is_dir():
        raise click.BadParameter(f"folder {str(out.parent)!r} does not exist", param_hint="--out")
    services = admins_only(ctx, "take gap snapshots") if snapshot else services_of(ctx)
    with progress_bar("encoding skills") as progress:
        report = services.gap_history.report(school_id, as_of, snapshot=snapshot, progress=progress)
    output_format = "json" if as_json else output_format
    render = {
        "text": _text,
        "json": lambda r: json.dumps(r, ensure_ascii=False, indent=2),
        "csv": to_csv,
        "html": to_html,
    }[output_format]
    text = render(report)
    if out is None:
        click.echo(text)
        return
    write_atomically(out, text if text.endswith("\n") else text + "\n")
    click.echo(f"wrote {output_format} report ({len(report['items'])} skills) to {out}", err=True)
