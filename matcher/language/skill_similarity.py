"""How well one skill phrase stands for another: cosine similarity blended with word overlap.

``similarity(asked, taught) = (1 - w) * cos + w * overlap``, where ``overlap`` is the share of
the asked phrase's content words (stems of its English form) found in the taught phrase. Cosine
alone lets "PLC programming" and "robot programming" look alike; the overlap term keeps exact
technical words counting. The same blend, with its own weight, measures gap coverage.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy import sparse
from sqlalchemy.orm import Session

from matcher.language.phrasing import encoding_form
from matcher.language.skills import content_words
from matcher.language.vectors import VectorCache

_VOCABULARY: dict[str, int] = {}  # content word → column, shared by all tables
_vocabulary_lock = threading.Lock()


@lru_cache(maxsize=200_000)
def _word_columns(phrase: str) -> np.ndarray:
    """Columns of a phrase's content words (stems of its English form)."""
    words = sorted(content_words(encoding_form(phrase)))
    with _vocabulary_lock:
        return np.array([_VOCABULARY.setdefault(w, len(_VOCABULARY)) for w in words], np.int64)


class PhraseTable:
    """Vectors and content words of every phrase one ranking compares, fetched at once."""

    def __init__(self, session: Session, vectors: VectorCache, phrases: Sequence[str]) -> None:
        unique = list(dict.fromkeys(phrases))
        self.phrases = unique
        self.rows = {p: i for i, p in enumerate(unique)}
        self.matrix = vectors.vectors(session, unique, persist=False) if unique else None
        columns = [_word_columns(phrase) for phrase in unique]
        lengths = np.fromiter((len(c) for c in columns), dtype=np.int64, count=len(columns))
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        indices = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
        self.words = sparse.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, indptr),
            shape=(len(unique), max(len(_VOCABULARY), 1)),
        )
        self.word_counts = np.asarray(self.words.sum(axis=1)).ravel()

    def positions(self, phrases: Sequence[str]) -> list[int]:
        return [self.rows[p] for p in phrases]

    def similarity(
        self, asked: Sequence[str], taught: Sequence[str], lexical_weight: float
    ) -> np.ndarray:
        """Blended similarity, one row per asked phrase, one column per taught phrase."""
        assert self.matrix is not None
        a = [self.rows[p] for p in asked]
        t = [self.rows[p] for p in taught]
        cosine = self.matrix[a] @ self.matrix[t].T
        if lexical_weight == 0.0:
            return cosine
        shared = (self.words[a] @ self.words[t].T).toarray()
        counts = self.word_counts[a][:, None]
        overlap = np.divide(shared, counts, out=np.zeros_like(shared), where=counts > 0)
        return (1 - lexical_weight) * cosine + lexical_weight * overlap
