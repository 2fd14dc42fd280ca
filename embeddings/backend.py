"""What the indexing service and the ranking need of a vector backend, whichever it is.

Two backends implement it: faiss files in the instance folder (``embeddings.index``, one host)
and PostgreSQL tables with pgvector (``embeddings.pgvector``, every host of a store).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sqlalchemy.sql import Select

TRAINED_KINDS = frozenset({"ivf", "ivfflat"})
"""Index kinds whose lists are trained on the vectors present when built (faiss IVF, pgvector
IVFFlat): rebuilt once their collection has grown enough."""

Restriction = Callable[[Select[Any], Any], Select[Any]]
"""Adds the filters of a match to a vector search statement, given the vector table's id
column. Backends that search outside the database ignore it; the candidates' loader applies
the same filters after the search either way."""


class VectorCollection(Protocol):
    """One collection's (id, vector, content hash) entries, searchable by inner product."""

    hashes: Mapping[int, str]
    applies_filters: bool  # whether ``search`` honours a restriction

    @property
    def type(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def delta_size(self) -> int: ...

    @property
    def trained_on(self) -> int: ...

    def __len__(self) -> int: ...

    def hashes_of(self, ids: Sequence[int]) -> dict[int, str]: ...

    def search(
        self, queries: np.ndarray, k: int, restrict: Restriction | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def copy(self) -> VectorCollection: ...

    def upsert(self, ids: Sequence[int], vectors: np.ndarray, hashes: Sequence[str]) -> None: ...

    def remove(self, ids: Sequence[int]) -> None: ...

    def needs_merge(self) -> bool: ...

    def merged(self) -> VectorCollection: ...


@dataclass(frozen=True)
class Snapshot:
    """The collections of one published version, never modified after loading."""

    version: int
    model: str
    dimension: int
    collections: dict[str, VectorCollection]


class VectorBackend(Protocol):
    """Versioned collections that one writer at a time publishes and every reader follows."""

    def current_version(self) -> int: ...

    def load(self, known: Snapshot | None = None) -> Snapshot | None: ...

    def write_lock(self) -> AbstractContextManager[None]: ...

    def wanted_type(self, count: int, exact_limit: int) -> str: ...

    def build(
        self,
        name: str,
        dimension: int,
        ids: Sequence[int],
        vectors: np.ndarray,
        hashes: Sequence[str],
        exact_limit: int,
    ) -> VectorCollection: ...

    def publish(
        self,
        model: str,
        dimension: int,
        changed: Mapping[str, Any],
        base: Snapshot | None,
    ) -> Snapshot: ...
