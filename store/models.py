"""SQLAlchemy 2 models of the store. Schema changes go through Alembic (``migrations/``)."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_session_key() -> str:
    return secrets.token_hex(16)


def identity_key(text: str) -> str:
    """The key under which two names or codes are the same one: what uniqueness compares.

    Names match regardless of case (Unicode case folding: "Straße" = "STRASSE"), width and
    compatibility forms (NFKC: fullwidth "ＡＣＭＥ" = "ACME") and runs of whitespace. The key
    is a hash of that form: folding can lengthen a text several times, and a fixed width fits
    a unique index on every backend. Code lookups and the database constraints both compare
    this key, so they cannot judge a name differently.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return hashlib.sha256(" ".join(folded.split()).encode("utf-8")).hexdigest()


def _key_of(column: str) -> Any:
    """Column default for Core inserts that give ``column`` but not its key (bulk loads)."""

    def default(context: DefaultExecutionContext) -> str:
        return identity_key(context.get_current_parameters()[column])

    return default


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


program_courses = Table(
    "program_courses",
    Base.metadata,
    Column("program_id", ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True),
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True),
)

student_courses = Table(
    "student_courses",
    Base.metadata,
    Column("student_id", ForeignKey("students.id", ondelete="CASCADE"), primary_key=True),
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("kind", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # enterprise | school
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(64), default=_key_of("name"))
    city: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = identity_key(name)
        return name


class Demand(Base):
    """A talent need posted by an enterprise: a job, internship, apprenticeship or training."""

    __tablename__ = "demands"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    openings: Mapped[int] = mapped_column(Integer, default=1)
    city: Mapped[str | None] = mapped_column(String(100), index=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    source: Mapped[str] = mapped_column(String(100), default="manual")
    external_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(1000))
    text_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # in its feed, last refresh
    content_hash: Mapped[str | None] = mapped_column(String(64))  # of the feed record as mapped

    enterprise: Mapped[Organization] = relationship()


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("school_id", "code_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(String(50))
    code_key: Mapped[str] = mapped_column(String(64), default=_key_of("code"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    hours: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_revised: Mapped[date | None] = mapped_column(Date)
    text_hash: Mapped[str | None] = mapped_column(String(64))

    school: Mapped[Organization] = relationship()

    @validates("code")
    def _keep_code_key(self, _key: str, code: str) -> str:
        self.code_key = identity_key(code)
        return code


class Program(Base):
    """A major: a named bundle of courses a school runs."""

    __tablename__ = "programs"
    __table_args__ = (UniqueConstraint("school_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(64), default=_key_of("name"))
    description: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str | None] = mapped_column(String(50))
    annual_graduates: Mapped[int | None] = mapped_column(Integer)
    text_hash: Mapped[str | None] = mapped_column(String(64))

    school: Mapped[Organization] = relationship()
    courses: Mapped[list[Course]] = relationship(secondary=program_courses, order_by=Course.id)

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = identity_key(name)
        return name


class Student(Base):
    """A learner. Found by enterprises only with ``consent``; no protected traits are stored.

    Ids are never reused (AUTOINCREMENT on SQLite too): an erased student's id must not come
    back as someone else's, whose export or audit trail would then show the other person's.
    """

    __tablename__ = "students"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    school_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="SET NULL"), index=True
    )
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    city: Mapped[str | None] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(200))  # e-mail or phone, shared by choice
    consent: Mapped[bool] = mapped_column(Boolean, default=False)  # to be found by enterprises
    share_contact: Mapped[bool] = mapped_column(Boolean, default=False)  # name and contact too
    text_hash: Mapped[str | None] = mapped_column(String(64))

    school: Mapped[Organization] = relationship()
    program: Mapped[Program | None] = relationship()
    courses: Mapped[list[Course]] = relationship(secondary=student_courses, order_by=Course.id)


class TextEmbedding(Base):
    """One encoded text: the vector is reused whenever the same text meets the same model."""

    __tablename__ = "text_embeddings"
    __table_args__ = (UniqueConstraint("model", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    dimension: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class IndexPending(Base):
    """A record whose index update failed after its write was committed.

    Marks are only added and deleted: a sync reads the marks, brings their ids into the index
    and then deletes exactly the marks it read, so a mark made meanwhile is never lost.
    """

    __tablename__ = "index_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    collection: Mapped[str] = mapped_column(String(16), index=True)  # demands, courses, ...
    entity_id: Mapped[int] = mapped_column(Integer)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GapSnapshot(Base):
    """A gap report as it stood on one day, for one scope; the history of the gap reports."""

    __tablename__ = "gap_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    scope: Mapped[str] = mapped_column(String(16), index=True)  # region | school
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Feed(Base):
    """A posted job list fetched by the nightly refresh."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    format: Mapped[str] = mapped_column(String(16))  # jsonld | json | csv
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enterprise: Mapped[Organization | None] = relationship()


class RefreshRun(Base):
    """One refresh: when, how it ended, counts, and each feed's outcome."""

    __tablename__ = "refresh_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    trigger: Mapped[str] = mapped_column(String(16), default="manual")  # manual | schedule | api
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    feeds: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class JobLock(Base):
    """A named lock held in the database, so that one refresh runs at a time across processes."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class User(Base):
    """An account: an admin, a member of one enterprise or school, or one student.

    Ids are never reused (AUTOINCREMENT on SQLite too). ``session_key`` is part of every page
    session's identity: a new one (sign-out, disabling) ends all sessions of the user.
    """

    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(64), unique=True, default=_key_of("email"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # admin | enterprise | school | student
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("students.id", ondelete="SET NULL"), unique=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_key: Mapped[str] = mapped_column(String(64), default=new_session_key)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization | None] = relationship()

    @validates("email")
    def _keep_email_key(self, _key: str, email: str) -> str:
        self.email_key = identity_key(email)
        return email


class ApiToken(Base):
    """A bearer token of one user. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsentRecord(Base):
    """The consent ledger: one row per consent given, closed when it is withdrawn.

    Purposes: ``found_by_enterprises`` (skills, courses, program and city shown to
    enterprises) and ``share_contact`` (name and contact shown too). ``version`` is the
    version of the consent text the student agreed to (setting CONSENT_VERSION).
    """

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(32))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Who read or changed personal data, and every refused attempt; readable by admins.

    The actor is kept by id and e-mail as they were: the log outlives deleted accounts.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(254))  # e-mail, "anonymous" or "local admin"
    action: Mapped[str] = mapped_column(String(100))  # e.g. "PATCH /api/v1/demands/3", "login"
    resource: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))  # ok | refused | failed
    status: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(16))  # api | web | cli
    address: Mapped[str | None] = mapped_column(String(64))


