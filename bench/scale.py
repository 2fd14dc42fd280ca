"""Scale benchmark: a province's postings on each vector backend, measured in one run.

For each backend (faiss files, pgvector tables) and size (10k, 100k, 1M postings), on a fresh
PostgreSQL database with a consortium from ``bench.generate``:

- **import**: postings per second through ``talentmatch import``'s path (``import_file``: parse,
  validate, write in one transaction, index the new records);
- **index build**: seconds to rebuild the demands index from stored vectors (``talentmatch
  index`` after the index is lost), and the memory the index takes (faiss: its files, mapped;
  pgvector: table and IVFFlat index, ``pg_total_relation_size``);
- **recall@10** of the index against exact search over the same vectors;
- **raw floor**: encoding one query plus one vector search at that size, in process;
- **match** (``POST /api/v1/match``, free text against demands, full ranking and explanation)
  over HTTP against ``talentmatch serve --workers 4``: one client, then 8 concurrent clients;
  and the same ranking in process, to set against the floor (target: p95 <= 1.5x the floor);
- **write**: ``POST /api/v1/demands`` with an admin's token, then the next match must return the
  new posting (every one is checked);
- **worker memory**: after those, the resident memory of one serving worker (mean) and of all
  workers with shared pages counted once (PSS, from ``/proc/<pid>/smaps_rollup``).

Then the growth from the smallest to the largest size of match p95 and write p95 (target <= 3x).

What is synthetic: posting texts come from the demo's vocabulary (``bench.generate``), and their
vectors are not encoded one by one (a million texts would take hours on 2 cores): each is
composed from real encodings of its parts (its role's title and description and each skill it
asks) plus a little noise, and stored before the import, so the import finds them stored as it
would after a re-import. Queries and written postings are encoded for real. Students are not
imported: postings are what grows.

Run: ``make bench-scale`` (``SIZES=10k,100k`` and ``BACKENDS=faiss`` narrow it; 1M takes about
an hour per backend on 2 cores). Needs PostgreSQL (``BENCH_DATABASE_URL``, default the local
``test`` database, on which a database per run is created and dropped) and, for pgvector, the
``vector`` extension.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import requests
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from tqdm import tqdm

from api.wiring import Services
from bench.common import OUT
from bench.generate import Consortium, parse_size, write
from embeddings import PgVectorCollection
from matcher.catalog import parse_input
from matcher.catalog.importing import import_file
from matcher.language import VectorCache, content_hash, demand_text
from matcher.settings import load_settings
from seed.catalog import ROLES
from store import Demand, Organization
from store.models import TextEmbedding

QUERIES = 200
CONCURRENT = 8
WORKERS = 4
WRITES = 40
RECALL_QUERIES = 100
ADMIN_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass
class Row:
    """The figures of one backend at one size."""

    backend: str
    postings: int
    import_per_s: float = 0.0
    build_s: float = 0.0
    index_mb: float = 0.0
    recall_at_10: float = 0.0
    floor_p50_ms: float = 0.0
    floor_p95_ms: float = 0.0
    inproc_p50_ms: float = 0.0
    inproc_p95_ms: float = 0.0
    http1_p50_ms: float = 0.0
    http1_p95_ms: float = 0.0
    http8_p50_ms: float = 0.0
    http8_p95_ms: float = 0.0
    http8_per_s: float = 0.0
    write_p50_ms: float = 0.0
    write_p95_ms: float = 0.0
    writes_visible: str = ""
    worker_rss_mb: float = 0.0  # mean resident memory of one serving worker
    workers_pss_mb: float = 0.0  # all workers, shared pages counted once between them
    notes: list[str] = field(default_factory=list)


def _ms(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1000


# -- data ------------------------------------------------------------------------------------


class ComposedVectors:
    """Vectors of generated postings, composed from real encodings of their parts."""

    def __init__(self, vectors: VectorCache, services: Services) -> None:
        self.vectors = vectors
        self.rng = np.random.default_rng(5)
        parts = {title for title, *_ in ROLES.values()}
        parts |= {description for _, _, description, _, _ in ROLES.values()}
        parts |= {skill for *_, skills, _ in ROLES.values() for skill in skills}
        names = sorted(parts)
        with services.db.session() as session:
            encoded = vectors.vectors(session, names, persist=False)
        self.of = dict(zip(names, encoded, strict=True))
        self.base_title = {title: title for title, *_ in ROLES.values()}

    def compose(self, title: str, description: str, skills: Sequence[str]) -> np.ndarray:
        base = next((t for t in self.base_title if title.endswith(t)), None)
        vector = self.of[base] if base else np.zeros_like(next(iter(self.of.values())))
        known = [self.of[s] for s in skills if s in self.of]
        if known:
            vector = vector + np.mean(known, axis=0)
        role = next((d for d in self.of if description.startswith(d) and len(d) > 40), None)
        if role:
            vector = vector + 0.5 * self.of[role]
        vector = vector + self.rng.normal(0.0, 0.03, vector.shape)
        return (vector / np.linalg.norm(vector)).astype(np.float32)


def _store_demand_vectors(services: Services, composed: ComposedVectors, path: Path) -> int:
    """Store a composed vector for the text of every posting in ``path``; returns how many."""
    rows: list[dict[str, Any]] = []
    stored = 0
    model = services.vectors.model
    with open(path, encoding="utf-8") as fh:
        for line in tqdm(fh, desc="composing vectors", unit="posting", file=sys.stderr):
            record = parse_input("demands", json.loads(line))
            fields = record.model_dump()
            demand = Demand(
                title=fields["title"], description=fields["description"], skills=fields["skills"]
            )
            vector = composed.compose(demand.title, demand.description or "", demand.skills)
            rows.append(
                {
                    "model": model,
                    "content_hash": content_hash(demand_text(demand)),
                    "dimension": int(vector.shape[0]),
                    "vector": vector.tobytes(),
                }
            )
            if len(rows) >= 20_000:
                stored += _insert_vectors(services, rows)
                rows = []
    return stored + _insert_vectors(services, rows)


def _insert_vectors(services: Services, rows: list[dict[str, Any]]) -> int:
    if rows:
        with services.db.session() as session:
            session.execute(insert(TextEmbedding), rows)
    return len(rows)


# -- databases and servers -------------------------------------------------------------------


@contextmanager
def _database() -> Iterator[str]:
    admin = make_url(ADMIN_URL).set(drivername="postgresql+psycopg")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    name = f"tm_scale_{uuid.uuid4().hex[:10]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _kb(pid: int, field: str) -> int:
    """A field of ``/proc/<pid>/smaps_rollup`` in kB (Rss, Pss: Pss shares each shared page
    among the processes mapping it)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _worker_memory(server_pid: int, row: Row) -> None:
    """Memory of the serving workers (gunicorn's children), after they have served."""
    workers = _children(server_pid)
    if workers:
        row.worker_rss_mb = sum(_kb(w, "Rss") for w in workers) / len(workers) / 1024
        row.workers_pss_mb = sum(_kb(w, "Pss") for w in workers) / 1024
        row.notes.append(f"{len(workers)} workers")


