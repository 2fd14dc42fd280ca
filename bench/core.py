"""Core benchmark: ingest throughput and match latency, as ratios measured in one run.

1. Encode throughput of the service's ingest path (hash, store lookup, encode, store write)
   against raw ``SentenceTransformer.encode`` on the same texts. Target: ratio >= 0.8.
2. Match latency (free text → demands, full ranking with skill-by-skill explanation) at 1k, 10k
   and 100k demands, against the raw cost of encoding one query and searching the same faiss
   index (target: match p95 < 2 x raw p95), and against the core ranking without the lexical
   channel and word overlap (target: hybrid <= 1.5 x core).

Demands are synthetic postings built from the demo's roles, enterprises and cities. Like real
job boards they repeat texts (the same role posted by many firms), so 100k demands hold about
6k distinct texts; the ingest path encodes each distinct text once.
Run: ``make bench`` (about 3-5 minutes on 2 cores).
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import insert

from api.wiring import Services
from bench.common import OUT, fresh_services
from matcher.language import content_hash, demand_text
from matcher.search import FusionWeights, Matcher
from seed.catalog import ENTERPRISES, ROLES, TOPICS
from store import Demand, Organization

SIZES = (1_000, 10_000, 100_000)
QUERIES = 200
CITIES = ["Liuzhou", "Dongguan", "Nanning", "Guilin", "Shenzhen", "Foshan"]
LEVELS = ["", "Senior ", "Junior ", "Lead ", "Assistant ", "Trainee "]


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def bench_ingest() -> None:
    phrases = sorted({s for t in TOPICS.values() for s in t[2] + t[3]})
    rng = random.Random(7)
    texts = [
        f"{rng.choice(list(ROLES.values()))[0]} needed. Skills: "
        + "; ".join(rng.sample(phrases, 4))
        + f". Ref {i}."
        for i in range(3000)
    ]
    services = fresh_services("ingest")
    model = services.encoder.load()
    model.encode(texts[:64], batch_size=64)  # warm up
    start = time.perf_counter()
    model.encode(texts, batch_size=services.encoder.batch_size, normalize_embeddings=True)
    raw = time.perf_counter() - start
    start = time.perf_counter()
    with services.db.session() as session:
        services.vectors.vectors(session, texts, persist=True)
    ingest = time.perf_counter() - start
    print(
        f"ingest: {len(texts)} texts  raw {len(texts) / raw:.0f}/s  "
        f"service {len(texts) / ingest:.0f}/s  ratio {raw / ingest:.2f} (target >= 0.80)"
    )
    services.close()


def _synthetic_demands(count: int, start_id: int, rng: random.Random) -> list[dict[str, object]]:
    roles = list(ROLES.values())
    now = datetime.now(UTC)
    rows = []
    for i in range(start_id, start_id + count):
        title, kind, description, skills, _ = rng.choice(roles)
        demand = Demand(
            title=f"{rng.choice(LEVELS)}{title}",
            description=description,
            skills=list(skills),
        )
        text = demand_text(demand) + f" Location: {rng.choice(CITIES)}."
        rows.append(
            {
                "id": i,
                "enterprise_id": rng.randint(1, len(ENTERPRISES)),
                "kind": kind,
                "title": demand.title,
                "description": description + f" Location: {rng.choice(CITIES)}.",
                "skills": list(skills),
                "openings": rng.randint(1, 10),
                "city": rng.choice(CITIES),
                "posted_at": now - timedelta(days=rng.randint(0, 700)),
                "status": "active",
                "source": "bench",
                "external_id": f"b{i}",
                "text_hash": None,
                "_text": text,
            }
        )
    return rows


def bench_latency() -> None:
    services = fresh_services("latency")
    rng = random.Random(11)
    with services.db.session() as session:
        session.execute(
            insert(Organization),
            [
                {"id": i, "kind": "enterprise", "name": n, "city": c, "industry": ind}
                for i, (n, c, ind) in enumerate(ENTERPRISES, start=1)
            ],
        )
    vocabulary = sorted({s for r in ROLES.values() for s in r[3]})
    # Distinct queries, none repeated across sizes: every match pays for encoding its text.
    distinct: dict[str, None] = {}
    while len(distinct) < (QUERIES + 20) * len(SIZES):
        distinct[", ".join(rng.sample(vocabulary, rng.randint(1, 3)))] = None
    all_queries = list(distinct)
    total = 0
    for round_number, size in enumerate(SIZES):
        per_round = QUERIES + 20
        queries = all_queries[round_number * per_round : (round_number + 1) * per_round]
        rows = _synthetic_demands(size - total, total + 1, rng)
        start = time.perf_counter()
        with services.db.session() as session:
            for row in rows:
                demand = Demand(
                    title=row["title"], description=row["description"], skills=row["skills"]
                )
                text = demand_text(demand)
                row["text_hash"] = content_hash(text)
                row["_text"] = text
            services.vectors.vectors(
                session,
                list({r["text_hash"]: r["_text"] for r in rows}.values())
                + sorted({s for r in rows for s in r["skills"]}),
                persist=True,
            )
            session.execute(
                insert(Demand), [{k: v for k, v in r.items() if k != "_text"} for r in rows]
            )
        services.index.sync(only=None)
        total = size
        loaded = time.perf_counter() - start
        index = services.index.collection("demands")
        model = services.encoder.load()
        for q in queries[:20]:  # warm up both paths (other queries than those measured)
            services.matcher.match_text(q, "demands", k=10)
        core = _core_matcher(services)
        raw_times, match_times, core_times = [], [], []
        for n, q in enumerate(queries[20:]):
            t0 = time.perf_counter()
            vector = model.encode([q], normalize_embeddings=True)
            index.search(vector, 10)
            raw_times.append(time.perf_counter() - t0)
            # each query is matched once (uncached), alternately by the two rankings
            matcher, times = (services.matcher, match_times) if n % 2 else (core, core_times)
            t0 = time.perf_counter()
            matcher.match_text(q, "demands", k=10)
            times.append(time.perf_counter() - t0)
        raw95, match95 = _percentile(raw_times, 95), _percentile(match_times, 95)
        core50, core95 = statistics.median(core_times), _percentile(core_times, 95)
        match50 = statistics.median(match_times)
        print(
            f"match @ {size:>6} demands ({index.type}, loaded in {loaded:.0f}s): "
            f"p50 {match50 * 1000:.1f} ms  p95 {match95 * 1000:.1f} ms | "
            f"raw encode+search p50 {statistics.median(raw_times) * 1000:.1f} ms "
            f"p95 {raw95 * 1000:.1f} ms | p95 ratio {match95 / raw95:.2f} (target < 2)\n"
            f"    against the core ranking (dense + skills, no lexical channel): p50 "
            f"{core50 * 1000:.1f} ms  p95 {core95 * 1000:.1f} ms | ratio p50 "
            f"{match50 / core50:.2f}  p95 {match95 / core95:.2f} (target <= 1.5)"
        )
    services.close()


def _core_matcher(services: Services) -> Matcher:
    """The ranking of the core issue, for comparison: whole-text candidates re-ranked skill by
    skill on cosine alone, without the lexical channel."""
    m = services.matcher
    return Matcher(
        m.db,
        m.vectors,
        m.index,
        m.lexical,
        candidate_pool=m.candidate_pool,
        weights=FusionWeights(0.0, m.weights.skill),
        cover_threshold=m.cover_threshold,
        skill_lexical_weight=0.0,
    )


def main() -> None:
    OUT.mkdir(exist_ok=True)
    bench_ingest()
    bench_latency()


if __name__ == "__main__":
    main()
