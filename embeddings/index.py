"""Vector indexes keyed by database ids, persisted with a manifest and swapped atomically.

A :class:`VectorIndex` is a faiss index over unit vectors (inner product = cosine) plus the
content hash each id was encoded from, so its owner can tell exactly which entries are stale.
Its main part is exact (flat) up to ``exact_limit`` vectors and an IVF index above, whose
recall against exact search is checked in ``tests/test_index.py``; writes go to a small exact
delta beside it, merged into a new main part when it has grown (see ``VectorIndex``). A
version on disk is the main file, written once, and the version's delta file.

An :class:`IndexStore` keeps a folder of versioned index files and ``manifest.json`` naming the
files of the current version. A writer, holding an exclusive file lock, writes new files beside
the live ones, then replaces the manifest with ``os.replace``: readers see the old version or
the new one, never a mix. Readers compare the manifest's version with the one they loaded and
reload when it moved, so web workers follow a refresh without restart.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from .backend import Restriction, Snapshot, VectorCollection

FLAT = "flat"
IVF = "ivf"


MERGE_AT_LEAST = 512
MERGE_SHARE = 0.05
MERGE_AT_MOST = 4096
"""A delta is merged into its main index once it (with the main entries it hides) holds more
than ``MERGE_SHARE`` of the main index, counted as at least ``MERGE_AT_LEAST`` and at most
``MERGE_AT_MOST`` entries. The cap keeps the delta file every write saves small (about 6 MB)
at any size; a merge (one whole write) then comes at most every 4,096 writes."""


_MAIN_GRACE = 600.0


class _LiveHashes(Mapping[int, str]):
    """id → content hash of what an index holds: the main entries it does not hide, then the
    delta's. A view, so a copy of an index costs the size of its delta, not of the whole."""

    def __init__(self, main: Mapping[int, str], hidden: set[int], delta: Mapping[int, str]) -> None:
        self._main, self._hidden, self._delta = main, hidden, delta

    def __getitem__(self, key: int) -> str:
        if key in self._delta:
            return self._delta[key]
        if key in self._hidden:
            raise KeyError(key)
        return self._main[key]

    def __iter__(self) -> Iterator[int]:
        yield from (i for i in self._main if i not in self._hidden)
        yield from self._delta

    def __len__(self) -> int:
        return len(self._main) - len(self._hidden) + len(self._delta)


