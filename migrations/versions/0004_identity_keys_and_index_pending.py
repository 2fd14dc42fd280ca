"""names and course codes are unique by their identity key; index_pending marks

Organization names, program names and course codes were unique as typed while the code
compared them lower-cased (ASCII-only in SQLite, Unicode in PostgreSQL), so the two could
judge a name differently. Each now has a key column (``store.models.identity_key``) and the
unique constraints compare that key, exactly as the code does.

Existing names that already collide under the key stop the upgrade before anything changes,
naming the records to rename or merge.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from matcher.errors import ConfigError
from store.models import identity_key

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# table, scope column (unique within it), named column, its key column
KEYED = [
    ("organizations", "kind", "name", "name_key"),
    ("programs", "school_id", "name", "name_key"),
    ("courses", "school_id", "code", "code_key"),
]


def _keys(connection: sa.Connection, table: str, scope: str, column: str) -> dict[int, str]:
    """id → key of every row; raises ConfigError when two rows of one scope share a key."""
    rows = connection.execute(sa.text(f"SELECT id, {scope}, {column} FROM {table} ORDER BY id"))
    keys: dict[int, str] = {}
    groups: dict[tuple[object, str], list[tuple[int, str]]] = defaultdict(list)
    for row_id, scope_value, value in rows:
        keys[row_id] = identity_key(value)
        groups[(scope_value, keys[row_id])].append((row_id, value))
    clashes = [group for group in groups.values() if len(group) > 1]
    if clashes:
        shown = "; ".join(
            ", ".join(f"id {row_id} {value!r}" for row_id, value in group) for group in clashes[:5]
        )
        raise ConfigError(
            f"cannot upgrade: {table} whose {column}s differ only by case, width or spacing "
            f"({shown}); rename or merge them, then run `talentmatch init` again"
        )
    return keys


def upgrade() -> None:
    connection = op.get_bind()
    # Every clash is found before the first change, so a refused upgrade leaves all as it was.
    all_keys = {
        table: _keys(connection, table, scope, column) for table, scope, column, *_ in KEYED
    }
    for table, scope, _column, key in KEYED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(key, sa.String(length=64), nullable=True))
        update = sa.text(f"UPDATE {table} SET {key} = :key WHERE id = :id")
        keys = all_keys[table]
        if keys:
            connection.execute(update, [{"id": i, "key": k} for i, k in keys.items()])
        with op.batch_alter_table(table) as batch:
            batch.alter_column(key, existing_type=sa.String(length=64), nullable=False)
            batch.drop_constraint(f"uq_{table}_{scope}", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_{scope}", [scope, key])
    op.create_table(
        "index_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_pending")),
    )


def downgrade() -> None:
    op.drop_table("index_pending")
    for table, scope, column, key in reversed(KEYED):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_{scope}", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_{scope}", [scope, column])
            batch.drop_column(key)
