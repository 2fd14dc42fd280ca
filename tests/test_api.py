"""REST API through the Flask test client: CRUD, pagination, matches, problem+json errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from api.wiring import Services
from matcher import clock
from tests.clients import admin_client

PROBLEM = "application/problem+json"
DEMAND = {
    "enterprise": "Acme",
    "kind": "internship",
    "title": "PLC intern",
    "posted_at": "2026-02-01",
    "skills": ["PLC programming"],
}


@pytest.fixture
def client(services: Services) -> Iterator[FlaskClient]:
    yield admin_client(services)


@pytest.fixture
def demo_client(demo: Services) -> FlaskClient:
    return admin_client(demo)


def _assert_problem(response, status: int, detail_part: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.content_type == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"] and detail_part in body["detail"]


def test_crud_round_trip(client: FlaskClient) -> None:
    created = client.post("/api/v1/demands", json=DEMAND)
    assert created.status_code == 201
    demand = created.get_json()
    assert created.headers["Location"] == f"/api/v1/demands/{demand['id']}"
    assert demand["status"] == "active" and demand["posted_at"] == "2026-02-01T00:00:00Z"
    changed = client.patch(f"/api/v1/demands/{demand['id']}", json={"title": "Senior PLC intern"})
    assert changed.status_code == 200 and changed.get_json()["title"] == "Senior PLC intern"
    assert client.get(f"/api/v1/demands/{demand['id']}").get_json()["title"] == "Senior PLC intern"
    assert client.delete(f"/api/v1/demands/{demand['id']}").status_code == 204
    _assert_problem(client.get(f"/api/v1/demands/{demand['id']}"), 404, "no demand")


def test_pagination(demo_client: FlaskClient) -> None:
    first = demo_client.get("/api/v1/courses?per_page=40").get_json()
    assert first["pagination"] == {"page": 1, "per_page": 40, "total": 150, "pages": 4}
    last = demo_client.get("/api/v1/courses?per_page=40&page=4").get_json()
    assert len(last["items"]) == 30
    _assert_problem(demo_client.get("/api/v1/courses?per_page=100000"), 422, "per_page")


def test_match_endpoints(demo_client: FlaskClient) -> None:
    demands = demo_client.get("/api/v1/demands?q=PLC Programming Engineer").get_json()["items"]
    response = demo_client.get(f"/api/v1/demands/{demands[0]['id']}/matches?target=courses&k=3")
    results = response.get_json()["results"]
    assert results[0]["title"] == "PLC Programming and Applications"
    assert set(results[0]) >= {"id", "kind", "title", "score", "rank", "explanation"}
    assert set(results[0]["explanation"]) >= {"covered", "missing"}
    for path in (
        "/api/v1/programs/1/matches",
        "/api/v1/courses/1/matches",
        "/api/v1/students/1/matches?k=2",
    ):
        assert demo_client.get(path).status_code == 200, path
    text = demo_client.post(
        "/api/v1/match", json={"text": "TIG welding", "target": "courses", "k": 2}
    )
    assert text.get_json()["results"][0]["title"] == "Welding Technology"


def test_errors_are_problem_json(client: FlaskClient) -> None:
    _assert_problem(client.post("/api/v1/demands", json={**DEMAND, "id": 5}), 422, "'id'")
    _assert_problem(
        client.post("/api/v1/demands", json={**DEMAND, "posted_at": "2026-02-30"}), 422, "posted_at"
    )
    _assert_problem(
        client.post("/api/v1/demands", json={k: v for k, v in DEMAND.items() if k != "title"}),
        422,
        "title",
    )
    _assert_problem(
        client.post("/api/v1/demands", data="{bad", content_type="application/json"),
        400,
        "not valid JSON",
    )
    _assert_problem(client.get("/api/v1/nothing-here"), 404, "not found")
    _assert_problem(client.get("/api/v1/demands?bogus=1"), 422, "query: field 'bogus'")
    _assert_problem(client.post("/api/v1/demands", json=[1]), 422, "field '(whole body)'")
    _assert_problem(client.get("/api/v1/demands/77/matches"), 404, "no demand with id 77")
    _assert_problem(client.get("/api/v1/demands/1/matches?target=planets"), 422, "target")
    _assert_problem(client.post("/api/v1/match", json={"text": ""}), 422, "text")
    for nothing in ("!!!", "\x00\x01", "😀 ;,"):
        _assert_problem(client.post("/api/v1/match", json={"text": nothing}), 422, "no letters")
    _assert_problem(client.post("/api/v1/match", json={"text": "x" * 20_001}), 422, "text")
    client.post("/api/v1/demands", json={**DEMAND, "external_id": "E1"})
    _assert_problem(
        client.post("/api/v1/demands", json={**DEMAND, "external_id": "E1"}),
        409,
        "external_id 'E1'",
    )
    assert client.get("/api/v1/demands").get_json()["pagination"]["total"] == 1


def test_unexpected_error_is_logged_not_echoed(client: FlaskClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    services = client.application.extensions["talentmatch"]

    def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services.catalog, "list_page", explode)
    response = client.get("/api/v1/courses")
    _assert_problem(response, 500, "unexpected")
    assert "secret" not in response.get_data(as_text=True)


def test_openapi_document(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/demands",
        "/api/v1/demands/{item_id}/matches",
        "/api/v1/match",
        "/api/v1/students/{item_id}",
        "/api/v1/programs/{item_id}/matches",
    ):
        assert path in spec["paths"], path
    assert client.get("/api/docs").status_code == 200


def test_search_page(demo_client: FlaskClient) -> None:
    page = demo_client.get("/?q=fiber+fusion+splicing&target=courses").get_data(as_text=True)
    assert "Optical Fiber Communication" in page
    assert "text 0." in page and " · terms " in page and " · skills " in page
    chinese = demo_client.get("/?q=PLC编程&target=courses").get_data(as_text=True)
    assert "PLC Programming and Applications" in chinese


def test_list_query_parameters_take_comma_separated_values(demo_client: FlaskClient) -> None:
    # kind filters demands: a demand's supply (courses, programs, students) does not take it
    supply = demo_client.get("/api/v1/demands/1/matches?target=students&kind=internship")
    assert supply.status_code == 422 and "kind" in supply.get_json()["detail"]
    results = demo_client.get("/api/v1/students/1/matches?kind=internship&k=30").get_json()
    assert results["results"] and {r["kind"] for r in results["results"]} == {"internship"}
    both = demo_client.get("/api/v1/students/1/matches?kind=job,internship&k=30").get_json()
    assert {r["kind"] for r in both["results"]} == {"job", "internship"}
    bad = demo_client.get("/api/v1/students/1/matches?kind=job,party")
    assert bad.status_code == 422 and "kind" in bad.get_json()["detail"]


def test_a_method_a_path_does_not_have_is_405_with_allow(client: FlaskClient) -> None:
    response = client.put("/api/v1/courses")
    _assert_problem(response, 405, "not allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_each_list_accepts_exactly_the_filters_its_document_advertises(
    demo_client: FlaskClient,
) -> None:
    spec = demo_client.get("/api/v1/openapi.json").get_json()
    values = {"q": "a", "kind": "school", "city": "Liuzhou", "school_id": "1",
              "enterprise_id": "1", "active": "true"}  # fmt: skip
    for kind in ("organizations", "demands", "courses", "programs", "students"):
        parameters = spec["paths"][f"/api/v1/{kind}"]["get"]["parameters"]
        advertised = {p["name"] for p in parameters} - {"page", "per_page"}
        for name, value in values.items():
            if kind == "demands" and name == "kind":
                value = "internship"
            status = demo_client.get(f"/api/v1/{kind}?{name}={value}").status_code
            assert status == (200 if name in advertised else 422), (kind, name)


def test_json_bodies_are_read_as_the_document_types_them(client: FlaskClient) -> None:
    _assert_problem(
        client.post("/api/v1/demands", json={**DEMAND, "openings": "5"}), 422, "openings"
    )
    _assert_problem(
        client.post("/api/v1/demands", json={**DEMAND, "skills": "a; b"}), 422, "skills"
    )
    _assert_problem(client.post("/api/v1/demands", json={**DEMAND, "title": " \t"}), 422, "title")
    _assert_problem(client.post("/api/v1/demands", data="{}"), 415, "application/json")
    created = client.post("/api/v1/demands", json={**DEMAND, "openings": 5.0, "title": " PLC "})
    assert created.status_code == 201
    assert created.get_json()["openings"] == 5 and created.get_json()["title"] == "PLC"


def test_a_patch_that_would_leave_the_record_invalid_conflicts(client: FlaskClient) -> None:
    demand = client.post("/api/v1/demands", json=DEMAND).get_json()
    cleared = {"enterprise_id": None, "enterprise": None}
    _assert_problem(
        client.patch(f"/api/v1/demands/{demand['id']}", json=cleared), 409, "enterprise"
    )
    assert client.get(f"/api/v1/demands/{demand['id']}").get_json()["enterprise"] == "Acme"


def _day_pattern(client: FlaskClient) -> str:
    spec = client.get("/api/v1/openapi.json").get_json()
    posted = spec["components"]["schemas"]["DemandIn"]["properties"]["posted_at"]["anyOf"]
    return next(b["pattern"] for b in posted if b["format"] == "date")


def test_days_in_the_document_end_today_in_the_consortium(client: FlaskClient) -> None:
    one_am_in_shanghai = datetime(2026, 12, 1, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with clock.fixed(one_am_in_shanghai):
        day = _day_pattern(client)
        assert re.match(day, "2026-12-01") and re.match(day, "1900-01-01")
        assert not re.match(day, "2026-12-02") and not re.match(day, "1899-12-31")
        posted_today = client.post("/api/v1/demands", json={**DEMAND, "posted_at": "2026-12-01"})
        assert posted_today.status_code == 201
        _assert_problem(
            client.post("/api/v1/demands", json={**DEMAND, "posted_at": "2026-12-02"}),
            422,
            "future",
        )
    with clock.fixed(one_am_in_shanghai + timedelta(days=1)):  # the same app, a day later
        assert re.match(_day_pattern(client), "2026-12-02")


def test_text_longer_than_its_column_is_refused_on_every_store(client: FlaskClient) -> None:
    city = client.post(
        "/api/v1/organizations", json={"kind": "school", "name": "A", "city": "x" * 101}
    )
    _assert_problem(city, 422, "city")
    level = {"school": "A", "name": "Mechatronics", "level": "x" * 51}
    _assert_problem(client.post("/api/v1/programs", json=level), 422, "level")
    _assert_problem(
        client.post("/api/v1/demands", json={**DEMAND, "source": "s" * 101}), 422, "source"
    )


def test_an_organization_others_refer_to_keeps_its_kind(client: FlaskClient) -> None:
    demand = client.post("/api/v1/demands", json=DEMAND).get_json()
    acme = demand["enterprise_id"]
    _assert_problem(
        client.patch(f"/api/v1/organizations/{acme}", json={"kind": "school"}), 409, "demands"
    )
    lone = client.post(
        "/api/v1/organizations", json={"kind": "enterprise", "name": "Lone"}
    ).get_json()
    changed = client.patch(f"/api/v1/organizations/{lone['id']}", json={"kind": "school"})
    assert changed.status_code == 200 and changed.get_json()["kind"] == "school"


def test_list_search_takes_the_words_as_typed(demo_client: FlaskClient) -> None:
    assert demo_client.get("/api/v1/organizations?q=%25").get_json()["pagination"]["total"] == 0
    assert demo_client.get("/api/v1/organizations?q=_").get_json()["pagination"]["total"] == 0
    wide = demo_client.get("/api/v1/organizations?q=ＬＯＮＧＣＨＥＮＧ").get_json()["items"]
    assert [o["name"] for o in wide] == ["Longcheng Automotive Co."]


def test_a_filter_the_target_does_not_have_is_refused(demo_client: FlaskClient) -> None:
    courses = demo_client.get("/api/v1/demands/1/matches?target=courses&city=Liuzhou&k=20")
    assert courses.get_json()["results"]
    for course in courses.get_json()["results"]:  # courses are in their school's city
        school = demo_client.get(f"/api/v1/courses/{course['id']}").get_json()["school_id"]
        assert demo_client.get(f"/api/v1/organizations/{school}").get_json()["city"] == "Liuzhou"
    by_school = {"text": "PLC programming", "target": "demands", "school_id": 13}
    _assert_problem(demo_client.post("/api/v1/match", json=by_school), 422, "school_id")
    by_kind = {"text": "PLC programming", "target": "courses", "kind": ["job"]}
    _assert_problem(demo_client.post("/api/v1/match", json=by_kind), 422, "kind")


def test_bodies_have_a_size_limit_and_empty_answers_no_type(client: FlaskClient) -> None:
    huge = b'{"text": "' + b"a" * (2**20) + b'"}'
    _assert_problem(
        client.post("/api/v1/match", data=huge, content_type="application/json"), 413, ""
    )
    demand = client.post("/api/v1/demands", json=DEMAND).get_json()
    deleted = client.delete(f"/api/v1/demands/{demand['id']}")
    assert deleted.status_code == 204 and "Content-Type" not in deleted.headers


def test_a_patch_naming_a_reference_twice_is_invalid_input(client: FlaskClient) -> None:
    demand = client.post("/api/v1/demands", json=DEMAND).get_json()
    both = {"enterprise_id": demand["enterprise_id"], "enterprise": "Other"}
    _assert_problem(client.patch(f"/api/v1/demands/{demand['id']}", json=both), 422, "not both")


def test_feed_addresses_follow_the_url_rules(client: FlaskClient) -> None:
    upper = client.post(
        "/api/v1/feeds", json={"url": "HTTP://jobs.example/feed.json", "format": "json"}
    )
    assert upper.status_code == 201
    port = {"url": "http://jobs.example:99999/feed.json", "format": "json"}
    _assert_problem(client.post("/api/v1/feeds", json=port), 422, "url")


def test_a_nul_in_a_city_filter_matches_nothing(demo_client: FlaskClient) -> None:
    """PostgreSQL text cannot hold NUL (schemathesis once got a 500 here)."""
    body = {"text": "PLC programming", "target": "courses", "city": "Liu\x00zhou"}
    answer = demo_client.post("/api/v1/match", json=body)
    assert answer.status_code == 200 and answer.get_json()["results"] == []


def test_a_nul_counts_towards_a_filters_length(demo_client: FlaskClient) -> None:
    """A filter is measured as sent and NUL removed afterwards: 200 letters and a NUL break
    the schema's maxLength of 200 (schemathesis found it accepted when NUL went first)."""
    too_long = demo_client.get("/api/v1/organizations", query_string={"q": "a" * 200 + "\x00"})
    _assert_problem(too_long, 422, "q")
    fine = demo_client.get("/api/v1/organizations", query_string={"q": "Liu\x00zhou"})
    assert fine.status_code == 200
