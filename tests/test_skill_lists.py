"""Splitting a line of skills into phrases (``split_skill_list``): lists split, terms stay whole.

Feeds give skills as one string, free-text queries are read as skill lists, and course
descriptions are offered clause by clause, all through this one function.
"""

from __future__ import annotations

import time

import pytest

from matcher.language.texts import MAX_TEXT_CHARS, course_offer_phrases, split_skill_list


def test_terms_and_fixed_phrases_in_a_comma_list_stay_whole() -> None:
    text = "CAD/CAM, research and development, TCP/IP networking"
    assert split_skill_list(text) == ["CAD/CAM", "research and development", "TCP/IP networking"]


@pytest.mark.parametrize(
    "term", ["CAD/CAM", "TCP/IP", "AC/DC", "I/O", "C/C++", "PLC/HMI/SCADA", "24/7", "CAD / CAM"]
)
def test_a_slash_between_short_capitals_or_digits_is_part_of_the_term(term: str) -> None:
    assert split_skill_list(term) == [term]


def test_a_slash_term_keeps_the_words_around_it() -> None:
    phrases = ["A/B testing", "I/O signals (24V)"]
    assert split_skill_list("A/B testing, I/O signals (24V)") == phrases


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("welding/soldering", ["welding", "soldering"]),
        ("SolidWorks/AutoCAD", ["SolidWorks", "AutoCAD"]),
        ("PLC/welding", ["PLC", "welding"]),
        ("焊接/装配", ["焊接", "装配"]),
    ],
)
def test_a_slash_between_words_separates_skills(text: str, phrases: list[str]) -> None:
    assert split_skill_list(text) == phrases


@pytest.mark.parametrize(
    "phrase",
    [
        "R&D",
        "R & D",
        "research and development",
        "health and safety",
        "sales and marketing",
        "occupational health and safety regulations",
        "Research And Development",
    ],
)
def test_fixed_and_phrases_stay_whole(phrase: str) -> None:
    assert split_skill_list(phrase) == [phrase]


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("welding, PLC and HMI", ["welding", "PLC", "HMI"]),
        ("PLC and HMI", ["PLC", "HMI"]),
        ("welding & cutting", ["welding", "cutting"]),
        (
            "PLC programming, machine vision and robot programming",
            ["PLC programming", "machine vision", "robot programming"],
        ),
        ("PLC, HMI, and SCADA", ["PLC", "HMI", "SCADA"]),
        ("CAD/CAM and CNC", ["CAD/CAM", "CNC"]),
    ],
)
def test_and_separates_single_words_and_the_last_item_of_a_list(
    text: str, phrases: list[str]
) -> None:
    assert split_skill_list(text) == phrases


@pytest.mark.parametrize(
    "phrase",
    [
        "installation and maintenance of PLC systems",
        "DC and AC circuits",
        "machine vision and robot programming",
    ],
)
def test_and_inside_one_multi_word_phrase_does_not_separate(phrase: str) -> None:
    assert split_skill_list(phrase) == [phrase]


def test_and_between_the_clauses_of_a_sentence_separates() -> None:
    sentence = "Study and analyse beer styles from many countries and consult brewers and importers"
    assert split_skill_list(sentence) == [
        "Study",
        "analyse beer styles from many countries",
        "consult brewers",
        "importers",
    ]


def test_a_last_item_whose_words_share_a_complement_stays_whole() -> None:
    text = "welding, installation and maintenance of PLC systems"
    assert split_skill_list(text) == ["welding", "installation and maintenance of PLC systems"]


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("焊接、装配和调试", ["焊接", "装配", "调试"]),
        ("焊接，装配；调试", ["焊接", "装配", "调试"]),
        ("PLC编程和HMI设计", ["PLC编程", "HMI设计"]),
        ("饱和度和温度", ["饱和度", "温度"]),
        ("和谐社会", ["和谐社会"]),
    ],
)
def test_chinese_separators_and_he_between_words(text: str, phrases: list[str]) -> None:
    assert split_skill_list(text) == phrases


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("a; b | c", ["a", "b", "c"]),
        ("PLC programming\nHMI design\n\n", ["PLC programming", "HMI design"]),
        ("PLC (Siemens, Omron), HMI", ["PLC (Siemens, Omron)", "HMI"]),
        ("PLC (Siemens, Omron, HMI", ["PLC (Siemens", "Omron", "HMI"]),
        ("PLC (Siemens/Omron and Mitsubishi)", ["PLC (Siemens/Omron and Mitsubishi)"]),
    ],
)
def test_lines_semicolons_bars_and_commas_outside_brackets_separate(
    text: str, phrases: list[str]
) -> None:
    assert split_skill_list(text) == phrases


def test_repeated_skills_are_given_once_in_their_first_spelling() -> None:
    assert split_skill_list("PLC, plc;  PLC  ,HMI") == ["PLC", "HMI"]


def test_text_without_separators_is_one_phrase_and_empty_text_none() -> None:
    assert split_skill_list("  PLC programming  ") == ["PLC programming"]
    assert split_skill_list(" ,; | ") == []


def test_course_descriptions_offer_clauses_split_the_same_way() -> None:
    phrases = course_offer_phrases(
        "Industrial Networks", "TCP/IP, PROFINET and Modbus; research and development.", [], []
    )
    assert {"TCP/IP", "PROFINET", "Modbus", "research and development"} <= set(phrases)
    assert "TCP" not in phrases and "research" not in phrases


# Inputs on which splitting once took time growing with the cube or the square of the length
# (every slash rescanned the text before it, every space of a run rescanned the run).
ADVERSARIAL = {
    "a slash after each of many marks after a long word": "x" * 1000 + "~/" * 9500,
    "a long run of spaces between words": "PLC" + " " * 19_993 + "HMI/",
    "single letters joined by &": "R & D & " * 2500,
    "brackets left open around slashes and and": "(PLC/HMI and [SCADA, （焊接/" * 800,
    "commas, slashes and and between terms": "CAD/CAM, TCP/IP and I/O, welding/soldering " * 500,
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_twenty_thousand_characters_split_in_well_under_a_second(text: str) -> None:
    text = text[:MAX_TEXT_CHARS]  # the longest text the product reads
    started = time.perf_counter()
    phrases = split_skill_list(text)
    elapsed = time.perf_counter() - started
    # It takes a few milliseconds; what this guards against is catastrophic regex backtracking,
    # which takes minutes. 2 s failed once in CI while other work loaded the 2 cores (2.7 s).
    assert elapsed < 30, f"{elapsed:.1f} s"
    assert all(phrase in text for phrase in phrases)
