"""Alembic migrations and the SQLAlchemy models describe the same schema, on both stores;
upgrades keep every row and every reference, and refuse data they cannot keep unique."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from api.wiring import Services
from matcher.errors import ConfigError
from store import Base, Database, upgrade_schema
from store.db import downgrade_schema
from store.models import identity_key
from tests.conftest import PostgresDatabases

# Rows as release 0003 stored them; the tables hold them with references across each other.
ROWS_0003 = [
    "INSERT INTO organizations (id, kind, name, created_at) VALUES "
    "(1, 'school', 'Straße Kolleg', '2026-01-01'), (2, 'enterprise', 'Acme', '2026-01-01')",
    "INSERT INTO courses (id, school_id, code, title, description, skills, outcomes, created_at) "
    "VALUES (1, 1, 'CS101', 'Programming', '', '[]', '[]', '2026-01-01')",
    "INSERT INTO programs (id, school_id, name, description) VALUES (1, 1, 'Software', '')",
    "INSERT INTO program_courses (program_id, course_id) VALUES (1, 1)",
    "INSERT INTO students (id, school_id, program_id, skills, interests, consent) "
    "VALUES (1, 1, 1, '[]', '[]', true)",
    "INSERT INTO student_courses (student_id, course_id) VALUES (1, 1)",
    "INSERT INTO demands (id, enterprise_id, kind, title, description, skills, openings, "
    "posted_at, status, source, created_at, updated_at) VALUES (1, 2, 'job', 'Welder', '', "
    "'[]', 1, '2026-01-01', 'active', 'manual', '2026-01-01', '2026-01-01')",
    "INSERT INTO gap_snapshots (id, taken_at, as_of, scope, school_id, summary, items) "
    "VALUES (1, '2026-01-01', '2026-01-01', 'school', 1, '{}', '[]')",
]
COUNTED = [
    "organizations",
    "courses",
    "programs",
    "program_courses",
    "students",
    "student_courses",
    "demands",
    "gap_snapshots",
]


@pytest.fixture
def bare(store: str, tmp_path: Path, postgres: PostgresDatabases | None) -> Iterator[Database]:
    """A database with no schema at all."""
    if store == "sqlite":
        url = f"sqlite:///{tmp_path / 'bare.db'}"
    elif postgres is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    else:
        url = postgres.create()
    database = Database(url)
    yield database
    database.dispose()


def _at_0003_with(database: Database, statements: list[str]) -> None:
    upgrade_schema(database, "0003")
    with database.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _counts(database: Database) -> dict[str, int]:
    with database.engine.connect() as connection:
        return {
            t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in COUNTED
        }


def _version(database: Database) -> str:
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def test_migrated_schema_matches_the_models(services: Services) -> None:
    with services.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_keys_stored_names_and_keeps_every_row_and_reference(bare: Database) -> None:
    _at_0003_with(bare, ROWS_0003)
    before = _counts(bare)
    upgrade_schema(bare)
    assert _counts(bare) == before  # rebuilding a table cascaded nothing away
    with bare.engine.connect() as connection:
        keys = connection.execute(text("SELECT name, name_key FROM organizations")).all()
        code_key = connection.execute(text("SELECT code_key FROM courses")).scalar_one()
    assert all(key == identity_key(name) for name, key in keys)
    assert code_key == identity_key("cs101")
    with pytest.raises(IntegrityError), bare.engine.begin() as connection:  # references enforced
        connection.execute(text("INSERT INTO program_courses VALUES (1, 999)"))
    downgrade_schema(bare, "0003")
    assert _counts(bare) == before and _version(bare) == "0003"
    upgrade_schema(bare)
    assert _version(bare) == "0007"


def test_upgrade_refuses_names_that_are_one_under_the_key_and_changes_nothing(
    bare: Database,
) -> None:
    clash = (
        "INSERT INTO organizations (id, kind, name, created_at) VALUES "
        "(3, 'enterprise', 'Nord Metall', '2026-01-01'), "
        "(4, 'enterprise', 'NORD  METALL', '2026-01-01')"
    )
    _at_0003_with(bare, [*ROWS_0003, clash])
    with pytest.raises(ConfigError, match=r"id 3 'Nord Metall', id 4 'NORD  METALL'"):
        upgrade_schema(bare)
    assert _version(bare) == "0003"
    with bare.engine.connect() as connection:
        columns = connection.execute(text("SELECT * FROM organizations")).keys()
    assert "name_key" not in columns
