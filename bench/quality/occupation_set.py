"""Job titles → occupations, in English and in Chinese, from ESCO occupations.

Programs are named and described after occupations (ESCO preferred label and description), the
way schools name majors after the jobs they train for; postings carry only a title, an
*alternative* ESCO title of one occupation, and ask which program trains for it
(demand→programs). Real postings are mostly a title and a paragraph; the skill-by-skill
comparison has nothing to work with here, which is the point.

Every ESCO occupation with alternative titles is a program (2,870), so the wrong answers are
the whole taxonomy, neighbours included ("insurance risk consultant" for "credit risk
analyst"). Queries are split dev / test by occupation (``matcher.taxonomy.evaluation_split``):
weights are chosen on dev, test is reported.

The Chinese set is built: ESCO titles put into Chinese word by word through CC-CEDICT (each
English word → a headword whose gloss it is; among several, one is drawn at random, weighted by
jieba's word frequency, separately for every title, so a program and a posting may name the
same thing with different words: 操作员 / 操作工). Both sides are Chinese; titles with a word
the dictionary cannot put into Chinese are skipped.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Sequence

from matcher.catalog import DemandIn, OrganizationIn, ProgramIn
from matcher.language import phrasing
from matcher.taxonomy import Occupation, evaluation_split, load_occupations

from .evalset import EvalSet, Query

QUERIES_PER_SPLIT = 400
SCHOOL, ENTERPRISE = "ESCO Vocational College", "ESCO Employers Ltd"
_SKIPPED_WORDS = frozenset(("of", "and", "in", "for", "the", "a", "an", "&", "to", "with"))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _queries(occupations: Sequence[Occupation], rng: random.Random) -> list[tuple[str, Occupation]]:
    """``QUERIES_PER_SPLIT`` (alternative title, occupation) per split, one per occupation."""
    picked: list[tuple[str, Occupation]] = []
    for split in ("dev", "test"):
        pool = [o for o in occupations if evaluation_split(o.uri) == split]
        for occupation in rng.sample(pool, min(QUERIES_PER_SPLIT, len(pool))):
            picked.append((rng.choice(occupation.alternatives), occupation))
    return picked


def _empty(name: str, note: str) -> EvalSet:
    return EvalSet(
        name,
        organizations=[
            OrganizationIn(kind="school", name=SCHOOL),
            OrganizationIn(kind="enterprise", name=ENTERPRISE),
        ],
        note=note,
    )


def _posting(key: str, title: str) -> tuple[str, DemandIn]:
    return key, DemandIn(
        enterprise=ENTERPRISE, kind="job", title=title, posted_at="2026-01-05", external_id=key
    )


def build_english(seed: int = 2026) -> EvalSet:
    rng = random.Random(seed)
    occupations = load_occupations()
    data = _empty(
        "titles (en)",
        f"{len(occupations)} ESCO occupations as programs, title-only postings",
    )
    for n, occupation in enumerate(occupations):
        program = ProgramIn(
            school=SCHOOL, name=_capital(occupation.label), description=occupation.description
        )
        data.programs.append((f"program-{n}", program))
    key_of = {o.uri: f"program-{n}" for n, o in enumerate(occupations)}
    for q, (title, occupation) in enumerate(_queries(occupations, rng)):
        demand = f"demand-{q}"
        data.demands.append(_posting(demand, _capital(title)))
        data.unlisted_titles.append(title)
        data.queries.append(
            Query(
                "demand→programs",
                demand,
                frozenset({key_of[occupation.uri]}),
                "en",
                split=evaluation_split(occupation.uri),
            )
        )
    return data


class _ChineseWords:
    """English word → Chinese headwords whose CC-CEDICT gloss it is, with jieba weights."""

    def __init__(self) -> None:
        import jieba  # noqa: PLC0415 - only the Chinese set needs its frequencies

        jieba.initialize()
        found: dict[str, set[str]] = defaultdict(set)
        for headword, gloss in phrasing._cedict().items():
            if re.fullmatch(r"[\u4e00-\u9fff]{1,4}", headword) and re.fullmatch(r"[a-z]+", gloss):
                found[gloss].add(headword)
        for headword, gloss in phrasing._terms().items():
            if re.fullmatch(r"[a-z]+", gloss.lower()):
                found[gloss.lower()].add(headword)
        self.words = {w: sorted(h) for w, h in found.items()}
        self.weight = {h: jieba.get_FREQ(h) or 1 for hs in self.words.values() for h in hs}

    def title(self, english: str, rng: random.Random) -> str | None:
        parts = []
        for word in re.findall(r"[a-z]+", english.lower()):
            if word in _SKIPPED_WORDS:
                continue
            options = self.words.get(word) or self.words.get(word.rstrip("s"))
            if not options:
                return None
            common = sorted(options, key=lambda h: -self.weight[h])[:3]
            parts.append(rng.choices(common, [self.weight[h] for h in common])[0])
        return "".join(parts) or None


def build_chinese(seed: int = 2026) -> EvalSet:
    rng = random.Random(seed)
    words = _ChineseWords()
    named: list[tuple[Occupation, str, list[tuple[str, str]]]] = []
    names: set[str] = set()
    for occupation in load_occupations():
        name = words.title(occupation.label, rng)
        # (Chinese title, the English title it was made from)
        titles = [(t, a) for a in occupation.alternatives if (t := words.title(a, rng))]
        titles = [(t, a) for t, a in titles if t != name]
        if name and titles and name not in names:
            names.add(name)
            named.append((occupation, name, titles))
    data = _empty(
        "titles (zh)",
        f"{len(named)} ESCO occupations put into Chinese through CC-CEDICT, title-only postings",
    )
    key_of = {}
    for n, (occupation, name, _) in enumerate(named):
        key_of[occupation.uri] = f"program-{n}"
        data.programs.append((f"program-{n}", ProgramIn(school=SCHOOL, name=name)))
    q = 0
    for split in ("dev", "test"):
        pool = [entry for entry in named if evaluation_split(entry[0].uri) == split]
        for occupation, _, titles in rng.sample(pool, min(QUERIES_PER_SPLIT, len(pool))):
            demand = f"demand-{q}"
            q += 1
            title, english = rng.choice(titles)
            data.demands.append(_posting(demand, title))
            data.unlisted_titles.append(english)
            data.queries.append(
                Query(
                    "demand→programs",
                    demand,
                    frozenset({key_of[occupation.uri]}),
                    "zh",
                    split=split,
                )
            )
    return data
