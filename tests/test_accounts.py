"""Accounts and privacy: sign-in, tokens, consent ledger, export, erasure, audit, limits, CSRF.

The write-endpoint × role matrix is in ``tests/test_access.py``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from api.wiring import Services
from matcher import clock
from matcher.catalog import parse_input
from tests.clients import client_as, csrf_token, english, token_for

PASSWORD = "correct horse battery"


def _world(services: Services) -> dict[str, Any]:
    """A school, an enterprise with a 5G demand, a consenting student with a student account."""
    catalog = services.catalog
    for org in (
        {"kind": "school", "name": "Liuzhou College", "city": "Liuzhou"},
        {"kind": "enterprise", "name": "Pearl River", "city": "Dongguan"},
    ):
        catalog.create("organizations", parse_input("organizations", org))
    demand = catalog.create(
        "demands",
        parse_input(
            "demands",
            {
                "enterprise": "Pearl River",
                "kind": "internship",
                "title": "5G site intern",
                "posted_at": "2026-11-01",
                "skills": ["5G base station maintenance", "fault handling"],
            },
        ),
    )
    student = catalog.create(
        "students",
        parse_input(
            "students",
            {
                "name": "Wei Lan",
                "contact": "wei.lan@example.org",
                "school": "Liuzhou College",
                "skills": ["5G base station maintenance", "fault handling"],
                "interests": ["telecom"],
                "consent": True,
            },
        ),
    )
    services.accounts.create(
        "student@example.org", "student", student_id=student["id"], password=PASSWORD
    )
    services.accounts.create(
        "hr@example.org", "enterprise", organization="Pearl River", password=PASSWORD
    )
    services.accounts.create("admin@example.org", "admin", password=PASSWORD)
    return {"demand": demand, "student": student}


@pytest.fixture
def world(services: Services) -> dict[str, Any]:
    return _world(services)


def _client(services: Services, email: str) -> FlaskClient:
    return client_as(services, token_for(services, email))


def _student_ids(client: FlaskClient, demand_id: int) -> list[int]:
    answer = client.get(f"/api/v1/demands/{demand_id}/matches?target=students")
    assert answer.status_code == 200, answer.get_json()
    return [r["id"] for r in answer.get_json()["results"]]


# -- consent ---------------------------------------------------------------------------------


def test_consent_ledger_records_given_and_withdrawn_with_the_version(
    services: Services, world: dict[str, Any]
) -> None:
    student = _client(services, "student@example.org")
    hr = _client(services, "hr@example.org")
    sid, did = world["student"]["id"], world["demand"]["id"]
    assert sid in _student_ids(hr, did)

    assert student.patch(f"/api/v1/students/{sid}", json={"consent": False}).status_code == 200
    assert sid not in _student_ids(hr, did)
    assert hr.get(f"/api/v1/students/{sid}").status_code == 404
    assert sid not in [s["id"] for s in hr.get("/api/v1/students").get_json()["items"]]

    assert student.patch(f"/api/v1/students/{sid}", json={"consent": True}).status_code == 200
    consents = student.get("/api/v1/me/consents").get_json()
    assert consents["consent"] is True and consents["share_contact"] is False
    ledger = consents["ledger"]
    assert [(r["purpose"], r["version"]) for r in ledger] == [
        ("found_by_enterprises", "2026-12"),
        ("found_by_enterprises", "2026-12"),
    ]
    assert ledger[0]["withdrawn_at"] is not None and ledger[1]["withdrawn_at"] is None


def test_an_enterprise_sees_what_consent_covers_and_contact_only_when_shared(
    services: Services, world: dict[str, Any]
) -> None:
    hr = _client(services, "hr@example.org")
    sid = world["student"]["id"]
    seen = hr.get(f"/api/v1/students/{sid}").get_json()
    assert set(seen) == {"id", "school_id", "school", "program_id", "course_ids", "skills", "city"}
    match = hr.get(f"/api/v1/demands/{world['demand']['id']}/matches?target=students")
    assert match.get_json()["results"][0]["title"] == f"student {sid}"

    student = _client(services, "student@example.org")
    assert student.patch(f"/api/v1/students/{sid}", json={"share_contact": True}).status_code == 200
    seen = hr.get(f"/api/v1/students/{sid}").get_json()
    assert seen["name"] == "Wei Lan" and seen["contact"] == "wei.lan@example.org"
    assert "interests" not in seen and "consent" not in seen
    match = hr.get(f"/api/v1/demands/{world['demand']['id']}/matches?target=students")
    assert match.get_json()["results"][0]["title"] == "Wei Lan"
    # the student sees everything of their own
    own = student.get(f"/api/v1/students/{sid}").get_json()
    assert own["interests"] == ["telecom"] and own["consent"] is True


def test_a_school_cannot_consent_for_a_student(services: Services, world: dict[str, Any]) -> None:
    services.accounts.create("dean@example.org", "school", organization="Liuzhou College")
    dean = _client(services, "dean@example.org")
    body = {"name": "New One", "skills": ["welding"], "consent": True}
    answer = dean.post("/api/v1/students", json=body)
    assert answer.status_code == 403
    assert "given by the student" in answer.get_json()["detail"]
    body["consent"] = False
    created = dean.post("/api/v1/students", json=body)
    assert created.status_code == 201
    assert created.get_json()["school"] == "Liuzhou College"  # the school came from the caller


# -- export and erasure ----------------------------------------------------------------------


def test_export_holds_all_of_a_students_data(services: Services, world: dict[str, Any]) -> None:
    hr = _client(services, "hr@example.org")
    sid = world["student"]["id"]
    hr.get(f"/api/v1/students/{sid}")  # a read the student will see in the export
    student = _client(services, "student@example.org")
    answer = student.get("/api/v1/me/export")
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["account"]["email"] == "student@example.org"
    assert data["student"]["name"] == "Wei Lan"
    assert data["student"]["contact"] == "wei.lan@example.org"
    assert data["student"]["interests"] == ["telecom"]
    assert [c["purpose"] for c in data["consents"]] == ["found_by_enterprises"]
    assert data["tokens"] and all("token" not in t for t in data["tokens"])
    readers = {(e["actor"], e["action"]) for e in data["accesses"]}
    assert ("hr@example.org", f"GET /api/v1/students/{sid}") in readers
    json.dumps(data)  # one JSON document


def test_erasure_removes_record_vectors_ledger_and_account(
    services: Services, world: dict[str, Any]
) -> None:
    hr = _client(services, "hr@example.org")
    sid, did = world["student"]["id"], world["demand"]["id"]
    assert sid in _student_ids(hr, did)
    student = _client(services, "student@example.org")
    assert student.delete("/api/v1/me").status_code == 204

    assert sid not in _student_ids(hr, did)
    index = services.index.collection("students")
    assert index is None or sid not in index.hashes
    assert _client(services, "admin@example.org").get(f"/api/v1/students/{sid}").status_code == 404
    assert services.privacy.consents(sid) == []
    assert "student@example.org" not in [u["email"] for u in services.accounts.list()]
    assert student.get("/api/v1/me").status_code == 401  # its tokens went with it


# -- tokens ----------------------------------------------------------------------------------


def test_expired_and_revoked_tokens_are_refused(services: Services, world: dict[str, Any]) -> None:
    user_id = services.accounts.by_email("hr@example.org")["id"]
    record, secret = services.tokens.create(user_id, "short", 1)
    client = client_as(services, secret)
    assert client.get("/api/v1/me").get_json()["email"] == "hr@example.org"
    with clock.fixed(clock.now() + timedelta(days=1, seconds=1)):
        late = client.get("/api/v1/me")
    assert late.status_code == 401 and late.mimetype == "application/problem+json"
    assert late.headers["WWW-Authenticate"].startswith("Bearer")

    _record, other = services.tokens.create(user_id, "other")
    other_client = client_as(services, other)
    listed = other_client.get("/api/v1/tokens").get_json()["items"]
    assert {t["name"] for t in listed} >= {"short", "other"}
    assert other_client.delete(f"/api/v1/tokens/{record['id']}").status_code == 204
    own_id = next(t["id"] for t in listed if t["name"] == "other")
    assert other_client.delete(f"/api/v1/tokens/{own_id}").status_code == 204
    assert other_client.get("/api/v1/me").status_code == 401
    # another user's token is not found, and stays valid
    admin_secret = token_for(services, "admin@example.org")
    admin_token_id = services.tokens.list(services.accounts.by_email("admin@example.org")["id"])
    hr_client = client_as(services, token_for(services, "hr@example.org"))
    assert hr_client.delete(f"/api/v1/tokens/{admin_token_id[-1]['id']}").status_code == 404
    assert client_as(services, admin_secret).get("/api/v1/me").status_code == 200


def test_a_disabled_user_is_refused_at_once(services: Services, world: dict[str, Any]) -> None:
    hr = _client(services, "hr@example.org")
    assert hr.get("/api/v1/me").status_code == 200
    services.accounts.set_active("hr@example.org", False)
    assert hr.get("/api/v1/me").status_code == 401
    page = english(create_app(services=services).test_client())
    answer = page.post("/login", data=_login_form(page, "hr@example.org", PASSWORD))
    assert answer.status_code == 401


def test_a_bad_token_is_refused_before_the_body_is_read(
    services: Services, world: dict[str, Any]
) -> None:
    client = client_as(services, "tm_not-a-real-token")
    answer = client.post("/api/v1/demands", data="{not json", content_type="application/json")
    assert answer.status_code == 401
    anonymous = english(create_app(services=services).test_client())
    assert anonymous.post("/api/v1/demands", json={"x": 1}).status_code == 401
    other_scheme = anonymous.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert other_scheme.status_code == 401


# -- pages: sign-in, CSRF --------------------------------------------------------------------


def _csrf(client: FlaskClient, path: str = "/login") -> str:
    return csrf_token(client, path)


def _login_form(client: FlaskClient, email: str, password: str) -> dict[str, str]:
    return {"email": email, "password": password, "csrf_token": _csrf(client)}


@contextmanager
def _changed(services: Services, **settings: Any) -> Iterator[Services]:
    """The same store with some settings changed (its own engine, closed afterwards)."""
    changed = Services(services.settings.replace(**settings), services.vectors)
    try:
        yield changed
    finally:
        changed.close()


@pytest.fixture
def pages(services: Services) -> Iterator[Services]:
    # The test client talks plain HTTP: Secure cookies would not come back.
    with _changed(services, secure_cookies=False) as plain_http:
        yield plain_http


def _page_client(pages: Services) -> FlaskClient:
    return english(create_app(services=pages).test_client())


def test_sign_in_with_csrf_then_make_a_token_on_the_account_page(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    client = _page_client(pages)
    signed = client.post(
        "/login?next=/account", data=_login_form(client, "hr@example.org", PASSWORD)
    )
    assert signed.status_code == 303 and signed.headers["Location"] == "/account"
    page = client.get("/account")
    assert page.status_code == 200 and "hr@example.org" in page.get_data(as_text=True)
    made = client.post(
        "/account/tokens",
        data={"name": "laptop", "days": "7", "csrf_token": _csrf(client, "/account")},
    )
    assert made.status_code == 201
    token = re.search(r'<code class="token">(tm_[^<]+)</code>', made.get_data(as_text=True))
    assert token
    assert client_as(services, token.group(1)).get("/api/v1/me").get_json()["role"] == "enterprise"


def test_forms_without_their_csrf_token_are_refused(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    client = _page_client(pages)
    answer = client.post("/login", data={"email": "hr@example.org", "password": PASSWORD})
    assert answer.status_code == 400
    assert "Send the form again" in answer.get_data(as_text=True)  # a page, input kept
    event = services.audit.list(1)[0]
    assert (event["action"], event["status"], event["outcome"]) == ("POST /login", 400, "refused")
    # signed in, a REST write that relies on the session cookie needs the token too
    client.post("/login", data=_login_form(client, "hr@example.org", PASSWORD))
    assert client.get("/api/v1/me").status_code == 200
    body = {"kind": "job", "title": "Riding the cookie", "posted_at": "2026-11-01"}
    assert client.post("/api/v1/demands", json=body).status_code == 400
    events = services.audit.list(5, outcome="refused")
    assert any(e["action"] == "POST /api/v1/demands" and e["status"] == 400 for e in events)


def test_a_failed_sign_in_does_not_say_which_part_was_wrong(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    client = _page_client(pages)
    wrong_password = client.post(
        "/login", data=_login_form(client, "hr@example.org", "nope nope nope")
    )
    unknown_user = client.post("/login", data=_login_form(client, "nobody@example.org", PASSWORD))
    assert wrong_password.status_code == unknown_user.status_code == 401
    message = "wrong e-mail or password, or the account is disabled"
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown_user.get_data(as_text=True)
    failed = services.audit.list(10, outcome="refused")
    assert {e["actor"] for e in failed if e["action"] == "login"} >= {
        "hr@example.org",
        "nobody@example.org",
    }


def test_script_in_a_text_field_is_rendered_escaped(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    client = _page_client(pages)
    answer = client.post(
        "/login", data=_login_form(client, "<script>alert(1)</script>@x.org", "x" * 12)
    )
    page = answer.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# -- limits and headers ----------------------------------------------------------------------


def test_rate_limits_on_sign_in_and_matching(services: Services, world: dict[str, Any]) -> None:
    with _changed(
        services,
        secure_cookies=False,
        login_rate_limit="3 per minute",
        match_rate_limit="5 per minute",
    ) as limited:
        _rate_limits_reached(services, english(create_app(services=limited).test_client()))


@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_trusted_proxy_each_client_has_its_own_limit(
    services: Services, world: dict[str, Any], proxies: int
) -> None:
    with _changed(
        services, secure_cookies=False, match_rate_limit="2 per minute", trusted_proxies=proxies
    ) as limited:
        client = english(create_app(services=limited).test_client())
        body = {"text": "5G base station maintenance", "target": "demands"}

        def status(address: str) -> int:
            headers = {"X-Forwarded-For": address}
            return client.post("/api/v1/match", json=body, headers=headers).status_code

        first = [status("203.0.113.7") for _ in range(3)]
        other = status("198.51.100.4")
    assert first == [200, 200, 429]
    # trusted: another client behind the proxy; not trusted: a header anyone can send
    assert other == (200 if proxies else 429)
    refused = services.audit.list(5, outcome="refused")
    assert refused[0]["address"] == ("203.0.113.7" if proxies else "127.0.0.1")


def _rate_limits_reached(services: Services, client: FlaskClient) -> None:
    statuses = [
        client.post(
            "/login", data=_login_form(client, "hr@example.org", "wrong password")
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    body = {"text": "5G base station maintenance", "target": "demands"}
    matches = [client.post("/api/v1/match", json=body) for _ in range(6)]
    assert [m.status_code for m in matches] == [200] * 5 + [429]
    assert matches[-1].mimetype == "application/problem+json"
    assert "Retry-After" in matches[-1].headers
    refused = services.audit.list(20, outcome="refused")
    assert any(e["status"] == 429 and e["action"] == "POST /api/v1/match" for e in refused)


def test_security_headers_and_cookie_flags(services: Services, world: dict[str, Any]) -> None:
    client = english(create_app(services=services).test_client())
    answer = client.get("/login")
    csp = answer.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    signed = client.post("/login", data=_login_form(client, "hr@example.org", PASSWORD))
    cookie = signed.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_an_oversized_body_is_413_and_audited(services: Services, world: dict[str, Any]) -> None:
    hr = _client(services, "hr@example.org")
    answer = hr.post(
        "/api/v1/demands", data=b"{" + b" " * (2**20 + 10) + b"}", content_type="application/json"
    )
    assert answer.status_code == 413
    event = services.audit.list(1)[0]
    assert (event["actor"], event["status"], event["outcome"]) == ("hr@example.org", 413, "refused")


def test_admins_read_the_audit_log_others_do_not(services: Services, world: dict[str, Any]) -> None:
    hr = _client(services, "hr@example.org")
    hr.get(f"/api/v1/students/{world['student']['id']}")
    assert hr.get("/api/v1/audit").status_code == 403
    items = (
        _client(services, "admin@example.org")
        .get("/api/v1/audit?actor=hr@example.org")
        .get_json()["items"]
    )
    assert any(e["resource"] == f"students/{world['student']['id']}" for e in items)


def test_rate_limit_counters_shared_through_redis(
    services: Services, world: dict[str, Any]
) -> None:
    """Two workers (two apps) count one caller together when RATELIMIT_STORAGE is Redis."""
    redis = pytest.importorskip("redis")
    try:
        with redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1) as probe:
            probe.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    body = {"text": "5G base station maintenance", "target": "demands"}
    with _changed(
        services, ratelimit_storage="redis://127.0.0.1:6379", match_rate_limit="4 per minute"
    ) as shared:
        apps = [create_app(services=shared) for _ in range(2)]
        first, second = (app.test_client() for app in apps)
        for client in (first, second):
            client.environ_base["REMOTE_ADDR"] = address
        statuses = [c.post("/api/v1/match", json=body).status_code for c in (first, second) * 3]
        for app in apps:
            app.extensions["limiter"].storage.storage.close()
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_a_student_keeps_to_their_own_school(services: Services, world: dict[str, Any]) -> None:
    services.catalog.create(
        "organizations", parse_input("organizations", {"kind": "school", "name": "Far College"})
    )
    far_course = services.catalog.create(
        "courses",
        parse_input(
            "courses", {"school": "Far College", "code": "F1", "title": "Far", "skills": ["x"]}
        ),
    )
    student = _client(services, "student@example.org")
    sid = world["student"]["id"]
    moved = student.patch(f"/api/v1/students/{sid}", json={"school": "Far College"})
    assert moved.status_code == 403
    invented = student.patch(f"/api/v1/students/{sid}", json={"school": "Brand New School"})
    assert invented.status_code == 404
    other_course = student.patch(f"/api/v1/students/{sid}", json={"course_ids": [far_course["id"]]})
    assert other_course.status_code == 404
    names = [o["name"] for o in services.catalog.list_page("organizations", 1, 50).items]
    assert "Brand New School" not in names
    assert services.catalog.get("students", sid)["school"] == "Liuzhou College"
    # a student account without a record makes its own, at a school that exists
    services.accounts.create("new@example.org", "student")
    newcomer = _client(services, "new@example.org")
    body = {"school": "Nowhere College", "skills": ["welding"]}
    assert newcomer.post("/api/v1/students", json=body).status_code == 404
    made = newcomer.post("/api/v1/students", json={**body, "school": "Liuzhou College"})
    assert made.status_code == 201
    assert newcomer.get("/api/v1/me").get_json()["student_id"] == made.get_json()["id"]
    assert (
        newcomer.post("/api/v1/students", json={**body, "school": "Liuzhou College"}).status_code
        == 409
    )


def test_routing_errors_come_before_authentication(services: Services) -> None:
    anonymous = english(create_app(services=services).test_client())
    assert anonymous.put("/api/v1/demands/1").status_code == 405
    assert anonymous.post("/api/v1/nowhere").status_code == 404
    page = anonymous.get("/nowhere")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_sessions_end_at_sign_out_and_never_name_another_user(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    client = _page_client(pages)
    client.post("/login", data=_login_form(client, "student@example.org", PASSWORD))
    cookie = client.get_cookie("talentmatch_session")
    assert cookie is not None and client.get("/api/v1/me").status_code == 200
    # an erased account's id is never handed out again, so its cookie names nobody
    erased_id = services.accounts.by_email("student@example.org")["id"]
    assert (
        client.delete("/api/v1/me", headers={"X-CSRFToken": _csrf(client, "/account")}).status_code
        == 204
    )
    services.accounts.create("next@example.org", "admin")
    assert services.accounts.by_email("next@example.org")["id"] > erased_id
    replay = _page_client(pages)
    replay.set_cookie("talentmatch_session", cookie.value)
    assert replay.get("/api/v1/me").status_code == 401
    # signing out ends the session everywhere, also for a copied cookie
    client = _page_client(pages)
    client.post("/login", data=_login_form(client, "hr@example.org", PASSWORD))
    copied = client.get_cookie("talentmatch_session")
    assert copied is not None
    client.post("/logout", data={"csrf_token": _csrf(client, "/account")})
    replay = _page_client(pages)
    replay.set_cookie("talentmatch_session", copied.value)
    assert replay.get("/api/v1/me").status_code == 401


def test_one_student_record_per_student_even_when_asked_at_once(
    services: Services, world: dict[str, Any]
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    services.accounts.create("twice@example.org", "student")
    token = token_for(services, "twice@example.org")
    app = create_app(services=services)
    body = {"school": "Liuzhou College", "skills": ["welding"], "consent": True}

    def post(_: int) -> int:
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client.post("/api/v1/students", json=body).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(post, range(4)))
    assert statuses.count(201) == 1 and set(statuses) <= {201, 409}, statuses
    welders = services.catalog.list_page("students", 1, 50, {"consent": True}).items
    assert len([s for s in welders if s["skills"] == ["welding"]]) == 1


def test_erasure_forgets_the_profile_vector(services: Services, world: dict[str, Any]) -> None:
    from sqlalchemy import func, select

    from store import Student, TextEmbedding

    sid = world["student"]["id"]
    with services.db.session() as session:
        text_hash = session.scalar(select(Student.text_hash).where(Student.id == sid))
        stored = select(func.count()).where(TextEmbedding.content_hash == text_hash)
        assert session.scalar(stored) == 1
    assert _client(services, "student@example.org").delete("/api/v1/me").status_code == 204
    with services.db.session() as session:
        assert session.scalar(stored) == 0


def test_the_last_admin_stays(services: Services, world: dict[str, Any]) -> None:
    admin = _client(services, "admin@example.org")
    own_id = admin.get("/api/v1/me").get_json()
    user_id = services.accounts.by_email("admin@example.org")["id"]
    assert own_id["role"] == "admin"
    answer = admin.patch(f"/api/v1/users/{user_id}", json={"active": False})
    assert answer.status_code == 409
    assert admin.get("/api/v1/me").status_code == 200


def test_the_api_docs_page_runs_from_local_files_under_the_csp(services: Services) -> None:
    client = english(create_app(services=services).test_client())
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "https://" not in html.split("<body")[0]
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(src.startswith("/static/vendor/swagger-ui/") for src in scripts)
    for src in scripts:
        with client.get(src) as asset:  # a file answer: closed, or its handle leaks
            assert asset.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    pinned = re.findall(r"'sha256-[^']+'", csp)
    assert len(pinned) == html.count("<script>")  # each inline script pinned, nothing more
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "sha256" not in client.get("/login").headers["Content-Security-Policy"]


def test_an_expired_form_explains_and_keeps_what_was_typed(
    services: Services, world: dict[str, Any], pages: Services
) -> None:
    client = _page_client(pages)
    client.post("/login", data=_login_form(client, "hr@example.org", PASSWORD))
    typed = {"title": "Welder <b>night shift</b>", "kind": "job", "skills": "MIG welding"}
    answer = client.post("/enterprise/demands/new", data={**typed, "csrf_token": "stale"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "Nothing was saved" in page
    assert 'value="Welder &lt;b&gt;night shift&lt;/b&gt;"' in page  # kept, escaped
    resend = re.search(r'name="csrf_token" value="([^"]+)"', page.split("<main")[1])
    assert resend and resend.group(1) != "stale"
    assert "First sign in again" not in page  # still signed in: just send it again
    demands = services.catalog.list_page("demands", 1, 50, {"q": "Welder"}).items
    assert demands == []
