"""Vector indexes in PostgreSQL with the pgvector extension: one store for every host.

The faiss backend (``embeddings.index``) keeps files on one host; this one keeps each
collection's vectors in a table of the database with an IVFFlat index, so every web host and
the worker search the same index and see a write as soon as it commits.

Why IVFFlat and not HNSW: postings cluster tightly (one role posted by hundreds of firms in
nearly the same words), and on such data pgvector's HNSW search stays in the first cluster it
enters. On 100k generated postings with composed vectors (``bench/scale.py``; real encodings of
those postings cluster even more tightly) HNSW reached recall@10 0.52 at ``ef_search`` 40 and
0.71 at ``m`` 48 and ``ef_search`` 400, while IVFFlat with the faiss backend's lists (4 √n) and
24 probes reached 0.978 in 3 ms. Like faiss's IVF, the lists are trained on the vectors present
when the table is built, and the table is rebuilt once the collection has doubled.

``tm_vector_meta`` names the live table of each collection and, in its row ``*``, the version,
model and dimension of the whole; a version moves in the transaction that changes vectors, as
a manifest swap does on faiss. A rebuild fills a new table beside the live one (readers keep
searching the old one meanwhile) and swaps the name in a short transaction; tables neither the
current nor the previous version names are dropped. Writes between rebuilds change rows of
the live table in place.

The tables hold derived data (every vector is also in ``text_embeddings``, keyed by its text's
hash), so they are managed here rather than by the schema migrations, and ``talentmatch index``
rebuilds them from nothing.
"""

from __future__ import annotations

import contextlib
import math
import secrets
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from pgvector.psycopg import register_vector
from pgvector.sqlalchemy import Vector
from sqlalchemy import BigInteger as SqlBigInteger
from sqlalchemy import Column, Engine, MetaData, String, Table, bindparam, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

from .backend import Restriction
from .index import Snapshot

IVFFLAT = "ivfflat"
EXACT = "exact"
MIN_EXTENSION_VERSION = (0, 8, 4)  # 0.8.3 and 0.8.4 fixed index corruption on vacuum
META = "tm_vector_meta"
TABLE_PREFIX = "tm_vectors_"
_GLOBAL = "*"
_LOCK_KEY = 0x746D_7665_6374  # pg_advisory_lock key of index writers ("tmvect")
_COPY_BATCH = 10_000


class VectorExtensionMissing(RuntimeError):
    """The database lacks pgvector, or has one older than ``MIN_EXTENSION_VERSION``."""


def _version_tuple(raw: str) -> tuple[int, ...]:
    return tuple(int(part) for part in raw.split(".") if part.isdigit())


