"""Notifications beyond the REST inbox, on both stores, against a real SMTP server (aiosmtpd on
127.0.0.1): e-mail after commit, once, retried while the server is down; demand_matched notices
for schools whose courses fit a new demand.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from api.wiring import Services
from jobs.matched import MAX_PER_WRITE
from jobs.schedule import JOB_ID, MAIL_JOB_ID, build_scheduler, send_due_mail
from matcher import clock
from matcher.answers import Mailer
from matcher.catalog import parse_input
from matcher.language import VectorCache
from store import Notification, User
from tests.clients import client_as, token_for
from tests.conftest import PostgresDatabases, make_services
from tests.mail_server import free_port, mail_server
from tests.test_answers import World

PUBLIC_URL = "https://talentmatch.example.org"
MakeServices = Callable[..., Services]


@pytest.fixture
def make(
    store: str, tmp_path: Path, postgres: PostgresDatabases | None, shared_vectors: VectorCache
) -> Iterator[MakeServices]:
    """Services sending mail to 127.0.0.1:``port`` (one store per test, made once)."""
    made: list[Services] = []

    def build(port: int, **overrides: Any) -> Services:
        assert not made, "one store per test"
        settings = {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_TIMEOUT": 2.0,
            "MAIL_FROM": "noreply@talentmatch.example.org",
            "PUBLIC_URL": PUBLIC_URL,
            **overrides,
        }
        made.append(make_services(store, tmp_path, postgres, shared_vectors, **settings))
        return made[-1]

    yield build
    for services in made:
        services.close()


def _notices(services: Services, kind: str | None = None) -> list[Notification]:
    with services.db.session() as session:
        query = select(Notification).order_by(Notification.id)
        if kind:
            query = query.where(Notification.kind == kind)
        rows = list(session.scalars(query))
        session.expunge_all()
    return rows


def _email_of(services: Services, user_id: int) -> str:
    with services.db.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.email


def test_an_answer_mails_each_member_of_the_enterprise_once_after_commit(
    make: MakeServices,
) -> None:
    with mail_server() as (sink, port):
        services = make(port)
        world = World(services)
        token_for(
            services, "hr2@pearl.example", "enterprise", organization="Pearl River Electronics"
        )
        created = world.answer()
        assert created.status_code == 201, created.get_json()
        services.mailer.settle()  # the web app sends in the background

        messages = sink.messages()
        recipients = sorted(m["To"] for m in messages)
        assert recipients == ["hr2@pearl.example", "hr@pearl.example"]  # one mail per member
        assert sorted(rcpt for e in sink.envelopes for rcpt in e.rcpt_tos) == recipients
        for message in messages:
            assert message["From"] == "noreply@talentmatch.example.org"
            subject = message["Subject"]
            assert "Liuzhou College 答复了您的需求“5G base station maintainer”" in subject
            assert "Liuzhou College answered your demand “5G base station maintainer”" in subject
            body = message.get_content()
            link = f"{PUBLIC_URL}/enterprise/demands/{world.demand['id']}#answers"
            assert link in body.splitlines()
        notices = _notices(services, "answer_received")
        assert sorted(_email_of(services, n.user_id) for n in notices) == recipients
        assert {n.mail_state for n in notices} == {"sent"}
        assert all(n.mailed_at is not None and n.mail_attempts == 0 for n in notices)

        # never twice: sending them again, now or as the worker, sends nothing
        assert services.mailer.deliver([n.id for n in notices]) == 0
        assert services.mailer.deliver_due() == 0
        assert len(sink.envelopes) == 2


def test_a_refused_or_rolled_back_change_sends_nothing(make: MakeServices) -> None:
    with mail_server() as (sink, port):
        services = make(port)
        world = World(services)
        refused = world.answer(demand_id=world.closed["id"])  # a closed demand: 409
        assert refused.status_code == 409
        with pytest.raises(RuntimeError), services.db.session() as session:
            ids = services.inbox.notify_members(
                session,
                world.demand["enterprise_id"],
                "answer_received",
                {"school": "Liuzhou College", "demand": "x"},
                "/enterprise/demands",
                "rolled-back",
            )
            assert ids  # written, then the transaction fails
            raise RuntimeError("the change fails after its notice was written")
        assert services.mailer.deliver(ids) == 0
        assert services.mailer.deliver_due() == 0
        assert sink.envelopes == [] and _notices(services) == []


def test_two_workers_delivering_the_same_pending_mail_send_each_once(
    make: MakeServices,
) -> None:
    with mail_server() as (sink, port):
        services = make(port)
        world = World(services)
        for n in range(3):
            token_for(
                services,
                f"hr{n}@pearl.example",
                "enterprise",
                organization="Pearl River Electronics",
            )
        with services.db.session() as session:  # four pending mails, as after a crash
            services.inbox.notify_members(
                session,
                world.demand["enterprise_id"],
                "answer_received",
                {"school": "Liuzhou College", "demand": "5G"},
                "/enterprise/demands",
                "pending-four",
            )
        workers = [Mailer(services.db, services.mailer.server) for _ in range(2)]
        start = threading.Barrier(2)
        sent: list[int] = []

        def work(mailer: Mailer) -> None:
            start.wait()
            sent.append(mailer.deliver_due())

        threads = [threading.Thread(target=work, args=(m,)) for m in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(sent) == 4
        recipients = sorted(m["To"] for m in sink.messages())
        assert recipients == sorted(
            ["hr@pearl.example", "hr0@pearl.example", "hr1@pearl.example", "hr2@pearl.example"]
        )
        assert {n.mail_state for n in _notices(services)} == {"sent"}
        assert workers[0].deliver_due() + workers[1].deliver_due() == 0


def test_a_server_that_is_down_loses_nothing_and_gets_the_mail_later(
    make: MakeServices,
) -> None:
    port = free_port()  # nothing listens here yet
    services = make(port)
    world = World(services)
    created = world.answer()
    assert created.status_code == 201  # the answer stands although no mail went out
    services.mailer.settle()
    (notice,) = _notices(services, "answer_received")
    assert (notice.mail_state, notice.mail_attempts) == ("pending", 1)
    assert notice.mail_error and "ConnectionRefusedError" in notice.mail_error
    assert notice.mail_next_at is not None
    hr = client_as(services, token_for(services, "hr@pearl.example", "enterprise"))
    inbox = hr.get("/api/v1/me/notifications").get_json()
    assert [(n["kind"], n["mail_state"]) for n in inbox["items"]] == [
        ("answer_received", "pending")
    ]

    with mail_server(port) as (sink, _):
        assert services.mailer.deliver_due() == 0  # not due before the backoff has passed
        with clock.fixed(clock.now() + timedelta(minutes=2)):
            assert services.mailer.deliver_due() == 1
            assert services.mailer.deliver_due() == 0
        assert [m["To"] for m in sink.messages()] == ["hr@pearl.example"]
    (notice,) = _notices(services, "answer_received")
    assert (notice.mail_state, notice.mail_attempts, notice.mail_error) == ("sent", 1, None)


def test_after_the_last_attempt_a_mail_is_failed_and_the_notice_stays(
    make: MakeServices,
) -> None:
    services = make(free_port(), MAIL_MAX_ATTEMPTS=3)
    world = World(services)
    assert world.answer().status_code == 201  # attempt 1, right after the commit
    services.mailer.settle()
    later = clock.now()
    for attempt in (2, 3):
        later += timedelta(hours=5)  # past any backoff
        with clock.fixed(later):
            assert services.mailer.deliver_due() == 0
        (notice,) = _notices(services, "answer_received")
        assert notice.mail_attempts == attempt
    assert notice.mail_state == "failed" and notice.mail_next_at is None
    with clock.fixed(later + timedelta(days=1)):
        assert services.mailer.deliver_due() == 0
    assert services.mailer.outbox() == {"pending": 0, "sending": 0, "sent": 0, "failed": 1}
    hr = client_as(services, token_for(services, "hr@pearl.example", "enterprise"))
    inbox = hr.get("/api/v1/me/notifications").get_json()["items"]
    assert [(n["kind"], n["mail_state"], n["read_at"]) for n in inbox] == [
        ("answer_received", "failed", None)
    ]


def test_a_new_demand_notifies_the_schools_whose_courses_fit_it(make: MakeServices) -> None:
    with mail_server() as (sink, port):
        services = make(port)
        world = World(services)
        hr = world.clients["hr"]
        posted = hr.post(
            "/api/v1/demands",
            json={
                "enterprise": "Pearl River Electronics",
                "kind": "job",
                "posted_at": clock.today().isoformat(),
                "title": "5G base station technician",
                "skills": ["5G base station maintenance"],
            },
        )
        assert posted.status_code == 201, posted.get_json()
        services.mailer.settle()
        demand_id = posted.get_json()["id"]
        notices = _notices(services, "demand_matched")
        members = sorted(_email_of(services, n.user_id) for n in notices)
        assert members == ["t2@liuzhou.example", "t@liuzhou.example"]  # Guilin's course: no
        assert {n.dedupe_key for n in notices} == {f"demand_matched:{demand_id}"}
        params = notices[0].params
        assert params["score"] >= services.settings.notify_match_score
        assert params["lines"][0].startswith("5G base station maintenance (5G101): ")
        assert sorted(m["To"] for m in sink.messages()) == members
        subject = sink.messages()[0]["Subject"]
        assert "新需求“5G base station technician”（Pearl River Electronics）" in subject
        teacher = world.clients["teacher"].get("/api/v1/me/notifications").get_json()["items"]
        assert teacher[0]["link"] == f"/school/demands/{demand_id}"

        unrelated = hr.post(
            "/api/v1/demands",
            json={
                "enterprise": "Pearl River Electronics",
                "kind": "job",
                "posted_at": clock.today().isoformat(),
                "title": "Pastry chef",
                "skills": ["bread baking", "cake decoration"],
            },
        )
        assert unrelated.status_code == 201
        services.mailer.settle()
        assert len(_notices(services, "demand_matched")) == 2  # nobody teaches baking
        assert len(sink.envelopes) == 2


def test_the_worker_sends_due_mail_every_few_minutes(make: MakeServices) -> None:
    port = free_port()
    services = make(port)
    scheduler = build_scheduler(services, BackgroundScheduler())
    job = scheduler.get_job(MAIL_JOB_ID)
    assert job is not None and job.func is send_due_mail
    assert (job.coalesce, job.max_instances) == (True, 1)
    assert job.trigger.interval == timedelta(minutes=2)
    build_scheduler(services, scheduler)  # declared again on a restart: replaced
    scheduler.start(paused=True)
    try:
        assert sorted(j.id for j in scheduler.get_jobs()) == sorted([JOB_ID, MAIL_JOB_ID])
    finally:
        scheduler.shutdown(wait=False)

    world = World(services)
    assert world.answer().status_code == 201  # its mail failed: nothing listens yet
    services.mailer.settle()
    with mail_server(port) as (sink, _), clock.fixed(clock.now() + timedelta(minutes=2)):
        send_due_mail(services)  # what the job runs
        assert [m["To"] for m in sink.messages()] == ["hr@pearl.example"]


def test_a_request_does_not_wait_for_a_slow_mail_server(make: MakeServices) -> None:
    """A server that takes connections and never greets: the answer is back before the mail
    thread has even failed once; the mail then fails, stays pending and is retried."""
    release = threading.Event()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        held: list[socket.socket] = []

        def hold() -> None:
            listener.settimeout(20)
            with contextlib.suppress(OSError):
                held.append(listener.accept()[0])
            release.wait(20)
            for connection in held:
                connection.close()

        holder = threading.Thread(target=hold)
        holder.start()
        services = make(listener.getsockname()[1], MAIL_TIMEOUT=30)
        world = World(services)
        try:
            assert world.answer().status_code == 201
            (notice,) = _notices(services, "answer_received")
            assert notice.mail_attempts == 0 and notice.mail_state in ("pending", "sending")
        finally:
            release.set()
            holder.join()
        services.mailer.settle()
    (notice,) = _notices(services, "answer_received")
    assert (notice.mail_state, notice.mail_attempts) == ("pending", 1)


def test_a_bulk_load_of_demands_is_not_told_one_by_one(make: MakeServices) -> None:
    services = make(free_port())
    world = World(services)
    hr = world.services.catalog_for(world.services.accounts.actor("hr@pearl.example"))
    records = [
        parse_input(
            "demands",
            {
                "kind": "job",
                "title": f"5G base station technician {n}",
                "posted_at": clock.today().isoformat(),
                "skills": ["5G base station maintenance"],
            },
        )
        for n in range(MAX_PER_WRITE + 1)
    ]
    hr.create_many("demands", records)
    assert _notices(services, "demand_matched") == []
    hr.create_many("demands", records[:1])  # one at a time: told
    assert len(_notices(services, "demand_matched")) == 2  # both Liuzhou members


def test_a_title_with_line_breaks_still_makes_a_one_line_subject(make: MakeServices) -> None:
    with mail_server() as (sink, port):
        services = make(port)
        world = World(services)
        broken = world.services.catalog.create(
            "demands",
            parse_input(
                "demands",
                {
                    "enterprise": "Pearl River Electronics",
                    "kind": "job",
                    "title": "5G base station\nmaintainer\u2028night shift",
                    "posted_at": "2026-01-05",
                },
            ),
        )
        assert world.answer(demand_id=broken["id"]).status_code == 201
        services.mailer.settle()
        (message,) = sink.messages()
        assert "“5G base station maintainer night shift”" in message["Subject"]
        inbox = world.clients["hr"].get("/api/v1/me/notifications").get_json()["items"]
        assert inbox[0]["subject"].endswith("“5G base station maintainer night shift”")
