"""Occupation-level gap detection: which title-only postings does no course prepare for?

ESCO occupations are drawn in neighbourhoods of four by title similarity (so an untaught
occupation often sits next to a taught one: "credit risk analyst" beside "insurance risk
consultant"). Whole neighbourhoods are held out: a third are taught entirely, a third not at
all, a third half and half. A taught occupation is a course named and described after it
(ESCO preferred label and description); every occupation, taught or not, is a posting titled
with one of its *alternative* titles and nothing else. The real pipeline runs (catalog import
into SQLite, then ``GapAnalyzer.report``) and each posting's coverage is read off the report.

Printed, per split (``matcher.taxonomy.evaluation_split`` of the posting's occupation): AUROC
of the product's coverage and of max-cosine (the posting's whole-text vector against every
course's, best match), and precision / recall of the covered decision on test at the
threshold with the best balanced accuracy on dev and at the configured one.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import numpy as np

from bench.common import fresh_services
from bench.gaps import auroc, best_threshold
from bench.quality.run import unlist_titles
from embeddings import Encoder
from matcher.catalog import CourseIn, DemandIn, OrganizationIn
from matcher.gaps import GapAnalyzer, GapRules
from matcher.taxonomy import Occupation, evaluation_split, load_occupations

NEIGHBOURHOODS, SIZE = 180, 4
SCHOOL, ENTERPRISE = "ESCO Vocational College", "ESCO Employers Ltd"


@dataclass
class GapOutcome:
    split: str
    taught: bool
    coverage: float
    covered: bool  # the report's decision at the configured thresholds
    max_cosine: float
    base_max_cosine: float | None  # with the untuned default model, when another is evaluated


def _neighbourhoods(
    occupations: list[Occupation], vectors: np.ndarray, rng: random.Random
) -> list[list[int]]:
    sims = vectors @ vectors.T
    used: set[int] = set()
    groups: list[list[int]] = []
    for seed in rng.sample(range(len(occupations)), len(occupations)):
        if len(groups) == NEIGHBOURHOODS:
            break
        if seed not in used:
            group = [int(j) for j in np.argsort(-sims[seed]) if int(j) not in used][:SIZE]
            used.update(group)
            groups.append(group)
    return groups


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _max_cosine(encoder: Encoder, titles: list[str], course_texts: list[str]) -> np.ndarray:
    return np.asarray((encoder.encode(titles) @ encoder.encode(course_texts).T).max(axis=1))


def run(rules: GapRules, base_encoder: Encoder | None = None, seed: int = 7) -> list[GapOutcome]:
    rng = random.Random(seed)
    occupations = list(load_occupations())
    services = fresh_services("quality-occupation-gaps")
    encoder = services.encoder
    # drawn with the shipped model whatever model is evaluated, so every model sees one set
    grouping = base_encoder or encoder
    groups = _neighbourhoods(occupations, grouping.encode([o.label for o in occupations]), rng)
    taught: set[int] = set()
    for n, group in enumerate(groups):
        taught.update(group if n % 3 == 1 else group[:2] if n % 3 == 2 else [])
    services.catalog.create_many(
        "organizations",
        [
            OrganizationIn(kind="school", name=SCHOOL),
            OrganizationIn(kind="enterprise", name=ENTERPRISE),
        ],
    )
    course_texts = []
    courses = []
    for n, j in enumerate(sorted(taught)):
        title, description = _capital(occupations[j].label), occupations[j].description
        courses.append(
            CourseIn(
                school=SCHOOL,
                code=f"OCC-{n:04d}",
                title=title,
                description=description,
                created_at="2020-01-01",
            )
        )
        course_texts.append(f"{title}. {description}")
    services.catalog.create_many("courses", courses)
    asked = [(j, _capital(rng.choice(occupations[j].alternatives))) for g in groups for j in g]
    ids = services.catalog.create_many(
        "demands",
        [
            DemandIn(enterprise=ENTERPRISE, kind="job", title=title, posted_at="2026-01-05")
            for _, title in asked
        ],
    )
    unlist_titles(services, [title for _, title in asked])
    start = time.perf_counter()
    report = GapAnalyzer(services.db, services.vectors, rules, services.occupations).report()
    elapsed = time.perf_counter() - start
    coverage_of = {d: item["coverage"] for item in report["items"] for d in item["demand_ids"]}
    covered_ids = {d for item in report["items"] if item["covered"] for d in item["demand_ids"]}
    titles = [title for _, title in asked]
    max_cosine = _max_cosine(encoder, titles, course_texts)
    base = _max_cosine(base_encoder, titles, course_texts) if base_encoder else None
    services.close()
    print(
        f"# occupation gaps: {len(groups)} neighbourhoods of {SIZE} ESCO occupations, "
        f"{len(courses)} taught as courses, {len(asked)} title-only postings; report in "
        f"{elapsed:.1f}s",
        flush=True,
    )
    return [
        GapOutcome(
            evaluation_split(occupations[j].uri),
            j in taught,
            coverage_of.get(demand_id, 0.0),
            demand_id in covered_ids,
            float(max_cosine[n]),
            None if base is None else float(base[n]),
        )
        for n, ((j, _), demand_id) in enumerate(zip(asked, ids, strict=True))
    ]


def report(outcomes: list[GapOutcome], rules: GapRules) -> None:
    def arrays(split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        chosen = [o for o in outcomes if o.split == split]
        return (
            np.array([o.coverage for o in chosen]),
            np.array([o.max_cosine for o in chosen]),
            np.array([o.taught for o in chosen]),
        )

    print("occupation-level gaps: AUROC of coverage (taught against not taught)")
    for split in ("dev", "test"):
        ours, base, taught = arrays(split)
        chosen = [o for o in outcomes if o.split == split]
        untuned = [o.base_max_cosine for o in chosen if o.base_max_cosine is not None]
        base_model = (
            f" | base-model max-cosine {auroc(untuned, taught):.3f}"
            if len(untuned) == len(chosen)
            else ""
        )
        print(
            f"  {split:<4} n {len(taught):>4}: max-cosine {auroc(base, taught):.3f} | "
            f"talentmatch {auroc(ours, taught):.3f}{base_model}"
        )
    dev_scores, _, dev_taught = arrays("dev")
    scores, _, taught = arrays("test")
    chosen = best_threshold(dev_scores, dev_taught)
    decided = np.array([o.covered for o in outcomes if o.split == "test"])
    for name, covered in (
        (f"at {chosen:.2f}, best on dev", scores >= chosen),
        (
            f"as reported (GAP_ROLE_COVER_THRESHOLD {rules.role_cover_threshold:.2f}, "
            f"GAP_COVER_THRESHOLD {rules.cover_threshold:.2f})",
            decided,
        ),
    ):
        p, r = _precision_recall(covered, taught)
        gap_p, gap_r = _precision_recall(~covered, ~taught)
        print(
            f"  test {name}: covered precision {p:.3f} recall {r:.3f} | "
            f"gap precision {gap_p:.3f} recall {gap_r:.3f}"
        )


def _precision_recall(decided: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    hits = float((decided & truth).sum())
    return hits / max(int(decided.sum()), 1), hits / max(int(truth.sum()), 1)
