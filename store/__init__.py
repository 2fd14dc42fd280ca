"""The store: SQLAlchemy models, engine and session handling, Alembic upgrades."""

from .db import Database, upgrade_schema
from .models import (
    Base,
    Course,
    Demand,
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
    "Organization",
    "Program",
    "Student",
    "TextEmbedding",
    "upgrade_schema",
]
