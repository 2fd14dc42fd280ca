"""How well one skill phrase stands for another: cosine similarity blended with word overlap.

``similarity(asked, taught) = (1 - w) * cos + w * overlap``, where ``overlap`` is the share of
the asked phrase's content words (stems of its English form) found in the taught phrase. Cosine
alone lets "PLC programming" and "robot programming" look alike; the overlap term keeps exact
technical words counting. The same blend, with its own weight, measures gap coverage.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sqlalchemy.orm import Session

from .phrasing import encoding_form
from .skills import content_words
from .vectors import VectorCache


class PhraseTable:
    """Vectors and content words of every phrase one ranking compares, fetched at once."""

    def __init__(self, session: Session, vectors: VectorCache, phrases: Sequence[str]) -> None:
        unique = list(dict.fromkeys(phrases))
        self.phrases = unique
        self.rows = {p: i for i, p in enumerate(unique)}
        self.matrix = vectors.vectors(session, unique, persist=False) if unique else None
        vocabulary: dict[str, int] = {}
        row_ids: list[int] = []
        col_ids: list[int] = []
        for row, phrase in enumerate(unique):
            for word in content_words(encoding_form(phrase)):
                row_ids.append(row)
                col_ids.append(vocabulary.setdefault(word, len(vocabulary)))
        self.words = sparse.csr_matrix(
            (np.ones(len(row_ids), dtype=np.float32), (row_ids, col_ids)),
            shape=(len(unique), max(len(vocabulary), 1)),
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
