"""The store: SQLAlchemy models, engine and session handling, Alembic upgrades."""

from .db import Database, upgrade_schema
from .models import (
    Base,
    Course,
    Demand,
    Feed,
    GapSnapshot,
    JobLock,
    Organization,
    Program,
    RefreshRun,
    Student,
    TextEmbedding,
)

__all__ = [
    "Base",
    "Course",
    "Database",
    "Demand",
    "Feed",
    "GapSnapshot",
    "JobLock",
    "Organization",
    "Program",
    "RefreshRun",
    "Student",
    "TextEmbedding",
    "upgrade_schema",
]