class VectorIndex:
    """A searchable set of (id, unit vector, content hash): a main index, written when built
    or merged and never changed after, and a small exact delta that takes every later write.

    ``hidden`` holds ids of main entries that were removed or replaced (their new vector is in
    the delta). A write therefore costs the size of the delta, and so does publishing it: the
    main file is written again only when the delta is merged into it (``needs_merge``,
    ``merged``).
    """

    applies_filters = False  # a search ranks every entry; the candidates' loader filters

    def __init__(
        self,
        main: Any,
        main_hashes: Mapping[int, str],
        nprobe: int,
        *,
        trained_on: int = 0,
        main_file: str | None = None,
        mapped_from: Path | None = None,
    ) -> None:
        self._main = main
        self._mapped_from = mapped_from  # the file ``main`` is memory-mapped from, if it is
        self._main_hashes = main_hashes
        self.nprobe = nprobe
        self.trained_on = trained_on  # vectors an IVF index was trained on
        self.main_file = main_file  # the file holding ``main``, once written
        self._hidden: set[int] = set()
        self._delta_vectors: dict[int, np.ndarray] = {}
        self._delta_hashes: dict[int, str] = {}
        self._delta_index: Any = None  # built on the first search after a change
        self._main_search: Any = None  # parameters that skip hidden entries, with what they hold
        self.hashes: Mapping[int, str] = _LiveHashes(
            self._main_hashes, self._hidden, self._delta_hashes
        )
        if self.type == IVF:
            faiss.extract_index_ivf(main).nprobe = nprobe

    @classmethod
    def build(
        cls,
        dimension: int,
        ids: Sequence[int],
        vectors: np.ndarray,
        hashes: Sequence[str],
        exact_limit: int,
        nprobe: int,
    ) -> VectorIndex:
        """Build exact below ``exact_limit`` vectors, IVF (trained on ``vectors``) above."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
        id_array = np.asarray(ids, dtype=np.int64)
        index: faiss.Index
        if len(id_array) > exact_limit:
            nlist = max(16, int(4 * math.sqrt(len(id_array))))
            quantizer = faiss.IndexFlatIP(dimension)
            index = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
            index.train(vectors)
        else:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        if len(id_array):
            index.add_with_ids(vectors, id_array)
        hash_of = dict(zip(id_array.tolist(), hashes, strict=True))
        return cls(index, hash_of, nprobe, trained_on=len(id_array))

    @property
    def type(self) -> str:
        return IVF if isinstance(self._main, faiss.IndexIVF) else FLAT

    @property
    def dimension(self) -> int:
        return int(self._main.d)

    @property
    def delta_size(self) -> int:
        """Entries written since the main index: delta vectors and hidden main entries."""
        return len(self._delta_vectors) + len(self._hidden)

    def __len__(self) -> int:
        return len(self.hashes)

    def copy(self) -> VectorIndex:
        """An independent copy to modify while readers keep searching this one; it shares the
        main index, which nothing modifies."""
        other = self.main_only()
        other._hidden.update(self._hidden)
        other._delta_vectors.update(self._delta_vectors)
        other._delta_hashes.update(self._delta_hashes)
        return other

    def upsert(self, ids: Sequence[int], vectors: np.ndarray, hashes: Sequence[str]) -> None:
        rows = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        for i, vector, content in zip(ids, rows, hashes, strict=True):
            i = int(i)
            if i in self._main_hashes:
                self._hidden.add(i)
            self._delta_vectors[i] = vector
            self._delta_hashes[i] = content
        self._delta_index = self._main_search = None

    def remove(self, ids: Sequence[int]) -> None:
        for i in ids:
            i = int(i)
            self._delta_vectors.pop(i, None)
            self._delta_hashes.pop(i, None)
            if i in self._main_hashes:
                self._hidden.add(i)
        self._delta_index = self._main_search = None

    def hashes_of(self, ids: Sequence[int]) -> dict[int, str]:
        """Hashes of those ``ids`` the index holds."""
        return {i: self.hashes[i] for i in ids if i in self.hashes}

    def search(
        self, queries: np.ndarray, k: int, restrict: Restriction | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (scores, ids) per query row; missing slots have id -1. ``restrict`` is
        not applied here (see ``Restriction``)."""
        k = max(1, min(k, len(self)))
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        if len(self) == 0:
            empty = np.full((len(queries), 1), -1, dtype=np.int64)
            return np.zeros(empty.shape, dtype=np.float32), empty
        parts = []
        if self._main.ntotal:
            depth = min(int(self._main.ntotal), k)
            parts.append(self._main.search(queries, depth, params=self._search_parameters()))
        if self._delta_vectors:
            delta = self._delta()
            parts.append(delta.search(queries, min(k, int(delta.ntotal))))
        scores = np.hstack([p[0] for p in parts])
        ids = np.hstack([p[1] for p in parts])
        scores = np.where(ids < 0, -np.inf, scores)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        top_scores = np.take_along_axis(scores, order, axis=1)
        top_ids = np.take_along_axis(ids, order, axis=1)
        missing = ~np.isfinite(top_scores)
        top_ids[missing] = -1
        return np.where(missing, 0.0, top_scores).astype(np.float32), top_ids

    def _search_parameters(self) -> Any:
        """faiss search parameters that leave hidden main entries out (and set IVF's nprobe)."""
        if self._main_search is None:
            selector = None
            held: tuple[Any, ...] = ()
            if self._hidden:
                hidden = np.fromiter(self._hidden, dtype=np.int64, count=len(self._hidden))
                batch = faiss.IDSelectorBatch(hidden)
                selector = faiss.IDSelectorNot(batch)
                held = (batch, selector)  # faiss keeps raw pointers: these must stay alive
            parameters: Any
            if self.type == IVF:
                parameters = faiss.SearchParametersIVF()
                parameters.nprobe = self.nprobe
            else:
                parameters = faiss.SearchParameters()
            if selector is not None:
                parameters.sel = selector
            self._main_search = (parameters, held)
            return parameters
        return self._main_search[0]

    def _delta(self) -> Any:
        index = self._delta_index
        if index is None:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))
            ids = np.fromiter(self._delta_vectors, dtype=np.int64, count=len(self._delta_vectors))
            index.add_with_ids(np.vstack(list(self._delta_vectors.values())), ids)
            self._delta_index = index
        return index

    def needs_merge(self) -> bool:
        share = MERGE_SHARE * self._main.ntotal
        return self.delta_size > min(MERGE_AT_MOST, max(MERGE_AT_LEAST, share))

    def merged(self) -> VectorIndex:
        """The same entries with the delta folded into a new main index (IVF keeps its
        training; the caller retrains by building anew once a collection has grown enough)."""
        # a memory-mapped index cannot be cloned (faiss refuses, or crashes for flat ones):
        # the merged one starts from a fresh read of its file into memory
        main: Any = (
            faiss.read_index(str(self._mapped_from))
            if self._mapped_from is not None
            else faiss.clone_index(self._main)
        )
        if self._hidden:
            main.remove_ids(np.fromiter(self._hidden, dtype=np.int64, count=len(self._hidden)))
        if self._delta_vectors:
            ids = np.fromiter(self._delta_vectors, dtype=np.int64, count=len(self._delta_vectors))
            main.add_with_ids(np.vstack(list(self._delta_vectors.values())), ids)
        return VectorIndex(main, dict(self.hashes), self.nprobe, trained_on=self.trained_on)

    # -- files -------------------------------------------------------------------------------

    def save_main(self, path: Path) -> None:
        """The main index and its hashes (``path`` and ``path`` .hashes.npz)."""
        faiss.write_index(self._main, str(path))
        ids = np.fromiter(self._main_hashes.keys(), dtype=np.int64, count=len(self._main_hashes))
        hashes = np.array(list(self._main_hashes.values()), dtype="S64")
        with open(path.with_suffix(".hashes.npz"), "wb") as fh:
            np.savez(fh, ids=ids, hashes=hashes)

    def save_delta(self, path: Path) -> None:
        """The delta and the hidden main ids: small, written with every version."""
        ids = np.fromiter(self._delta_vectors, dtype=np.int64, count=len(self._delta_vectors))
        vectors = (
            np.vstack(list(self._delta_vectors.values()))
            if self._delta_vectors
            else np.zeros((0, self.dimension), dtype=np.float32)
        )
        with open(path, "wb") as fh:
            np.savez(
                fh,
                ids=ids,
                vectors=vectors,
                hashes=np.array(list(self._delta_hashes.values()), dtype="S64"),
                hidden=np.fromiter(self._hidden, dtype=np.int64, count=len(self._hidden)),
            )

    @classmethod
    def load_main(
        cls, path: Path, nprobe: int, trained_on: int = 0, kind: str = FLAT
    ) -> VectorIndex:
        """The main index at ``path``, memory-mapped: the web workers of a host then share one
        copy of its vectors in the page cache instead of holding one each."""
        flag = faiss.IO_FLAG_MMAP if kind == IVF else faiss.IO_FLAG_MMAP_IFC
        index = faiss.read_index(str(path), flag)
        with np.load(path.with_suffix(".hashes.npz")) as data:
            hashes = dict(
                zip(data["ids"].tolist(), (h.decode() for h in data["hashes"]), strict=True)
            )
        return cls(
            index, hashes, nprobe, trained_on=trained_on, main_file=path.name, mapped_from=path
        )

    def main_only(self) -> VectorIndex:
        """This index's main part alone (shared, not copied)."""
        return VectorIndex(
            self._main,
            self._main_hashes,
            self.nprobe,
            trained_on=self.trained_on,
            main_file=self.main_file,
            mapped_from=self._mapped_from,
        )

    @staticmethod
    def read_delta(path: Path) -> dict[str, np.ndarray]:
        """The arrays of a delta file, read into memory."""
        with np.load(path) as data:
            return {key: data[key] for key in data.files}

    def with_delta(self, delta: Mapping[str, np.ndarray]) -> VectorIndex:
        """This index's main part with a delta as ``read_delta`` gives it."""
        other = self.main_only()
        other._hidden.update(delta["hidden"].tolist())
        hashes = (h.decode() for h in delta["hashes"])
        for i, vector, content in zip(delta["ids"].tolist(), delta["vectors"], hashes, strict=True):
            other._delta_vectors[i] = vector
            other._delta_hashes[i] = content
        return other


