"""Ranking in every direction, with skill-by-skill explanations.

A match runs in two steps. Two channels pull candidates from the target collection: whole-text
vectors (dense, ``CANDIDATE_POOL`` of them) and BM25 over the same texts (lexical,
``lexical.py``, up to a quarter of that). Then every candidate is scored on three things:

- text: cosine similarity of the whole-text vectors;
- lexical: its BM25 score divided by the best BM25 score of the query;
- skills: every asked-for skill is compared with every skill or learning outcome on the
  offering side (``skill_similarity``: cosine blended with word overlap); the mean of each
  asked skill's best similarity.

``score = TEXT × text + LEXICAL_WEIGHT × lexical + SKILL_WEIGHT × skills`` (TEXT = the rest of
1), weights tuned on the public evaluation (``make quality``). When one side has no skills the
skill term drops out and the other two are rescaled. When both titles name taxonomy occupations
(``matcher.taxonomy.coding``), the score becomes ``(1 - OCCUPATION_WEIGHT) × score +
OCCUPATION_WEIGHT × agreement``, the probability that both name the same occupation: a title
alone tells a whole-text vector little, and neighbouring occupations look alike to it. The
explanation is read off the same similarity matrix that made the skill score, and it carries
the parts.

Which side asks and which offers depends on the direction: a demand asks and a course, program
or student offers, whichever of them is the query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from embeddings import VectorCollection
from matcher.errors import NotFound, ValidationFailed
from matcher.language import (
    MATCHABLE_CHARACTER,
    MAX_TEXT_CHARS,
    PhraseTable,
    VectorCache,
    entity_text,
    split_skill_list,
    unique_phrases,
)
from matcher.search.candidates import (
    LOADERS,
    Candidate,
    Filters,
    Offer,
    course_offers,
    restriction,
    student_offers,
)
from matcher.search.indexing import IndexService
from matcher.search.lexical import LEXICAL_COLLECTIONS, LexicalChannel, LexicalHits
from matcher.taxonomy.coding import LazyCoder, OccupationCode, OccupationCoder
from store import Course, Database, Demand, Program, Student

DEMAND_TARGETS = ("courses", "programs", "students")
TEXT_TARGETS = ("demands", "courses", "programs")
_WORD_CHARACTER = re.compile(MATCHABLE_CHARACTER)


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the three parts of a match score; they sum to 1."""

    lexical: float
    skill: float

    @property
    def text(self) -> float:
        return max(0.0, 1.0 - self.lexical - self.skill)

    def fuse(self, text: float, lexical: float, skill: float | None) -> float:
        """The match score in [0, 1]; without a skill score the other two are rescaled."""
        text = min(max(text, 0.0), 1.0)
        if skill is None:
            rest = self.text + self.lexical
            score = (self.text * text + self.lexical * lexical) / rest if rest else text
        else:
            score = self.text * text + self.lexical * lexical + self.skill * skill
        return min(max(score, 0.0), 1.0)


@dataclass
class _Query:
    text: str
    vector: np.ndarray
    asks: list[str] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    title: str | None = None  # what occupation coding reads: a demand's title, a course's or
    # program's name (free text is read as skills)


@dataclass
class _Occupations:
    """Occupation codes of the query's title and of each candidate's (``None``: no code)."""

    coder: OccupationCoder | None = None
    query: OccupationCode | None = None
    candidates: dict[int, OccupationCode | None] = field(default_factory=dict)

    def agreement(self, candidate_id: int) -> float | None:
        other = self.candidates.get(candidate_id)
        if self.query is None or other is None:
            return None
        return self.query.agreement(other)

    def explained(self, candidate_id: int) -> dict[str, Any] | None:
        agreement = self.agreement(candidate_id)
        other = self.candidates.get(candidate_id)
        if agreement is None or other is None or self.query is None or self.coder is None:
            return None
        return {
            "asked": self.coder.label(self.query.occupation),
            "offered": self.coder.label(other.occupation),
            "agreement": round(agreement, 4),
        }


