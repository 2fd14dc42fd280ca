"""gap snapshots

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gap_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["organizations.id"],
            name=op.f("fk_gap_snapshots_school_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gap_snapshots")),
    )
    op.create_index(op.f("ix_gap_snapshots_as_of"), "gap_snapshots", ["as_of"])
    op.create_index(op.f("ix_gap_snapshots_school_id"), "gap_snapshots", ["school_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_gap_snapshots_school_id"), table_name="gap_snapshots")
    op.drop_index(op.f("ix_gap_snapshots_as_of"), table_name="gap_snapshots")
    op.drop_table("gap_snapshots")
