"""The two baselines every set is ranked with beside the product.

- plain cosine: one vector per whole text as written, nearest by cosine (what a quick
  prototype does with the same model);
- BM25 over the same texts: English words, and Chinese as jieba words plus single characters
  (so 焊工 still meets 电焊工). Nothing is translated.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from embeddings import Encoder
from matcher.language import phrasing

_WORD = re.compile(r"[a-z0-9]+|[\u4e00-\u9fff]+")


def bm25_terms(text: str) -> list[str]:
    terms: list[str] = []
    for token in _WORD.findall(text.lower()):
        if phrasing.has_chinese(token):
            terms.extend(phrasing.chinese_words(token))
            terms.extend(token)
        else:
            terms.append(token)
    return terms


class Bm25:
    """Okapi BM25 (k1 1.2, b 0.75) over a fixed list of documents."""

    def __init__(self, documents: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.docs = [Counter(bm25_terms(d)) for d in documents]
        lengths = np.array([sum(c.values()) for c in self.docs], dtype=np.float64)
        self.norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1.0))
        frequency = Counter(t for c in self.docs for t in c)
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}
        self.k1 = k1

    def scores(self, query: str) -> np.ndarray:
        terms = [t for t in set(bm25_terms(query)) if t in self.idf]
        out = np.zeros(len(self.docs))
        for row, counts in enumerate(self.docs):
            for t in terms:
                tf = counts.get(t, 0)
                if tf:
                    out[row] += self.idf[t] * tf * (self.k1 + 1) / (tf + self.norm[row])
        return out


class Baselines:
    """Plain cosine and BM25 rankings of one target collection."""

    def __init__(self, encoder: Encoder, keys: list[str], texts: list[str]) -> None:
        self.keys = keys
        self.encoder = encoder
        self.matrix = encoder.encode(texts)
        self.bm25 = Bm25(texts)

    def cosine(self, vector: np.ndarray, k: int) -> list[str]:
        order = np.argsort(-(self.matrix @ vector), kind="stable")[:k]
        return [self.keys[i] for i in order]

    def lexical(self, text: str, k: int) -> list[str]:
        order = np.argsort(-self.bm25.scores(text), kind="stable")[:k]
        return [self.keys[i] for i in order]
