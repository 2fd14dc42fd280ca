"""Fixtures: the real packaged model (loaded once), real SQLite files and a real PostgreSQL.

Store-dependent fixtures run on SQLite always and on PostgreSQL when ``TEST_DATABASE_URL``
points at one (``.ci/run`` sets it). Each PostgreSQL fixture gets a database of its own,
created for this test run and dropped at the end.

A third store, ``pgvector`` (PostgreSQL with ``VECTOR_BACKEND=pgvector``), runs the modules
whose behaviour depends on the vector index (``PGVECTOR_MODULES``); where the server lacks the
extension those are skipped, or fail when ``TEST_REQUIRE_PGVECTOR=1`` (``.ci/run`` sets it).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.wiring import Services
from embeddings import Encoder
from matcher.errors import ConfigError
from matcher.language.vectors import VectorCache
from seed.loader import load_demo
from store import Database, upgrade_schema
from tests.feed_server import FeedServer, feed_server

STORES = ["sqlite", "postgresql", "pgvector"]
PGVECTOR_MODULES = {
    "test_catalog",
    "test_lexical",
    "test_pgvector",
    "test_ranking",
    "test_refresh",
}
"""Modules that also run on the pgvector backend: search, writes reaching the index, refresh.
Gap reports compare skills without the vector index, and what happens when an index update
fails is the indexing service's, whichever backend (``test_integrity`` on faiss)."""
SUMMARY_LINES = pytest.StashKey[list[str]]()
"""Lines a test module leaves for the end of the run (e.g. how many cases schemathesis made)."""


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SUMMARY_LINES] = []
    # data derived from the model alone (ESCO labels' vectors): computed once, not per test
    os.environ.setdefault(
        "TALENTMATCH_CACHE_PATH", str(Path(tempfile.gettempdir()) / "talentmatch-test-cache")
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the pgvector variants of modules outside ``PGVECTOR_MODULES``."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_pgvector = "pgvector" in params.values()
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        (dropped if on_pgvector and module not in PGVECTOR_MODULES else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    for line in config.stash.get(SUMMARY_LINES, []):
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    model = Encoder()
    model.encode(["warm up"])
    return model


@pytest.fixture(scope="session")
def shared_vectors(encoder: Encoder) -> VectorCache:
    return VectorCache(encoder)


class PostgresDatabases:
    """Creates throwaway databases on the server named by TEST_DATABASE_URL."""

    def __init__(self, url: str) -> None:
        self.admin_url = make_url(url).set(drivername="postgresql+psycopg")
        self.engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

        self._template: str | None = None

    def create(self, template: str | None = None) -> str:
        """A new, empty database (or a copy of ``template``); its URL."""
        name = f"tm_test_{uuid.uuid4().hex[:12]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        self.created.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def create_migrated(self) -> str:
        """A new database at the newest schema: a copy of one migrated once per run, which
        takes a fifth of the time of migrating each (the migrations themselves are tested on
        empty databases in ``test_migrations.py``)."""
        if self._template is None:
            url = self.create()
            database = Database(url)
            upgrade_schema(database)
            database.dispose()
            self._template = make_url(url).database
        return self.create(self._template)

    def drop_all(self) -> None:
        with self.engine.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.engine.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases | None]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield None
        return
    databases = PostgresDatabases(url)
    yield databases
    databases.drop_all()


def _database_url(store: str, folder: Path, postgres: PostgresDatabases | None) -> str:
    if store == "sqlite":
        return f"sqlite:///{folder / 'talentmatch.db'}"
    if postgres is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    return postgres.create_migrated()


def _skip_without_pgvector(error: ConfigError) -> None:
    if os.environ.get("TEST_REQUIRE_PGVECTOR") == "1":
        raise error
    pytest.skip(f"pgvector tests skipped: {error}")


def make_services(
    store: str,
    folder: Path,
    postgres: PostgresDatabases | None,
    vectors: VectorCache | None,
    **overrides: object,
) -> Services:
    # match endpoints are rate-limited per caller; tests call them far more often than people
    settings = {"INSTANCE_PATH": str(folder), "MATCH_RATE_LIMIT": "100000 per minute", **overrides}
    if "DATABASE_URL" not in settings:
        settings["DATABASE_URL"] = _database_url(store, folder, postgres)
    if store == "pgvector":
        settings.setdefault("VECTOR_BACKEND", "pgvector")
    services = Services.from_environment(settings, vectors)
    try:
        services.init_schema()
    except ConfigError as error:
        services.close()
        _skip_without_pgvector(error)
    return services


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def services(
    store: str, tmp_path: Path, postgres: PostgresDatabases | None, shared_vectors: VectorCache
) -> Iterator[Services]:
    """An empty, migrated store with its own instance folder."""
    svc = make_services(store, tmp_path, postgres, shared_vectors)
    yield svc
    svc.close()


@pytest.fixture(scope="session", params=STORES)
def demo(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres: PostgresDatabases | None,
    shared_vectors: VectorCache,
) -> Iterator[Services]:
    """The demo consortium, loaded once per store. Tests must not change it."""
    folder = tmp_path_factory.mktemp(f"demo-{request.param}")
    svc = make_services(request.param, folder, postgres, shared_vectors)
    load_demo(svc)
    yield svc
    svc.close()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 serving feed bodies the test sets per path."""
    with feed_server() as running:
        yield running
