"""Creating, changing, deleting and listing entities, keeping vectors and indexes in step.

Every write is one transaction: records are resolved, checked, written and committed. Their
texts and skill phrases are encoded after the commit (only what this model has not seen), so no
transaction holds its locks through model inference; then the indexes are synced for the
touched ids, through the ``after_write`` hook the process wires in
(``IndexService.sync_after_write``: the catalog does not know the search package). Neither step
undoes or fails the write once committed: encoding that fails is logged and left to the index
sync, which encodes what is missing, and a sync that fails marks the ids pending for the next
sync. If the sync does not happen at all (a crash), the next full sync finds the
difference by text hash and applies it.

Names and course codes are unique by ``identity_key`` (case, width and spacing aside), both
in the checks here and in the database's constraints. A constraint the database enforces
after the check passed (another write raced this one) is a ``Conflict`` naming the field,
with nothing written.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matcher import clock
from matcher.catalog.checks import conflict_of, constraint_conflicts, parse_input
from matcher.catalog.consent import choices_of, record_changes
from matcher.catalog.records import ENTITIES, RECORD_LOADS, RECORDERS, SINGULAR
from matcher.catalog.references import Resolver
from matcher.catalog.schemas import (
    INPUT_MODELS,
    CourseIn,
    DemandIn,
    InputModel,
    OrganizationIn,
    ProgramIn,
    StudentIn,
)
from matcher.errors import Conflict, NotFound, ValidationFailed
from matcher.language import VectorCache, content_hash, course_phrases, entity_text
from store import Course, Database, Demand, Feed, Organization, Program, Student
from store.db import violation_of
from store.models import identity_key

M = TypeVar("M", bound=InputModel)

OWNER_FIELDS = {
    "demands": ("enterprise_id", "enterprise"),
    "courses": ("school_id", "school"),
    "programs": ("school_id", "school"),
    "students": ("school_id", "school"),
}
"""Who a record belongs to: optional in bodies (members' own comes from the caller), never
absent from a stored record."""


log = logging.getLogger(__name__)


@dataclass
class Page:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int


Touched = Mapping[str, Iterable[int]]
"""Ids a write touched, per indexed collection (demands, courses, programs, students)."""


@dataclass(frozen=True)
class Stamped:
    """What a write's stamping found: ids whose vectors may have moved, and texts to encode."""

    touched: dict[str, set[int]]
    texts: list[str]


class Catalog:
    """The one place entities are written; REST, CLI import and seeding all come through here."""

    def __init__(
        self,
        db: Database,
        vectors: VectorCache,
        after_write: Callable[[Touched], None],
        consent_version: str = "1",
    ) -> None:
        """``after_write`` gets the ids a committed write touched, per collection;
        ``consent_version`` is the consent text's version the ledger records."""
        self.db = db
        self.vectors = vectors
        self.after_write = after_write
        self.consent_version = consent_version

    # -- reading -----------------------------------------------------------------------------

    def get(self, kind: str, entity_id: int) -> dict[str, Any]:
        with self.db.session() as session:
            entity = session.get(ENTITIES[kind], entity_id, options=RECORD_LOADS[kind])
            if entity is None:
                raise NotFound(f"no {SINGULAR[kind]} with id {entity_id}")
            return RECORDERS[kind](entity)

    def list_page(
        self,
        kind: str,
        page: int = 1,
        per_page: int = 20,
        filters: dict[str, Any] | None = None,
    ) -> Page:
        model = ENTITIES[kind]
        query = select(model)
        for key, value in (filters or {}).items():
            if value is None:
                continue
            if key == "q":
                columns = [getattr(model, c) for c in ("title", "name") if hasattr(model, c)]
                # the words as typed: LIKE's own % and _ are letters here; full-width → ASCII
                words = unicodedata.normalize("NFKC", value)
                words = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                query = query.where(or_(*(c.ilike(f"%{words}%", escape="\\") for c in columns)))
            elif key == "active" and model is Demand:
                now = clock.now()
                condition = (Demand.status == "active") & (
                    Demand.expires_at.is_(None) | (Demand.expires_at > now)
                )
                query = query.where(condition if value else ~condition)
            else:
                query = query.where(getattr(model, key) == value)
        with self.db.session() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.options(*RECORD_LOADS[kind])
                .order_by(model.id)
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).all()
            return Page([RECORDERS[kind](r) for r in rows], total, page, per_page)

    # -- writing -----------------------------------------------------------------------------

    def create(self, kind: str, data: InputModel) -> dict[str, Any]:
        ids = self.create_many(kind, [data], labels=["body"])
        return self.get(kind, ids[0])

    def create_many(
        self,
        kind: str,
        records: Sequence[InputModel],
        progress: Callable[[int], None] | None = None,
        labels: Sequence[str] | None = None,
        in_transaction: Callable[[Session, list[Any]], None] | None = None,
    ) -> list[int]:
        """Write all ``records`` in one transaction, or none of them.

        ``in_transaction`` runs on the new entities before the commit: what must hold or
        fail together with the write (a student's record linked to their account).
        """
        labels = labels or [f"record {i + 1}" for i in range(len(records))]
        with constraint_conflicts(), self.db.session() as session:
            resolver = Resolver(session)
            entities = []
            for label, record in zip(labels, records, strict=True):
                try:
                    entity = self._build(session, resolver, kind, record)
                except (NotFound, Conflict, ValidationFailed) as exc:
                    raise type(exc)(f"{label}: {exc.detail}", errors=exc.errors) from None
                except IntegrityError as exc:
                    conflict = conflict_of(violation_of(exc))
                    raise Conflict(f"{label}: {conflict.detail}", errors=conflict.errors) from None
                entities.append(entity)
            session.flush()
            if in_transaction is not None:
                in_transaction(session, entities)
            stamped = self.stamp(session, entities)
            ids = [e.id for e in entities]
        self.store_vectors(stamped.texts, progress)
        self.after_write(stamped.touched)
        return ids

    def update(self, kind: str, entity_id: int, patch: dict[str, Any]) -> dict[str, Any]:
        """Apply ``patch`` (fields to change) after validating the merged record as a whole.

        ``patch`` must already be valid on its own (the REST layer's patch model); a merged
        record that is not valid is a :class:`Conflict` with what is stored.
        """
        model = ENTITIES[kind]
        with constraint_conflicts(), self.db.session() as session:
            entity = session.get(model, entity_id)
            if entity is None:
                raise NotFound(f"no {SINGULAR[kind]} with id {entity_id}")
            current = self._as_input(kind, entity)
            for name in ("enterprise", "school", "program", "courses"):
                if name in patch:  # a reference given by name replaces the stored id form
                    current.pop(f"{name}_id" if name != "courses" else "course_ids", None)
            merged = {**current, **patch}
            owner = OWNER_FIELDS.get(kind)
            if owner and all(merged.get(name) is None for name in owner):
                raise Conflict(
                    f"the change would leave the {SINGULAR[kind]} without its {owner[1]}: "
                    f"give {owner[0]} or {owner[1]}"
                )
            try:
                record = parse_input(kind, merged, label=SINGULAR[kind])
            except ValidationFailed as exc:
                # The patch is valid on its own (its model says so); the record it would make
                # is not, given what is stored: a conflict with the current state (RFC 9110).
                raise Conflict(
                    f"the change would leave the stored record invalid: {exc.detail}",
                    errors=exc.errors,
                ) from None
            resolver = Resolver(session)
            if isinstance(record, OrganizationIn) and record.kind != entity.kind:
                # its demands (or courses, programs, students, feeds) need the kind it has
                self._check_unreferenced(session, entity, change=f"make a {record.kind} of")
            self._check_unique(session, kind, record, resolver, exclude_id=entity_id)
            before = choices_of(entity) if isinstance(entity, Student) else None
            self._assign(session, resolver, kind, entity, record)
            session.flush()
            if before is not None:
                record_changes(session, entity, before, self.consent_version)
            stamped = self.stamp(session, [entity])
        self.store_vectors(stamped.texts)
        self.after_write(stamped.touched)
        return self.get(kind, entity_id)

    def delete(self, kind: str, entity_id: int) -> None:
        model = ENTITIES[kind]
        with constraint_conflicts(deleting=True), self.db.session() as session:
            entity = session.get(model, entity_id)
            if entity is None:
                raise NotFound(f"no {SINGULAR[kind]} with id {entity_id}")
            if kind == "organizations":
                self._check_unreferenced(session, entity)
            dependents = self._dependents(session, [entity]) if kind == "courses" else []
            if kind == "courses":
                for other in dependents:
                    other.courses = [c for c in other.courses if c.id != entity_id]
            session.delete(entity)
            session.flush()
            stamped = self.stamp(session, dependents)
        self.store_vectors(stamped.texts)
        touched = stamped.touched
        if kind in ("demands", "courses", "programs", "students"):
            touched.setdefault(kind, set()).add(entity_id)
        self.after_write(touched)

    # -- helpers -----------------------------------------------------------------------------

    def _check_unreferenced(
        self, session: Session, org: Organization, change: str = "delete"
    ) -> None:
        """Refuse to ``change`` an organization others still refer to (as enterprise or school)."""
        for model, column in (
            (Demand, Demand.enterprise_id),
            (Course, Course.school_id),
            (Program, Program.school_id),
            (Student, Student.school_id),
            (Feed, Feed.enterprise_id),
        ):
            if session.scalar(select(func.count()).select_from(model).where(column == org.id)):
                raise Conflict(
                    f"organization {org.id} still has {model.__tablename__}: cannot {change} it "
                    "before those are deleted",
                    errors=[{"field": "kind" if change != "delete" else "id",
                             "message": f"still referenced by {model.__tablename__}"}],
                )  # fmt: skip

    def _build(self, session: Session, resolver: Resolver, kind: str, record: InputModel) -> Any:
        self._check_unique(session, kind, record, resolver)
        entity = ENTITIES[kind]()
        self._assign(session, resolver, kind, entity, record)
        session.add(entity)
        session.flush()
        if isinstance(entity, Student):
            record_changes(session, entity, choices_of(None), self.consent_version)
        return entity

    def _check_unique(
        self,
        session: Session,
        kind: str,
        record: InputModel,
        resolver: Resolver,
        exclude_id: int | None = None,
    ) -> None:
        """Refuse a record whose name, code or external id is taken, as the constraints would.

        Names and codes compare by ``identity_key`` exactly like the unique constraints on
        their key columns; external ids compare as given, also like theirs.
        """
        model = ENTITIES[kind]
        query = None
        field = what = ""
        if isinstance(record, OrganizationIn):
            query = select(model.id).where(
                model.kind == record.kind, model.name_key == identity_key(record.name)
            )
            field, what = "name", f"{record.kind} named {record.name!r}"
        elif isinstance(record, DemandIn) and record.external_id:
            query = select(model.id).where(
                model.source == record.source, model.external_id == record.external_id
            )
            field = "external_id"
            what = f"demand with external_id {record.external_id!r} from {record.source!r}"
        elif isinstance(record, StudentIn) and record.external_id:
            query = select(model.id).where(model.external_id == record.external_id)
            field, what = "external_id", f"student with external_id {record.external_id!r}"
        elif isinstance(record, CourseIn | ProgramIn):
            school = resolver.organization("school", record.school_id, record.school)
            key = model.code_key if isinstance(record, CourseIn) else model.name_key
            field = "code" if isinstance(record, CourseIn) else "name"
            value = getattr(record, field)
            query = select(model.id).where(model.school_id == school.id, key == identity_key(value))
            what = f"{SINGULAR[kind]} {value!r} at {school.name}"
        if query is None:
            return
        if exclude_id is not None:
            query = query.where(model.id != exclude_id)
        if session.scalar(query.limit(1)) is not None:
            article = "an" if what[0] in "aeiou" else "a"
            message = f"{article} {what} already exists"
            raise Conflict(message, errors=[{"field": field, "message": message}])

    def _assign(
        self, session: Session, resolver: Resolver, kind: str, entity: Any, record: InputModel
    ) -> None:
        data = record.model_dump()
        if isinstance(record, DemandIn):
            entity.enterprise = resolver.organization(
                "enterprise", data.pop("enterprise_id"), data.pop("enterprise"), record.city
            )
        elif isinstance(record, CourseIn | ProgramIn | StudentIn):
            entity.school = resolver.organization(
                "school", data.pop("school_id"), data.pop("school"), getattr(record, "city", None)
            )
        if isinstance(record, ProgramIn | StudentIn):
            entity.courses = resolver.courses(
                entity.school, data.pop("courses"), data.pop("course_ids")
            )
        if isinstance(record, StudentIn):
            entity.program = resolver.program(
                entity.school, data.pop("program_id"), data.pop("program")
            )
        if isinstance(record, CourseIn) and data.get("created_at") is None:
            data.pop("created_at")
        for key, value in data.items():
            setattr(entity, key, value)

    def _as_input(self, kind: str, entity: Any) -> dict[str, Any]:
        """The stored entity in input form, so a patch can be merged and validated whole."""
        record = RECORDERS[kind](entity)
        fields = INPUT_MODELS[kind].model_fields
        data = {k: v for k, v in record.items() if k in fields and v is not None}
        for name in ("enterprise", "school", "program"):
            data.pop(name, None)
        return data

    def _dependents(self, session: Session, courses: Iterable[Course]) -> list[Any]:
        """Programs and students whose texts include these courses."""
        ids = [c.id for c in courses]
        if not ids:
            return []
        programs = session.scalars(
            select(Program).where(Program.courses.any(Course.id.in_(ids)))
        ).all()
        students = session.scalars(
            select(Student).where(Student.courses.any(Course.id.in_(ids)))
        ).all()
        return [*programs, *students]

    def stamp(self, session: Session, entities: Sequence[Any]) -> Stamped:
        """Set ``text_hash`` on ``entities``; returns the ids per index collection whose vectors
        may have moved and the texts and skill phrases to encode.

        Courses also restamp the programs and students whose texts list them. Nothing is
        encoded here: the caller encodes after its transaction has committed
        (``store_vectors``), so no write holds its locks through model inference.
        """
        indexed = [e for e in entities if not isinstance(e, Organization)]
        courses = [e for e in indexed if isinstance(e, Course)]
        indexed.extend(d for d in self._dependents(session, courses) if d not in indexed)
        texts: list[str] = []
        touched: dict[str, set[int]] = defaultdict(set)
        for entity in indexed:
            text = entity_text(entity)
            entity.text_hash = content_hash(text)
            texts.append(text)
            touched[entity.__tablename__].add(entity.id)
            texts.extend(self._phrases(entity))
        return Stamped(dict(touched), texts)

    def store_vectors(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> None:
        """Encode and store what a committed write's texts lack, outside its transaction.

        Never raises: the write stands whatever happens here, and the index sync that follows
        encodes whatever is still missing (or marks the ids pending when it cannot).
        """
        try:
            self.vectors.store_missing(self.db, texts, progress)
        except Exception:
            log.exception("encoding %d texts after a committed write failed", len(texts))

    @staticmethod
    def _phrases(entity: Any) -> list[str]:
        if isinstance(entity, Demand):
            return list(entity.skills)
        if isinstance(entity, Course):
            return course_phrases(entity)
        if isinstance(entity, Student):
            return list(entity.skills)
        return []
