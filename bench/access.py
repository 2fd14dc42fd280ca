"""What accounts cost per request: the price of checking a caller, measured in one run.

On the demo (SQLite), the same requests are timed alternately — so that machine noise falls
on both sides alike — in these pairs, and the ratio of medians printed:

1. a public match (``GET /demands/{id}/matches?target=courses``) with an API token against
   the same match anonymously: the token lookup (one indexed SHA-256 equality) and the audit
   hook on the match path;
2. a write (``PATCH /demands/{id}``) by its enterprise's member against the same write by an
   admin: the ownership check (one extra primary-key read) — both carry a token and are audited;
3. reading a student (``GET /students/{id}``) as an enterprise (consent view, audited) against
   reading a course anonymously (no check, not audited): the price of the personal-data path.

Also printed: one argon2id password verification (a sign-in), in milliseconds.

Run: ``python -m bench.access`` (about a minute on 2 cores).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from flask.testing import FlaskClient

from api.app import create_app
from bench.common import fresh_services
from matcher.accounts.passwords import hash_password, verify_password
from seed.loader import DEMO_PASSWORD, load_demo

ROUNDS = 300


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _alternate(first: Callable[[], object], second: Callable[[], object]) -> tuple[float, float]:
    a: list[float] = []
    b: list[float] = []
    for _ in range(ROUNDS):
        for call, into in ((first, a), (second, b)):
            start = time.perf_counter()
            call()
            into.append(time.perf_counter() - start)
    return _median_ms(a), _median_ms(b)


def _client(app: object, token: str | None) -> FlaskClient:
    client: FlaskClient = app.test_client()  # type: ignore[attr-defined]
    if token:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def main() -> None:
    services = fresh_services("access", MATCH_RATE_LIMIT="1000000 per minute")
    load_demo(services)
    app = create_app(services=services)

    def token(email: str) -> str:
        return services.tokens.create(services.accounts.by_email(email)["id"], "bench")[1]

    enterprise = _client(app, token("enterprise@demo.talentmatch.org"))
    admin = _client(app, token("admin@demo.talentmatch.org"))
    anonymous = _client(app, None)
    me = enterprise.get("/api/v1/me").get_json()
    demand = services.catalog.list_page("demands", 1, 1, {"enterprise_id": me["organization_id"]})
    demand_id = demand.items[0]["id"]
    student = services.catalog.list_page("students", 1, 1, {"consent": True}).items[0]["id"]
    match = f"/api/v1/demands/{demand_id}/matches?target=courses&k=10"
    anonymous.get(match)  # warm: model, index

    def ok(response: object) -> None:
        assert getattr(response, "status_code", 0) < 300, response

    rows = []
    with_token, without = _alternate(
        lambda: ok(enterprise.get(match)), lambda: ok(anonymous.get(match))
    )
    rows.append(("match with token / anonymous", with_token, without))
    body = {"openings": 2}
    member, by_admin = _alternate(
        lambda: ok(enterprise.patch(f"/api/v1/demands/{demand_id}", json=body)),
        lambda: ok(admin.patch(f"/api/v1/demands/{demand_id}", json=body)),
    )
    rows.append(("write by owner / by admin", member, by_admin))
    personal, public = _alternate(
        lambda: ok(enterprise.get(f"/api/v1/students/{student}")),
        lambda: ok(anonymous.get("/api/v1/courses/1")),
    )
    rows.append(("student as enterprise / course anonymous", personal, public))

    print(f"access checks on the demo, {ROUNDS} alternating rounds each (medians):")
    for label, a, b in rows:
        print(f"  {label:<42} {a:7.2f} ms / {b:7.2f} ms = {a / b:.2f}x")
    stored = hash_password(DEMO_PASSWORD)
    start = time.perf_counter()
    for _ in range(10):
        verify_password(stored, DEMO_PASSWORD)
    verify_ms = (time.perf_counter() - start) * 100
    print(f"  {'argon2id verification (one sign-in)':<42} {verify_ms:7.2f} ms")
    services.close()


if __name__ == "__main__":
    main()
