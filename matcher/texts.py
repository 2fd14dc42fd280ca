"""What gets encoded for each entity, and the normalised form of skill phrases.

Whole-text vectors find candidates; skill phrases are compared one by one to explain and
re-rank them. Both are hashed after normalisation, so a change in case or spacing alone never
triggers re-encoding.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from store.models import Course, Demand, Program, Student

_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = " \t\r\n.,;:!?。，；：！？、·-–—()[]{}\"'“”‘’"
# Separators a person uses between skills in one line of free text (Chinese ones included).
_SENTENCE = re.compile(r"[.。!?！？;；\n]+")
_LIST_SEPARATORS = re.compile(r"[,;\n，；、|/]+|\s+and\s+|\s+和\s*")


def normalise(text: str) -> str:
    """Unicode NFKC, lower case, one space between words, no punctuation at the edges."""
    if len(text) <= 300:  # skill phrases, met again in every ranking
        return _normalise_phrase(text)
    return _normalise(text)


@lru_cache(maxsize=200_000)
def _normalise_phrase(text: str) -> str:
    return _normalise(text)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", text).strip(_EDGE_PUNCTUATION).lower()


def content_hash(text: str) -> str:
    if len(text) <= 300:  # skill phrases, met again in every ranking
        return _phrase_hash(text)
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


@lru_cache(maxsize=200_000)
def _phrase_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def unique_phrases(phrases: Iterable[str]) -> list[str]:
    """Non-empty phrases in their first spelling, duplicates by normalised form removed."""
    seen: set[str] = set()
    result = []
    for phrase in phrases:
        key = normalise(phrase)
        if key and key not in seen:
            seen.add(key)
            result.append(phrase.strip())
    return result


def split_skill_list(text: str) -> list[str]:
    """Split free text such as ``"PLC programming, HMI design"`` into phrases.

    Text without separators is one phrase.
    """
    return unique_phrases(_LIST_SEPARATORS.split(text))


def _join(*parts: str | None) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def demand_text(demand: Demand) -> str:
    skills = "; ".join(demand.skills or [])
    return _join(demand.title + ".", f"Skills: {skills}." if skills else None, demand.description)


def course_text(course: Course) -> str:
    skills = "; ".join(unique_phrases([*(course.skills or []), *(course.outcomes or [])]))
    return _join(course.title + ".", f"Skills: {skills}." if skills else None, course.description)


def program_text(program: Program) -> str:
    titles = "; ".join(c.title for c in program.courses)
    return _join(program.name + ".", program.description, f"Courses: {titles}." if titles else None)


def student_text(student: Student) -> str:
    titles = "; ".join(c.title for c in student.courses)
    return _join(
        f"Program: {student.program.name}." if student.program else None,
        f"Skills: {'; '.join(student.skills)}." if student.skills else None,
        f"Courses: {titles}." if titles else None,
        f"Interests: {'; '.join(student.interests)}." if student.interests else None,
    )


def course_offer_phrases(
    title: str, description: str | None, skills: Sequence[str], outcomes: Sequence[str]
) -> list[str]:
    """What a course teaches, as phrases: title, skills, outcomes, and each description
    sentence both whole and clause by clause ("Using calipers, micrometers and gauges" teaches
    "caliper and micrometer measurement" as a whole, no single clause does)."""
    return list(_offer_phrases(title, description or "", tuple(skills), tuple(outcomes)))


@lru_cache(maxsize=50_000)  # every ranking over courses asks again for the same courses
def _offer_phrases(
    title: str, description: str, skills: tuple[str, ...], outcomes: tuple[str, ...]
) -> tuple[str, ...]:
    clauses: list[str] = []
    for sentence in _SENTENCE.split(description):
        parts = [sentence.strip(), *split_skill_list(sentence)]
        clauses.extend(p for p in parts if 3 <= len(p) <= 160)
    return tuple(unique_phrases([title, *skills, *outcomes, *clauses]))


def course_phrases(course: Course) -> list[str]:
    """What a course teaches, phrase by phrase (see ``course_offer_phrases``)."""
    return course_offer_phrases(
        course.title, course.description, course.skills or [], course.outcomes or []
    )


def entity_text(entity: Demand | Course | Program | Student) -> str:
    if isinstance(entity, Demand):
        return demand_text(entity)
    if isinstance(entity, Course):
        return course_text(entity)
    if isinstance(entity, Program):
        return program_text(entity)
    return student_text(entity)
