"""Wiring: one object holding the store, encoder, indexes, catalog and matcher of a process."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from embeddings import Encoder, IndexStore
from store import Database, upgrade_schema

from .catalog import Catalog
from .errors import ConfigError
from .gap_history import GapHistory
from .gap_rules import GapRules
from .gaps import GapAnalyzer
from .indexing import IndexService
from .lexical import LexicalChannel
from .phrasing import TextForm
from .ranking import FusionWeights, Matcher
from .settings import load_settings
from .vectors import VectorCache


class Services:
    """Everything a command or a web worker needs; nothing heavy happens until it is used."""

    def __init__(self, settings: Mapping[str, Any], vectors: VectorCache | None = None) -> None:
        """``vectors`` lets several instances share one loaded model (tests, benchmarks)."""
        self.settings = dict(settings)
        self.instance_path = Path(self.settings["INSTANCE_PATH"])
        self.db = Database(self.settings["DATABASE_URL"])
        if vectors is None:
            encoder = Encoder(self.settings["MODEL"], self.settings["ENCODE_BATCH_SIZE"])
            form = TextForm.for_model(encoder.model_name, self.settings["TRANSLATE"])
            vectors = VectorCache(encoder, form)
        self.vectors = vectors
        self.encoder = self.vectors.encoder
        self.index = IndexService(
            self.db,
            self.vectors,
            IndexStore(self.instance_path / "index", self.settings["IVF_NPROBE"]),
            self.settings["EXACT_INDEX_LIMIT"],
        )
        self.catalog = Catalog(self.db, self.vectors, self.index)
        self.matcher = Matcher(
            self.db,
            self.vectors,
            self.index,
            LexicalChannel(self.index, self.vectors.form),
            candidate_pool=self.settings["CANDIDATE_POOL"],
            weights=FusionWeights(self.settings["LEXICAL_WEIGHT"], self.settings["SKILL_WEIGHT"]),
            cover_threshold=self.settings["SKILL_COVER_THRESHOLD"],
            skill_lexical_weight=self.settings["SKILL_LEXICAL_WEIGHT"],
        )
        self.gaps = GapAnalyzer(self.db, self.vectors, GapRules.from_settings(self.settings))
        self.gap_history = GapHistory(self.db, self.gaps)

    @classmethod
    def from_environment(
        cls, overrides: Mapping[str, Any] | None = None, vectors: VectorCache | None = None
    ) -> Services:
        return cls(load_settings(overrides), vectors)

    def init_schema(self) -> None:
        """Create or migrate the database to the newest schema."""
        upgrade_schema(self.db)

    def require_schema(self) -> None:
        if not self.db.has_schema():
            raise ConfigError("the database has no schema yet: run `talentmatch init` first")

    def close(self) -> None:
        self.db.dispose()