class _SkillScorer:
    """Skill similarities of the query's phrases against every candidate phrase, computed in
    one product; each candidate then reads its block."""

    def __init__(self, table: PhraseTable, query: _Query, lexical_weight: float) -> None:
        self.table = table
        self.query = query
        self.query_asks = bool(query.asks)
        self.sims: np.ndarray | None = None
        if table.matrix is None:
            return
        if query.asks:
            self.sims = table.similarity(query.asks, table.phrases, lexical_weight)
        elif query.offers:
            taught = [o.phrase for o in query.offers]
            self.sims = table.similarity(table.phrases, taught, lexical_weight)

    def matrix(self, candidate: Candidate) -> tuple[list[str], list[Offer], np.ndarray]:
        """(asked skills, offers, similarity asked × offers) for one candidate."""
        asks = self.query.asks or candidate.asks
        offers = self.query.offers or candidate.offers
        if not asks or not offers or self.sims is None:
            return asks, offers, np.zeros((len(asks), len(offers)), dtype=np.float32)
        if self.query_asks:
            cols = self.table.positions([o.phrase for o in offers])
            return asks, offers, self.sims[:, cols]
        return asks, offers, self.sims[self.table.positions(asks)]


@dataclass
class _SkillMatch:
    """How a candidate's skills meet the query's: for each asked skill the best offer."""

    asks: list[str]
    offers: list[Offer]
    best: np.ndarray  # per asked skill: position of the best offer
    best_sims: np.ndarray  # per asked skill: its similarity
    score: float | None  # mean best similarity clipped to [0, 1]; None when nothing is asked

    @classmethod
    def of(cls, skills: _SkillScorer, candidate: Candidate) -> _SkillMatch:
        asks, offers, matrix = skills.matrix(candidate)
        if asks and offers:
            best = matrix.argmax(axis=1)
            best_sims = matrix[np.arange(len(asks)), best]
            score = sum(min(max(float(x), 0.0), 1.0) for x in best_sims) / len(asks)
            return cls(asks, offers, best, best_sims, score)
        empty = np.zeros(0, dtype=np.float32)
        return cls(asks, offers, empty.astype(np.int64), empty, 0.0 if asks else None)