class PgVectorStore:
    """Collections of vectors in PostgreSQL tables, versioned like an ``IndexStore``."""

    def __init__(
        self, engine: Engine, nprobe: int, record_tables: Mapping[str, str] | None = None
    ) -> None:
        """``record_tables``: the table of each collection's records, analysed after bulk
        changes so that the planner joins filters to the vector index (with statistics from
        before a large import it scans everything instead)."""
        self.engine = engine
        self.nprobe = nprobe
        self.record_tables = dict(record_tables or {})
        self._schema_ready = False

    # -- schema ------------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create the extension (needs a superuser once per database) and the meta table."""
        try:
            with self.engine.begin() as conn:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        except DBAPIError as exc:
            raise VectorExtensionMissing(
                "the vector extension (pgvector >= 0.8.4) is not available in this database: "
                "install it on the server and run CREATE EXTENSION vector as a superuser "
                f"({str(exc.orig).splitlines()[0]})"
            ) from None
        with self.engine.begin() as conn:
            found = conn.scalar(text("SELECT extversion FROM pg_extension WHERE extname='vector'"))
            if found is None or _version_tuple(found) < MIN_EXTENSION_VERSION:
                raise VectorExtensionMissing(
                    f"pgvector {found} is too old: 0.8.4 or newer is needed (index fixes)"
                )
            conn.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {META} ("
                    " collection text PRIMARY KEY, table_name text NOT NULL DEFAULT '',"
                    " model text NOT NULL DEFAULT '', dimension integer NOT NULL DEFAULT 0,"
                    " count bigint NOT NULL DEFAULT 0, version bigint NOT NULL DEFAULT 0,"
                    " kind text NOT NULL DEFAULT 'exact', trained_on bigint NOT NULL DEFAULT 0)"
                )
            )
        self._schema_ready = True

    # -- reading -----------------------------------------------------------------------------

    def _meta(self) -> dict[str, dict[str, Any]]:
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(text(f"SELECT * FROM {META}")).mappings().all()
        except DBAPIError:
            return {}  # no meta table yet: no index
        return {row["collection"]: dict(row) for row in rows}

    def current_version(self) -> int:
        try:
            with self.engine.connect() as conn:
                found = conn.scalar(
                    text(f"SELECT version FROM {META} WHERE collection = :c"), {"c": _GLOBAL}
                )
        except DBAPIError:
            return 0
        return int(found or 0)

    def load(self, known: Snapshot | None = None) -> Snapshot | None:
        """The current version; collections whose table and version are unchanged since
        ``known`` keep their objects (and the caches they filled)."""
        meta = self._meta()
        whole = meta.pop(_GLOBAL, None)
        if whole is None:
            return None
        reuse: dict[tuple[str, int], PgVectorCollection] = {}
        if known is not None and known.model == whole["model"]:
            for index in known.collections.values():
                if isinstance(index, PgVectorCollection):
                    reuse[(index.table, index.version)] = index
        collections: dict[str, Any] = {}
        for name, row in meta.items():
            same = reuse.get((row["table_name"], int(row["version"])))
            collections[name] = same or PgVectorCollection(
                self,
                name,
                row["table_name"],
                int(row["dimension"]),
                int(row["count"]),
                int(row["version"]),
                kind=row["kind"],
                trained_on=int(row["trained_on"]),
            )
        return Snapshot(int(whole["version"]), whole["model"], int(whole["dimension"]), collections)

    # -- writing -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Exclusive across every host: a PostgreSQL advisory lock held while the block runs."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                conn.commit()

    def build(
        self,
        name: str,
        dimension: int,
        ids: Sequence[int],
        vectors: np.ndarray,
        hashes: Sequence[str],
        exact_limit: int,
    ) -> PgVectorCollection:
        """A collection holding exactly these vectors, written to a new table on publish:
        searched exactly up to ``exact_limit`` rows, through IVFFlat lists above."""
        kind = self.wanted_type(len(ids), exact_limit)
        collection = PgVectorCollection(
            self, name, "", dimension, 0, 0, kind=kind, trained_on=len(ids)
        )
        collection.replacement = (
            np.asarray(ids, dtype=np.int64),
            np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), dimension),
            list(hashes),
        )
        return collection

    def wanted_type(self, count: int, exact_limit: int) -> str:
        return IVFFLAT if count > exact_limit else EXACT

    def publish(
        self,
        model: str,
        dimension: int,
        changed: Mapping[str, Any],
        base: Snapshot | None,
    ) -> Snapshot:
        """Write ``changed`` and move the version; call under ``write_lock``.

        New tables are filled and indexed first, outside the transaction that swaps them in,
        so searches go on meanwhile; in-place changes and the swap then commit together.
        """
        if not self._schema_ready:
            self.ensure_schema()
        fresh = base is None or base.model != model
        built = {
            name: self._fill_new_table(name, dimension, index)
            for name, index in changed.items()
            if index.replacement is not None
        }
        with self.engine.begin() as conn:
            previous = {
                row[0]: row[1]
                for row in conn.execute(text(f"SELECT collection, table_name FROM {META}"))
            }
            if fresh:
                conn.execute(text(f"DELETE FROM {META}"))
            version = int(
                conn.scalar(
                    text(
                        f"INSERT INTO {META} (collection, model, dimension, version)"
                        " VALUES (:c, :m, :d, 1) ON CONFLICT (collection) DO UPDATE SET"
                        f" model = :m, dimension = :d, version = {META}.version + 1"
                        " RETURNING version"
                    ),
                    {"c": _GLOBAL, "m": model, "d": dimension},
                )
            )
            bulk: list[str] = []  # collections changed enough to refresh the planner's figures
            for name, index in changed.items():
                table = built.get(name) or index.table
                if name in built or index.change_count() > max(1000, index.count // 10):
                    bulk.append(name)
                if name not in built:
                    index.apply_changes(conn)
                count = conn.scalar(text(f"SELECT count(*) FROM {table}"))
                conn.execute(
                    text(
                        f"INSERT INTO {META} (collection, table_name, model, dimension, count,"
                        " version, kind, trained_on) VALUES (:c, :t, :m, :d, :n, :v, :k, :r)"
                        " ON CONFLICT (collection) DO UPDATE SET table_name = :t, model = :m,"
                        " dimension = :d, count = :n, version = :v, kind = :k, trained_on = :r"
                    ),
                    {
                        "c": name,
                        "t": table,
                        "m": model,
                        "d": dimension,
                        "n": count,
                        "v": version,
                        "k": index.type,
                        "r": index.trained_on,
                    },
                )
            keep = set(previous.values()) | set(built.values())
            keep |= {row[0] for row in conn.execute(text(f"SELECT table_name FROM {META}"))}
        self._drop_unreferenced(keep)
        self._analyse([self.record_tables[name] for name in bulk if name in self.record_tables])
        snapshot = self.load()
        assert snapshot is not None  # just published
        return snapshot

    def _fill_new_table(self, name: str, dimension: int, index: PgVectorCollection) -> str:
        """A new table with the built vectors and, above the exact limit, its IVFFlat index
        (lists trained on these vectors); returns its name."""
        assert index.replacement is not None
        ids, vectors, hashes = index.replacement
        table = f"{TABLE_PREFIX}{name}_{secrets.token_hex(4)}"
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    f"CREATE TABLE {table} (id bigint PRIMARY KEY,"
                    f" text_hash varchar(64) NOT NULL, embedding vector({dimension}) NOT NULL)"
                )
            )
            raw = conn.connection.driver_connection
            assert raw is not None
            register_vector(raw)
            with raw.cursor().copy(
                f"COPY {table} (id, text_hash, embedding) FROM STDIN WITH (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["int8", "varchar", "vector"])
                for row in range(len(ids)):
                    copy.write_row((int(ids[row]), hashes[row], vectors[row]))
            if index.type == IVFFLAT:  # built once the rows are in: trained on all of them
                lists = max(16, int(4 * math.sqrt(len(ids))))  # as the faiss backend's IVF
                conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
                conn.execute(
                    text(
                        f"CREATE INDEX {table}_ivfflat ON {table}"
                        f" USING ivfflat (embedding vector_ip_ops) WITH (lists = {lists})"
                    )
                )
            conn.execute(text(f"ANALYZE {table}"))  # the planner's figures for filtered searches
        index.replacement = None
        index.table = table
        return table

    def _analyse(self, tables: Sequence[str]) -> None:
        if tables:
            with self.engine.connect() as conn:
                conn.execute(text(f"ANALYZE {', '.join(sorted(set(tables)))}"))
                conn.commit()

    def _drop_unreferenced(self, keep: set[str]) -> None:
        with self.engine.begin() as conn:
            tables = conn.scalars(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    " AND tablename LIKE :p"
                ),
                {"p": TABLE_PREFIX + "%"},
            ).all()
            for table in tables:
                if table not in keep:
                    conn.execute(text(f"DROP TABLE IF EXISTS {table}"))