class IndexStore:
    """A folder of versioned index files with an atomically replaced manifest."""

    MANIFEST = "manifest.json"

    def __init__(self, folder: Path, nprobe: int) -> None:
        self.folder = Path(folder)
        self.nprobe = nprobe

    @property
    def manifest_path(self) -> Path:
        return self.folder / self.MANIFEST

    def read_manifest(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.manifest_path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None  # unreadable manifest: treated as missing, so it gets rebuilt

    def wanted_type(self, count: int, exact_limit: int) -> str:
        return IVF if count > exact_limit else FLAT

    def build(
        self,
        name: str,
        dimension: int,
        ids: Sequence[int],
        vectors: np.ndarray,
        hashes: Sequence[str],
        exact_limit: int,
    ) -> VectorIndex:
        return VectorIndex.build(dimension, ids, vectors, hashes, exact_limit, self.nprobe)

    def current_version(self) -> int:
        manifest = self.read_manifest()
        return int(manifest["version"]) if manifest else 0

    def load(self, known: Snapshot | None = None) -> Snapshot | None:
        """The current version, or None when there is none or its files are damaged.

        Main indexes already in ``known`` (a version loaded before) are taken from it rather
        than read again: after a write only the small delta files are new.
        """
        manifest = self.read_manifest()
        if manifest is None:
            return None
        loaded: dict[str | None, VectorIndex] = {}
        if known is not None and known.model == manifest.get("model"):
            loaded = {
                index.main_file: index
                for index in known.collections.values()
                if isinstance(index, VectorIndex)
            }
        try:
            entries = manifest["collections"]
            # deltas first: a version's delta is deleted two versions later, and reading them
            # takes milliseconds, while reading a main index may take seconds
            deltas = {
                name: VectorIndex.read_delta(self.folder / entry["delta"])
                for name, entry in entries.items()
                if entry.get("delta")
            }
            collections: dict[str, VectorCollection] = {}
            for name, entry in entries.items():
                main = loaded.get(entry["file"])
                if main is None:
                    main = VectorIndex.load_main(
                        self.folder / entry["file"],
                        self.nprobe,
                        # manifests from before deltas: the index was trained on all it held
                        entry.get("trained_on", entry["count"]),
                        entry.get("type", FLAT),
                    )
                delta = deltas.get(name)
                collections[name] = main.with_delta(delta) if delta else main.main_only()
        except (OSError, RuntimeError, KeyError, ValueError):
            return None
        return Snapshot(
            int(manifest["version"]), manifest["model"], int(manifest["dimension"]), collections
        )

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Exclusive across processes: one writer of this folder at a time."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def publish(
        self,
        model: str,
        dimension: int,
        changed: Mapping[str, Any],
        base: Snapshot | None,
    ) -> Snapshot:
        """Write ``changed`` beside the live files and swap the manifest; call under the lock.

        Collections not in ``changed`` keep their files from ``base``.
        """
        previous = self.read_manifest()
        version = (int(previous["version"]) if previous else 0) + 1
        entries: dict[str, dict[str, Any]] = dict(previous["collections"]) if previous else {}
        if base is None or base.model != model:
            entries = {}
        for name, index in changed.items():
            if index.main_file is None:  # built or merged: the one time it is written
                # a name never used before, even if the manifest was lost and versions restart:
                # readers recognise a main index they hold by its file name
                file_name = f"{name}.v{version}.{secrets.token_hex(4)}.faiss"
                tmp = self.folder / f".{file_name}.tmp"
                index.save_main(tmp)
                os.replace(tmp, self.folder / file_name)
                os.replace(
                    tmp.with_suffix(".hashes.npz"),
                    (self.folder / file_name).with_suffix(".hashes.npz"),
                )
                index.main_file = file_name
            delta_name = None
            if index.delta_size:
                delta_name = f"{name}.v{version}.delta.npz"
                tmp = self.folder / f".{delta_name}.tmp"
                index.save_delta(tmp)
                os.replace(tmp, self.folder / delta_name)
            entries[name] = {
                "file": index.main_file,
                "delta": delta_name,
                "count": len(index),
                "type": index.type,
                "trained_on": index.trained_on,
            }
        manifest = {
            "version": version,
            "model": model,
            "dimension": dimension,
            "collections": entries,
        }
        self._swap_manifest(manifest)
        self._remove_unreferenced(manifest, previous)
        collections = dict(base.collections) if base and base.model == model else {}
        collections.update(changed)
        return Snapshot(version, model, dimension, collections)

    def _swap_manifest(self, manifest: dict[str, Any]) -> None:
        """The moment of the swap: readers see the old manifest or the new one, never half."""
        tmp_manifest = self.folder / f".{self.MANIFEST}.tmp"
        tmp_manifest.write_text(json.dumps(manifest, indent=2))
        os.replace(tmp_manifest, self.manifest_path)

    def _remove_unreferenced(self, *manifests: dict[str, Any] | None) -> None:
        """Delete index files no longer named by the current or the previous manifest.

        The previous version's files stay so a reader that read the old manifest a moment
        ago can still open them; so do main indexes written in the last ``_MAIN_GRACE``
        seconds, which a reader may still be reading while versions move on.
        """
        keep: set[str] = set()
        for manifest in manifests:
            for entry in (manifest or {}).get("collections", {}).values():
                keep.add(entry["file"])
                keep.add(str(Path(entry["file"]).with_suffix(".hashes.npz")))
                if entry.get("delta"):
                    keep.add(entry["delta"])
        recent = time.time() - _MAIN_GRACE
        for path in self.folder.glob("*.v*.*"):
            if path.name in keep:
                continue
            with contextlib.suppress(FileNotFoundError):
                if path.name.endswith(".delta.npz") or path.stat().st_mtime <= recent:
                    path.unlink()
