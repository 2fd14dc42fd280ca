"""Gap report benchmark: coverage quality on ESCO, and the cost of a region report at scale.

1. Evaluation on public data the project did not write: ESCO skills (``matcher/taxonomy``).
   Skills are drawn in neighbourhoods (a seed skill and its nearest ESCO neighbours, so that
   a skill held out is often next to one that is taught) plus some at random. Half of each
   neighbourhood is "taught": courses list those skills by their preferred labels and
   definitions. Every skill is "demanded" under another of its labels. The real pipeline runs
   (catalog import into a SQLite store, then ``GapAnalyzer.report``); each demand's coverage
   score is read off the report. Printed: AUROC of coverage (taught against held out), the
   threshold that maximises balanced accuracy on one half of the skills, and precision /
   recall of the covered decision on the other half, at that threshold and at the configured
   one. Also: how often two labels of one skill group together (pair recall) and how often a
   skill's label groups with a different skill's nearest label (false merges).
2. Scale: a region report over 50k demands and 5k courses (synthetic, from ESCO labels and
   definitions) with an empty embedding store, as a ratio of the time to encode the distinct
   skill phrases of those demands and courses directly; then the same report again (vectors
   stored), as a ratio too.

Run: ``make bench-gaps`` (a few minutes on 2 cores). ``--quick`` runs only the evaluation.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import insert

from bench.common import OUT, fresh_services
from matcher import clock
from matcher.catalog import CourseIn, DemandIn, OrganizationIn
from matcher.gaps import GapAnalyzer, GapRules
from matcher.language import VectorCache
from matcher.settings import load_settings
from matcher.taxonomy import EscoSkill, load_skills
from store import Course, Demand, Organization

NEIGHBOURHOODS, NEIGHBOURHOOD_SIZE, RANDOM_SKILLS, POOL = 80, 8, 400, 3000
SKILLS_PER_COURSE = 6


def auroc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """Probability that a positive outranks a negative (ties count half)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(positive, dtype=bool)
    pos, neg = s[y], s[~y]
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def precision_recall(
    scores: np.ndarray, positive: np.ndarray, threshold: float
) -> tuple[float, float]:
    decided = scores >= threshold
    true_positive = float((decided & positive).sum())
    return true_positive / max(1, decided.sum()), true_positive / max(1, positive.sum())


def best_threshold(scores: np.ndarray, positive: np.ndarray) -> float:
    """The threshold with the best balanced accuracy (mean of the two recalls)."""
    best, best_value = 0.5, -1.0
    for t in np.arange(0.30, 0.95, 0.01):
        decided = scores >= t
        value = (decided[positive].mean() + (~decided[~positive]).mean()) / 2
        if value > best_value:
            best, best_value = float(t), float(value)
    return round(best, 2)


def _sample(
    skills: list[EscoSkill], encoder_vectors: np.ndarray, rng: random.Random
) -> list[tuple[EscoSkill, bool]]:
    """(skill, taught) pairs: neighbourhoods split half taught, half held out, plus random."""
    pool = list(range(len(skills)))
    used: set[int] = set()
    chosen: list[tuple[EscoSkill, bool]] = []
    sims = encoder_vectors @ encoder_vectors.T
    for seed in rng.sample(pool, NEIGHBOURHOODS * 3):
        if len(chosen) >= NEIGHBOURHOODS * NEIGHBOURHOOD_SIZE:
            break
        if seed in used:
            continue
        order = [int(j) for j in np.argsort(-sims[seed]) if int(j) not in used]
        group = order[:NEIGHBOURHOOD_SIZE]
        used.update(group)
        rng.shuffle(group)
        half = len(group) // 2
        chosen.extend((skills[j], n < half) for n, j in enumerate(group))
    rest = [j for j in pool if j not in used]
    for n, j in enumerate(rng.sample(rest, RANDOM_SKILLS)):
        chosen.append((skills[j], n % 2 == 0))
    return chosen


