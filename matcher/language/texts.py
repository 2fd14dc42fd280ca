"""What gets encoded for each entity, and the normalised form of skill phrases.

Whole-text vectors find candidates; skill phrases are compared one by one to explain and
re-rank them. Both are hashed after normalisation, so a change in case or spacing alone never
triggers re-encoding.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from store.models import Course, Demand, Program, Student

_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = " \t\r\n.,;:!?。，；：！？、·-–—()[]{}\"'“”‘’"
_SENTENCE = re.compile(r"[.。!?！？;；\n]+")

MAX_TEXT_CHARS = 20_000
"""Longest text (description, free-text query) the product reads."""
MATCHABLE_CHARACTER = (
    "[0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u3040-\u30ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
"""A letter or digit of the scripts the product reads: free text must hold one to be matched.

Written as an explicit class, not ``\\w``, so that clients of every language read the OpenAPI
pattern the same way (ECMAScript's ``\\w`` is ASCII only)."""


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


# Skill lists: groups (lines, ";", "|") hold items (",", "，", "、"); a separator inside
# brackets belongs to the item ("PLC (Siemens, Omron)"). Every separator pattern matches a
# bracketed span first (group 1), so the separators found are those outside brackets.
_BRACKETED = r"\([^()]*\)|（[^（）]*）|\[[^\[\]]*\]"
_GROUPS = re.compile(rf"({_BRACKETED})|[\n;；|]+")
_ITEMS = re.compile(rf"({_BRACKETED})|[,，、]+")
# A run of spaces is matched from its first character only ((?<!\s)): tried from each of its
# characters in turn, the run would be rescanned to its end every time, quadratic in its length.
_AND = re.compile(rf"({_BRACKETED})|(?<!\s)\s+(?:(?:and|&)\s+)+", re.I)
_LEADING_AND = re.compile(r"^\s*(?:(?:and|&)\s+)+", re.I)  # "a, b, and c"
# "X and Y" that name one skill; judged by the words either side of "and", so "occupational
# health and safety" and "research and development projects" stay whole too.
_FIXED_PAIRS = frozenset(
    {
        ("research", "development"),
        ("health", "safety"),
        ("sales", "marketing"),
        ("oil", "gas"),
        ("food", "beverage"),
        ("operations", "maintenance"),
        ("mergers", "acquisitions"),
        ("profit", "loss"),
        ("supply", "demand"),
        ("pick", "place"),
        ("plug", "play"),
        ("trial", "error"),
        ("search", "rescue"),
        ("learning", "development"),
        ("import", "export"),
        ("heating", "cooling"),
        ("nuts", "bolts"),
    }
)
# Words from which an item is a sentence rather than one skill ("installation and maintenance
# of PLC control systems" is eight).
_SKILL_WORDS = 8
# A head word before "and" whose complement follows: "installation and maintenance of PLCs".
_PREPOSITIONS = frozenset({"of", "for", "in", "on", "with", "to", "from", "by", "at"})
# 和 is "and" between Chinese words, but also part of words (饱和度 saturation, 总和 sum).
_CHINESE_AND = re.compile(rf"({_BRACKETED})|(?<=\w)和(?=\w)")
_WORDS_WITH_HE = frozenset(
    {"饱和", "中和", "总和", "求和", "缓和", "温和", "柔和", "平和", "调和", "随和", "暖和"}
    | {"亲和", "共和", "附和", "和谐", "和平", "和睦", "和解", "和弦", "和声", "和蔼", "和气"}
)
# One side of a slash inside a term (CAD/CAM, TCP/IP, I/O, C/C++, 24/7, A/B testing): a short
# run of capitals, digits and + # & . with no lower case. Spaces before a slash are matched
# from the first of them only, as for "and".
_SLASH = re.compile(rf"({_BRACKETED})|(?:(?<!\s)\s+)?[/／]\s*")
_TERM_BEFORE_SLASH = re.compile(r"[A-Za-z0-9+#&.]+\Z")
_TERM_AFTER_SLASH = re.compile(r"[A-Za-z0-9+#&.]+")
_SHORT_CAPS = re.compile(r"[A-Z0-9][A-Z0-9+#&.]{0,4}")
# A side longer than _SHORT_CAPS allows is no term side however long it is, so each side is
# read only this far from the slash: the work per slash stays constant.
_SIDE_READ = 6


def _separators(text: str, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """The separators ``pattern`` finds in ``text`` outside brackets."""
    return [match for match in pattern.finditer(text) if match.group(1) is None]


def _split_at(text: str, separators: list[re.Match[str]]) -> list[str]:
    parts, start = [], 0
    for match in separators:
        parts.append(text[start : match.start()])
        start = match.end()
    parts.append(text[start:])
    return parts


def _and_separates(left: str, right: str, last_of_list: bool, sentence: bool) -> bool:
    """Whether " and " between ``left`` and ``right`` (the text up to the neighbouring
    conjunctions) separates two skills.

    It does between two single words or abbreviations ("PLC and HMI"), in the last item of a
    comma list ("welding, PLC programming and HMI design") and between the clauses of a
    ``sentence`` (an item too long to be one skill: course descriptions, free text); it does
    not inside one multi-word phrase ("installation and maintenance of PLC systems"), in fixed
    phrases ("research and development") or between single letters ("R & D").
    """
    left_words, right_words = left.split(), right.split()
    if not left_words or not right_words:
        return False
    pair = (left_words[-1].lower(), right_words[0].lower())
    if pair in _FIXED_PAIRS or (len(pair[0]) == 1 and len(pair[1]) == 1):
        return False
    if sentence or (len(left_words) == 1 and len(right_words) == 1):
        return True
    if not last_of_list:
        return False
    shares_complement = len(left_words) == 1 and any(
        word.lower() in _PREPOSITIONS for word in right_words
    )
    return not shares_complement


def _split_and(item: str, last_of_list: bool) -> list[str]:
    conjunctions = _separators(item, _AND)
    pieces = _split_at(item, conjunctions)
    sentence = len(item.split()) > _SKILL_WORDS
    parts = [[pieces[0]]]  # joined at the end: adding to a string copies it every time
    for conjunction, left, right in zip(conjunctions, pieces, pieces[1:], strict=False):
        if _and_separates(left, right, last_of_list, sentence):
            parts.append([right])
        else:
            parts[-1] += [conjunction.group(), right]
    return ["".join(part) for part in parts]


def _split_chinese_and(item: str) -> list[str]:
    def separates(match: re.Match[str]) -> bool:
        before, after = item[match.start() - 1], item[match.end()]
        return before + "和" not in _WORDS_WITH_HE and "和" + after not in _WORDS_WITH_HE

    return _split_at(item, [m for m in _separators(item, _CHINESE_AND) if separates(m)])


def _split_slashes(part: str) -> list[str]:
    def separates(match: re.Match[str]) -> bool:
        before, after = match.start(), match.end()
        sides = (
            _TERM_BEFORE_SLASH.search(part, max(0, before - _SIDE_READ), before),
            _TERM_AFTER_SLASH.match(part, after, after + _SIDE_READ),
        )
        return not all(
            side and _SHORT_CAPS.fullmatch(side.group()) and side.group() != "AND" for side in sides
        )

    return _split_at(part, [m for m in _separators(part, _SLASH) if separates(m)])


def _items(group: str) -> Iterator[str]:
    """The items of a list: cut at commas, slashes outside terms and 和 between words."""
    for item in _split_at(group, _separators(group, _ITEMS)):
        for piece in _split_slashes(_LEADING_AND.sub("", item)):  # "a, b, and c"
            for part in _split_chinese_and(piece):
                yield _LEADING_AND.sub("", part).strip()  # "a/and b"


def split_skill_list(text: str) -> list[str]:
    """Split free text such as ``"PLC programming, HMI design"`` into phrases.

    Lines, ";", "|", ",", "，", "、" and "；" always separate; "/" separates except inside a
    term such as "CAD/CAM" or "TCP/IP"; "and", "&" and 和 separate as ``_and_separates`` and
    ``_WORDS_WITH_HE`` decide; nothing separates inside brackets. Text without separators is
    one phrase.
    """
    phrases: list[str] = []
    for group in _split_at(text, _separators(text, _GROUPS)):
        items = [item for item in _items(group) if item]
        for number, item in enumerate(items, 1):
            phrases.extend(_split_and(item, last_of_list=len(items) > 1 and number == len(items)))
    return unique_phrases(phrases)


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
