"""The language layer: what a text says, in a form the encoder reads, and how alike two are.

Text forms (normalised, abbreviations spelled out, Chinese put into English for an English-only
model), skill phrases and their grouping by meaning, vectors of texts cached by content hash,
and skill-to-skill similarity. It knows nothing of the catalog, search or gaps.
"""

from matcher.language.phrasing import TextForm, chinese_words, encoding_form, has_chinese
from matcher.language.skill_similarity import PhraseTable
from matcher.language.skills import (
    PhraseVocabulary,
    SkillGroup,
    content_words,
    demand_phrases,
    group_phrases,
    word_overlap,
)
from matcher.language.texts import (
    MATCHABLE_CHARACTER,
    MAX_TEXT_CHARS,
    content_hash,
    course_offer_phrases,
    course_phrases,
    demand_text,
    entity_text,
    normalise,
    split_skill_list,
    unique_phrases,
)
from matcher.language.vectors import VectorCache

__all__ = [
    "MATCHABLE_CHARACTER",
    "MAX_TEXT_CHARS",
    "PhraseTable",
    "PhraseVocabulary",
    "SkillGroup",
    "TextForm",
    "VectorCache",
    "chinese_words",
    "content_hash",
    "content_words",
    "course_offer_phrases",
    "course_phrases",
    "demand_phrases",
    "demand_text",
    "encoding_form",
    "entity_text",
    "group_phrases",
    "has_chinese",
    "normalise",
    "split_skill_list",
    "unique_phrases",
    "word_overlap",
]