class Matcher:
    """Answers match questions from the store and the published indexes."""

    def __init__(
        self,
        db: Database,
        vectors: VectorCache,
        index: IndexService,
        lexical: LexicalChannel,
        *,
        candidate_pool: int,
        weights: FusionWeights,
        cover_threshold: float,
        skill_lexical_weight: float,
        occupations: LazyCoder | None = None,
        occupation_weight: float = 0.0,
    ) -> None:
        self.db = db
        self.vectors = vectors
        self.index = index
        self.lexical = lexical
        self.candidate_pool = candidate_pool
        self.weights = weights
        self.cover_threshold = cover_threshold
        self.skill_lexical_weight = skill_lexical_weight
        self.occupations = occupations
        self.occupation_weight = occupation_weight

    # -- public directions -------------------------------------------------------------------

    def match_demand(
        self, demand_id: int, target: str = "courses", k: int = 10, filters: Filters | None = None
    ) -> list[dict[str, Any]]:
        """Courses, programs or (consenting) students that supply what a demand asks for."""
        if target not in DEMAND_TARGETS:
            raise ValidationFailed(f"target must be one of {', '.join(DEMAND_TARGETS)}")
        with self.db.session() as session:
            demand = self._entity(session, Demand, demand_id, "demand")
            query = _Query(
                entity_text(demand),
                self._stored_vector(session, demand),
                asks=unique_phrases(demand.skills),
                title=demand.title,
            )
            return self._rank(session, query, target, k, filters or Filters())

    def match_course(
        self, course_id: int, k: int = 10, filters: Filters | None = None
    ) -> list[dict[str, Any]]:
        """Demands whose asked-for skills this course teaches."""
        with self.db.session() as session:
            course = self._entity(session, Course, course_id, "course")
            query = _Query(
                entity_text(course),
                self._stored_vector(session, course),
                offers=course_offers([course]),
                title=course.title,
            )
            return self._rank(session, query, "demands", k, filters or Filters())

    def match_program(
        self, program_id: int, k: int = 10, filters: Filters | None = None
    ) -> list[dict[str, Any]]:
        """Demands that a program's graduates can serve."""
        with self.db.session() as session:
            program = self._entity(session, Program, program_id, "program")
            query = _Query(
                entity_text(program),
                self._stored_vector(session, program),
                offers=course_offers(program.courses),
                title=program.name,
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
            query = _Query(
                entity_text(student),
                self._stored_vector(session, student),
                offers=student_offers(student),
            )
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
        if not _WORD_CHARACTER.search(text):
            raise ValidationFailed("field 'text': has no letters, digits or Chinese to match")
        if len(text) > MAX_TEXT_CHARS:
            raise ValidationFailed(f"field 'text': longer than {MAX_TEXT_CHARS} characters")
        phrases = split_skill_list(text) if len(text) <= 2000 else []
        with self.db.session() as session:
            # one encoder call for the text and its phrases; the phrase table then finds them
            vector = self.vectors.vectors(session, [text, *phrases], persist=False)[0]
            if target == "demands":
                query = _Query(text, vector, offers=[Offer(p) for p in phrases])
            else:
                query = _Query(text, vector, asks=phrases)
            return self._rank(session, query, target, k, filters or Filters())

    # -- the ranking core --------------------------------------------------------------------

    def _rank(
        self, session: Session, query: _Query, target: str, k: int, filters: Filters
    ) -> list[dict[str, Any]]:
        index = self.index.collection(target)
        if index is None or len(index) == 0:
            return []
        pool = max(self.candidate_pool, 4 * k)
        lexical = LexicalHits()
        if target in LEXICAL_COLLECTIONS and self.weights.lexical > 0:
            # Lexical hits join the pool for the exact terms dense retrieval misses; a quarter
            # of the pool is room enough for those and keeps loading candidates cheap.
            lexical = self.lexical.search(session, target, query.text, max(k, pool // 4), index)
        # only a backend that searches inside the store can use the filters there
        restrict = restriction(target, filters) if index.applies_filters else None
        while True:
            scores, ids = index.search(query.vector[None, :], pool, restrict)
            text_scores = {
                int(i): float(s) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0
            }
            wanted = [*text_scores, *(i for i in lexical.top if i not in text_scores)]
            candidates = self._load(session, target, wanted, filters)
            # a search that applied the filters returned every candidate it could
            if len(candidates) >= k or pool >= len(index) or index.applies_filters:
                break
            pool *= 4
        unscored = [c.id for c in candidates if c.id not in text_scores]  # lexical hits only
        text_scores.update(self._text_scores(session, index, query.vector, unscored))
        coder = self._coder(query, target)
        # a demand that lists skills is compared skill by skill, not by its title
        coded = [c for c in candidates if not c.asks] if coder and query.title else []
        titles = [query.title, *(c.title for c in coded)] if coded and query.title else []
        table = PhraseTable(session, self.vectors, [*self._phrases(query, candidates), *titles])
        skills = _SkillScorer(table, query, self.skill_lexical_weight)
        matches = [_SkillMatch.of(skills, c) for c in candidates]
        occupations = self._occupations(coder, table, titles, coded)
        fused = [
            self._with_occupation(
                self.weights.fuse(text_scores[c.id], lexical.of(c.id), m.score),
                occupations.agreement(c.id),
            )
            for c, m in zip(candidates, matches, strict=True)
        ]
        # explanations only for the k returned: most of the pool is scored and let go
        rounded = [round(score, 4) for score in fused]  # as shown, so ties go by id
        order = sorted(range(len(candidates)), key=lambda n: (-rounded[n], candidates[n].id))[:k]
        results = [
            self._explained(
                candidates[n],
                matches[n],
                fused[n],
                text_scores[candidates[n].id],
                lexical,
                occupations.explained(candidates[n].id),
            )
            for n in order
        ]
        for rank, result in enumerate(results, start=1):
            result["rank"] = rank
        return results

    def _explained(
        self,
        candidate: Candidate,
        match: _SkillMatch,
        score: float,
        text_score: float,
        lexical_hits: LexicalHits,
        occupation: dict[str, Any] | None,
    ) -> dict[str, Any]:
        covered: list[dict[str, Any]] = []
        missing: list[str] = []
        nearest: list[dict[str, Any]] = []  # for each missing skill: the closest phrase offered
        skill_score = match.score
        asks, offers = match.asks, match.offers
        lexical = lexical_hits.of(candidate.id)
        if asks and offers:
            for skill, j, sim in zip(asks, match.best, match.best_sims, strict=True):
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
                    nearest.append(
                        {"skill": skill, "by": offers[j].phrase, "similarity": round(float(sim), 4)}
                    )
        elif asks:
            missing = list(asks)
        return {
            "id": candidate.id,
            "kind": candidate.kind,
            "title": candidate.title,
            **candidate.extra,
            "score": round(score, 4),
            "rank": 0,
            "explanation": {
                "covered": covered,
                "missing": missing,
                "nearest": nearest,
                "text_similarity": round(text_score, 4),
                "lexical_score": round(lexical, 4),
                "skill_score": None if skill_score is None else round(skill_score, 4),
                "occupation": occupation,
            },
        }

    # -- occupation coding ---------------------------------------------------------------------

    def _coder(self, query: _Query, target: str) -> OccupationCoder | None:
        """The coder, where titles are to be compared: the query has a title, the targets are
        not students (their names are no roles) and a query that asks lists no skills (when
        skills are listed, the skill-by-skill comparison says more than the title)."""
        if (
            not query.title
            or query.asks
            or target == "students"
            or self.occupation_weight == 0
            or self.occupations is None
        ):
            return None
        return self.occupations.get()

    @staticmethod
    def _occupations(
        coder: OccupationCoder | None,
        table: PhraseTable,
        titles: list[str],
        coded: list[Candidate],
    ) -> _Occupations:
        """Codes of the query's title and the ``coded`` candidates' (``titles``: query first,
        then theirs)."""
        if coder is None or not titles or table.matrix is None:
            return _Occupations()
        codes = coder.codes(titles, table.matrix[table.positions(titles)])
        return _Occupations(
            coder, codes[0], {c.id: code for c, code in zip(coded, codes[1:], strict=True)}
        )

    def _with_occupation(self, score: float, agreement: float | None) -> float:
        if agreement is None:
            return score
        return (1 - self.occupation_weight) * score + self.occupation_weight * agreement

    def _load(
        self, session: Session, target: str, ids: list[int], filters: Filters
    ) -> list[Candidate]:
        return LOADERS[target](session, ids, filters) if ids else []

    def suggest_courses(self, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``results`` against demands (free text, say) with ``explanation.learn``: for each
        missing skill the course that teaches it best, as student matches carry."""
        with self.db.session() as session:
            self._suggest_courses(session, results)
        return results

    def _suggest_courses(self, session: Session, results: list[dict[str, Any]]) -> None:
        """For each missing skill, the course that teaches it best (if one covers it)."""
        missing = unique_phrases(m for r in results for m in r["explanation"]["missing"])
        index = self.index.collection("courses")
        if not missing or index is None or len(index) == 0:
            for result in results:
                result["explanation"]["learn"] = []
            return
        skill_vectors = self.vectors.vectors(session, missing, persist=False)
        _, ids = index.search(skill_vectors, 10)
        pool_ids = sorted({int(i) for i in ids.ravel() if i >= 0})
        courses = session.scalars(
            select(Course).options(selectinload(Course.school)).where(Course.id.in_(pool_ids))
        ).all()
        offers = course_offers(courses)
        best: dict[str, dict[str, Any]] = {}
        if offers:
            taught = [o.phrase for o in offers]
            table = PhraseTable(session, self.vectors, [*missing, *taught])
            matrix = table.similarity(missing, taught, self.skill_lexical_weight)
            for row, skill in enumerate(missing):
                j = int(matrix[row].argmax())
                course = offers[j].course
                if matrix[row, j] >= self.cover_threshold and course is not None:
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

    @staticmethod
    def _phrases(query: _Query, candidates: list[Candidate]) -> list[str]:
        """Every phrase one ranking compares."""
        phrases = [*query.asks, *(o.phrase for o in query.offers)]
        for c in candidates:
            phrases.extend(c.asks)
            phrases.extend(o.phrase for o in c.offers)
        return phrases

    def _text_scores(
        self, session: Session, index: VectorCollection, vector: np.ndarray, ids: list[int]
    ) -> dict[int, float]:
        """Whole-text cosine of candidates the dense channel did not return (lexical ones)."""
        wanted = index.hashes_of(ids)
        stored = self.vectors.stored_by_hash(session, wanted.values())
        return {i: float(stored[h] @ vector) if h in stored else 0.0 for i, h in wanted.items()}

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


# -- candidates of each target, read with the filters applied --------------------------------