@contextmanager
def _server(settings: dict[str, str]) -> Iterator[tuple[str, int]]:
    """``talentmatch serve --workers 4`` on 127.0.0.1 (its URL and process id), stopped on
    leaving."""
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    env.update({f"TALENTMATCH_{k}": v for k, v in settings.items()})
    log = open(OUT / "scale-server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", "--port", str(port), "--workers", str(WORKERS)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if requests.get(f"{base}/api/v1/openapi.json", timeout=5).status_code < 500:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start; see {OUT / 'scale-server.log'}")
            time.sleep(1)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# -- measurements ----------------------------------------------------------------------------


def _queries(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    vocabulary = sorted({s for *_, skills, _ in ROLES.values() for s in skills})
    found: dict[str, None] = {}
    while len(found) < count:
        found[", ".join(rng.sample(vocabulary, rng.randint(1, 3)))] = None
    return list(found)


def _index_mb(services: Services) -> float:
    collection = services.index.collection("demands")
    if isinstance(collection, PgVectorCollection):
        with services.db.engine.connect() as conn:
            size = conn.scalar(text(f"SELECT pg_total_relation_size('{collection.table}')"))
        return int(size or 0) / 1e6
    folder = services.instance_path / "index"
    manifest = json.loads((folder / "manifest.json").read_text())
    entry = manifest["collections"]["demands"]
    files = [entry["file"], str(Path(entry["file"]).with_suffix(".hashes.npz"))]
    if entry.get("delta"):
        files.append(entry["delta"])
    return sum((folder / f).stat().st_size for f in files) / 1e6


def _rebuild_seconds(services: Services) -> float:
    """Time to rebuild every index from stored vectors after losing it."""
    if services.settings.vector_backend == "pgvector":
        with services.db.engine.begin() as conn:
            conn.execute(text("DELETE FROM tm_vector_meta"))
    else:
        shutil.rmtree(services.instance_path / "index")
    services.index._snapshot = None
    start = time.perf_counter()
    services.index.sync()
    return time.perf_counter() - start


def _recall(services: Services, queries: list[str]) -> float:
    """recall@10 of the demands index against exact inner products over the same vectors."""
    with services.db.session() as session:
        rows = session.execute(select(Demand.id, Demand.text_hash)).all()
        stored = services.vectors.stored_by_hash(session, [h for _, h in rows])
        vectors = services.vectors.vectors(session, queries, persist=False)
    ids = np.array([i for i, h in rows if h in stored], dtype=np.int64)
    matrix = np.vstack([stored[h] for _, h in rows if h in stored])
    index = services.index.collection("demands")
    assert index is not None
    hits = 0
    for vector in vectors:
        exact = set(ids[np.argsort(-(matrix @ vector))[:10]].tolist())
        _, found = index.search(vector[None, :], 10)
        hits += len(exact & set(found[0].tolist()))
    return hits / (10 * len(queries))


def _floor_and_inproc(services: Services, queries: list[str], row: Row) -> None:
    model = services.encoder.load()
    index = services.index.collection("demands")
    assert index is not None
    for q in queries[:10]:  # warm up both paths with queries not measured
        services.matcher.match_text(q, "demands", 10)
        index.search(model.encode([services.vectors.form(q)], normalize_embeddings=True), 10)
    floor, ranked = [], []
    for q in queries[10:]:
        start = time.perf_counter()
        vector = model.encode([services.vectors.form(q)], normalize_embeddings=True)
        index.search(vector, 10)
        floor.append(time.perf_counter() - start)
        start = time.perf_counter()
        services.matcher.match_text(q, "demands", 10)
        ranked.append(time.perf_counter() - start)
    row.floor_p50_ms, row.floor_p95_ms = _ms(floor, 50), _ms(floor, 95)
    row.inproc_p50_ms, row.inproc_p95_ms = _ms(ranked, 50), _ms(ranked, 95)


def _match(base: str, query: str) -> tuple[float, list[int]]:
    start = time.perf_counter()
    response = requests.post(
        f"{base}/api/v1/match", json={"text": query, "target": "demands", "k": 10}, timeout=600
    )
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    return elapsed, [r["id"] for r in response.json()["results"]]


def _http(base: str, queries: list[str], row: Row) -> None:
    warm = queries[:40]
    with ThreadPoolExecutor(CONCURRENT) as pool:  # every worker loads its index and model
        list(pool.map(lambda q: _match(base, q), warm))
    single = [_match(base, q)[0] for q in queries[40:140]]
    row.http1_p50_ms, row.http1_p95_ms = _ms(single, 50), _ms(single, 95)
    start = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENT) as pool:
        together = [t for t, _ in pool.map(lambda q: _match(base, q), queries[140:])]
    wall = time.perf_counter() - start
    row.http8_p50_ms, row.http8_p95_ms = _ms(together, 50), _ms(together, 95)
    row.http8_per_s = len(together) / wall


def _writes(base: str, token: str, enterprise: str, row: Row) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    times: list[float] = []
    visible = 0
    for n in range(WRITES):
        title = f"Hydrogen fuel cell stack technician {n} {uuid.uuid4().hex[:6]}"
        body = {
            "enterprise": enterprise,
            "kind": "job",
            "title": title,
            "skills": [f"fuel cell stack assembly {n}", "hydrogen safety"],
            "posted_at": time.strftime("%Y-%m-%d"),
        }
        start = time.perf_counter()
        response = requests.post(f"{base}/api/v1/demands", json=body, headers=headers, timeout=600)
        times.append(time.perf_counter() - start)
        response.raise_for_status()
        created = response.json()["id"]
        _, ids = _match(base, title)
        visible += created in ids
    row.write_p50_ms, row.write_p95_ms = _ms(times, 50), _ms(times, 95)
    row.writes_visible = f"{visible}/{WRITES}"


# -- one backend at one size -----------------------------------------------------------------


def run(backend: str, postings: int, vectors: VectorCache, data: Path) -> Row:
    row = Row(backend, postings)
    folder = OUT / f"scale-{backend}-{postings}"
    shutil.rmtree(folder, ignore_errors=True)
    with _database() as url:
        settings = {
            "INSTANCE_PATH": str(folder),
            "DATABASE_URL": url,
            "VECTOR_BACKEND": backend,
            "MATCH_RATE_LIMIT": "1000000 per minute",
        }
        services = Services(load_settings(settings), vectors)
        services.init_schema()
        try:
            for kind in ("organizations", "courses", "programs"):
                import_file(services.catalog, kind, data / f"{kind}.jsonl")
            _store_demand_vectors(
                services, ComposedVectors(vectors, services), data / "demands.jsonl"
            )
            start = time.perf_counter()
            with tqdm(desc=f"import {backend}, encoding", unit="text", file=sys.stderr) as bar:
                import_file(
                    services.catalog, "demands", data / "demands.jsonl", progress=bar.update
                )
            row.import_per_s = postings / (time.perf_counter() - start)
            row.build_s = _rebuild_seconds(services)
            row.index_mb = _index_mb(services)
            queries = _queries(QUERIES + RECALL_QUERIES + 20, seed=postings)
            row.recall_at_10 = _recall(services, queries[:RECALL_QUERIES])
            _floor_and_inproc(services, queries[RECALL_QUERIES:][: QUERIES // 2 + 10], row)
            admin = services.accounts.create(f"bench-{uuid.uuid4().hex[:6]}@example.org", "admin")
            _, token = services.tokens.create(admin["id"], "bench", None)
            with services.db.session() as session:
                enterprise = session.scalars(
                    select(Organization.name).where(Organization.kind == "enterprise").limit(1)
                ).one()
        finally:
            services.close()
        with _server(settings) as (base, pid):
            _http(base, _queries(QUERIES + 40, seed=postings + 1), row)
            _writes(base, token, enterprise, row)
            _worker_memory(pid, row)
    print(_line(row), flush=True)
    return row


# -- report ----------------------------------------------------------------------------------

HEADER = (
    "backend   postings  import/s  build s  index MB  recall@10 | floor p50/p95 | in-process "
    "p50/p95 (x floor p95) | HTTP 1 client p50/p95 (x floor p95) | 8 clients p50/p95, req/s "
    "| write p50/p95, visible | worker RSS, all workers PSS"
)


def _line(r: Row) -> str:
    ratio = r.inproc_p95_ms / r.floor_p95_ms if r.floor_p95_ms else 0.0
    http_ratio = r.http1_p95_ms / r.floor_p95_ms if r.floor_p95_ms else 0.0
    return (
        f"{r.backend:<8} {r.postings:>9,} {r.import_per_s:>9,.0f} {r.build_s:>8.1f} "
        f"{r.index_mb:>9.1f} {r.recall_at_10:>10.3f} | {r.floor_p50_ms:.1f}/{r.floor_p95_ms:.1f} ms"
        f" | {r.inproc_p50_ms:.1f}/{r.inproc_p95_ms:.1f} ms ({ratio:.2f}x) | "
        f"{r.http1_p50_ms:.1f}/{r.http1_p95_ms:.1f} ms ({http_ratio:.2f}x) | "
        f"{r.http8_p50_ms:.1f}/"
        f"{r.http8_p95_ms:.1f} ms, {r.http8_per_s:.1f}/s | {r.write_p50_ms:.1f}/"
        f"{r.write_p95_ms:.1f} ms, {r.writes_visible} | {r.worker_rss_mb:.0f} MB, "
        f"{r.workers_pss_mb:.0f} MB"
    )


def report(rows: list[Row]) -> None:
    print("\n" + HEADER)
    for r in rows:
        print(_line(r))
    for backend in dict.fromkeys(r.backend for r in rows):
        mine = sorted((r for r in rows if r.backend == backend), key=lambda r: r.postings)
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        print(
            f"{backend}: growth {small.postings:,} -> {large.postings:,}: match p95 (HTTP, one "
            f"client) {large.http1_p95_ms / small.http1_p95_ms:.2f}x, write p95 "
            f"{large.write_p95_ms / small.write_p95_ms:.2f}x (target <= 3x each)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--sizes", default=os.environ.get("SIZES", "10k,100k,1m"))
    parser.add_argument("--backends", default=os.environ.get("BACKENDS", "faiss,pgvector"))
    args = parser.parse_args(argv)
    try:
        sizes = [parse_size(s) for s in args.sizes.split(",") if s]
    except ValueError as exc:
        parser.exit(2, f"error: {exc}\n")
    backends = [b for b in args.backends.split(",") if b]
    unknown = [b for b in backends if b not in ("faiss", "pgvector")]
    if not sizes or not backends or unknown:
        parser.exit(
            2, "error: give --sizes such as 10k,100k and --backends faiss and/or pgvector\n"
        )
    OUT.mkdir(exist_ok=True)
    probe = Services(load_settings({"INSTANCE_PATH": str(OUT / "scale-probe")}))
    vectors = probe.vectors
    rows: list[Row] = []
    for postings in sizes:
        data = OUT / f"scale-data-{postings}"
        write(Consortium(postings), data, progress=False)
        for backend in backends:
            rows.append(run(backend, postings, vectors, data))
            (OUT / "scale.json").write_text(json.dumps([asdict(r) for r in rows], indent=2))
    report(rows)
    probe.close()


if __name__ == "__main__":
    main()