response_courses = Table(
    "response_courses",
    Base.metadata,
    Column("response_id", ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True),
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Response(Base):
    """A school's answer to a demand: courses, a program, an order class or a training offer.

    ``status`` moves only as ``matcher.answers.states`` allows (proposed → accepted / declined /
    withdrawn; accepted → delivered / withdrawn). ``decided_at`` is when the enterprise accepted
    or declined; ``closed_at`` when the school withdrew it or marked it delivered.
    """

    __tablename__ = "responses"
    __table_args__ = (
        # one open answer per school and demand, also when two requests race
        Index(
            "uq_responses_open_answer",
            "demand_id",
            "school_id",
            unique=True,
            sqlite_where=text("status IN ('proposed', 'accepted')"),
            postgresql_where=text("status IN ('proposed', 'accepted')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="SET NULL"), index=True
    )
    message: Mapped[str] = mapped_column(Text, default="")
    seats: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    created_by: Mapped[int | None] = mapped_column(Integer)  # user id; the CLI's admin: none
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    demand: Mapped[Demand] = relationship()
    school: Mapped[Organization] = relationship()
    program: Mapped[Program | None] = relationship()
    courses: Mapped[list[Course]] = relationship(secondary=response_courses, order_by=Course.id)


class Notification(Base):
    """One message in a user's inbox, and its e-mail (an outbox row: sent after commit).

    ``kind`` and ``params`` make the subject in the reader's language. ``dedupe_key`` makes a
    notice of one event arrive once per user however often the event is reported. Mail states:
    ``none`` (no mail server or no address), ``pending`` (to send; ``mail_next_at`` after a
    failure), ``sending`` (claimed by one sender), ``sent``, ``failed`` (gave up).
    """

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(500))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_state: Mapped[str] = mapped_column(String(16), default="none", index=True)
    mail_attempts: Mapped[int] = mapped_column(Integer, default=0)
    mail_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_error: Mapped[str | None] = mapped_column(String(500))
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
