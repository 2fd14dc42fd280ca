"""Engine and sessions for one database URL; schema upgrades through Alembic."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (psycopg2 is not a dependency)."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """Owns the engine and the session factory of one store."""

    def __init__(self, url: str) -> None:
        self.url = _normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(self.url, pool_pre_ping=not self.is_sqlite)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _enable_sqlite_foreign_keys)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def has_schema(self) -> bool:
        return inspect(self.engine).has_table("alembic_version")

    def dispose(self) -> None:
        self.engine.dispose()


def upgrade_schema(database: Database, revision: str = "head") -> None:
    """Bring the database up to ``revision`` with the project's Alembic migrations."""
    _migrate(database, "upgrade", revision)


def downgrade_schema(database: Database, revision: str) -> None:
    """Take the database back to ``revision`` (an older release's schema)."""
    _migrate(database, "downgrade", revision)


def _migrate(database: Database, direction: Literal["upgrade", "downgrade"], revision: str) -> None:
    """Run Alembic ``direction`` to ``revision`` in one transaction.

    SQLite changes a table's constraints by copying it to a new table and dropping the old
    one (Alembic batch mode); with foreign keys enforced, that drop would delete or refuse
    the rows referencing it. So enforcement is off while migrating, as SQLite's own recipe
    for schema changes says, and the references are checked before the commit instead.
    """
    from alembic import command
    from alembic.config import Config

    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection_url"] = database.url
    with database.engine.connect() as connection:
        if database.is_sqlite:
            # takes effect only outside a transaction, hence its own commit first
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                getattr(command, direction)(config, revision)
                if database.is_sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left broken references: {broken[:5]}")
        finally:
            if database.is_sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


@dataclass(frozen=True)
class Violation:
    """Which rule of the schema a write broke, as far as the database tells.

    ``kind`` is ``unique``, ``missing`` (a reference to a row that is not there),
    ``referenced`` (a delete of a row others still reference), ``reference`` (one of the
    two; SQLite does not say which) or ``other``. ``table`` and ``columns`` are empty when
    the database does not name them (SQLite's foreign key errors).
    """

    kind: Literal["unique", "missing", "referenced", "reference", "other"]
    table: str = ""
    columns: tuple[str, ...] = ()


_PG_KEY = re.compile(r"Key \(([^)]*)\)=")
_PG_REFERENCED_BY = re.compile(r'is still referenced from table "([^"]+)"')
_SQLITE_COLUMNS = re.compile(r"constraint failed: (.+)$")


def violation_of(error: IntegrityError) -> Violation:
    """Read the broken rule out of ``error`` (PostgreSQL diagnostics or SQLite's message)."""
    original = error.orig
    diag = getattr(original, "diag", None)
    if diag is not None:  # psycopg
        sqlstate = getattr(original, "sqlstate", None)
        detail = diag.message_detail or ""
        key = _PG_KEY.search(detail)
        columns = tuple(c.strip().strip('"') for c in key.group(1).split(",")) if key else ()
        table = diag.table_name or ""
        if sqlstate == "23505":
            return Violation("unique", table, columns)
        if sqlstate == "23503":
            referenced_by = _PG_REFERENCED_BY.search(detail)
            if referenced_by:
                return Violation("referenced", referenced_by.group(1), ())
            return Violation("missing", table, columns)
        return Violation("other", table, columns)
    message = str(original)
    if message.startswith("FOREIGN KEY constraint failed"):
        return Violation("reference")
    found = _SQLITE_COLUMNS.search(message)
    names = [n.strip() for n in found.group(1).split(",")] if found else []
    table = names[0].split(".")[0] if names else ""
    columns = tuple(n.split(".")[-1] for n in names)
    kind: Literal["unique", "other"] = "unique" if message.startswith("UNIQUE") else "other"
    return Violation(kind, table, columns)
