"""What the answers loop costs per request, measured in one run on the demo (SQLite).

Pairs timed alternately (machine noise falls on both sides alike), ratio of medians printed:

1. answering a demand and withdrawing the answer (``POST /demands/{id}/responses`` + ``PATCH
   /responses/{id}``, each leaving a notice for every member of the other party) against two
   plain owned writes (``PATCH /demands/{id}`` twice): the price of the state checks and the
   notices written in the same transaction;
2. the same answer-and-withdraw cycle with e-mail through a real SMTP server on 127.0.0.1
   (aiosmtpd; handed to the web process's mail thread after the commit) against inbox only:
   what mail adds to the request that causes it;
3. the region's gap report with the demo's answers plus ``EXTRA_ANSWERS`` delivered answers
   against the same report with no answers at all. The skill analysis of a report is cached
   per state of demands and courses; answers are read and applied on every report (response
   time from real answers), so this is what they add to a report served from that cache.

Run: ``python -m bench.answers`` (about two minutes on 2 cores).
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import delete, select

from api.app import create_app
from api.wiring import Services
from bench.common import fresh_services
from matcher import clock
from seed.loader import load_demo
from store import Demand, Organization, Response
from tests.mail_server import mail_server

ROUNDS = 150
REPORT_ROUNDS = 5
EXTRA_ANSWERS = 400


def _alternate(
    first: Callable[[], object], second: Callable[[], object], rounds: int = ROUNDS
) -> tuple[float, float]:
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        for call, into in ((first, a), (second, b)):
            start = time.perf_counter()
            call()
            into.append(time.perf_counter() - start)
    return statistics.median(a) * 1000, statistics.median(b) * 1000


def _client(services: Services, email: str) -> FlaskClient:
    token = services.tokens.create(services.accounts.by_email(email)["id"], "bench")[1]
    client = create_app(services=services).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def _ok(response: object) -> dict[str, object]:
    assert getattr(response, "status_code", 0) < 300, getattr(response, "json", response)
    return getattr(response, "json", None) or {}


def _cycle(school: FlaskClient, demand_id: int, course_id: int) -> Callable[[], None]:
    body = {"kind": "existing_course", "course_ids": [course_id]}

    def run() -> None:
        answer = _ok(school.post(f"/api/v1/demands/{demand_id}/responses", json=body))
        _ok(school.patch(f"/api/v1/responses/{answer['id']}", json={"status": "withdrawn"}))

    return run


def _add_accepted_answers(services: Services, count: int) -> None:
    """``count`` delivered answers spread over demands and schools, dated in the past."""
    now = clock.now()
    with services.db.session() as session:
        demands = session.scalars(select(Demand.id).order_by(Demand.id)).all()
        schools = session.scalars(
            select(Organization.id).where(Organization.kind == "school")
        ).all()
        session.add_all(
            Response(
                demand_id=demands[i % len(demands)],
                school_id=schools[i % len(schools)],
                kind="training",
                message="bench",
                status="delivered",  # closed: many per school and demand may exist
                created_at=now - timedelta(days=60 + i % 300),
                decided_at=now - timedelta(days=50 + i % 300),
                closed_at=now - timedelta(days=10 + i % 300),
            )
            for i in range(count)
        )


def main() -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line
    services = fresh_services("answers", MATCH_RATE_LIMIT="1000000 per minute")
    load_demo(services)
    school = _client(services, "school@demo.talentmatch.org")
    enterprise = _client(services, "enterprise@demo.talentmatch.org")
    me = enterprise.get("/api/v1/me").get_json()
    demand_id = services.catalog.list_page(
        "demands", 1, 1, {"enterprise_id": me["organization_id"], "active": True}
    ).items[0]["id"]
    course_id = services.catalog.list_page(
        "courses", 1, 1, {"school_id": school.get("/api/v1/me").get_json()["organization_id"]}
    ).items[0]["id"]

    def plain_writes() -> None:
        for openings in (3, 4):
            _ok(enterprise.patch(f"/api/v1/demands/{demand_id}", json={"openings": openings}))

    rows = []
    answer, plain = _alternate(_cycle(school, demand_id, course_id), plain_writes)
    rows.append(("answer + withdraw / two demand PATCHes", answer, plain))

    with mail_server() as (sink, port):
        mailing = Services.from_environment(
            {**services.settings.overrides(), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port},
            services.vectors,
        )
        mail_school = _client(mailing, "school@demo.talentmatch.org")
        with_mail, inbox_only = _alternate(
            _cycle(mail_school, demand_id, course_id), _cycle(school, demand_id, course_id)
        )
        mailing.mailer.settle()  # the mail thread has sent what it was handed
        sent = len(sink.envelopes)
        mailing.close()
    rows.append((f"with e-mail ({sent} sent) / inbox only", with_mail, inbox_only))

    _add_accepted_answers(services, EXTRA_ANSWERS)
    with_answers = []
    for _ in range(REPORT_ROUNDS):
        start = time.perf_counter()
        services.gaps.report(None, None)
        with_answers.append(time.perf_counter() - start)
    with services.db.session() as session:
        session.execute(delete(Response))
    without = []
    for _ in range(REPORT_ROUNDS):
        start = time.perf_counter()
        services.gaps.report(None, None)
        without.append(time.perf_counter() - start)
    rows.append(
        (
            f"gap report, {EXTRA_ANSWERS}+ answers / none",
            statistics.median(with_answers) * 1000,
            statistics.median(without) * 1000,
        )
    )

    print(
        f"answers on the demo, {ROUNDS} alternating rounds (gap report: {REPORT_ROUNDS}), medians:"
    )
    for label, a, b in rows:
        print(f"  {label:<42} {a:8.2f} ms / {b:8.2f} ms = {a / b:.2f}x")
    services.close()


if __name__ == "__main__":
    main()
