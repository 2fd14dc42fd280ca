"""Ranking in every direction, with skill-by-skill explanations.

A match runs in two steps. Whole-text vectors pull a pool of candidates from the target's
index; then each candidate is scored against the query skill by skill: every asked-for skill is
compared with every skill or learning outcome on the offering side, and its best similarity
says whether it is covered and by what. The score mixes the two,
``(1 - SKILL_WEIGHT) * text similarity + SKILL_WEIGHT * mean best skill similarity``, clipped
to [0, 1]; the explanation is read off the same similarity matrix that made the score.

Which side asks and which offers depends on the direction: a demand asks and a course, program
or student offers, whichever of them is the query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store import Course, Database, Demand, Organization, Program, Student

from .errors import NotFound, ValidationFailed
from .indexing import IndexService
from .schemas import MAX_TEXT_CHARS
from .texts import course_phrases, entity_text, split_skill_list, unique_phrases
from .vectors import VectorCache

DEMAND_TARGETS = ("courses", "programs", "students")
TEXT_TARGETS = ("demands", "courses", "programs")


@dataclass(frozen=True)
class Filters:
    """Narrowing applied to candidates; matching never looks at protected traits."""

    kinds: tuple[str, ...] | None = None  # demand kinds, when demands are the target
    city: str | None = None
    active_only: bool = True  # demands: only active, unexpired postings
    school_id: int | None = None  # courses, programs, students: one school


@dataclass
class _Offer:
    """One phrase a candidate or query offers, and where it comes from (a course, if any)."""

    phrase: str
    course: Course | None = None


@dataclass
class _Candidate:
    id: int
    kind: str
    title: str
    extra: dict[str, Any]
    asks: list[str] = field(default_factory=list)
    offers: list[_Offer] = field(default_factory=list)


@dataclass
class _Query:
    vector: np.ndarray
    asks: list[str] = field(default_factory=list)
    offers: list[_Offer] = field(default_factory=list)


def _course_offers(courses: Sequence[Course]) -> list[_Offer]:
    offers: list[_Offer] = []
    seen: set[str] = set()
    for course in courses:
        for phrase in course_phrases(course):
            if phrase.lower() not in seen:
                seen.add(phrase.lower())
                offers.append(_Offer(phrase, course))
    return offers


def _student_offers(student: Student) -> list[_Offer]:
    own = [_Offer(p) for p in unique_phrases(student.skills)]
    known = {o.phrase.lower() for o in own}
    return own + [o for o in _course_offers(student.courses) if o.phrase.lower() not in known]


@dataclass
class _PhraseTable:
    rows: dict[str, int]
    matrix: np.ndarray | None

    def of(self, phrases: Sequence[str]) -> np.ndarray:
        assert self.matrix is not None
        return self.matrix[[self.rows[p] for p in phrases]]


class Matcher:
    """Answers match questions from the store and the published indexes."""

    def __init__(
        self,
        db: Database,
        vectors: VectorCache,
        index: IndexService,
        *,
        candidate_pool: int,
        skill_weight: float,
        cover_threshold: float,
    ) -> None:
        self.db = db
        self.vectors = vectors
        self.index = index
        self.candidate_pool = candidate_pool
        self.skill_weight = skill_weight
        self.cover_threshold = cover_threshold

    # -- public directions -------------------------------------------------------------------

    def match_demand(
        self, demand_id: int, target: str = "courses", k: int = 10, filters: Filters | None = None
    ) -> list[dict[str, Any]]:
        """Courses, programs or (consenting) students that supply what a demand asks for."""
        if target not in DEMAND_TARGETS:
            raise ValidationFailed(f"target must be one of {', '.join(DEMAND_TARGETS)}")
        with self.db.session() as session:
            demand = self._entity(session, Demand, demand_id, "demand")
            query = _Query(self._stored_vector(session, demand), asks=unique_phrases(demand.skills))
            return self._rank(session, query, target, k, filters or Filters())

    def match_course(
        self, course_id: int, k: int = 10, filters: Filters | None = None
    ) -> list[dict[str, Any]]:
        """Demands whose asked-for skills this course teaches."""
        with self.db.session() as session:
            course = self._entity(session, Course, course_id, "course")
            query = _Query(self._stored_vector(session, course), offers=_course_offers([course]))
            return self._rank(session, query, "demands", k, filters or Filters())

    def match_program(
        self, program_id: int, k: int = 10, filters: Filters | None = None
    ) -> list[dict[str, Any]]:
        """Demands that a program's graduates can serve."""
        with self.db.session() as session:
            program = self._entity(session, Program, program_id, "program")
            query = _Query(
                self._stored_vector(session, program), offers=_course_offers(program.courses)
            )
            return self._rank(session, query, "demands", k, filters or Filters())

    def match_student(
        self, student_id: int, k: int = 10, filters: Filters | None = None
    ) -> list[dict[str, Any]]:
        """Internships and jobs for a student, with the courses that teach what is missing."""
        filters = filters or Filters()
        if filters.kinds is None:
            filters = Filters(("internship", "job"), filters.city, filters.active_only)
        with self.db.session() as session:
            student = self._entity(session, Student, student_id, "student")
            query = _Query(self._stored_vector(session, student), offers=_student_offers(student))
            results = self._rank(session, query, "demands", k, filters)
            self._suggest_courses(session, results)
            return results

    def match_text(
        self, text: str, target: str = "demands", k: int = 10, filters: Filters | None = None
    ) -> list[dict[str, Any]]:
        """Anything against free text: a list of skills or a description.

        Text separated by commas, semicolons or new lines is read as a list of skills.
        """
        if target not in TEXT_TARGETS:
            raise ValidationFailed(f"target must be one of {', '.join(TEXT_TARGETS)}")
        text = (text or "").strip()
        if not text:
            raise ValidationFailed("field 'text': must not be empty")
        if len(text) > MAX_TEXT_CHARS:
            raise ValidationFailed(f"field 'text': longer than {MAX_TEXT_CHARS} characters")
        phrases = split_skill_list(text) if len(text) <= 2000 else []
        with self.db.session() as session:
            # one encoder call for the text and its phrases; the phrase table then finds them
            vector = self.vectors.vectors(session, [text, *phrases], persist=False)[0]
            if target == "demands":
                query = _Query(vector, offers=[_Offer(p) for p in phrases])
            else:
                query = _Query(vector, asks=phrases)
            return self._rank(session, query, target, k, filters or Filters())

    # -- the ranking core --------------------------------------------------------------------

    def _rank(
        self, session: Session, query: _Query, target: str, k: int, filters: Filters
    ) -> list[dict[str, Any]]:
        index = self.index.collection(target)
        if index is None or len(index) == 0:
            return []
        pool = max(self.candidate_pool, 4 * k)
        while True:
            scores, ids = index.search(query.vector[None, :], pool)
            text_scores = {
                int(i): float(s) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0
            }
            candidates = self._load(session, target, list(text_scores), filters)
            if len(candidates) >= k or pool >= len(index):
                break
            pool *= 4
        table = self._phrase_table(session, query, candidates)
        scored = [self._score(table, query, c, text_scores[c.id]) for c in candidates]
        scored.sort(key=lambda r: (-r["score"], r["id"]))
        for rank, result in enumerate(scored[:k], start=1):
            result["rank"] = rank
        return scored[:k]

    def _score(
        self, table: _PhraseTable, query: _Query, candidate: _Candidate, text_score: float
    ) -> dict[str, Any]:
        asks = query.asks or candidate.asks
        offers = query.offers or candidate.offers
        covered: list[dict[str, Any]] = []
        missing: list[str] = []
        skill_score = None
        if asks and offers:
            matrix = table.of(asks) @ table.of([o.phrase for o in offers]).T
            best = matrix.argmax(axis=1)
            best_sims = matrix[np.arange(len(asks)), best]
            skill_score = sum(min(max(float(x), 0.0), 1.0) for x in best_sims) / len(asks)
            for skill, j, sim in zip(asks, best, best_sims, strict=True):
                if sim >= self.cover_threshold:
                    item: dict[str, Any] = {
                        "skill": skill,
                        "by": offers[j].phrase,
                        "similarity": round(float(sim), 4),
                    }
                    course = offers[j].course
                    if course is not None and len({id(o.course) for o in offers}) > 1:
                        item["course"] = {"id": course.id, "title": course.title}
                    covered.append(item)
                else:
                    missing.append(skill)
        elif asks:
            missing = list(asks)
            skill_score = 0.0
        text_part = min(max(text_score, 0.0), 1.0)
        if skill_score is None:
            score = text_part
        else:
            score = (1 - self.skill_weight) * text_part + self.skill_weight * skill_score
        return {
            "id": candidate.id,
            "kind": candidate.kind,
            "title": candidate.title,
            **candidate.extra,
            "score": round(min(max(score, 0.0), 1.0), 4),
            "rank": 0,
            "explanation": {
                "covered": covered,
                "missing": missing,
                "text_similarity": round(text_score, 4),
            },
        }

    def _load(
        self, session: Session, target: str, ids: list[int], filters: Filters
    ) -> list[_Candidate]:
        if not ids:
            return []
        if target == "demands":
            query = (
                select(
                    Demand.id,
                    Demand.kind,
                    Demand.title,
                    Demand.city,
                    Demand.openings,
                    Demand.skills,
                    Demand.status,
                    Demand.expires_at,
                    Organization.name,
                )
                .join(Organization, Demand.enterprise_id == Organization.id)
                .where(Demand.id.in_(ids))
            )
            if filters.kinds:
                query = query.where(Demand.kind.in_(filters.kinds))
            if filters.city:
                query = query.where(Demand.city == filters.city)
            if filters.active_only:
                now = datetime.now(UTC)
                query = query.where(
                    Demand.status == "active",
                    Demand.expires_at.is_(None) | (Demand.expires_at > now),
                )
            return [
                _Candidate(
                    row.id,
                    row.kind,
                    row.title,
                    {"enterprise": row.name, "city": row.city, "openings": row.openings},
                    asks=unique_phrases(row.skills),
                )
                for row in session.execute(query)
            ]
        if target == "courses":
            query = select(Course).options(selectinload(Course.school)).where(Course.id.in_(ids))
            if filters.school_id:
                query = query.where(Course.school_id == filters.school_id)
            return [
                _Candidate(
                    c.id,
                    "course",
                    c.title,
                    {"code": c.code, "school": c.school.name},
                    offers=_course_offers([c]),
                )
                for c in session.scalars(query)
            ]
        if target == "programs":
            query = (
                select(Program)
                .options(selectinload(Program.courses), selectinload(Program.school))
                .where(Program.id.in_(ids))
            )
            if filters.school_id:
                query = query.where(Program.school_id == filters.school_id)
            return [
                _Candidate(
                    p.id,
                    "program",
                    p.name,
                    {"school": p.school.name},
                    offers=_course_offers(p.courses),
                )
                for p in session.scalars(query)
            ]
        query = (
            select(Student)
            .options(selectinload(Student.courses), selectinload(Student.school))
            .where(Student.id.in_(ids), Student.consent.is_(True))
        )
        if filters.city:
            query = query.where(Student.city == filters.city)
        if filters.school_id:
            query = query.where(Student.school_id == filters.school_id)
        return [
            _Candidate(
                s.id,
                "student",
                s.name or f"student {s.id}",
                {"school": s.school.name},
                offers=_student_offers(s),
            )
            for s in session.scalars(query)
        ]

    def _suggest_courses(self, session: Session, results: list[dict[str, Any]]) -> None:
        """For each missing skill, the course that teaches it best (if one covers it)."""
        missing = unique_phrases(m for r in results for m in r["explanation"]["missing"])
        index = self.index.collection("courses")
        if not missing or index is None or len(index) == 0:
            for result in results:
                result["explanation"]["learn"] = []
            return
        skill_vectors = self._phrase_vectors(session, missing)
        _, ids = index.search(skill_vectors, 10)
        pool_ids = sorted({int(i) for i in ids.ravel() if i >= 0})
        courses = session.scalars(
            select(Course).options(selectinload(Course.school)).where(Course.id.in_(pool_ids))
        ).all()
        offers = _course_offers(courses)
        best: dict[str, dict[str, Any]] = {}
        if offers:
            matrix = skill_vectors @ self._phrase_vectors(session, [o.phrase for o in offers]).T
            for row, skill in enumerate(missing):
                j = int(matrix[row].argmax())
                if matrix[row, j] >= self.cover_threshold and offers[j].course is not None:
                    course = offers[j].course
                    best[skill.lower()] = {
                        "skill": skill,
                        "course_id": course.id,
                        "course": course.title,
                        "school": course.school.name,
                        "by": offers[j].phrase,
                        "similarity": round(float(matrix[row, j]), 4),
                    }
        for result in results:
            result["explanation"]["learn"] = [
                best[m.lower()] for m in result["explanation"]["missing"] if m.lower() in best
            ]

    # -- vectors -----------------------------------------------------------------------------

    def _phrase_table(
        self, session: Session, query: _Query, candidates: list[_Candidate]
    ) -> _PhraseTable:
        """Every phrase vector of one ranking, fetched in one call."""
        phrases = [*query.asks, *(o.phrase for o in query.offers)]
        for c in candidates:
            phrases.extend(c.asks)
            phrases.extend(o.phrase for o in c.offers)
        unique = list(dict.fromkeys(phrases))
        matrix = self.vectors.vectors(session, unique, persist=False) if unique else None
        return _PhraseTable({p: i for i, p in enumerate(unique)}, matrix)

    def _phrase_vectors(self, session: Session, phrases: Sequence[str]) -> np.ndarray:
        return self.vectors.vectors(session, list(phrases), persist=False)

    def _stored_vector(self, session: Session, entity: Any) -> np.ndarray:
        if entity.text_hash:
            found = self.vectors.stored_by_hash(session, [entity.text_hash])
            if entity.text_hash in found:
                return found[entity.text_hash]
        return self.vectors.vectors(session, [entity_text(entity)], persist=False)[0]

    @staticmethod
    def _entity(session: Session, model: type[Any], entity_id: int, name: str) -> Any:
        entity = session.get(model, entity_id)
        if entity is None:
            raise NotFound(f"no {name} with id {entity_id}")
        return entity
