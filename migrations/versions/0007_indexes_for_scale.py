"""indexes on what queries filter, join and sort on at scale

Demands are filtered by kind, city and activity (status, expires_at) in matches and lists and
read by posting and change time (refresh, gap reports); students by program; association
tables are read from the course side (a course's programs, students and answers) and deleted
through it; gap snapshots by scope; pending index marks by collection.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (
    ("demands", "kind"),
    ("demands", "city"),
    ("demands", "posted_at"),
    ("demands", "expires_at"),
    ("demands", "updated_at"),
    ("students", "program_id"),
    ("responses", "program_id"),
    ("program_courses", "course_id"),
    ("student_courses", "course_id"),
    ("response_courses", "course_id"),
    ("gap_snapshots", "scope"),
    ("index_pending", "collection"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
