"""Vector indexes keyed by database ids, persisted with a manifest and swapped atomically.

A :class:`VectorIndex` is a faiss index over unit vectors (inner product = cosine) plus the
content hash each id was encoded from, so its owner can tell exactly which entries are stale.
It is exact (flat) up to ``exact_limit`` vectors and an IVF index above, whose recall against
exact search is checked in ``tests/test_index.py``.

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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

FLAT = "flat"
IVF = "ivf"


class VectorIndex:
    """A searchable set of (id, unit vector, content hash)."""

    def __init__(self, index: Any, hashes: dict[int, str], nprobe: int) -> None:
        self._index = index
        self.hashes = hashes
        self.nprobe = nprobe
        if self.type == IVF:
            faiss.extract_index_ivf(index).nprobe = nprobe

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
        return cls(index, dict(zip(id_array.tolist(), hashes, strict=True)), nprobe)

    @property
    def type(self) -> str:
        return IVF if isinstance(self._index, faiss.IndexIVF) else FLAT

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def copy(self) -> VectorIndex:
        """An independent copy to modify while readers keep searching this one."""
        return VectorIndex(faiss.clone_index(self._index), dict(self.hashes), self.nprobe)

    def upsert(self, ids: Sequence[int], vectors: np.ndarray, hashes: Sequence[str]) -> None:
        if not len(ids):
            return
        self.remove(ids)
        id_array = np.asarray(ids, dtype=np.int64)
        self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), id_array)
        self.hashes.update(zip(id_array.tolist(), hashes, strict=True))

    def remove(self, ids: Sequence[int]) -> None:
        present = [i for i in ids if i in self.hashes]
        if not present:
            return
        self._index.remove_ids(np.asarray(present, dtype=np.int64))
        for i in present:
            del self.hashes[i]

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (scores, ids) per query row; missing slots have id -1."""
        k = max(1, min(k, len(self)))
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        if len(self) == 0:
            empty = np.full((len(queries), 1), -1, dtype=np.int64)
            return np.zeros(empty.shape, dtype=np.float32), empty
        scores, ids = self._index.search(queries, k)
        return scores, ids

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))
        ids = np.fromiter(self.hashes.keys(), dtype=np.int64, count=len(self.hashes))
        hashes = np.array(list(self.hashes.values()), dtype="S64")
        with open(path.with_suffix(".hashes.npz"), "wb") as fh:
            np.savez(fh, ids=ids, hashes=hashes)

    @classmethod
    def load(cls, path: Path, nprobe: int) -> VectorIndex:
        index = faiss.read_index(str(path))
        with np.load(path.with_suffix(".hashes.npz")) as data:
            hashes = dict(
                zip(data["ids"].tolist(), (h.decode() for h in data["hashes"]), strict=True)
            )
        return cls(index, hashes, nprobe)


@dataclass(frozen=True)
class Snapshot:
    """The indexes of one manifest version, never modified after loading."""

    version: int
    model: str
    dimension: int
    collections: dict[str, VectorIndex]


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

    def current_version(self) -> int:
        manifest = self.read_manifest()
        return int(manifest["version"]) if manifest else 0

    def load(self) -> Snapshot | None:
        """The current version, or None when there is none or its files are damaged."""
        manifest = self.read_manifest()
        if manifest is None:
            return None
        try:
            collections = {
                name: VectorIndex.load(self.folder / entry["file"], self.nprobe)
                for name, entry in manifest["collections"].items()
            }
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
        changed: dict[str, VectorIndex],
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
            file_name = f"{name}.v{version}.faiss"
            tmp = self.folder / f".{file_name}.tmp"
            index.save(tmp)
            os.replace(tmp, self.folder / file_name)
            os.replace(
                tmp.with_suffix(".hashes.npz"), (self.folder / file_name).with_suffix(".hashes.npz")
            )
            entries[name] = {"file": file_name, "count": len(index), "type": index.type}
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
        ago can still open them.
        """
        keep: set[str] = set()
        for manifest in manifests:
            for entry in (manifest or {}).get("collections", {}).values():
                keep.add(entry["file"])
                keep.add(str(Path(entry["file"]).with_suffix(".hashes.npz")))
        for path in self.folder.glob("*.v*.*"):
            if path.name not in keep:
                path.unlink(missing_ok=True)
