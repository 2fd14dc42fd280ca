"""Occupation coding: a job title read as the taxonomy occupations it names.

A title on its own gives a whole-text vector little to hold on to: "credit risk analyst" lies
about as close to "insurance risk consultant" as to "credit analyst", and no single similarity
threshold tells the occupation a school teaches from its untaught neighbour. The taxonomy knows
more: ESCO lists, for each of its 2,829 occupations, the titles employers use for it (24,020
labels that read as titles). A title is coded by its ``NEIGHBOURS`` nearest labels; each votes
for its occupation with weight ``exp((similarity - best) / TEMPERATURE)``, so the code is a
probability over a few occupations, sharp when one label stands out. Two titles agree as much
as their codes overlap: the probability that both name the same occupation. A title whose
nearest label is below ``min_similarity`` names no occupation the taxonomy knows and gets no
code; callers then leave the occupation term out.

The labels' vectors depend on the model, so they are computed once per model and kept in a
cache folder (``CACHE_PATH``; ``talentmatch index`` fills it with progress, about a minute for
all-MiniLM-L6-v2 on 2 cores), as an HNSW graph ready to search.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from matcher.taxonomy.esco_occupations import Occupation, load_occupations, names_a_role
from matcher.taxonomy.esco_skills import TaxonomyMissing

NEIGHBOURS = 10
TEMPERATURE = 0.02
_MEMORY_LIMIT = 50_000  # codes kept per coder, by title
# Labels are searched through an HNSW graph: a match codes up to 125 titles, which an exact
# search over 24k labels does in about 120 ms on 2 cores and the graph in about 7 (nearest
# label found for 98 % of titles, measured on labels with noise added).
_HNSW_NEIGHBOURS, _HNSW_BUILD_DEPTH, _HNSW_SEARCH_DEPTH = 32, 80, 32
_log = logging.getLogger(__name__)
_LOADED: dict[Path, faiss.Index] = {}  # label indexes read in this process, by cache file
_loaded_lock = threading.Lock()


@dataclass(frozen=True)
class OccupationCode:
    """Probabilities of the taxonomy occupations a title names (occupation index → share)."""

    shares: dict[int, float]
    similarity: float  # of the nearest label

    @property
    def occupation(self) -> int:
        return max(self.shares, key=lambda o: self.shares[o])

    def agreement(self, other: OccupationCode) -> float:
        """Probability that both titles name the same occupation, in [0, 1]."""
        return float(sum(p * other.shares.get(o, 0.0) for o, p in self.shares.items()))


class OccupationCoder:
    """Codes titles by their nearest taxonomy labels (see the module docstring)."""

    def __init__(
        self,
        occupations: Sequence[Occupation],
        owners: np.ndarray,
        labels: faiss.Index,
        min_similarity: float,
    ) -> None:
        """``labels``: an inner-product index of the labels' unit vectors, in ``owners``' order
        (see ``label_index``)."""
        self.occupations = list(occupations)
        self.owners = owners
        self.min_similarity = min_similarity
        self._index = labels
        self._memory: OrderedDict[str, OccupationCode | None] = OrderedDict()
        self._lock = threading.Lock()

    def label(self, occupation: int) -> str:
        return self.occupations[occupation].label

    def codes(self, titles: Sequence[str], vectors: np.ndarray) -> list[OccupationCode | None]:
        """One code per title (``None`` where it names no known occupation); ``vectors`` are
        the titles' unit vectors from the same model as the labels'."""
        with self._lock:
            known = {t: self._memory[t] for t in titles if t in self._memory}
        missing = [n for n, t in enumerate(titles) if t not in known]
        if missing:
            queries = np.ascontiguousarray(vectors[missing], dtype=np.float32)
            sims, hits = self._index.search(queries, NEIGHBOURS)
            fresh = {
                titles[n]: self._code(row_sims, row_hits)
                for n, row_sims, row_hits in zip(missing, sims, hits, strict=True)
            }
            with self._lock:
                self._memory.update(fresh)
                while len(self._memory) > _MEMORY_LIMIT:
                    self._memory.popitem(last=False)
            known.update(fresh)
        return [known[t] for t in titles]

    def _code(self, sims: np.ndarray, hits: np.ndarray) -> OccupationCode | None:
        valid = hits >= 0
        sims, hits = sims[valid], hits[valid]
        if len(hits) == 0 or sims[0] < self.min_similarity:
            return None
        votes = np.exp((sims - sims[0]) / TEMPERATURE)
        shares: dict[int, float] = {}
        for owner, vote in zip(self.owners[hits], votes, strict=True):
            shares[int(owner)] = shares.get(int(owner), 0.0) + float(vote)
        total = sum(shares.values())
        return OccupationCode({o: v / total for o, v in shares.items()}, float(sims[0]))

    def without(self, titles: Iterable[str]) -> OccupationCoder:
        """The same coder with these titles' labels taken out: for evaluating titles as if the
        taxonomy did not list their wording (the quality harness asks with taxonomy titles)."""
        dropped = {t.strip().lower() for t in titles}
        labels = taxonomy_labels(self.occupations)
        keep = [n for n, (text, _) in enumerate(labels) if text.lower() not in dropped]
        vectors = self._index.reconstruct_n(0, self._index.ntotal)[keep]
        return OccupationCoder(
            self.occupations, self.owners[keep], label_index(vectors), self.min_similarity
        )


def label_index(vectors: np.ndarray) -> faiss.Index:
    """An HNSW graph over label vectors, searched by inner product."""
    index = faiss.IndexHNSWFlat(vectors.shape[1], _HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = _HNSW_BUILD_DEPTH
    index.hnsw.efSearch = _HNSW_SEARCH_DEPTH
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def taxonomy_labels(occupations: Sequence[Occupation]) -> list[tuple[str, int]]:
    """(label, occupation index) for every preferred label and every alternative label that
    reads as a job title, in a fixed order."""
    return [
        (label, n)
        for n, occupation in enumerate(occupations)
        for label in dict.fromkeys(
            (occupation.label, *(a for a in occupation.alternatives if names_a_role(a)))
        )
    ]


def _cache_file(labels: list[tuple[str, int]], model_key: str, cache_dir: Path) -> Path:
    digest = hashlib.sha256(
        "\n".join([model_key, *(text for text, _ in labels)]).encode()
    ).hexdigest()[:16]
    return cache_dir / f"occupation-labels-{digest}.faiss"


def build_coder(
    occupations: Sequence[Occupation],
    encode: Callable[[list[str], Callable[[int], None] | None], np.ndarray],
    model_key: str,
    cache_dir: Path,
    min_similarity: float,
    progress: Callable[[int], None] | None = None,
) -> OccupationCoder:
    """A coder over every label, its index read from ``cache_dir`` or built from the encoded
    labels and saved there. Processes building at once take turns on a lock file, so the
    labels are encoded once and the others read the result."""
    labels = taxonomy_labels(occupations)
    path = _cache_file(labels, model_key, cache_dir)
    with _loaded_lock:
        index = _LOADED.get(path)
        if index is None:
            index = _LOADED[path] = _read_or_build(path, labels, encode, progress)
    owners = np.fromiter((n for _, n in labels), dtype=np.int64, count=len(labels))
    return OccupationCoder(occupations, owners, index, min_similarity)


def _read(path: Path, count: int) -> faiss.Index | None:
    try:
        index = faiss.read_index(str(path))
    except RuntimeError:  # missing or damaged
        return None
    if not isinstance(index, faiss.IndexHNSWFlat) or index.ntotal != count:
        return None
    index.hnsw.efSearch = _HNSW_SEARCH_DEPTH
    return index


def _read_or_build(
    path: Path,
    labels: list[tuple[str, int]],
    encode: Callable[[list[str], Callable[[int], None] | None], np.ndarray],
    progress: Callable[[int], None] | None,
) -> faiss.Index:
    found = _read(path, len(labels))
    if found is not None:
        return found
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path.with_suffix(".lock"), "a")  # noqa: SIM115 - closed by the with below
    except OSError as error:
        _log.warning("cache folder %s not usable (%s): the graph stays in memory", path, error)
        return label_index(encode([text for text, _ in labels], progress))
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it: wait, then read
        found = _read(path, len(labels))
        if found is not None:
            return found
        index = label_index(encode([text for text, _ in labels], progress))
        _save(index, path)
        return index


def _save(index: faiss.Index, path: Path) -> None:
    """Written to a temporary file and renamed, so readers never see half a file; a folder
    that cannot be written leaves the index in memory only."""
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            pass
        try:
            faiss.write_index(index, handle.name)
            os.chmod(handle.name, 0o644)  # readable by the service user of every host sharing it
            os.replace(handle.name, path)
        finally:
            Path(handle.name).unlink(missing_ok=True)
    except (OSError, RuntimeError) as error:
        _log.warning("could not save the ESCO titles' graph to %s: %s", path, error)


class LazyCoder:
    """One service's coder, built on first use and then shared by its threads; ``None`` when
    occupation coding is off or the taxonomy package is not installed."""

    def __init__(
        self,
        encode: Callable[[list[str], Callable[[int], None] | None], np.ndarray],
        model_key: str,
        cache_dir: Path,
        min_similarity: float,
        enabled: bool = True,
    ) -> None:
        self._encode = encode
        self._model_key = model_key
        self._cache_dir = cache_dir
        self.min_similarity = min_similarity
        self.enabled = enabled
        # Web workers never build in a request (a minute of encoding would outlast the
        # request's timeout): without the graph they match without coding while a thread
        # builds it. Commands and the refresh worker build it where they stand.
        self.in_background = False
        self._building: threading.Thread | None = None
        self._coder: OccupationCoder | None = None
        self._lock = threading.Lock()

    def get(self, progress: Callable[[int], None] | None = None) -> OccupationCoder | None:
        if not self.enabled:
            return None
        with self._lock:
            if self._coder is None:
                try:
                    occupations = load_occupations()
                except TaxonomyMissing:
                    self.enabled = False
                    return None
                if self.in_background and not self._cached(occupations):
                    self._build_in_background(occupations)
                    return None
                self._coder = self._build(occupations, progress)
            return self._coder

    def _cached(self, occupations: Sequence[Occupation]) -> bool:
        path = _cache_file(taxonomy_labels(occupations), self._model_key, self._cache_dir)
        return path in _LOADED or path.exists()

    def _build(
        self, occupations: Sequence[Occupation], progress: Callable[[int], None] | None = None
    ) -> OccupationCoder:
        return build_coder(
            occupations,
            self._encode,
            self._model_key,
            self._cache_dir,
            self.min_similarity,
            progress,
        )

    def _build_in_background(self, occupations: Sequence[Occupation]) -> None:
        if self._building is not None:
            return

        def build() -> None:
            try:
                coder = self._build(occupations)
            except Exception:  # noqa: BLE001 - logged; matches go on without coding
                _log.exception("building the ESCO titles' graph failed")
                return
            with self._lock:
                self._coder = coder

        _log.warning("the ESCO titles' graph is missing: building it (run talentmatch index)")
        self._building = threading.Thread(target=build, name="occupation-coding", daemon=True)
        self._building.start()

    def replace(self, coder: OccupationCoder | None) -> None:
        """Use this coder instead (the quality harness: one without the titles it asks)."""
        with self._lock:
            self._coder = coder
            self.enabled = coder is not None
