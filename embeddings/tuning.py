"""Fine-tuning the encoder on pairs of texts that mean the same, on CPU.

The loss is sentence-transformers' ``MultipleNegativesRankingLoss``: in a batch of (anchor,
positive) pairs, each anchor must be nearer its own positive than every other positive, so no
negatives need labelling. The loop is a plain torch loop over that loss rather than
``SentenceTransformerTrainer``, which needs ``datasets`` and ``accelerate`` (and a hub-,
tracker- and checkpoint-minded set-up) for what is one pass over a few thousand short pairs;
a step here is exactly one batch, so progress and ETA are exact.

A pair may carry a hard negative: a text close to the anchor that is nonetheless wrong (the
nearest other occupation's title for a job title). In-batch negatives are mostly easy; the order
within the top five, which is what fails in ranking, is learnt from the hard ones.

Batches never hold two pairs of one group (an occupation, a skill, a demand) or one text twice:
the other pair's positive would count as a wrong answer for a right one. For the same reason a
hard negative's group never shares a batch with a pair of that group. Each batch holds pairs of
one source, all with or all without a hard negative (see ``batches``).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from embeddings.tuned import RECORD, models_dir, version_name

LEARNING_RATE = 5e-5  # chosen on dev occupations held out of training (2e-5, 5e-5, 1e-4)
WARMUP_SHARE = 0.1  # of the steps, with a linear rise; then a linear fall to zero
_SORT_WINDOW = 8


@dataclass(frozen=True)
class Pair:
    """Two texts the model should place close together."""

    anchor: str
    positive: str
    source: str  # where the pair comes from, counted in tuning.json
    group: str = ""  # pairs of one group never share a batch
    negative: str = ""  # a text near the anchor that must rank below the positive
    negative_group: str = ""  # the group ``negative`` belongs to


@dataclass(frozen=True)
class Progress:
    done: int  # training steps (batches) done
    total: int
    elapsed: float  # seconds

    @property
    def eta(self) -> float:
        """Seconds left at the pace so far."""
        return self.elapsed / self.done * (self.total - self.done) if self.done else 0.0


@dataclass(frozen=True)
class TuningResult:
    path: Path
    record: dict[str, Any]  # what tuning.json says


def batches(pairs: Sequence[Pair], size: int, rng: random.Random) -> list[list[Pair]]:
    """``pairs`` shuffled into batches of up to ``size``, in random order.

    On CPU the cost of a step follows the longest text of its batch, so a batch holds pairs of
    one source (titles are never padded to the length of a description; the other pairs are
    wrong answers of the same kind) and of about one length: each window of ``_SORT_WINDOW``
    batches' worth of shuffled pairs is sorted by length before it is cut. No group or text
    repeats within a batch; a pair that would repeat one waits for a later batch, and a last
    batch of one pair (which teaches nothing without others) is dropped.
    """
    by_source: dict[tuple[str, bool], list[Pair]] = {}
    for pair in pairs:
        by_source.setdefault((pair.source, bool(pair.negative)), []).append(pair)
    result = []
    for source in sorted(by_source):
        shuffled = by_source[source]
        rng.shuffle(shuffled)
        window = size * _SORT_WINDOW
        pending = [
            pair
            for start in range(0, len(shuffled), window)
            for pair in sorted(shuffled[start : start + window], key=_length)
        ]
        while pending:
            batch, pending = _fill(pending, size)
            if len(batch) > 1:
                result.append(batch)
    rng.shuffle(result)
    return result


def _length(pair: Pair) -> int:
    return len(pair.anchor) + len(pair.positive) + len(pair.negative)


def _keys(pair: Pair) -> set[str]:
    keys = {pair.anchor.lower(), pair.positive.lower(), pair.group or pair.anchor.lower()}
    if pair.negative:
        keys |= {pair.negative.lower(), pair.negative_group or pair.negative.lower()}
    return keys


def _fill(pending: list[Pair], size: int) -> tuple[list[Pair], list[Pair]]:
    """One batch from the front of ``pending``, and the pairs left for later."""
    batch: list[Pair] = []
    seen: set[str] = set()
    later: list[Pair] = []
    for i, pair in enumerate(pending):
        keys = _keys(pair)
        if keys & seen:
            later.append(pair)
            continue
        batch.append(pair)
        seen |= keys
        if len(batch) == size:
            return batch, later + pending[i + 1 :]
    return batch, later


def tune(
    source: str,
    base_name: str,
    pairs: Sequence[Pair],
    instance_path: str | Path,
    *,
    epochs: int = 1,
    batch_size: int = 64,
    seed: int = 2026,
    progress: Callable[[Progress], None] | None = None,
) -> TuningResult:
    """Fine-tune the model at ``source`` (named ``base_name``) and save it as a new version.

    Writes into a hidden folder first and renames it when ``tuning.json`` is in place, so an
    interrupted run leaves no folder that ``TALENTMATCH_MODEL=tuned`` could pick.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    started = datetime.now(UTC)
    clock = time.monotonic()
    target = models_dir(instance_path) / version_name(base_name, started)
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    rng = random.Random(seed)
    torch.manual_seed(seed)
    plan = [b for _ in range(epochs) for b in batches(pairs, batch_size, rng)]
    if not plan:
        raise ValueError("too few pairs to make a batch of two")

    model = SentenceTransformer(source, device="cpu")
    loss = MultipleNegativesRankingLoss(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    warmup = max(1, int(len(plan) * WARMUP_SHARE))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, (len(plan) - step) / (len(plan) - warmup + 1)),
    )
    model.train()
    no_labels = torch.tensor([])
    for step, batch in enumerate(plan, start=1):
        features = [
            model.preprocess([p.anchor for p in batch]),
            model.preprocess([p.positive for p in batch]),
        ]
        if batch[0].negative:
            features.append(model.preprocess([p.negative for p in batch]))
        loss(features, no_labels).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if progress:
            progress(Progress(step, len(plan), time.monotonic() - clock))
    model.eval()

    partial = target.with_name(f".{target.name}.partial")
    record = {
        "base": base_name,
        "pairs": dict(sorted(Counter(p.source for p in pairs).items())),
        "pairs_total": len(pairs),
        "hard_negatives": sum(1 for p in pairs if p.negative),
        "epochs": epochs,
        "batch_size": batch_size,
        "steps": len(plan),
        "learning_rate": LEARNING_RATE,
        "seed": seed,
        "loss": "MultipleNegativesRankingLoss",
        "seconds": round(time.monotonic() - clock, 1),
        "created": started.isoformat(timespec="seconds"),
        "sentence_transformers": sentence_transformers.__version__,
    }
    try:
        model.save(str(partial), create_model_card=False)
        (partial / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        os.replace(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return TuningResult(target, record)
