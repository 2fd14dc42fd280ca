"""The ESCO set: courses teach skills under their preferred labels, postings ask for them under
other labels, and every course has close neighbours that teach related skills.

Skills (from ``matcher/taxonomy``) are drawn in neighbourhoods: a seed skill and its nearest ESCO
skills by label similarity, so that the wrong answers are on the same topic. Each neighbourhood
of six makes two courses of three skills (title: the first skill's label; skills: preferred
labels; description: the ESCO definitions) and one program holding both. Each course has one
posting asking for two of its skills under their alternative labels, and one student who took
it. Queries, each with one answer unless said otherwise:

- demand→courses, course→demands, demand→students, student→demands: the course, its posting,
  its student;
- demand→programs: the program holding the course; program→demands: its two postings;
- text→courses: one alternative label; text→demands: a preferred label the posting asks for.
"""

from __future__ import annotations

import random

import numpy as np

from embeddings import Encoder
from matcher.catalog import CourseIn, DemandIn, OrganizationIn, ProgramIn, StudentIn
from matcher.taxonomy import EscoSkill, load_skills

from .evalset import EvalSet, Query

POOL, NEIGHBOURHOODS, SIZE = 2500, 110, 6
SCHOOL, ENTERPRISE = "ESCO Polytechnic", "ESCO Employers Ltd"


def _neighbourhoods(
    skills: list[EscoSkill], vectors: np.ndarray, rng: random.Random
) -> list[list[EscoSkill]]:
    sims = vectors @ vectors.T
    used: set[int] = set()
    groups: list[list[EscoSkill]] = []
    for seed in rng.sample(range(len(skills)), len(skills)):
        if len(groups) == NEIGHBOURHOODS:
            break
        if seed in used:
            continue
        group = [int(j) for j in np.argsort(-sims[seed]) if int(j) not in used][:SIZE]
        used.update(group)
        rng.shuffle(group)
        groups.append([skills[j] for j in group])
    return groups


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def build(encoder: Encoder, seed: int = 2026) -> EvalSet:
    rng = random.Random(seed)
    skills = rng.sample(load_skills(), POOL)
    groups = _neighbourhoods(skills, encoder.encode([s.label for s in skills]), rng)
    data = EvalSet(
        "ESCO",
        organizations=[
            OrganizationIn(kind="school", name=SCHOOL),
            OrganizationIn(kind="enterprise", name=ENTERPRISE),
        ],
        note=f"{len(groups)} neighbourhoods of {SIZE} ESCO skills, {2 * len(groups)} courses",
    )
    for g, group in enumerate(groups):
        program_key = f"program-{g}"
        codes = []
        for half in (0, 1):
            taught = group[half * 3 : half * 3 + 3]
            n = 2 * g + half
            course, demand, student = f"course-{n}", f"demand-{n}", f"student-{n}"
            codes.append(course)
            asked = rng.sample(taught, 2)
            data.courses.append(
                (
                    course,
                    CourseIn(
                        school=SCHOOL,
                        code=course,
                        title=_capital(taught[0].label),
                        skills=[s.label for s in taught],
                        description=" ".join(s.definition for s in taught),
                    ),
                )
            )
            data.demands.append(
                (
                    demand,
                    DemandIn(
                        enterprise=ENTERPRISE,
                        kind="job",
                        title=_capital(asked[0].alternative),
                        skills=[s.alternative for s in asked],
                        posted_at="2026-01-05",
                        external_id=demand,
                    ),
                )
            )
            data.students.append(
                (
                    student,
                    StudentIn(external_id=student, school=SCHOOL, courses=[course], consent=True),
                )
            )
            one = {"course": frozenset({course}), "demand": frozenset({demand})}
            data.queries += [
                Query("demand→courses", demand, one["course"], "en"),
                Query("course→demands", course, one["demand"], "en"),
                Query("demand→students", demand, frozenset({student}), "en"),
                Query("student→demands", student, one["demand"], "en"),
                Query("demand→programs", demand, frozenset({program_key}), "en"),
                Query("text→courses", rng.choice(taught).alternative, one["course"], "en"),
                Query("text→demands", rng.choice(asked).label, one["demand"], "en"),
            ]
        data.programs.append(
            (
                program_key,
                ProgramIn(school=SCHOOL, name=f"Program {g}: {group[0].label}", courses=codes),
            )
        )
        pair = frozenset({f"demand-{2 * g}", f"demand-{2 * g + 1}"})
        data.queries.append(Query("program→demands", program_key, pair, "en"))
    return data
