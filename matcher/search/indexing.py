"""Keeps the vector indexes in step with the store.

Every indexed entity row carries ``text_hash``, the hash of the text its vector was made from;
every index remembers the hash of each id it holds. Syncing compares the two and applies only
the difference, taking vectors from ``text_embeddings`` (encoding only when this model has never
seen the text). A missing or unreadable index, or one made with another model, is rebuilt from
stored vectors.

An index update that fails after a write committed (a full disk, a read-only instance folder)
does not fail the write. Its ids are marked pending in the store (``index_pending``) and every
later sync, in any process, takes the marked ids along and deletes the marks it applied: the
next write, ``talentmatch index``, the refresh worker; in the process that failed, also the
next match once ``retry_interval`` has passed. Until then matches rank what the index holds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from embeddings import TRAINED_KINDS, Snapshot, VectorBackend, VectorCollection
from matcher.language import VectorCache, entity_text
from store import Course, Database, Demand, Program, Student
from store.models import IndexPending

log = logging.getLogger(__name__)

COLLECTIONS: dict[str, type[Demand] | type[Course] | type[Program] | type[Student]] = {
    "demands": Demand,
    "courses": Course,
    "programs": Program,
    "students": Student,
}

RETRY_INTERVAL = 5.0  # seconds between catch-up attempts of a process whose index is behind
RETRAIN_GROWTH = 2.0
"""An IVF (or IVFFlat) index is trained anew once its collection has grown to this many times
the vectors it was trained on; until then new vectors join the lists it has."""


@dataclass
class SyncReport:
    """What one sync changed, per collection."""

    upserted: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    rebuilt: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # deltas folded into their main index
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
        store: VectorBackend,
        exact_limit: int,
        retry_interval: float = RETRY_INTERVAL,
    ) -> None:
        self.db = db
        self.vectors = vectors
        self.store = store
        self.exact_limit = exact_limit
        self.retry_interval = retry_interval
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        # Set while this process knows the index is behind the store: when to try again, and
        # whether the pending ids could not even be marked (then everything is compared).
        self._retry_at: float | None = None
        self._compare_all = False

    # -- reading -----------------------------------------------------------------------------

    def snapshot(self) -> Snapshot | None:
        """The newest published indexes; reloaded when another process published a version."""
        self._catch_up_if_due()
        version = self.store.current_version()
        current = self._snapshot
        if current is None or current.version != version:
            with self._lock:
                current = self._snapshot
                if current is None or current.version != version:
                    loaded = self.store.load(known=current)
                    if loaded is not None and loaded.model == self.vectors.model:
                        self._snapshot = loaded
                    current = self._snapshot
        return current

    def collection(self, name: str) -> VectorCollection | None:
        snapshot = self.snapshot()
        return snapshot.collections.get(name) if snapshot else None

    # -- writing -----------------------------------------------------------------------------

    def sync_after_write(self, touched: Mapping[str, Iterable[int]]) -> None:
        """Index what a committed write touched; never raises, since the write stands.

        On failure the ids are marked pending for the next sync (see the module docstring).
        """
        if not touched:
            return
        try:
            self.sync(only=touched)
        except Exception:
            log.exception("index update failed after a committed write; its ids stay pending")
            self._mark_pending(touched)

    def pending(self) -> dict[str, set[int]]:
        """Ids per collection whose index update is marked pending in the store."""
        with self.db.session() as session:
            return _collect(self._marks(session))

    def sync(
        self,
        only: Mapping[str, Iterable[int]] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> SyncReport:
        """Bring the indexes in line with the store and publish a new version if anything moved.

        ``only`` limits the check to some ids per collection (what a write just touched) and
        the ids marked pending; without it every row of every collection is compared. Marks
        read here are deleted once the new version is published.
        """
        report = SyncReport()
        with self.store.write_lock():
            base = self.store.load(known=self._snapshot)
            if base is not None and base.model != self.vectors.model:
                base = None
            changed: dict[str, VectorCollection] = {}
            with self.db.session() as session:
                marks = self._marks(session)
                if only is not None:
                    only = _collect(marks, only)
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
        self._applied(marks, everything=only is None)
        return report

    # -- pending marks -----------------------------------------------------------------------

    @staticmethod
    def _marks(session: Session) -> list[tuple[int, str, int]]:
        """(mark id, collection, entity id) of every pending mark of the store."""
        rows = session.execute(
            select(IndexPending.id, IndexPending.collection, IndexPending.entity_id)
        )
        return [(mark, name, entity) for mark, name, entity in rows]

    def _mark_pending(self, touched: Mapping[str, Iterable[int]]) -> None:
        self._retry_at = time.monotonic() + self.retry_interval
        try:
            with self.db.session() as session:
                session.add_all(
                    IndexPending(collection=name, entity_id=entity_id)
                    for name, ids in touched.items()
                    for entity_id in ids
                )
        except Exception:
            # The store fails too: this process compares everything at its next attempt, and
            # any full sync (``talentmatch index``, the refresh worker) finds the difference.
            log.exception("could not mark the unindexed ids pending")
            self._compare_all = True

    def _applied(self, marks: Sequence[tuple[int, str, int]], everything: bool) -> None:
        """After a published sync: delete the marks it took along; note what this process owes."""
        if everything:
            self._compare_all = False
        if not self._compare_all:
            self._retry_at = None
        mark_ids = [mark for mark, _, _ in marks]
        if not mark_ids:
            return
        try:
            with self.db.session() as session:
                for start in range(0, len(mark_ids), 500):
                    chunk = mark_ids[start : start + 500]
                    session.execute(delete(IndexPending).where(IndexPending.id.in_(chunk)))
        except Exception:
            log.exception("could not delete applied pending marks; the next sync reapplies them")

    def _catch_up_if_due(self) -> None:
        """Retry a failed index update of this process, at most once per ``retry_interval``."""
        due = self._retry_at
        if due is None or time.monotonic() < due:
            return
        self._retry_at = time.monotonic() + self.retry_interval  # one thread tries at a time
        try:
            self.sync(only=None if self._compare_all else {})
        except Exception as exc:
            log.warning(
                "index still behind the store (%s); next try in %.0f s", exc, self.retry_interval
            )

    def _dimension(self, changed: Mapping[str, VectorCollection], base: Snapshot | None) -> int:
        for index in changed.values():
            return index.dimension
        return base.dimension if base else self.vectors.encoder.dimension

    def _sync_collection(
        self,
        session: Session,
        name: str,
        current: VectorCollection | None,
        ids: set[int] | None,
        report: SyncReport,
        progress: Callable[[int], None] | None,
    ) -> VectorCollection | None:
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
        wanted_type = self.store.wanted_type(len(rows), self.exact_limit)
        if current is None or (ids is None and current.type != wanted_type):
            index = self._build(session, name, rows, progress)
            report.rebuilt.append(name)
            report.upserted[name] = len(index)
            return index
        held = dict(current.hashes) if ids is None else current.hashes_of(sorted(ids))
        stale = {i: h for i, h in rows.items() if held.get(i) != h}
        gone = [i for i in held if i not in rows]
        compact = ids is None and current.delta_size > 0  # a full sync folds any delta in
        if not stale and not gone and not compact:
            return None
        index = current.copy()
        index.remove(gone)
        if stale:
            index.upsert(
                list(stale), self._vectors(session, name, stale, progress), list(stale.values())
            )
        report.upserted[name] = len(stale)
        report.removed[name] = len(gone)
        wanted = self.store.wanted_type(len(index), self.exact_limit)
        grown = len(index) > RETRAIN_GROWTH * index.trained_on
        outgrown = index.type in TRAINED_KINDS and grown
        if index.type != wanted or outgrown:
            report.rebuilt.append(name)
            return self._build(session, name, dict(index.hashes), progress)
        if compact or index.needs_merge():
            report.merged.append(name)
            return index.merged()
        return index

    def _build(
        self,
        session: Session,
        name: str,
        rows: Mapping[int, str],
        progress: Callable[[int], None] | None,
    ) -> VectorCollection:
        ids = list(rows)
        vectors = self._vectors(session, name, rows, progress)
        dimension = vectors.shape[1] if len(ids) else self.vectors.encoder.dimension
        return self.store.build(
            name,
            dimension,
            ids,
            vectors.reshape(len(ids), dimension),
            [rows[i] for i in ids],
            self.exact_limit,
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


def _collect(
    marks: Iterable[tuple[int, str, int]], base: Mapping[str, Iterable[int]] | None = None
) -> dict[str, set[int]]:
    """``base`` ids per collection with the marked ids added."""
    ids: dict[str, set[int]] = {name: set(values) for name, values in (base or {}).items()}
    for _, name, entity_id in marks:
        ids.setdefault(name, set()).add(entity_id)
    return ids


def texts_by_id(session: Session, collection: str, ids: Sequence[int]) -> dict[int, str]:
    """The indexed text of each record of ``collection`` in ``ids`` (absent ids left out).

    Read 500 ids at a time: a whole collection may be asked for (a new model re-encodes
    everything), more than a database accepts as parameters of one statement.
    """
    model = COLLECTIONS[collection]
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        query = select(model).where(model.id.in_(ids[start : start + 500]))
        if model is Program:
            query = query.options(selectinload(Program.courses))
        elif model is Student:
            query = query.options(selectinload(Student.courses), selectinload(Student.program))
        entities = cast(Iterable[Demand | Course | Program | Student], session.scalars(query))
        found.update((e.id, entity_text(e)) for e in entities)
    return found
