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
_SENTENCE = re.compile(r"[.。!?！？;；\n]+")


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


# Skill lists: groups (lines, ";", "|") hold items (",", "，", "、"); separators inside
# brackets belong to the item ("PLC (Siemens, Omron)"), so a bracketed span is matched first.
_BRACKETED = r"\([^()]*\)|（[^（）]*）|\[[^\[\]]*\]"
_GROUPS = re.compile(rf"({_BRACKETED})|[\n;；|]+")
_ITEMS = re.compile(rf"({_BRACKETED})|[,，、]+")
_AND = re.compile(r"\s+(?:and|&)\s+", re.I)
_LEADING_AND = re.compile(r"^\s*(?:and|&)\s+", re.I)  # "a, b, and c"
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
# A head word before "and" whose complement follows: "installation and maintenance of PLCs".
_PREPOSITIONS = frozenset({"of", "for", "in", "on", "with", "to", "from", "by", "at"})
# 和 is "and" between Chinese words, but also part of words (饱和度 saturation, 总和 sum).
_CHINESE_AND = re.compile(r"(?<=\w)和(?=\w)")
_WORDS_WITH_HE = frozenset(
    {"饱和", "中和", "总和", "求和", "缓和", "温和", "柔和", "平和", "调和", "随和", "暖和"}
    | {"亲和", "共和", "附和", "和谐", "和平", "和睦", "和解", "和弦", "和声", "和蔼", "和气"}
)
# One side of a slash inside a term (CAD/CAM, TCP/IP, I/O, C/C++, 24/7, A/B testing): a short
# run of capitals, digits and + # & . with no lower case.
_SLASH = re.compile(r"\s*[/／]\s*")
_TERM_BEFORE_SLASH = re.compile(r"[A-Za-z0-9+#&.]+$")
_TERM_AFTER_SLASH = re.compile(r"[A-Za-z0-9+#&.]+")
_SHORT_CAPS = re.compile(r"[A-Z0-9][A-Z0-9+#&.]{0,4}")


def _split_outside_brackets(text: str, separators: re.Pattern[str]) -> list[str]:
    """``text`` cut at the separators of ``separators`` that are not inside brackets."""
    parts, start = [], 0
    for match in separators.finditer(text):
        if match.group(1) is None:  # a separator, not a bracketed span
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return parts


def _and_separates(left: str, right: str, last_of_list: bool) -> bool:
    """Whether " and " between ``left`` and ``right`` (the item's text either side) separates
    two skills.

    It does between two single words or abbreviations ("PLC and HMI"), and in the last item
    of a comma list ("welding, PLC programming and HMI design"); it does not inside one
    multi-word phrase ("installation and maintenance of PLC systems"), in fixed phrases
    ("research and development") or between single letters ("R & D").
    """
    left_words, right_words = left.split(), right.split()
    if not left_words or not right_words:
        return False
    pair = (left_words[-1].lower(), right_words[0].lower())
    if pair in _FIXED_PAIRS or (len(pair[0]) == 1 and len(pair[1]) == 1):
        return False
    if len(left_words) == 1 and len(right_words) == 1:
        return True
    if not last_of_list:
        return False
    shares_complement = len(left_words) == 1 and any(
        word.lower() in _PREPOSITIONS for word in right_words
    )
    return not shares_complement


def _split_and(item: str, last_of_list: bool) -> list[str]:
    pieces = _AND.split(item)
    joiners = _AND.findall(item)
    parts = [pieces[0]]
    for joiner, left, right in zip(joiners, pieces, pieces[1:], strict=False):
        if _and_separates(left, right, last_of_list):
            parts.append(right)
        else:
            parts[-1] += joiner + right
    return [piece for part in parts for piece in _split_chinese_and(part)]


def _split_chinese_and(item: str) -> list[str]:
    parts, start = [], 0
    for match in _CHINESE_AND.finditer(item):
        before, after = item[match.start() - 1], item[match.end()]
        if before + "和" in _WORDS_WITH_HE or "和" + after in _WORDS_WITH_HE:
            continue
        parts.append(item[start : match.start()])
        start = match.end()
    parts.append(item[start:])
    return parts


def _split_slashes(part: str) -> list[str]:
    pieces, start = [], 0
    for match in _SLASH.finditer(part):
        before = _TERM_BEFORE_SLASH.search(part, 0, match.start())
        after = _TERM_AFTER_SLASH.match(part, match.end())
        if before and after and all(_SHORT_CAPS.fullmatch(t.group()) for t in (before, after)):
            continue  # CAD/CAM
        pieces.append(part[start : match.start()])
        start = match.end()
    pieces.append(part[start:])
    return pieces


def split_skill_list(text: str) -> list[str]:
    """Split free text such as ``"PLC programming, HMI design"`` into phrases.

    Lines, ";", "|", ",", "，", "、" and "；" always separate (not inside brackets); "and",
    "&" and 和 separate as ``_and_separates`` and ``_WORDS_WITH_HE`` decide; "/" separates
    except inside a term such as "CAD/CAM" or "TCP/IP". Text without separators is one phrase.
    """
    phrases: list[str] = []
    for group in _split_outside_brackets(text, _GROUPS):
        items = [_LEADING_AND.sub("", item) for item in _split_outside_brackets(group, _ITEMS)]
        items = [item for item in items if item.strip()]
        for number, item in enumerate(items, 1):
            last_of_list = len(items) > 1 and number == len(items)
            for part in _split_and(item, last_of_list):
                phrases.extend(_split_slashes(part))
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
