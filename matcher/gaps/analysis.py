"""Curriculum gap reports: demanded skills that no course in scope teaches.

A report is computed as of a day (default today) for one school's courses or the whole region:

1. every demand posted by then contributes its skill phrases (``skills.demand_phrases``); the
   phrases are grouped into skills by meaning (``skills.group_phrases``); skills that no active
   demand asks for any more are left out;
2. each skill's coverage is its best match among the phrases the courses in scope teach
   (title, skills, outcomes, description clauses): ``(1 - GAP_LEXICAL_WEIGHT) x cosine +
   GAP_LEXICAL_WEIGHT x word overlap`` (the share of the skill's content words the phrase
   contains, best over the group's phrases), so exact terms such as "PLC" or "5G" count;
   ``GapRules`` decides covered or not and the warning level;
3. the demand behind it: active demands, openings, enterprises, first seen (over every posting,
   also expired ones), lag (days unmet), and the trend of postings.

Days are the consortium's (``TIMEZONE``, see ``clock``): the report day, the day a demand was
posted or expires and the day a course was created are local days, so at 01:00 in Shanghai a
report as of the local date is today's, not tomorrow's.

Dates: a course counts from its last revision (or creation, if never revised), because its
current content dates from then. So a course revised to add a skill closes the gap on the day
of that revision (``covered_on``); a report as of an earlier day leaves out courses revised
after it. The curriculum response time (first demand → first accepted answer or first covering
course) is added to each report by ``response_time`` from the answers as they stood that day.
"""

from __future__ import annotations

import copy
import hashlib
import re
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from typing import Any

import faiss
import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from matcher import clock
from matcher.catalog import FIRST_YEAR
from matcher.errors import NotFound, ValidationFailed
from matcher.gaps import response_time
from matcher.gaps.response_time import SkillTrace
from matcher.gaps.rules import SEVERITY_ORDER, GapRules
from matcher.language import (
    PhraseVocabulary,
    SkillGroup,
    VectorCache,
    content_words,
    course_offer_phrases,
    demand_phrases,
    encoding_form,
    group_phrases,
    normalise,
    word_overlap,
)
from matcher.taxonomy.coding import LazyCoder, OccupationCode
from store import Course, Database, Demand, Organization

_SEARCH_DEPTH = 64  # course phrases looked at per skill: enough for the nearest courses
_CACHED_REPORTS = 16


@dataclass
class _DemandRow:
    id: int
    role: bool  # lists no skill and names no known phrase: its title stands for it
    enterprise: str
    posted: date
    active: bool
    openings: int
    phrases: list[str]


@dataclass
class _CourseRow:
    id: int
    title: str
    school_id: int
    school: str
    since: date
    phrases: list[str]


@dataclass
class _Scope:
    kind: str  # region | school
    school: Organization | None = None

    def as_dict(self) -> dict[str, Any] | None:
        if self.school is None:
            return None
        return {"id": self.school.id, "name": self.school.name}


@dataclass
class _Coverage:
    coverage: float
    role: bool = False  # blends in occupation agreement (see GapRules.is_covered)
    nearest: list[dict[str, Any]] = field(default_factory=list)
    covered_since: date | None = None
    covered_by_school: dict[int, date] = field(default_factory=dict)


@dataclass
class _Built:
    """A report without its response time, and what computing that needs (cached together)."""

    report: dict[str, Any]
    traces: list[SkillTrace]


