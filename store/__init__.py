"""The store: SQLAlchemy models, engine and session handling, Alembic upgrades."""

from .db import Database, upgrade_schema
from .models import (
    Base,
    Course,
    Demand,
    GapSnapshot,
    Organization,
    Program,
    Student,
    TextEmbedding,
)

__all__ = [
    "Base",
    "Course",
    "Database",
    "Demand",
    "GapSnapshot",
    "Organization",
    "Program",
    "Student",
    "TextEmbedding",
    "upgrade_schema",
]