class _PgHashes(Mapping[int, str]):
    """id → content hash of what a collection holds: its table (read once, on first use) with
    the changes the collection has recorded since."""

    def __init__(self, collection: PgVectorCollection) -> None:
        self._collection = collection
        self._stored: dict[int, str] | None = None

    def _table(self) -> dict[int, str]:
        if self._stored is None:
            self._stored = self._collection.read_hashes(None)
        return self._stored

    def __getitem__(self, key: int) -> str:
        upserts, removals = self._collection.recorded()
        if key in upserts:
            return upserts[key][1]
        if key in removals:
            raise KeyError(key)
        return self._table()[key]

    def __iter__(self) -> Iterator[int]:
        upserts, removals = self._collection.recorded()
        yield from (i for i in self._table() if i not in upserts and i not in removals)
        yield from upserts

    def __len__(self) -> int:
        return sum(1 for _ in self)


class PgVectorCollection:
    """One collection's vectors in a table, searched with SQL; the interface of
    ``VectorIndex`` that ``IndexService`` and the ranking use.

    A copy records upserts and removals and ``PgVectorStore.publish`` applies them; a built
    collection (``replacement``) is written to a new table there.
    """

    applies_filters = True  # a restricted search returns only what the restriction allows
    delta_size = 0

    def __init__(
        self,
        store: PgVectorStore,
        name: str,
        table: str,
        dimension: int,
        count: int,
        version: int,
        *,
        kind: str = EXACT,
        trained_on: int = 0,
    ) -> None:
        self.store = store
        self.type = kind
        self.trained_on = trained_on  # rows the IVFFlat lists were trained on
        self.name = name
        self.table = table
        self.dimension = dimension
        self.count = count
        self.version = version
        self.replacement: tuple[np.ndarray, np.ndarray, list[str]] | None = None
        self._upserts: dict[int, tuple[np.ndarray, str]] = {}
        self._removals: set[int] = set()
        self.hashes: Mapping[int, str] = _PgHashes(self)
        self._table_object: Table | None = None

    def __len__(self) -> int:
        if self.replacement is not None:
            return len(self.replacement[0])
        if not self._upserts and not self._removals:
            return self.count
        present = self.read_hashes([*self._upserts, *self._removals])
        added = sum(1 for i in self._upserts if i not in present)
        removed = sum(1 for i in self._removals if i in present)
        return self.count + added - removed

    def copy(self) -> PgVectorCollection:
        return PgVectorCollection(
            self.store,
            self.name,
            self.table,
            self.dimension,
            self.count,
            self.version,
            kind=self.type,
            trained_on=self.trained_on,
        )

    def recorded(self) -> tuple[Mapping[int, tuple[np.ndarray, str]], set[int]]:
        """The upserts and removals recorded and not yet published."""
        return self._upserts, self._removals

    def change_count(self) -> int:
        """Rows the recorded changes touch."""
        return len(self._upserts) + len(self._removals)

    def upsert(self, ids: Sequence[int], vectors: np.ndarray, hashes: Sequence[str]) -> None:
        rows = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        for i, vector, content in zip(ids, rows, hashes, strict=True):
            self._removals.discard(int(i))
            self._upserts[int(i)] = (vector, content)

    def remove(self, ids: Sequence[int]) -> None:
        for i in ids:
            self._upserts.pop(int(i), None)
            self._removals.add(int(i))

    def needs_merge(self) -> bool:
        return False

    def merged(self) -> PgVectorCollection:
        return self

    def apply_changes(self, conn: Any) -> None:
        """Write the recorded upserts and removals in ``conn``'s transaction."""
        table = self._table()
        if self._removals:
            conn.execute(
                table.delete().where(table.c.id.in_(bindparam("ids", expanding=True))),
                {"ids": sorted(self._removals)},
            )
        if self._upserts:
            conn.execute(
                text(
                    f"INSERT INTO {self.table} (id, text_hash, embedding) VALUES (:i, :h, :e)"
                    " ON CONFLICT (id) DO UPDATE SET text_hash = EXCLUDED.text_hash,"
                    " embedding = EXCLUDED.embedding"
                ).bindparams(bindparam("e", type_=Vector(self.dimension))),
                [{"i": i, "h": h, "e": v} for i, (v, h) in self._upserts.items()],
            )
        self._upserts.clear()
        self._removals.clear()

    # -- reading -----------------------------------------------------------------------------

    def _table(self) -> Table:
        if self._table_object is None or self._table_object.name != self.table:
            self._table_object = Table(
                self.table,
                MetaData(),
                Column("id", SqlBigInteger, primary_key=True),
                Column("text_hash", String(64)),
                Column("embedding", Vector(self.dimension)),
            )
        return self._table_object

    def read_hashes(self, ids: Sequence[int] | None) -> dict[int, str]:
        """Stored hashes of ``ids`` (all rows for None), without recorded changes."""
        table = self._table()
        query = select(table.c.id, table.c.text_hash)
        found: dict[int, str] = {}
        with self.store.engine.connect() as conn:
            if ids is None:
                found.update((int(i), h) for i, h in conn.execute(query))
                return found
            id_list = sorted({int(i) for i in ids})
            for start in range(0, len(id_list), 5000):
                chunk = query.where(table.c.id.in_(id_list[start : start + 5000]))
                found.update((int(i), h) for i, h in conn.execute(chunk))
        return found

    def hashes_of(self, ids: Sequence[int]) -> dict[int, str]:
        """Hashes of those ``ids`` the collection holds, with recorded changes applied."""
        found = self.read_hashes(ids)
        for i in ids:
            if i in self._removals:
                found.pop(i, None)
            elif i in self._upserts:
                found[i] = self._upserts[i][1]
        return found

    def search(
        self, queries: np.ndarray, k: int, restrict: Restriction | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (inner product, id) per query row; missing slots have id -1.

        Exact up to the exact limit; above it through the IVFFlat lists (``nprobe`` of them),
        with iterative scans so that a restrictive filter still fills ``k`` where it can. When
        the index scan ends short (a filter that keeps very few rows), the query is answered
        exactly.
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        k = max(1, k)
        scores = np.zeros((len(queries), k), dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        if self.count == 0:
            return scores, ids
        approximate = self.type == IVFFLAT
        with self.store.engine.begin() as conn:
            if approximate:  # both for this transaction only, in one round trip
                conn.execute(
                    text(
                        "SELECT set_config('ivfflat.probes', :probes, true),"
                        " set_config('ivfflat.iterative_scan', 'relaxed_order', true)"
                    ),
                    {"probes": str(self.store.nprobe)},
                )
            for row, vector in enumerate(queries):
                found = list(conn.execute(self._statement(vector, k, restrict, approximate)))
                if approximate and len(found) < min(k, self.count):
                    found = list(conn.execute(self._statement(vector, k, restrict, False)))
                found.sort(key=lambda pair: pair[1])  # relaxed order: near, not exactly sorted
                for slot, (entity_id, distance) in enumerate(found[:k]):
                    ids[row, slot] = int(entity_id)
                    scores[row, slot] = -float(distance)
        return scores, ids

    def _statement(
        self, vector: np.ndarray, k: int, restrict: Restriction | None, approximate: bool
    ) -> Select[Any]:
        table = self._table()
        distance = table.c.embedding.max_inner_product(vector)  # <#>: minus the inner product
        # "+ 0" keeps the planner off the vector index where the answer must be exact
        order = distance if approximate else distance + 0
        query = select(table.c.id, distance.label("distance")).order_by(order).limit(k)
        return restrict(query, table.c.id) if restrict is not None else query
