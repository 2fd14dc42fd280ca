"""Skill phrases of demands and courses, and their grouping into skills by meaning.

A demand asks for its explicit skills plus every known skill phrase its title or description
mentions (known = listed as a skill by some demand or course). Phrases that mean the same thing
("5G base station maintenance", "5G BTS upkeep", "5G基站维护") are grouped into one skill by
the cosine similarity of their encoded English forms (``phrasing.encoding_form``); each group
is labelled by its most representative phrase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from matcher.language.phrasing import has_chinese
from matcher.language.texts import normalise, unique_phrases

_WORD = re.compile(r"[\w+#]+(?:[./-][\w+#]+)*")
_CONTENT_WORD = re.compile(r"[a-z0-9+#]+")
_STOP_WORDS = frozenset(
    ("a", "an", "the", "and", "or", "of", "in", "on", "to", "for", "with", "from", "by", "at")
    + ("into", "about", "up", "out", "as", "is", "are", "be")
)
_STEM = 5  # words compared by their first letters: "maintain" ~ "maintenance"
MAX_PHRASE_WORDS = 6
_BLOCK = 1024


class PhraseVocabulary:
    """Known skill phrases, found again inside free text (titles, descriptions).

    English phrases are matched as whole word sequences, case-insensitively; Chinese phrases,
    written without spaces, as substrings.
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        self._words: dict[str, str] = {}
        self._chinese: dict[str, str] = {}
        for phrase in phrases:
            key = normalise(phrase)
            if len(key) < 2:
                continue
            if has_chinese(key):
                self._chinese.setdefault(key, phrase.strip())
            elif len(_WORD.findall(key)) <= MAX_PHRASE_WORDS:
                self._words.setdefault(" ".join(_WORD.findall(key)), phrase.strip())

    def __len__(self) -> int:
        return len(self._words) + len(self._chinese)

    def find(self, text: str) -> list[str]:
        """Known phrases occurring in ``text``, longest first, each once."""
        key = normalise(text)
        found: list[str] = []
        words = _WORD.findall(key)
        for size in range(min(MAX_PHRASE_WORDS, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                phrase = self._words.get(" ".join(words[start : start + size]))
                if phrase is not None:
                    found.append(phrase)
        if self._chinese and has_chinese(key):
            found.extend(p for k, p in self._chinese.items() if k in key)
        return unique_phrases(found)


@lru_cache(maxsize=200_000)
def content_words(encoding_form: str) -> frozenset[str]:
    """Stems of the words that carry meaning in a phrase's (English) encoding form."""
    return frozenset(
        w[:_STEM] for w in _CONTENT_WORD.findall(encoding_form.lower()) if w not in _STOP_WORDS
    )


def word_overlap(asked: frozenset[str], taught: frozenset[str]) -> float:
    """Share of the asked phrase's content words that the taught phrase contains."""
    return len(asked & taught) / len(asked) if asked else 0.0


def demand_phrases(
    title: str, description: str | None, skills: Sequence[str], vocabulary: PhraseVocabulary
) -> list[str]:
    """What a demand asks for: its explicit skills, then phrases found in its texts.

    A posting that names neither (most scraped postings are a title and a paragraph) asks for
    its role: the title stands for it, so an occupation no course prepares for still shows in
    gap reports instead of vanishing.
    """
    found = vocabulary.find(f"{title}. {description or ''}")
    return unique_phrases([*skills, *found]) or unique_phrases([title])


@dataclass
class SkillGroup:
    """Phrases that name one skill; ``members`` index the phrase list given to the grouping."""

    label: str
    members: list[int]
    centroid: np.ndarray


def _leaders(vectors: np.ndarray, order: np.ndarray, threshold: float) -> np.ndarray:
    """Leader clustering: each phrase joins the most similar earlier leader at ``threshold``
    or above, else leads a group of its own. Processed in blocks so that one matrix product
    compares a block with all leaders so far; returns the leader index of each phrase.
    """
    n, dim = vectors.shape
    leader_of = np.full(n, -1, dtype=np.int64)
    leader_ids: list[int] = []
    leader_matrix = np.zeros((n, dim), dtype=np.float32)
    for start in range(0, n, _BLOCK):
        block = order[start : start + _BLOCK]
        block_vectors = vectors[block]
        known = len(leader_ids)
        if known:
            sims = block_vectors @ leader_matrix[:known].T
            best = sims.argmax(axis=1)
            best_sim = sims[np.arange(len(block)), best]
        else:
            best = np.zeros(len(block), dtype=np.int64)
            best_sim = np.full(len(block), -1.0, dtype=np.float32)
        inner = block_vectors @ block_vectors.T
        new_in_block: list[int] = []  # positions within the block of leaders made here
        for j, phrase in enumerate(block):
            choice, choice_sim = int(best[j]), float(best_sim[j])
            if new_in_block:
                local = inner[j, new_in_block]
                k = int(local.argmax())
                if local[k] > choice_sim:
                    choice, choice_sim = known + k, float(local[k])
            if choice_sim >= threshold:
                leader_of[phrase] = leader_ids[choice]
            else:
                leader_of[phrase] = phrase
                leader_matrix[len(leader_ids)] = vectors[phrase]
                leader_ids.append(int(phrase))
                new_in_block.append(j)
    return leader_of


def group_phrases(
    phrases: Sequence[str], vectors: np.ndarray, weights: Sequence[float], threshold: float
) -> list[SkillGroup]:
    """Group phrases by meaning; more frequently asked phrases lead.

    Args:
        phrases: the phrases as people wrote them.
        vectors: one unit vector per phrase (of its encoding form).
        weights: how often each phrase is asked (demands naming it); ties keep input order.
        threshold: cosine similarity from which a phrase joins a group's leader.

    Returns:
        Groups in order of their leaders; each labelled by the member most similar to the
        others, weighted by how often they are asked (ties: the more asked, then the earlier).
    """
    if len(phrases) == 0:
        return []
    weight = np.asarray(weights, dtype=np.float64)
    order = np.argsort(-weight, kind="stable")
    leader_of = _leaders(vectors, order, threshold)
    members_of: dict[int, list[int]] = {}
    for phrase in order:
        members_of.setdefault(int(leader_of[phrase]), []).append(int(phrase))
    groups = []
    for members in members_of.values():
        member_vectors = vectors[members]
        member_weights = weight[members]
        centroid = (member_vectors * member_weights[:, None]).sum(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        label = members[0]
        if len(members) > 1:
            # weighted medoid: similarity to every member (itself counting 1) times how often
            # each is asked; rounded so that float noise never decides, ties going to the
            # more asked, then the earlier phrase
            similarity = member_vectors @ member_vectors.T
            np.fill_diagonal(similarity, 1.0)
            affinity = np.round(similarity @ member_weights, 4)
            best = max(
                range(len(members)),
                key=lambda i: (affinity[i], member_weights[i], -members[i]),
            )
            label = members[best]
        groups.append(SkillGroup(phrases[label], members, centroid.astype(np.float32)))
    return groups