def evaluate(rules: GapRules) -> None:
    rng = random.Random(2026)
    skills = rng.sample(load_skills(), POOL)
    services = fresh_services("gap-eval")
    encoder = services.encoder
    label_vectors = encoder.encode([s.label for s in skills])
    sample = _sample(skills, label_vectors, rng)
    taught = [s for s, t in sample if t]
    catalog = services.catalog
    catalog.create_many(
        "organizations",
        [OrganizationIn(kind="school", name="ESCO School")]
        + [OrganizationIn(kind="enterprise", name=f"Enterprise {n}") for n in range(10)],
    )
    courses = [
        CourseIn(
            school="ESCO School",
            code=f"ESCO-{n:03d}",
            title=f"Course {n}",
            skills=[s.label for s in taught[i : i + SKILLS_PER_COURSE]],
            outcomes=[s.definition[:200] for s in taught[i : i + SKILLS_PER_COURSE]],
            created_at="2020-01-01",
        )
        for n, i in enumerate(range(0, len(taught), SKILLS_PER_COURSE))
    ]
    catalog.create_many("courses", courses)
    today = clock.today()
    demands = [
        DemandIn(
            enterprise=f"Enterprise {n % 10}",
            kind="job",
            title=f"Position {n}",
            skills=[skill.alternative],
            posted_at=(today - timedelta(days=rng.randint(0, 600))).isoformat(),
        )
        for n, (skill, _) in enumerate(sample)
    ]
    ids = catalog.create_many("demands", demands)
    start = time.perf_counter()
    report = GapAnalyzer(services.db, services.vectors, rules).report()
    elapsed = time.perf_counter() - start
    coverage_of = {d: item["coverage"] for item in report["items"] for d in item["demand_ids"]}
    scores = np.array([coverage_of[i] for i in ids])
    positive = np.array([t for _, t in sample])
    neighbourhood = np.arange(len(sample)) < len(sample) - RANDOM_SKILLS
    tune = np.zeros(len(sample), dtype=bool)
    tune[rng.sample(range(len(sample)), len(sample) // 2)] = True
    threshold = best_threshold(scores[tune], positive[tune])
    test = ~tune
    print(
        f"ESCO coverage evaluation: {len(sample)} skills ({positive.sum()} taught in "
        f"{len(courses)} courses, {(~positive).sum()} held out), report in {elapsed:.1f}s"
    )
    print(
        f"  AUROC all {auroc(scores, positive):.3f} | neighbourhoods "
        f"{auroc(scores[neighbourhood], positive[neighbourhood]):.3f} | random "
        f"{auroc(scores[~neighbourhood], positive[~neighbourhood]):.3f}  (target >= 0.90)"
    )
    for name, t in (("tuned on half A", threshold), ("configured", rules.cover_threshold)):
        p, r = precision_recall(scores[test], positive[test], t)
        gap_p, gap_r = precision_recall(-scores[test], ~positive[test], -t + 1e-9)
        print(
            f"  threshold {t:.2f} ({name}), on half B: covered precision {p:.3f} recall {r:.3f}"
            f" | gap precision {gap_p:.3f} recall {gap_r:.3f}"
        )
    pairs = encoder.encode([s.alternative for s, _ in sample])
    labels = encoder.encode([s.label for s, _ in sample])
    same = (pairs * labels).sum(axis=1)
    cross = labels @ pairs.T
    np.fill_diagonal(cross, -1)
    for t in sorted({0.7, 0.75, 0.8, 0.85, rules.group_threshold}):
        mark = " (configured)" if t == rules.group_threshold else ""
        print(
            f"  grouping at {t:.2f}{mark}: two labels of one skill grouped "
            f"{(same >= t).mean():.3f} | a label grouped with another skill's nearest label "
            f"{(cross.max(axis=1) >= t).mean():.3f}"
        )
    services.close()


def _scale_rows(rng: random.Random, skills: list[EscoSkill], demands: int, courses: int):
    now = datetime.now(UTC)
    organizations = [
        {"id": n + 1, "kind": "enterprise", "name": f"E{n}", "city": "Liuzhou", "industry": "x"}
        for n in range(200)
    ] + [
        {"id": 201 + n, "kind": "school", "name": f"S{n}", "city": "Liuzhou", "industry": "edu"}
        for n in range(20)
    ]
    demand_rows = []
    for i in range(1, demands + 1):
        asked = rng.sample(skills, 4)
        demand_rows.append(
            {
                "id": i,
                "enterprise_id": rng.randint(1, 200),
                "kind": "job",
                "title": f"{asked[0].label.capitalize()} specialist",
                "description": asked[1].definition,
                "skills": [s.alternative for s in asked],
                "openings": rng.randint(1, 10),
                "posted_at": now - timedelta(days=rng.randint(0, 700)),
                "status": "active",
                "source": "bench",
                "external_id": f"g{i}",
            }
        )
    course_rows = []
    for i in range(1, courses + 1):
        taught = rng.sample(skills, SKILLS_PER_COURSE)
        course_rows.append(
            {
                "id": i,
                "school_id": 201 + i % 20,
                "code": f"C{i}",
                "title": f"{taught[0].label.capitalize()} and related practice",
                "description": taught[1].definition,
                "skills": [s.label for s in taught],
                "outcomes": [s.definition for s in taught[:2]],
                "created_at": now - timedelta(days=rng.randint(100, 2000)),
            }
        )
    return organizations, demand_rows, course_rows


def scale(rules: GapRules, demands: int = 50_000, courses: int = 5_000) -> None:
    rng = random.Random(7)
    skills = load_skills()
    services = fresh_services("gap-scale")
    organizations, demand_rows, course_rows = _scale_rows(rng, skills, demands, courses)
    with services.db.session() as session:
        session.execute(insert(Organization), organizations)
        session.execute(insert(Demand), demand_rows)
        session.execute(insert(Course), course_rows)
    phrases = sorted(
        {p for r in demand_rows for p in r["skills"]}
        | {p for r in course_rows for p in [*r["skills"], *r["outcomes"]]}
    )
    model = services.encoder.load()
    model.encode(phrases[:64], batch_size=64)  # warm up
    start = time.perf_counter()
    model.encode(phrases, batch_size=services.encoder.batch_size, normalize_embeddings=True)
    raw = time.perf_counter() - start
    analyzer = GapAnalyzer(services.db, VectorCache(services.encoder), rules)
    start = time.perf_counter()
    report = analyzer.report()
    cold = time.perf_counter() - start
    analyzer = GapAnalyzer(services.db, VectorCache(services.encoder), rules)
    start = time.perf_counter()
    analyzer.report()
    warm = time.perf_counter() - start
    print(
        f"region report, {demands} demands x {courses} courses ({report['summary']['skills']} "
        f"skills, {report['summary']['gaps']} gaps): encode {len(phrases)} distinct skill "
        f"phrases {raw:.0f}s | report, empty vector store {cold:.0f}s (ratio {cold / raw:.2f}) "
        f"| report again, vectors stored {warm:.0f}s (ratio {warm / raw:.2f})"
    )
    services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the ESCO evaluation")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    rules = GapRules.from_settings(load_settings())
    evaluate(rules)
    if not args.quick:
        scale(rules)


if __name__ == "__main__":
    main()
