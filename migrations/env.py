"""Alembic environment: online migrations on the connection the caller hands over."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from store.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _configure(connection)
else:
    url = config.attributes.get("connection_url") or os.environ["DATABASE_URL"]
    with create_engine(url).connect() as conn:
        _configure(conn)
        conn.commit()
