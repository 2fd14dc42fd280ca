"""Keeps the vector indexes in step with the store.

Every indexed entity row carries ``text_hash``, the hash of the text its vector was made from;
every index remembers the hash of each id it holds. Syncing compares the two and applies only
the difference, taking vectors from ``text_embeddings`` (encoding only when this model has never
seen the text). A missing or unreadable index, or one made with another model, is rebuilt from
stored vectors.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from embeddings import IndexStore, VectorIndex
from embeddings.index import FLAT, IVF, Snapshot
from store import Course, Database, Demand, Program, Student

from .texts import entity_text
from .vectors import VectorCache

log = logging.getLogger(__name__)

COLLECTIONS: dict[str, type[Demand] | type[Course] | type[Program] | type[Student]] = {
    "demands": Demand,
    "courses": Course,
    "programs": Program,
    "students": Student,
}


@dataclass
class SyncReport:
    """What one sync changed, per collection."""

    upserted: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    rebuilt: list[str] = field(default_factory=list)
    version: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.rebuilt or any(self.upserted.values()) or any(self.removed.values()))


class IndexService:
    """Owns this process's view of the indexes and every write to them."""

    def __init__(
        self,
        db: Database,
        vectors: VectorCache,
        store: IndexStore,
        exact_limit: int,
    ) -> None:
        self.db = db
        self.vectors = vectors
        self.store = store
        self.exact_limit = exact_limit
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    # -- reading -----------------------------------------------------------------------------

    def snapshot(self) -> Snapshot | None:
        """The newest published indexes; reloaded when another process published a version."""
        version = self.store.current_version()
        current = self._snapshot
        if current is None or current.version != version:
            with self._lock:
                current = self._snapshot
                if current is None or current.version != version:
                    loaded = self.store.load()
                    if loaded is not None and loaded.model == self.vectors.model:
                        self._snapshot = loaded
                    current = self._snapshot
        return current

    def collection(self, name: str) -> VectorIndex | None:
        snapshot = self.snapshot()
        return snapshot.collections.get(name) if snapshot else None

    # -- writing -----------------------------------------------------------------------------

    def sync(
        self,
        only: Mapping[str, Iterable[int]] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> SyncReport:
        """Bring the indexes in line with the store and publish a new version if anything moved.

        ``only`` limits the check to some ids per collection (what a write just touched);
        without it every row of every collection is compared.
        """
        report = SyncReport()
        with self.store.write_lock():
            base = self.store.load()
            if base is not None and base.model != self.vectors.model:
                base = None
            changed: dict[str, VectorIndex] = {}
            with self.db.session() as session:
                names = list(only) if only is not None else list(COLLECTIONS)
                for name in names:
                    ids = None if only is None else set(only[name])
                    current = base.collections.get(name) if base else None
                    updated = self._sync_collection(session, name, current, ids, report, progress)
                    if updated is not None:
                        changed[name] = updated
            if changed or base is None:
                snapshot = self.store.publish(
                    self.vectors.model, self._dimension(changed, base), changed, base
                )
            else:
                snapshot = base
            self._snapshot = snapshot
            report.version = snapshot.version
        return report

    def _dimension(self, changed: Mapping[str, VectorIndex], base: Snapshot | None) -> int:
        for index in changed.values():
            return index.dimension
        return base.dimension if base else self.vectors.encoder.dimension

    def _sync_collection(
        self,
        session: Session,
        name: str,
        current: VectorIndex | None,
        ids: set[int] | None,
        report: SyncReport,
        progress: Callable[[int], None] | None,
    ) -> VectorIndex | None:
        model = COLLECTIONS[name]
        query = select(model.id, model.text_hash).where(model.text_hash.is_not(None))
        rows: dict[int, str] = {}
        if current is None or ids is None:
            rows.update((i, h) for i, h in session.execute(query) if h is not None)
        else:
            id_list = sorted(ids)
            for start in range(0, len(id_list), 500):
                chunk = query.where(model.id.in_(id_list[start : start + 500]))
                rows.update((i, h) for i, h in session.execute(chunk) if h is not None)
        wanted_type = IVF if len(rows) > self.exact_limit else FLAT
        if current is None or (ids is None and current.type != wanted_type):
            index = self._build(session, name, rows, progress)
            report.rebuilt.append(name)
            report.upserted[name] = len(index)
            return index
        stale = {i: h for i, h in rows.items() if current.hashes.get(i) != h}
        checked = ids if ids is not None else set(current.hashes)
        gone = [i for i in checked if i in current.hashes and i not in rows]
        if not stale and not gone:
            return None
        index = current.copy()
        index.remove(gone)
        if stale:
            index.upsert(
                list(stale), self._vectors(session, name, stale, progress), list(stale.values())
            )
        report.upserted[name] = len(stale)
        report.removed[name] = len(gone)
        if index.type != (IVF if len(index) > self.exact_limit else FLAT):
            report.rebuilt.append(name)
            return self._build(session, name, dict(index.hashes), progress)
        return index

    def _build(
        self,
        session: Session,
        name: str,
        rows: Mapping[int, str],
        progress: Callable[[int], None] | None,
    ) -> VectorIndex:
        ids = list(rows)
        vectors = self._vectors(session, name, rows, progress)
        dimension = vectors.shape[1] if len(ids) else self.vectors.encoder.dimension
        return VectorIndex.build(
            dimension,
            ids,
            vectors.reshape(len(ids), dimension),
            [rows[i] for i in ids],
            self.exact_limit,
            self.store.nprobe,
        )

    def _vectors(
        self,
        session: Session,
        name: str,
        rows: Mapping[int, str],
        progress: Callable[[int], None] | None,
    ) -> np.ndarray:
        """Stored vectors for ``rows`` (id → hash), encoding texts this model has not seen."""
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        by_hash = self.vectors.stored_by_hash(session, rows.values())
        unknown = [i for i, h in rows.items() if h not in by_hash]
        if unknown:
            log.info(
                "encoding %d %s texts not stored for model %s",
                len(unknown),
                name,
                self.vectors.model,
            )
            texts = texts_by_id(session, name, unknown)
            encoded = self.vectors.vectors(
                session, list(texts.values()), persist=True, progress=progress
            )
            for entity_id, vector in zip(texts, encoded, strict=True):
                by_hash[rows[entity_id]] = vector
            session.commit()
        return np.vstack([by_hash[h] for h in rows.values()])


def texts_by_id(session: Session, collection: str, ids: Sequence[int]) -> dict[int, str]:
    """The indexed text of each record of ``collection`` in ``ids`` (absent ids left out).

    Read 500 ids at a time: a whole collection may be asked for (a new model re-encodes
    everything), more than a database accepts as parameters of one statement.
    """
    model = COLLECTIONS[collection]
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        query = select(model).where(model.id.in_(ids[start : start + 500]))
        if model is Program or model is Student:
            query = query.options(selectinload(model.courses))
        entities = cast(Iterable[Demand | Course | Program | Student], session.scalars(query))
        found.update((e.id, entity_text(e)) for e in entities)
    return found
