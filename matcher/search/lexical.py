"""The lexical channel: BM25 over the same texts the vector index holds.

Dense vectors blur exact technical terms ("PLC", "5G", "CNC" look like any other short token to
the model); BM25 rewards them, weighted by how rare they are. Terms are Porter2 stems of the
English form of a text (Chinese put into English, abbreviations spelled out, see
``phrasing.TextForm``) plus what that form loses: the abbreviations as written and the Chinese
words themselves (segmented by jieba, search mode). So "PLC编程" shares terms both with "PLC
programming" and with "programmable logic controller programming", and a Chinese posting
with a Chinese course.

An index per collection is kept in memory and follows the vector index: when a sync publishes
new vectors, the next query re-reads only the texts whose hash changed.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import snowballstemmer
from scipy import sparse
from sqlalchemy.orm import Session

from embeddings import VectorCollection
from matcher.language import TextForm, chinese_words, has_chinese, normalise
from matcher.search.indexing import IndexService, texts_by_id

log = logging.getLogger(__name__)

LEXICAL_COLLECTIONS = ("demands", "courses", "programs")
_WORD = re.compile(r"[a-z0-9]+(?:[+#]+|(?:[.\-][a-z0-9]+)*)")
_STOP_WORDS = frozenset(
    ("a", "an", "the", "and", "or", "of", "in", "on", "to", "for", "with", "from", "by", "at")
    + ("into", "about", "up", "out", "as", "is", "are", "be", "been", "this", "that", "these")
    + ("those", "it", "its", "we", "you", "your", "our", "their", "will", "can", "able", "must")
    + ("should", "who", "which", "what", "how", "all", "any", "other", "such", "than", "then")
    + ("also", "more", "most", "per", "via", "etc")
)
_K1 = 1.2
_B = 0.75
_stemmer_lock = threading.Lock()
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    with _stemmer_lock:  # snowball stemmers keep state between calls
        return str(_stemmer.stemWord(word))


def _english_terms(text: str) -> list[str]:
    return [
        _stem(w)
        for w in _WORD.findall(text)
        if w not in _STOP_WORDS and (len(w) > 1 or w.isdigit())
    ]


def lexical_terms(text: str, form: TextForm) -> list[str]:
    """The terms BM25 counts for ``text``: stems of its encoder form, then the words the form
    replaced (abbreviations as written, Chinese words)."""
    formed = _english_terms(form(text))
    seen = set(formed)
    extra = [t for t in _english_terms(normalise(text)) if t not in seen]
    if has_chinese(text):
        extra.extend(chinese_words(text))
    return formed + extra


@dataclass
class Bm25Index:
    """Okapi BM25 over a fixed set of documents, as a sparse document × term weight matrix."""

    ids: np.ndarray  # document ids, one per matrix row
    terms: dict[str, int]
    weights: sparse.csc_matrix
    documents: dict[int, tuple[str, Sequence[str]]]  # id → (text hash, terms), for updates
    """Terms are kept as tuples: a tuple of strings leaves the garbage collector's watch, a
    list does not, and a million documents' lists made every full collection a pause."""
    row_of: dict[int, int]

    @classmethod
    def build(cls, documents: dict[int, tuple[str, Sequence[str]]]) -> Bm25Index:
        """``documents``: id → (text hash, terms)."""
        ids = np.fromiter(documents, dtype=np.int64, count=len(documents))
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        lengths = np.zeros(len(ids), dtype=np.float64)
        for row, (_, terms) in enumerate(documents.values()):
            lengths[row] = len(terms)
            tf: dict[int, int] = {}
            for term in terms:
                col = vocabulary.setdefault(term, len(vocabulary))
                tf[col] = tf.get(col, 0) + 1
            rows.extend([row] * len(tf))
            cols.extend(tf)
            counts.extend(tf.values())
        shape = (len(ids), len(vocabulary))
        tf_matrix = sparse.csr_matrix(
            (np.asarray(counts, dtype=np.float64), (rows, cols)), shape=shape
        )
        doc_freq = np.bincount(np.asarray(cols, dtype=np.int64), minlength=len(vocabulary))
        n = max(len(ids), 1)
        idf = np.log(1.0 + (n - doc_freq + 0.5) / (doc_freq + 0.5))
        average = lengths.mean() if len(ids) else 1.0
        norm = _K1 * (1 - _B + _B * lengths / (average or 1.0))
        tf_matrix = tf_matrix.tocoo()
        values = tf_matrix.data * (_K1 + 1) / (tf_matrix.data + norm[tf_matrix.row])
        values *= idf[tf_matrix.col]
        weights = sparse.csc_matrix((values, (tf_matrix.row, tf_matrix.col)), shape=shape)
        row_of = {int(doc_id): row for row, doc_id in enumerate(ids)}
        return cls(ids, vocabulary, weights, documents, row_of)

    def hash_of(self, doc_id: int) -> str | None:
        document = self.documents.get(doc_id)
        return document[0] if document else None

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query_terms: Iterable[str]) -> np.ndarray:
        """BM25 score of every document, in row order (each distinct query term counted once:
        a long query text should not outweigh the document side by repetition)."""
        cols = sorted({self.terms[t] for t in query_terms if t in self.terms})
        if not cols or not len(self.ids):
            return np.zeros(len(self.ids), dtype=np.float64)
        return np.asarray(self.weights[:, cols].sum(axis=1)).ravel()

    def matching(self, query_terms: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """(rows ascending, BM25 scores) of the documents sharing a term with the query, as
        ``scores`` counts them. The work is the postings of the query's terms, not the whole
        collection: at a million documents a dense score vector per query dominated a match."""
        cols = sorted({self.terms[t] for t in query_terms if t in self.terms})
        if not cols or not len(self.ids):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        indptr, indices, data = self.weights.indptr, self.weights.indices, self.weights.data
        rows = np.concatenate([indices[indptr[c] : indptr[c + 1]] for c in cols])
        values = np.concatenate([data[indptr[c] : indptr[c + 1]] for c in cols])
        unique, inverse = np.unique(rows, return_inverse=True)
        return unique, np.bincount(inverse, weights=values, minlength=len(unique))


class LexicalHits:
    """One query's BM25 scores, each divided by the best score in the collection, so that the
    best lexical match scores 1 whatever the query's length. Only documents sharing a term with
    the query are held."""

    def __init__(
        self,
        bm25: Bm25Index | None = None,
        rows: np.ndarray | None = None,
        scores: np.ndarray | None = None,
    ) -> None:
        self._bm25 = bm25
        self._rows = rows  # ascending
        self._scores = scores
        self.top: dict[int, float] = {}

    @classmethod
    def of_query(
        cls, bm25: Bm25Index, rows: np.ndarray, scores: np.ndarray, pool: int
    ) -> LexicalHits:
        best = float(scores.max()) if len(scores) else 0.0
        if best <= 0.0:
            return cls()
        normalised = scores / best
        hits = cls(bm25, rows, normalised)
        count = int(np.count_nonzero(scores))
        order = np.argpartition(-scores, min(pool, len(scores) - 1))[:pool]
        order = order[np.argsort(-scores[order], kind="stable")][: min(pool, count)]
        hits.top = {int(bm25.ids[rows[o]]): float(normalised[o]) for o in order}
        return hits

    def of(self, doc_id: int) -> float:
        if self._bm25 is None or self._rows is None or self._scores is None:
            return 0.0
        row = self._bm25.row_of.get(doc_id)
        if row is None:
            return 0.0
        at = int(np.searchsorted(self._rows, row))
        found = at < len(self._rows) and self._rows[at] == row
        return float(self._scores[at]) if found else 0.0


class LexicalChannel:
    """BM25 indexes of demands, courses and programs, following the published vector index."""

    def __init__(self, index: IndexService, form: TextForm) -> None:
        self.index = index
        self.form = form
        self._indexes: dict[str, Bm25Index] = {}
        self._sources: dict[str, VectorCollection] = {}  # the vector index each one follows
        self._lock = threading.Lock()

    def search(
        self,
        session: Session,
        collection: str,
        text: str,
        pool: int,
        vector_index: VectorCollection | None = None,
    ) -> LexicalHits:
        """BM25 hits of ``text``; ``vector_index`` is the published index of ``collection``
        when the caller holds it already (saves looking the version up again)."""
        bm25 = self._current(session, collection, vector_index)
        if bm25 is None or not len(bm25):
            return LexicalHits()
        rows, scores = bm25.matching(lexical_terms(text, self.form))
        return LexicalHits.of_query(bm25, rows, scores, pool)

    def _current(
        self, session: Session, collection: str, vector_index: VectorCollection | None = None
    ) -> Bm25Index | None:
        """The BM25 index matching the vector index now published for ``collection``.

        Checked by identity first: a published vector index object never changes, so the
        texts are compared (by hash) only when a new one has been loaded.
        """
        vector_index = vector_index or self.index.collection(collection)
        if vector_index is None:
            return None
        with self._lock:
            known = self._indexes.get(collection)
            if known is not None and self._sources.get(collection) is vector_index:
                return known
            wanted = dict(vector_index.hashes)
            unchanged = (
                known is not None
                and len(known) == len(wanted)
                and all(known.hash_of(i) == h for i, h in wanted.items())
            )
            if known is None or not unchanged:
                known = Bm25Index.build(self._documents(session, collection, wanted, known))
                self._indexes[collection] = known
            self._sources[collection] = vector_index
            return known

    def _documents(
        self,
        session: Session,
        collection: str,
        wanted: dict[int, str],
        known: Bm25Index | None,
    ) -> dict[int, tuple[str, Sequence[str]]]:
        """id → (hash, terms); terms of unchanged documents are taken from the old index."""
        reusable: dict[int, Sequence[str]] = {}
        if known is not None:
            reusable = {
                i: known.documents[i][1] for i, h in wanted.items() if known.hash_of(i) == h
            }
        stale = [i for i in wanted if i not in reusable]
        log.info("lexical index %s: reading %d of %d texts", collection, len(stale), len(wanted))
        texts = texts_by_id(session, collection, stale)
        documents: dict[int, tuple[str, Sequence[str]]] = {}
        for doc_id, doc_hash in wanted.items():
            if doc_id in reusable:
                documents[doc_id] = (doc_hash, reusable[doc_id])
            elif doc_id in texts:
                documents[doc_id] = (doc_hash, tuple(lexical_terms(texts[doc_id], self.form)))
        return documents