_DAY_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _store_fingerprint(session: Session) -> str:
    """Changes whenever a demand or course that a report reads changes (cheap to compute)."""
    demands = session.execute(
        select(func.count(Demand.id), func.max(Demand.id), func.max(Demand.updated_at))
    ).one()
    courses = session.execute(
        select(
            Course.id, Course.school_id, Course.text_hash, Course.created_at, Course.last_revised
        ).order_by(Course.id)
    ).all()
    digest = hashlib.sha256(repr(tuple(demands)).encode())
    for row in courses:
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def parse_as_of(value: str | date | None, tz: tzinfo | None = None) -> date:
    """The report day: today in ``tz`` when none is given; else a day written ``YYYY-MM-DD``.

    Exactly what the OpenAPI document states: a real day from 1900-01-01 up to today.
    Python's ``date.fromisoformat`` alone would also take week dates (``2026-W48-1``), the
    basic format (``20261201``) and surrounding blanks. ``tz`` defaults to the process's
    zone (``clock.zone``, set from the TIMEZONE setting).
    """
    today = clock.today(tz)
    if value is None:
        return today
    if isinstance(value, date):
        day = value
    else:
        not_a_day = ValidationFailed(f"field 'as_of': {value!r} is not a date (YYYY-MM-DD)")
        if not _DAY_TEXT.fullmatch(value):
            raise not_a_day
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise not_a_day from None
    if day.year < FIRST_YEAR:
        raise ValidationFailed(f"field 'as_of': {day.isoformat()} is before {FIRST_YEAR}-01-01")
    if day > today:
        raise ValidationFailed(
            f"field 'as_of': {day.isoformat()} is in the future (today is {today.isoformat()})"
        )
    return day


def _active_on(demand: Demand, day: date, tz: tzinfo) -> bool:
    if demand.expires_at is not None:
        return clock.local_day(demand.expires_at, tz) > day
    return demand.status == "active"


