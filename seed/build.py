"""Writes the demo consortium to ``seed/data/*.jsonl`` from ``seed/catalog.py``.

Deterministic (``random.Random(42)``): running it again gives the same files. Dates are written
relative to ``ANCHOR``; the loader shifts them so the demo is always "as of today".
Run: ``python -m seed.build``.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

from .catalog import (
    ENTERPRISES,
    FIVE_G_DEMANDS,
    PROGRAMS,
    ROLES,
    SCHOOLS,
    STUDENT_INTERESTS,
    STUDENT_SKILLS,
    TOPICS,
)

ANCHOR = date(2026, 11, 1)
DATA_DIR = Path(__file__).resolve().parent / "data"
COURSES_PER_SCHOOL = 25
DEMAND_COUNT = 200
STUDENT_COUNT = 50
SCHOOL_CODES = ["LVTC", "LRVC", "LTI", "DGP", "DETS", "SLVC"]
FAMILY_NAMES = [
    "Li",
    "Wang",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Luo",
    "Liang",
]
GIVEN_NAMES = [
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Lei",
    "Yang",
    "Jun",
    "Tao",
    "Ming",
    "Chao",
    "Xia",
    "Hui",
    "Qiang",
    "Yan",
    "Bo",
    "Ling",
    "Hao",
    "Ting",
    "Kai",
]


def _months_ago(months: float) -> date:
    return ANCHOR - timedelta(days=round(months * 30.4))


def _school_topics(school: int) -> list[str]:
    """The school's program topics, then electives until it has COURSES_PER_SCHOOL courses."""
    topics: list[str] = []
    for _, _, _, _, keys in PROGRAMS[school]:
        topics.extend(k for k in keys if k not in topics)
    rng = random.Random(1000 + school)
    electives = [k for k in TOPICS if k not in topics and not k.endswith("_cn")]
    rng.shuffle(electives)
    topics.extend(electives[: COURSES_PER_SCHOOL - len(topics)])
    return topics


def build() -> dict[str, list[dict[str, object]]]:
    rng = random.Random(42)
    organizations = [
        {"kind": "enterprise", "name": n, "city": c, "industry": i} for n, c, i in ENTERPRISES
    ] + [{"kind": "school", "name": n, "city": c, "industry": "education"} for n, c, _ in SCHOOLS]

    courses, programs, codes = [], [], {}
    for s, (school, _, _) in enumerate(SCHOOLS):
        for n, key in enumerate(_school_topics(s), start=1):
            title, description, skills, outcomes, hours = TOPICS[key]
            code = f"{SCHOOL_CODES[s]}-{n:03d}"
            codes[(s, key)] = code
            courses.append(
                {
                    "school": school,
                    "code": code,
                    "title": title,
                    "description": description,
                    "skills": skills,
                    "outcomes": outcomes,
                    "hours": hours,
                    "created_at": _months_ago(rng.uniform(36, 72)).isoformat(),
                    "last_revised": _months_ago(rng.uniform(1, 30)).isoformat(),
                }
            )
        for name, level, graduates, description, keys in PROGRAMS[s]:
            programs.append(
                {
                    "school": school,
                    "name": name,
                    "level": level,
                    "annual_graduates": graduates,
                    "description": description,
                    "courses": [codes[(s, k)] for k in keys],
                }
            )

    demands = []
    for enterprise, title, description, skills, months, openings, kind in FIVE_G_DEMANDS:
        demands.append(
            {
                "enterprise": ENTERPRISES[enterprise][0],
                "kind": kind,
                "title": title,
                "description": description,
                "skills": skills,
                "openings": openings,
                "city": ENTERPRISES[enterprise][1],
                "posted_at": _months_ago(months).isoformat(),
            }
        )
    role_keys = sorted(ROLES)
    while len(demands) < DEMAND_COUNT:
        title, kind, description, skills, enterprises = ROLES[rng.choice(role_keys)]
        enterprise = ENTERPRISES[rng.choice(enterprises)]
        posted = _months_ago(rng.uniform(0, 24))
        record: dict[str, object] = {
            "enterprise": enterprise[0],
            "kind": kind,
            "title": title,
            "description": description,
            "skills": skills,
            "openings": rng.randint(1, 15),
            "city": enterprise[1],
            "posted_at": posted.isoformat(),
        }
        if rng.random() < 0.4:
            record["expires_at"] = (posted + timedelta(days=rng.randint(90, 180))).isoformat()
        demands.append(record)
    for n, record in enumerate(demands, start=1):
        record.update({"source": "demo", "external_id": f"demo-D{n:04d}"})

    students = []
    for n in range(1, STUDENT_COUNT + 1):
        s = rng.randrange(len(SCHOOLS))
        name, _, _, _, keys = rng.choice(PROGRAMS[s])
        taken = [codes[(s, k)] for k in keys if rng.random() < 0.85] or [codes[(s, keys[0])]]
        students.append(
            {
                "external_id": f"demo-S{n:03d}",
                "name": f"{rng.choice(FAMILY_NAMES)} {rng.choice(GIVEN_NAMES)}",
                "school": SCHOOLS[s][0],
                "program": name,
                "courses": taken,
                "skills": rng.sample(STUDENT_SKILLS, 2),
                "interests": rng.sample(STUDENT_INTERESTS, 2),
                "city": SCHOOLS[s][1],
                "consent": rng.random() < 0.8,
            }
        )
    return {
        "organizations": organizations,
        "courses": courses,
        "programs": programs,
        "demands": demands,
        "students": students,
    }


def write(data_dir: Path = DATA_DIR) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    for kind, records in build().items():
        with open(data_dir / f"{kind}.jsonl", "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    (data_dir / "meta.json").write_text(json.dumps({"anchor": ANCHOR.isoformat()}) + "\n")


if __name__ == "__main__":
    write()
