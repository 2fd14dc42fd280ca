"""Vectors for texts: from the store when this model has seen the text before, else encoded.

This is the service's ingest path. Texts are deduplicated by normalised content hash, looked up
in ``text_embeddings`` for the configured model, and only the rest go to the encoder, in their
``TextForm`` (normalised, abbreviations spelled out, Chinese put into English for an English-only
model); their vectors are written back in the caller's transaction. A changed model or text
form finds no rows under its key, so everything is encoded again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from embeddings import Encoder
from matcher.language.phrasing import TextForm
from matcher.language.texts import content_hash
from store import Database
from store.models import TextEmbedding

_LOOKUP_CHUNK = 500


class VectorCache:
    """Text → unit vector, through a bounded memory cache, the store and the encoder."""

    def __init__(
        self, encoder: Encoder, form: TextForm | None = None, memory_limit: int = 200_000
    ) -> None:
        self.encoder = encoder
        self.form = form or TextForm.for_model(encoder.model_name)
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memory_limit = memory_limit
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        """The key vectors are stored under: the model and the text form it is given."""
        return f"{self.encoder.model_name} [{self.form.tag}]"

    def _remember(self, pairs: Iterable[tuple[str, np.ndarray]]) -> None:
        with self._lock:
            for key, vector in pairs:
                self._memory[key] = vector
                self._memory.move_to_end(key)
            while len(self._memory) > self._memory_limit:
                self._memory.popitem(last=False)

    def _from_memory(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        with self._lock:
            return {h: v for h in hashes if (v := self._memory.get(h)) is not None}

    def _from_store(self, session: Session, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), _LOOKUP_CHUNK):
            chunk = hashes[start : start + _LOOKUP_CHUNK]
            rows = session.execute(
                select(TextEmbedding.content_hash, TextEmbedding.vector).where(
                    TextEmbedding.model == self.model, TextEmbedding.content_hash.in_(chunk)
                )
            )
            for h, blob in rows:
                found[h] = np.frombuffer(blob, dtype=np.float32)
        self._remember(found.items())
        return found

    def stored_by_hash(self, session: Session, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors already known for ``hashes``: memory first, then the store."""
        unique = list(dict.fromkeys(hashes))
        found = self._from_memory(unique)
        found.update(self._from_store(session, [h for h in unique if h not in found]))
        return found

    def vectors(
        self,
        session: Session,
        texts: Sequence[str],
        *,
        persist: bool = True,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """One unit row per text, in order.

        With ``persist`` every vector is guaranteed to be in the store when the caller's
        transaction commits (the memory cache is not trusted for that, as it may hold vectors
        of a rolled-back transaction); without it the memory cache answers first and nothing
        is written, which is what read-only queries want.
        """
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        hashes = [content_hash(t) for t in texts]
        unique = list(dict.fromkeys(hashes))
        if persist:
            found = self._from_store(session, unique)
            known = self._from_memory(h for h in unique if h not in found)
        else:
            found = self.stored_by_hash(session, unique)
            known = {}
        missing: dict[str, str] = {}
        for h, text in zip(hashes, texts, strict=True):
            if h not in found and h not in known and h not in missing:
                missing[h] = self.form(text)
        fresh = dict(known)
        if missing:
            encoded = self.encoder.encode(list(missing.values()), progress=progress)
            fresh.update(zip(missing.keys(), encoded, strict=True))
            self._remember((h, fresh[h]) for h in missing)
        if persist and fresh:
            self._store(session, fresh)
        found.update(fresh)
        return np.vstack([found[h] for h in hashes]).astype(np.float32, copy=False)

    def store_missing(
        self,
        db: Database,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Encode and store the vectors of ``texts`` the store lacks, with no transaction open
        while the model runs: the store is read, the texts encoded, then the new vectors
        inserted in a short transaction of their own."""
        hashes = list(dict.fromkeys(content_hash(t) for t in texts))
        if not hashes:
            return
        with db.session() as session:
            found = self._from_store(session, hashes)
        missing = {content_hash(t): t for t in texts}
        missing = {h: self.form(t) for h, t in missing.items() if h not in found}
        if not missing:
            return
        encoded = self.encoder.encode(list(missing.values()), progress=progress)
        fresh = dict(zip(missing.keys(), encoded, strict=True))
        with db.session() as session:
            self._store(session, fresh)
        self._remember(fresh.items())

    def _store(self, session: Session, fresh: dict[str, np.ndarray]) -> None:
        """Insert vectors; one another write stored meanwhile (same text, same model) stays.

        Both writers encoded the same text with the same model, so either row will do: the
        conflict is skipped in the database instead of failing the second write.
        """
        rows = [
            {
                "model": self.model,
                "content_hash": h,
                "dimension": int(v.shape[0]),
                "vector": np.asarray(v, dtype=np.float32).tobytes(),
            }
            for h, v in fresh.items()
        ]
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(TextEmbedding).on_conflict_do_nothing(
            index_elements=["model", "content_hash"]
        )
        session.execute(statement, rows)

    def forget(self) -> None:
        """Drop the memory cache (after a rollback, rows it was filled from may be gone)."""
        with self._lock:
            self._memory.clear()
