"""Synthetic consortium data at scale, from the demo's vocabulary, in the import file format.

``python -m bench.generate 100k --out bench/out/data-100k`` writes ``organizations.jsonl``,
``courses.jsonl``, ``programs.jsonl``, ``demands.jsonl`` and ``students.jsonl``, which
``talentmatch import KIND FILE`` (or ``Catalog.create_many``) loads in that order. Sizes are
counted in postings: ``10k``, ``100k``, ``1m`` or a number.

What makes it realistic rather than N copies of the demo: postings are the demo's roles
(``seed/catalog.py``) at enterprises of their industries across twelve cities, with seniority in
a job's title, a varying share of the role's skills plus now and then a skill of a neighbouring
role, openings, posting dates over two years and expiry for some; schools teach the demo's
course topics and run its programs; students take most of their program's courses. Every
posting text is distinct (site, shift and a reference), as on a real board. Proportions per
posting: one enterprise per 200, one school per 2,500, one student per 10.

Texts only: encoding them is left to the import (at 1M, a benchmark may store synthetic vectors
instead of encoding a million texts; it says so where it does).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from seed.build import _school_topics
from seed.catalog import (
    ENTERPRISES,
    PROGRAMS,
    ROLES,
    SCHOOLS,
    STUDENT_INTERESTS,
    STUDENT_SKILLS,
    TOPICS,
)

CITIES = [
    "Liuzhou", "Dongguan", "Nanning", "Guilin", "Foshan", "Shenzhen",
    "Zhuhai", "Beihai", "Wuzhou", "Zhongshan", "Yulin", "Huizhou",
]  # fmt: skip
SENIORITY = ["", "", "", "Senior ", "Junior ", "Assistant ", "Lead "]
SHIFTS = ["day shift", "two shifts", "night shift", "flexible hours"]
SITES = ["plant", "workshop", "service centre", "assembly base", "R&D site", "warehouse"]
POSTINGS_PER_ENTERPRISE, POSTINGS_PER_SCHOOL, POSTINGS_PER_STUDENT = 200, 2500, 10
KINDS = ("organizations", "courses", "programs", "demands", "students")


def parse_size(text: str) -> int:
    """``10k``, ``100k``, ``1m`` or a plain number of postings."""
    value = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(value[-1:], 1)
    digits = value[:-1] if factor > 1 else value
    if not digits.isdigit() or int(digits) * factor < 1:
        raise ValueError(f"size {text!r}: give a number of postings such as 10k, 100k or 1m")
    return int(digits) * factor


class Consortium:
    """The organizations of a consortium of ``postings`` postings, and its records."""

    def __init__(self, postings: int, seed: int = 2026, today: date | None = None) -> None:
        self.postings = postings
        self.rng = random.Random(seed)
        self.today = today or date.today()
        count = max(len(ENTERPRISES), postings // POSTINGS_PER_ENTERPRISE)
        # (name, city, industry, index of the demo enterprise it is modelled on)
        self.enterprises = [self._enterprise(n) for n in range(count)]
        self.by_model: dict[int, list[int]] = {}
        for n, (_, _, _, model) in enumerate(self.enterprises):
            self.by_model.setdefault(model, []).append(n)
        count = max(len(SCHOOLS), postings // POSTINGS_PER_SCHOOL)
        self.schools = [self._school(n) for n in range(count)]

    def _enterprise(self, n: int) -> tuple[str, str, str, int]:
        model = n % len(ENTERPRISES)
        name, city, industry = ENTERPRISES[model]
        if n < len(ENTERPRISES):
            return name, city, industry, model
        city = self.rng.choice(CITIES)
        return f"{name.removesuffix('.')} {city} {n // len(ENTERPRISES)}", city, industry, model

    def _school(self, n: int) -> tuple[str, str, int]:
        model = n % len(SCHOOLS)
        name, city, _ = SCHOOLS[model]
        if n < len(SCHOOLS):
            return name, city, model
        city = self.rng.choice(CITIES)
        return f"{city} {name.split(' ', 1)[1]} No. {n // len(SCHOOLS)}", city, model

    def _code(self, school: int, topic: int) -> str:
        return f"G{school:04d}-{topic:03d}"

    def organizations(self) -> Iterator[dict[str, Any]]:
        for name, city, industry, _ in self.enterprises:
            yield {"kind": "enterprise", "name": name, "city": city, "industry": industry}
        for name, city, _ in self.schools:
            yield {"kind": "school", "name": name, "city": city, "industry": "education"}

    def courses(self) -> Iterator[dict[str, Any]]:
        for s, (school, _, model) in enumerate(self.schools):
            for n, key in enumerate(_school_topics(model), start=1):
                title, description, skills, outcomes, hours = TOPICS[key]
                yield {
                    "school": school,
                    "code": self._code(s, n),
                    "title": title,
                    "description": description,
                    "skills": skills,
                    "outcomes": outcomes,
                    "hours": hours,
                    "created_at": self._days_ago(self.rng.randint(400, 2000)),
                }

    def programs(self) -> Iterator[dict[str, Any]]:
        for s, (school, _, model) in enumerate(self.schools):
            position = {key: n for n, key in enumerate(_school_topics(model), start=1)}
            for name, level, graduates, description, keys in PROGRAMS[model]:
                yield {
                    "school": school,
                    "name": name,
                    "level": level,
                    "annual_graduates": graduates,
                    "description": description,
                    "courses": [self._code(s, position[k]) for k in keys],
                }

    def demands(self) -> Iterator[dict[str, Any]]:
        roles = [ROLES[key] for key in sorted(ROLES)]
        for n in range(1, self.postings + 1):
            title, kind, description, skills, models = self.rng.choice(roles)
            enterprise = self.enterprises[self.rng.choice(self.by_model[self.rng.choice(models)])]
            asked = [s for s in skills if self.rng.random() < 0.85] or skills[:1]
            if self.rng.random() < 0.2:
                asked.append(self.rng.choice(self.rng.choice(roles)[3]))
            posted = self.rng.randint(0, 730)
            record: dict[str, Any] = {
                "enterprise": enterprise[0],
                "kind": kind,
                "title": f"{self.rng.choice(SENIORITY) if kind == 'job' else ''}{title}",
                "description": f"{description} {self.rng.choice(SITES).capitalize()} in "
                f"{enterprise[1]}, {self.rng.choice(SHIFTS)}. Ref {n:07d}.",
                "skills": list(dict.fromkeys(asked)),
                "openings": self.rng.randint(1, 30),
                "city": enterprise[1],
                "posted_at": self._days_ago(posted),
                "source": "generated",
                "external_id": f"gen-D{n:07d}",
            }
            if self.rng.random() < 0.4:
                record["expires_at"] = self._days_ago(posted - self.rng.randint(60, 180))
            yield record

    def students(self) -> Iterator[dict[str, Any]]:
        for n in range(1, max(1, self.postings // POSTINGS_PER_STUDENT) + 1):
            s = self.rng.randrange(len(self.schools))
            school, city, model = self.schools[s]
            position = {key: i for i, key in enumerate(_school_topics(model), start=1)}
            name, _, _, _, keys = self.rng.choice(PROGRAMS[model])
            taken = [k for k in keys if self.rng.random() < 0.85] or keys[:1]
            yield {
                "external_id": f"gen-S{n:07d}",
                "school": school,
                "program": name,
                "courses": [self._code(s, position[k]) for k in taken],
                "skills": self.rng.sample(STUDENT_SKILLS, 2),
                "interests": self.rng.sample(STUDENT_INTERESTS, 2),
                "city": city,
                "consent": self.rng.random() < 0.8,
            }

    def _days_ago(self, days: int) -> str:
        return (self.today - timedelta(days=days)).isoformat()

    def records(self, kind: str) -> Iterator[dict[str, Any]]:
        return {
            "organizations": self.organizations,
            "courses": self.courses,
            "programs": self.programs,
            "demands": self.demands,
            "students": self.students,
        }[kind]()


def write(consortium: Consortium, folder: Path, progress: bool = True) -> dict[str, int]:
    """Write every kind's file into ``folder``; returns the records written per kind."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for kind in KINDS:
        with open(folder / f"{kind}.jsonl", "w", encoding="utf-8") as fh:
            counts[kind] = _write_lines(consortium.records(kind), fh, kind, progress)
    return counts


def _write_lines(records: Iterator[dict[str, Any]], fh: TextIO, kind: str, progress: bool) -> int:
    count = 0
    with tqdm(desc=kind, unit="record", file=sys.stderr, disable=not progress or None) as bar:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
            bar.update()
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("size", help="postings: 10k, 100k, 1m or a number")
    parser.add_argument("--out", type=Path, help="folder (default bench/out/data-SIZE)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    try:
        postings = parse_size(args.size)
    except ValueError as exc:
        parser.exit(2, f"error: {exc}\n")
    folder = args.out or Path(__file__).parent / "out" / f"data-{args.size.lower()}"
    try:
        counts = write(Consortium(postings, args.seed), folder)
    except OSError as exc:
        parser.exit(1, f"error: cannot write {folder}: {exc.strerror or exc}\n")
    print(f"{folder}: " + ", ".join(f"{n:,} {kind}" for kind, n in counts.items()))


if __name__ == "__main__":
    main()
