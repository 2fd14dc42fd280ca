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
    Notification,
    Organization,
    Program,
    RefreshRun,
    Response,
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
    "Notification",
    "Organization",
    "Program",
    "RefreshRun",
    "Response",
    "Student",
    "TextEmbedding",
    "upgrade_schema",
    "User",
]
