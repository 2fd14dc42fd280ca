"""The composition root: the store, encoder, indexes and domain services of one process.

Built where processes start — the app factory (``create_app``) and the CLI (``services_of``,
which also runs the worker) — and handed to what needs it. The domain (``matcher``) never
builds its own collaborators, and ``jobs`` relies only on the parts its protocols name
(``jobs.needs.RefreshServices``), which this object provides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from embeddings import Encoder, IndexStore, PgVectorStore, VectorBackend, VectorExtensionMissing
from embeddings.tuned import resolve_tuned
from jobs.matched import MatchNotifier
from matcher.accounts import Access, Accounts, Actor, AuditLog, OwnedCatalog, Privacy, Tokens
from matcher.answers import Inbox, Mailer, MailServer, Responses
from matcher.catalog import Catalog
from matcher.errors import ConfigError
from matcher.gaps import GapAnalyzer, GapHistory, GapRules
from matcher.language import TextForm, VectorCache
from matcher.search import COLLECTIONS, FusionWeights, IndexService, LexicalChannel, Matcher
from matcher.settings import Settings, load_settings
from matcher.taxonomy.coding import LazyCoder
from store import Database, upgrade_schema


class Services:
    """Everything a command, a web worker or the refresh worker needs.

    Nothing heavy happens here: the model loads on the first encoding, indexes on the first
    match.
    """

    def __init__(self, settings: Settings, vectors: VectorCache | None = None) -> None:
        """``vectors`` lets several instances share one loaded model (tests, benchmarks)."""
        self.settings = settings
        self.instance_path = Path(self.settings.instance_path)
        self.db = Database(self.settings.database_url)
        if vectors is None:
            model = resolve_tuned(self.settings.model, self.instance_path)
            encoder = Encoder(model, self.settings.encode_batch_size)
            form = TextForm.for_model(encoder.model_name, self.settings.translate)
            vectors = VectorCache(encoder, form)
        self.vectors = vectors
        self.encoder = self.vectors.encoder
        self.index = IndexService(
            self.db, self.vectors, self._vector_backend(), self.settings.exact_index_limit
        )
        self.catalog = Catalog(
            self.db, self.vectors, self.index.sync_after_write, self.settings.consent_version
        )
        self.accounts = Accounts(self.db)
        self.tokens = Tokens(self.db, self.settings.token_days)
        self.access = Access(self.db)
        self.audit = AuditLog(self.db)
        self.privacy = Privacy(self.catalog, self.accounts, self.tokens, self.audit)
        self.occupations = LazyCoder(
            self._encode_labels,
            self.vectors.model,
            Path(self.settings.cache_path),
            self.settings.occupation_min_similarity,
            # coding off in matches and gap reports: the graph is never needed
            enabled=self.settings.occupation_weight > 0 or self.settings.gap_occupation_weight > 0,
        )
        self.matcher = Matcher(
            self.db,
            self.vectors,
            self.index,
            LexicalChannel(self.index, self.vectors.form),
            candidate_pool=self.settings.candidate_pool,
            weights=FusionWeights(self.settings.lexical_weight, self.settings.skill_weight),
            cover_threshold=self.settings.skill_cover_threshold,
            skill_lexical_weight=self.settings.skill_lexical_weight,
            occupations=self.occupations,
            occupation_weight=self.settings.occupation_weight,
        )
        self.gaps = GapAnalyzer(
            self.db, self.vectors, GapRules.from_settings(self.settings), self.occupations
        )
        self.gap_history = GapHistory(self.db, self.gaps)
        self.mailer = Mailer(self.db, self._mail_server())
        self.inbox = Inbox(self.db, mail_enabled=self.mailer.server is not None)
        self.responses = Responses(self.db, self.inbox, self.mailer.deliver)
        self.match_notifier = MatchNotifier(
            self.db, self.matcher, self.inbox, self.mailer, self.settings.notify_match_score
        )

    def _encode_labels(
        self, labels: list[str], progress: Callable[[int], None] | None
    ) -> np.ndarray:
        """Taxonomy labels in this service's text form, for occupation coding."""
        return self.encoder.encode([self.vectors.form(label) for label in labels], progress)

    def _mail_server(self) -> MailServer | None:
        s = self.settings
        if not s.mail_server:
            return None
        return MailServer(
            host=s.mail_server,
            port=s.mail_port,
            sender=s.mail_from,
            username=s.mail_username,
            password=s.mail_password,
            security=s.mail_security,
            timeout=s.mail_timeout,
            max_attempts=s.mail_max_attempts,
            public_url=s.public_url,
        )

    def catalog_for(self, actor: Actor | None) -> OwnedCatalog:
        """The catalog as ``actor`` may use it (``None``: an anonymous caller)."""
        return OwnedCatalog(
            self.catalog, self.access, self.accounts, actor, self.match_notifier.created
        )

    @classmethod
    def from_environment(
        cls, overrides: Mapping[str, Any] | None = None, vectors: VectorCache | None = None
    ) -> Services:
        return cls(load_settings(overrides), vectors)

    def _vector_backend(self) -> VectorBackend:
        if self.settings.vector_backend == "pgvector":
            tables = {name: model.__tablename__ for name, model in COLLECTIONS.items()}
            return PgVectorStore(self.db.engine, self.settings.ivf_nprobe, tables)
        return IndexStore(self.instance_path / "index", self.settings.ivf_nprobe)

    def init_schema(self) -> None:
        """Create or migrate the database to the newest schema (and pgvector's table)."""
        upgrade_schema(self.db)
        if isinstance(self.index.store, PgVectorStore):
            try:
                self.index.store.ensure_schema()
            except VectorExtensionMissing as exc:
                raise ConfigError(str(exc)) from None

    def require_schema(self) -> None:
        if not self.db.has_schema():
            raise ConfigError("the database has no schema yet: run `talentmatch init` first")

    def close(self) -> None:
        self.mailer.close()
        self.db.dispose()
