"""Versioned models written by ``talentmatch tune``, and the ``tuned`` value of the MODEL setting.

Each run writes ``<instance>/models/<base>-tuned-<UTC yyyymmddTHHMMSS>/``: a sentence-transformers
folder with a ``tuning.json`` beside it, written last, so a folder without one is an unfinished
run and never chosen. The folder name keeps the base model's name, so a tuned multilingual model
is still recognised as reading Chinese (``TRANSLATE=auto``).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from embeddings.encoder import ModelLoadError

TUNED = "tuned"
"""The MODEL setting value that means: the newest model from ``talentmatch tune``."""
RECORD = "tuning.json"
_VERSION = re.compile(r"-tuned-(\d{8}T\d{6})$")


def models_dir(instance_path: str | Path) -> Path:
    return Path(instance_path) / "models"


def version_name(base_name: str, when: datetime) -> str:
    """``all-MiniLM-L6-v2-tuned-20260105T093000`` for a base model named or found at
    ``base_name``; tuning a tuned model again keeps the original base name once."""
    base = _VERSION.sub("", Path(base_name.rstrip("/")).name)
    return f"{base}-tuned-{when:%Y%m%dT%H%M%S}"


def tuned_models(instance_path: str | Path) -> list[Path]:
    """The finished tuned models of an instance, oldest first."""
    folder = models_dir(instance_path)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        version = _VERSION.search(path.name)
        if version and (path / RECORD).is_file():
            found.append((version.group(1), path.name, path))
    return [path for _, _, path in sorted(found)]


def resolve_tuned(model: str, instance_path: str | Path) -> str:
    """The MODEL setting with ``tuned`` replaced by the path of the newest tuned model."""
    if model.strip().lower() != TUNED:
        return model
    models = tuned_models(instance_path)
    if not models:
        raise ModelLoadError(
            f"TALENTMATCH_MODEL is {TUNED!r} but {models_dir(instance_path)} holds no tuned model: "
            "run `talentmatch tune` first, or set TALENTMATCH_MODEL to a model name or path"
        )
    return str(models[-1])
