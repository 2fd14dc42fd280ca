"""Refresh benchmark: 10k postings from a local feed server, ratios measured in one run.

1. First refresh of a 10,000-posting JSON feed into an empty store (fetch, parse, upsert,
   encode, index publish, gap snapshot).
2. Second refresh with 1 % of the postings changed, as a ratio of the first. Target <= 0.1.
3. A refresh with nothing changed (served without ETag, so the body is parsed again): texts
   handed to the encoder. Target 0.

Postings are built from the demo's roles with a varying reference and city, so every posting
text is distinct, as on a real board. Run: ``make bench-refresh`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import json
import random
import time
from datetime import timedelta
from typing import Any

from api.wiring import Services
from bench.common import fresh_services
from jobs.feeds import FeedRegistry, parse_feed_input
from jobs.refresh import Refresher
from matcher import clock
from seed.catalog import ROLES
from tests.feed_server import feed_server

POSTINGS = 10_000
CITIES = ["Liuzhou", "Dongguan", "Nanning", "Guilin", "Shenzhen", "Foshan"]


def _postings(rng: random.Random) -> list[dict[str, Any]]:
    roles = list(ROLES.values())
    today = clock.today()
    rows = []
    for n in range(POSTINGS):
        title, kind, description, skills, _ = rng.choice(roles)
        city = rng.choice(CITIES)
        rows.append(
            {
                "id": f"P{n:05d}",
                "title": title,
                "description": f"{description} Site {city}, reference {n}.",
                "skills": list(skills),
                "employment_type": kind,
                "openings": rng.randint(1, 10),
                "location": city,
                "date_posted": (today - timedelta(days=rng.randint(0, 300))).isoformat(),
            }
        )
    return rows


def _refresh(services: Services) -> tuple[float, dict[str, Any], int]:
    calls = services.encoder.calls
    start = time.perf_counter()
    run = Refresher(services).run()
    return time.perf_counter() - start, run, services.encoder.calls - calls


def main() -> None:
    services = fresh_services("refresh", FEED_ALLOW_PRIVATE="127.0.0.1")
    services.encoder.load()
    rng = random.Random(5)
    postings = _postings(rng)
    with feed_server() as server:
        url = server.serve("/jobs.json", json.dumps(postings), etag=False)
        FeedRegistry(services.db).add(
            parse_feed_input({"url": url, "format": "json", "enterprise": "Bench Co."})
        )
        first, run, first_calls = _refresh(services)
        print(f"first refresh: {POSTINGS} postings {first:.1f}s ({run['status']}, {run['counts']})")
        for n in rng.sample(range(POSTINGS), POSTINGS // 100):
            postings[n]["description"] += " Updated: night shift."
        server.serve("/jobs.json", json.dumps(postings), etag=False)
        second, run, _ = _refresh(services)
        print(
            f"second refresh, 1% changed: {second:.1f}s ({run['counts']}) — ratio "
            f"{second / first:.3f} (target <= 0.1)"
        )
        third, run, calls = _refresh(services)
        print(
            f"unchanged refresh: {third:.1f}s ({run['counts']}) — texts encoded {calls} "
            f"(target 0; the first refresh encoded {first_calls})"
        )
    services.close()


if __name__ == "__main__":
    main()
