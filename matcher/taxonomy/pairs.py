"""Training pairs for ``talentmatch tune``: (anchor, positive) texts that should lie close.

Sources, as named in ``Pair.source``:

- ``title-preferred``: an ESCO occupation's alternative title → its preferred title;
- ``title-title``: two alternative titles of one occupation;
- ``title-description``: a title of an occupation → the first sentence of its description;
- ``skill-alias``: an ESCO skill's alternative label → its preferred label;
- ``zh-en``: a Chinese vocational term → its English gloss (CC-CEDICT entries whose gloss is a
  phrase of an ESCO skill label, and the product's own term table);
- ``consortium``: a demand → a course or program of an answer the enterprise accepted or that
  was delivered, both in the text form the encoder is given.

Occupation pairs can carry a hard negative (``with_hard_negatives``): for a job title, one of
the dev occupations the base model ranks nearest to it that does not carry it, in the same
form as the positive (its preferred title, an alternative title, or its first sentence).

Job titles get most of the budget: an earlier run on 12k ESCO skill pairs alone moved job-title
ranking by one point. Occupations of the harness's test split are never used, and no pair holds
a title that a test occupation carries (ESCO shares some, e.g. "machine operator"), so
``talentmatch tune --evaluate`` and ``make quality`` measure on titles the model never saw.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import cache

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from embeddings.tuning import Pair
from matcher.language import entity_text, phrasing
from matcher.taxonomy.esco_occupations import Occupation, load_occupations
from matcher.taxonomy.esco_skills import load_skills
from matcher.taxonomy.splits import evaluation_split
from store import Course, Database, Program, Response

SHARES = {
    "title-preferred": 0.30,
    "title-title": 0.15,
    "title-description": 0.20,
    "skill-alias": 0.15,
    "zh-en": 0.10,
    "consortium": 0.10,
}
"""Share of ``max_pairs`` per source; what a source cannot fill goes to the others."""
CONFIRMED = ("accepted", "delivered")

_FIRST_SENTENCE = re.compile(r"(?<=\.)\s+(?=[A-Z])")
_HEADWORD = re.compile(r"[\u4e00-\u9fff]{2,6}")
_GLOSS = re.compile(r"[a-z]+(?: [a-z]+){1,3}")
_WEAK_START = ("a ", "an ", "the ", "to ", "in ", "on ", "at ", "that ", "after ", "of ")


def build_pairs(max_pairs: int, seed: int = 2026, consortium: Sequence[Pair] = ()) -> list[Pair]:
    """Up to ``max_pairs`` pairs from every source, shuffled; the same for the same seed."""
    rng = random.Random(seed)
    candidates: dict[str, list[Pair]] = {source: [] for source in SHARES}
    held_out = held_out_titles()
    for pair in dict.fromkeys(itertools.chain(_taxonomy_pairs(), consortium)):
        if pair.anchor.lower() not in held_out and pair.positive.lower() not in held_out:
            candidates[pair.source].append(pair)
    chosen: list[Pair] = []
    caps = allocate({s: len(p) for s, p in candidates.items()}, max_pairs)
    for source, found in candidates.items():
        chosen.extend(rng.sample(found, caps[source]))
    rng.shuffle(chosen)
    return chosen


HARD_NEGATIVE_POOL = 3
"""A hard negative is drawn from this many nearest wrong occupations: the very nearest is
often a near-synonym that ESCO happens to keep apart."""
_OCCUPATION_SOURCES = ("title-preferred", "title-title", "title-description")


def with_hard_negatives(
    pairs: Sequence[Pair], encode: Callable[[Sequence[str]], np.ndarray], seed: int = 2026
) -> list[Pair]:
    """``pairs`` with a hard negative on each occupation pair, mined with ``encode`` (texts →
    unit rows; the model about to be tuned) among dev occupations."""
    rng = random.Random(seed)
    occupations = [o for o in load_occupations() if evaluation_split(o.uri) == "dev"]
    carriers: dict[str, set[int]] = defaultdict(set)
    for i, o in enumerate(occupations):
        for title in (o.label, *o.alternatives):
            carriers[title.lower()].add(i)
    anchors = sorted({p.anchor for p in pairs if p.source in _OCCUPATION_SOURCES})
    if not anchors:
        return list(pairs)
    scores = encode(anchors) @ encode([o.label for o in occupations]).T
    depth = min(len(occupations), HARD_NEGATIVE_POOL + 8)
    nearest = np.argsort(-scores, axis=1)[:, :depth].tolist()
    wrong = {
        anchor: [j for j in row if j not in carriers[anchor.lower()]][:HARD_NEGATIVE_POOL]
        for anchor, row in zip(anchors, nearest, strict=True)
    }
    held_out = held_out_titles()
    titles_of = {o.uri: {t.lower() for t in (o.label, *o.alternatives)} for o in occupations}
    result = []
    for pair in pairs:
        # never a title the pair's own occupation also carries: that would be a right answer
        excluded = held_out | titles_of.get(pair.group, set())
        texts = [
            (occupations[j], text)
            for j in wrong.get(pair.anchor, [])
            if occupations[j].uri != pair.group
            for text in [_negative_text(pair.source, occupations[j], rng, excluded)]
            if text
        ]
        if not texts:
            result.append(pair)
            continue
        other, text = rng.choice(texts)
        result.append(replace(pair, negative=text, negative_group=other.uri))
    return result


def _negative_text(
    source: str, other: Occupation, rng: random.Random, excluded: set[str]
) -> str | None:
    """``other`` in the form of ``source``'s positives; None for a pair of another source or
    where that form is an excluded title (a test-split one, never trained on, not even as a
    negative, or one of the pair's own occupation)."""
    if source == "title-description":
        return _first_sentence(other)
    if source == "title-preferred":
        titles = [other.label]
    elif source == "title-title":
        titles = list(other.alternatives)
    else:
        return None
    titles = [t for t in titles if t.lower() not in excluded]
    return rng.choice(titles) if titles else None


def allocate(available: dict[str, int], total: int) -> dict[str, int]:
    """Pairs per source: ``total`` split by ``SHARES``, the share a source cannot fill handed
    to the others in proportion."""
    caps: dict[str, int] = {}
    remaining, open_ = total, set(available)
    while open_:
        weight = sum(SHARES[s] for s in open_)
        share = {s: remaining * SHARES[s] / weight for s in open_}
        full = {s for s in open_ if available[s] <= share[s]}
        if not full:
            caps.update({s: int(share[s]) for s in open_})
            break
        for s in full:
            caps[s] = available[s]
            remaining -= available[s]
        open_ -= full
    return caps


def held_out_titles() -> set[str]:
    """Every title (preferred or alternative) of a test-split occupation, in lower case."""
    return {
        title.lower()
        for o in load_occupations()
        if evaluation_split(o.uri) == "test"
        for title in (o.label, *o.alternatives)
    }


def _taxonomy_pairs() -> Iterator[Pair]:
    for o in load_occupations():
        if evaluation_split(o.uri) == "dev":
            yield from _occupation_pairs(o)
    for skill in load_skills():
        yield Pair(skill.alternative, skill.label, "skill-alias", skill.uri)
    for headword, gloss in chinese_terms():
        yield Pair(headword, gloss, "zh-en", f"zh:{gloss.lower()}")


def _occupation_pairs(o: Occupation) -> Iterator[Pair]:
    for alternative in o.alternatives:
        yield Pair(alternative, o.label, "title-preferred", o.uri)
    for a, b in itertools.combinations(o.alternatives, 2):
        yield Pair(a, b, "title-title", o.uri)
    first = _first_sentence(o)
    for title in (o.label, *o.alternatives):
        yield Pair(title, first, "title-description", o.uri)


def _first_sentence(o: Occupation) -> str:
    return _FIRST_SENTENCE.split(o.description, maxsplit=1)[0]


@cache
def chinese_terms() -> tuple[tuple[str, str], ...]:
    """(Chinese term, English gloss): the product's term table, then CC-CEDICT entries (not
    proper nouns, 2-6 characters) whose first gloss of 2-4 words is a phrase of an ESCO skill
    label ("quality assurance" 质量保障, "first aid" 急救)."""
    labels = " ".join(f"{s.label} {s.alternative}" for s in load_skills()).lower()
    labels = f" {labels} "
    terms = dict(phrasing._terms())
    glosses = set(terms.values())
    for headword, pinyin, entry in phrasing.cedict_entries():
        if pinyin[:1].isupper() or not _HEADWORD.fullmatch(headword) or headword in terms:
            continue
        gloss = re.sub(r"\([^)]*\)", "", entry[0]).strip()
        usable = _GLOSS.fullmatch(gloss) and not gloss.startswith(_WEAK_START)
        if usable and gloss not in glosses and f" {gloss} " in labels:
            terms[headword] = gloss
            glosses.add(gloss)
    return tuple(sorted(terms.items()))


def consortium_pairs(db: Database, form: Callable[[str], str]) -> list[Pair]:
    """A demand → each course and the program of its confirmed answers (accepted by the
    enterprise, or delivered), through ``form``: the text the encoder is given."""
    pairs = []
    with db.session() as session:
        answers = session.scalars(
            select(Response)
            .where(Response.status.in_(CONFIRMED))
            .options(
                selectinload(Response.demand),
                selectinload(Response.courses),
                selectinload(Response.program),
            )
            .order_by(Response.id)
        )
        for answer in answers:
            demand = form(entity_text(answer.demand))
            offers: list[Course | Program] = [*answer.courses]
            if answer.program:
                offers.append(answer.program)
            for offer in offers:
                pairs.append(Pair(demand, form(entity_text(offer)), "consortium", demand))
    return pairs