class GapAnalyzer:
    """Builds gap reports from the store; vectors come through the shared ``VectorCache``."""

    def __init__(
        self,
        db: Database,
        vectors: VectorCache,
        rules: GapRules,
        occupations: LazyCoder | None = None,
    ) -> None:
        self.db = db
        self.vectors = vectors
        self.rules = rules
        self.occupations = occupations
        # Reports are pages people reload; a region report over 50k demands takes seconds.
        # Cached per (scope, day, state of demands and courses), so any write is seen at once.
        # Answers are read on every report (response_time), never cached.
        self._cache: OrderedDict[tuple[Any, ...], _Built] = OrderedDict()
        self._cache_lock = threading.Lock()

    def report(
        self,
        school_id: int | None = None,
        as_of: str | date | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> dict[str, Any]:
        """The gap contract of DESIGN.md, plus a summary and the rules that were applied."""
        tz = self.rules.timezone
        day = parse_as_of(as_of, tz)
        with self.db.session() as session:
            scope = self._scope(session, school_id)
            key = (school_id, day, _store_fingerprint(session))
            with self._cache_lock:
                built = self._cache.get(key)
            loaded = None
            if built is None:
                loaded = (self._demands(session, day, tz), self._courses(session, day, scope, tz))
            answers = response_time.load_answers(session, school_id, day, tz)
            schools = response_time.school_names(session, school_id)
        if built is None:
            assert loaded is not None
            built = self._build(scope, day, *loaded, progress)
            with self._cache_lock:
                self._cache[key] = built
                while len(self._cache) > _CACHED_REPORTS:
                    self._cache.popitem(last=False)
        report = copy.deepcopy(built.report)
        response_time.annotate(report, built.traces, answers, schools)
        return report

    def _build(
        self,
        scope: _Scope,
        day: date,
        demands: list[_DemandRow],
        courses: list[_CourseRow],
        progress: Callable[[int], None] | None,
    ) -> _Built:
        report: dict[str, Any] = {
            "as_of": day.isoformat(),
            "scope": scope.kind,
            "school": scope.as_dict(),
            "rules": self.rules.as_dict(),
        }
        if not any(d.active for d in demands):
            report.update(items=[], summary=_summary([], demands, courses))
            report["message"] = f"no active demands on {day.isoformat()}: nothing to compare"
            return _Built(report, [])
        items, traces = self._items(demands, courses, day, progress)
        report.update(items=items, summary=_summary(items, demands, courses))
        if not courses:
            report["message"] = "no courses in scope: every demanded skill is a gap"
        return _Built(report, traces)

    def scope_exists(self, school_id: int) -> None:
        """Raise ``NotFound`` unless ``school_id`` names a school."""
        with self.db.session() as session:
            self._scope(session, school_id)

    # -- loading -------------------------------------------------------------------------------

    @staticmethod
    def _scope(session: Session, school_id: int | None) -> _Scope:
        if school_id is None:
            return _Scope("region")
        school = session.get(Organization, school_id)
        if school is None or school.kind != "school":
            raise NotFound(f"school {school_id} not found")
        return _Scope("school", school)

    @staticmethod
    def _demands(session: Session, day: date, tz: tzinfo) -> list[_DemandRow]:
        end = clock.day_end(day, tz)
        rows = session.scalars(
            select(Demand)
            .options(joinedload(Demand.enterprise))
            .where(Demand.posted_at < end)
            .order_by(Demand.id)
        )
        demands = list(rows)
        vocabulary = PhraseVocabulary(p for d in demands for p in d.skills or [])
        return [
            _DemandRow(
                id=d.id,
                role=not d.skills and [normalise(p) for p in phrases] == [normalise(d.title)],
                enterprise=d.enterprise.name,
                posted=clock.local_day(d.posted_at, tz),
                active=_active_on(d, day, tz),
                openings=d.openings or 1,
                phrases=phrases,
            )
            for d in demands
            for phrases in [demand_phrases(d.title, d.description, d.skills or [], vocabulary)]
        ]

    @staticmethod
    def _courses(session: Session, day: date, scope: _Scope, tz: tzinfo) -> list[_CourseRow]:
        query = select(Course).options(joinedload(Course.school)).order_by(Course.id)
        if scope.school is not None:
            query = query.where(Course.school_id == scope.school.id)
        rows = []
        for course in session.scalars(query):
            since = course.last_revised or clock.local_day(course.created_at, tz)
            if since <= day:
                phrases = course_offer_phrases(
                    course.title, course.description, course.skills or [], course.outcomes or []
                )
                rows.append(
                    _CourseRow(
                        course.id,
                        course.title,
                        course.school_id,
                        course.school.name,
                        since,
                        phrases,
                    )
                )
        return rows

    def _encode(self, phrases: Sequence[str], progress: Callable[[int], None] | None) -> np.ndarray:
        """Unit vectors of the phrases (in the vector cache's text form), stored for the next
        report.

        Another process may store the same new text at the same moment; then the vectors are
        simply computed again without storing them.
        """
        try:
            with self.db.session() as session:
                return self.vectors.vectors(session, phrases, progress=progress)
        except IntegrityError:
            self.vectors.forget()
            with self.db.session() as session:
                return self.vectors.vectors(session, phrases, persist=False, progress=progress)

    # -- analysis ------------------------------------------------------------------------------

    def _items(
        self,
        demands: list[_DemandRow],
        courses: list[_CourseRow],
        day: date,
        progress: Callable[[int], None] | None,
    ) -> tuple[list[dict[str, Any]], list[SkillTrace]]:
        """Report items, worst first, each with its trace (same order)."""
        phrase_keys: dict[str, int] = {}
        phrases: list[str] = []
        asked_by: defaultdict[int, list[_DemandRow]] = defaultdict(list)
        for demand in demands:
            for phrase in demand.phrases:
                key = normalise(phrase)
                if key not in phrase_keys:
                    phrase_keys[key] = len(phrases)
                    phrases.append(phrase)
                asked_by[phrase_keys[key]].append(demand)
        # roles: phrases asked only by postings that name nothing but their title
        roles = {i for i, asking in asked_by.items() if all(d.role for d in asking)}
        weights = [
            sum(d.active for d in asked_by[i]) + 1e-3 * len(asked_by[i])
            for i in range(len(phrases))
        ]
        offers = [(course, phrase) for course in courses for phrase in course.phrases]
        vectors = self._encode([*phrases, *(p for _, p in offers)], progress)
        phrase_vectors, offer_vectors = vectors[: len(phrases)], vectors[len(phrases) :]
        groups = group_phrases(phrases, phrase_vectors, weights, self.rules.group_threshold)
        words = [content_words(encoding_form(p)) for p in phrases]
        offer_words = [content_words(encoding_form(p)) for _, p in offers]
        agreement = self._occupation_agreement(
            groups, roles, phrases, phrase_vectors, offers, offer_vectors
        )
        coverages = self._coverages(groups, words, offers, offer_vectors, offer_words, agreement)
        pairs = []
        for group, coverage in zip(groups, coverages, strict=True):
            pair = self._item(group, phrases, asked_by, coverage, day)
            if pair is not None:
                pairs.append(pair)
        pairs.sort(
            key=lambda p: (
                SEVERITY_ORDER[p[0]["severity"]],
                -p[0]["lag_days"],
                -p[0]["openings"],
                p[0]["skill"],
            )
        )
        return [item for item, _ in pairs], [trace for _, trace in pairs]

    def _coverages(
        self,
        groups: list[SkillGroup],
        words: list[frozenset[str]],
        offers: list[tuple[_CourseRow, str]],
        offer_vectors: np.ndarray,
        offer_words: list[frozenset[str]],
        agreement: list[Callable[[int], float] | None],
    ) -> list[_Coverage]:
        """Candidates by cosine from a faiss search, then rescored with the word overlap and,
        for a role, with occupation agreement."""
        if not offers or not groups:
            return [_Coverage(0.0) for _ in groups]
        index = faiss.IndexFlatIP(offer_vectors.shape[1])
        index.add(np.ascontiguousarray(offer_vectors, dtype=np.float32))
        centroids = np.vstack([g.centroid for g in groups]).astype(np.float32)
        sims, hits = index.search(centroids, min(_SEARCH_DEPTH, len(offers)))
        weight = self.rules.lexical_weight
        occupation_weight = self.rules.occupation_weight
        results = []
        for group, row_sims, row_hits, agree in zip(groups, sims, hits, agreement, strict=True):
            best: dict[int, tuple[float, _CourseRow]] = {}
            for sim, hit in zip(row_sims, row_hits, strict=True):
                if hit < 0:
                    continue
                overlap = max(word_overlap(words[m], offer_words[hit]) for m in group.members)
                score = (1 - weight) * float(sim) + weight * overlap
                course = offers[hit][0]
                if agree is not None:
                    score = (1 - occupation_weight) * score + occupation_weight * agree(course.id)
                if course.id not in best or score > best[course.id][0]:
                    best[course.id] = (score, course)
            ranked = sorted(best.values(), key=lambda pair: -pair[0])
            role = agree is not None
            covering = [c for s, c in ranked if self.rules.is_covered(s, role)]
            by_school: dict[int, date] = {}
            for course in covering:
                by_school[course.school_id] = min(
                    course.since, by_school.get(course.school_id, course.since)
                )
            results.append(
                _Coverage(
                    coverage=round(min(1.0, max(0.0, ranked[0][0])), 4),
                    role=role,
                    nearest=[
                        {
                            "id": c.id,
                            "title": c.title,
                            "school": c.school,
                            "similarity": round(s, 4),
                        }
                        for s, c in ranked[: self.rules.nearest_courses]
                    ],
                    covered_since=min(by_school.values()) if by_school else None,
                    covered_by_school=by_school,
                )
            )
        return results

    def _occupation_agreement(
        self,
        groups: list[SkillGroup],
        roles: set[int],
        phrases: list[str],
        phrase_vectors: np.ndarray,
        offers: list[tuple[_CourseRow, str]],
        offer_vectors: np.ndarray,
    ) -> list[Callable[[int], float] | None]:
        """Per group: for a role that names a taxonomy occupation, course id → probability that
        the course's title names the same occupation; ``None`` for other groups.

        A title-only posting asks for a role, and an untaught occupation usually has a taught
        neighbour that the similarity alone does not tell apart ("credit risk analyst" against
        "insurance risk consultant"); occupation coding does (see ``matcher.taxonomy.coding``).
        """
        coder = self.occupations.get() if self.occupations else None
        leaders = [g.members[0] if roles.issuperset(g.members) else -1 for g in groups]
        if coder is None or self.rules.occupation_weight == 0 or not roles & set(leaders):
            return [None for _ in groups]
        role_rows = [m for m in leaders if m in roles]
        role_codes = dict(
            zip(
                role_rows,
                coder.codes([phrases[m] for m in role_rows], phrase_vectors[role_rows]),
                strict=True,
            )
        )
        title_rows = {
            course.id: n
            for n, (course, phrase) in enumerate(offers)
            if normalise(phrase) == normalise(course.title)
        }
        course_ids = list(title_rows)
        title_codes = dict(
            zip(
                course_ids,
                coder.codes(
                    [offers[title_rows[c]][1] for c in course_ids],
                    offer_vectors[[title_rows[c] for c in course_ids]],
                ),
                strict=True,
            )
        )

        def agreement_with(code: OccupationCode) -> Callable[[int], float]:
            def agree(course_id: int) -> float:
                other = title_codes.get(course_id)
                return code.agreement(other) if other is not None else 0.0

            return agree

        return [
            agreement_with(code) if (code := role_codes.get(m)) is not None else None
            for m in leaders
        ]

    def _item(
        self,
        group: SkillGroup,
        phrases: list[str],
        asked_by: dict[int, list[_DemandRow]],
        coverage: _Coverage,
        day: date,
    ) -> tuple[dict[str, Any], SkillTrace] | None:
        postings = {d.id: d for m in group.members for d in asked_by[m]}.values()
        active = sorted((d for d in postings if d.active), key=lambda d: d.id)
        if not active:
            return None
        first_seen = min(d.posted for d in postings)
        covered = self.rules.is_covered(coverage.coverage, coverage.role)
        lag_days = 0 if covered else (day - first_seen).days
        enterprises = Counter(d.enterprise for d in active)
        window = timedelta(days=self.rules.trend_days)
        last = sum(1 for d in postings if day - window < d.posted <= day)
        previous = sum(1 for d in postings if day - 2 * window < d.posted <= day - window)
        closed = coverage.covered_since if covered else None
        opened_late = closed is not None and closed > first_seen
        item = {
            "skill": group.label,
            "phrases": sorted({phrases[m] for m in group.members}, key=str.lower),
            "demand_ids": [d.id for d in active],
            "postings": len(active),
            "openings": sum(d.openings for d in active),
            "enterprises": len(enterprises),
            "enterprise_names": sorted(enterprises),
            "first_seen": first_seen.isoformat(),
            "lag_days": lag_days,
            "trend": GapRules.trend(last, previous, first_seen > day - window),
            "trend_counts": {"last": last, "previous": previous},
            "coverage": coverage.coverage,
            "covered": covered,
            "severity": self.rules.severity(covered, lag_days, len(enterprises)),
            "opened": first_seen.isoformat() if not covered or opened_late else None,
            "closed": closed.isoformat() if opened_late and closed else None,
            "covered_on": coverage.covered_since.isoformat()
            if covered and coverage.covered_since
            else None,
            "nearest_courses": coverage.nearest,
        }
        trace = SkillTrace(sorted(d.id for d in postings), coverage.covered_by_school)
        return item, trace


def _summary(
    items: list[dict[str, Any]], demands: list[_DemandRow], courses: list[_CourseRow]
) -> dict[str, Any]:
    severity = Counter(i["severity"] for i in items)
    gaps = [i for i in items if not i["covered"]]
    return {
        "skills": len(items),
        "gaps": len(gaps),
        "red": severity["red"],
        "yellow": severity["yellow"],
        "green": severity["green"],
        "unmet_openings": sum(i["openings"] for i in gaps),
        "active_demands": sum(d.active for d in demands),
        "courses": len(courses),
        "closed_gaps": sum(i["closed"] is not None for i in items),
    }
