"""The store: SQLAlchemy models, engine and session handling, Alembic upgrades."""

from .db import Database, upgrade_schema
from .models import (
    ApiToken,
    AuditEvent,
    Base,
    ConsentRecord,
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
    User,
)

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "ConsentRecord",
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
    "User",
]
