"""Who may write what over REST, and what of a student each caller sees (issue 14).

The matrix: every write endpoint × every caller (anonymous, admin, a member of enterprise E1,
a member of school S1, a student owning a consenting record), on one's own record and on
another's where that matters. Each cell is one test id. A refused cell also checks, through
an admin, that the record (or the list a refused create would have grown) is unchanged; an
allowed one, that it did change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from api.wiring import Services
from jobs.feeds import FeedIn, FeedRegistry
from matcher.catalog import INPUT_MODELS, CourseIn, DemandIn, OrganizationIn, ProgramIn, StudentIn
from tests.clients import token_for
from tests.conftest import SUMMARY_LINES

API = "/api/v1"
CALLERS = ("anonymous", "admin", "e1", "s1", "student")
HIDDEN_FROM_OTHERS = ("name", "contact", "interests", "external_id", "consent")


@dataclass
class World:
    """Two enterprises, two schools, a record of each kind per owner, and five callers."""

    services: Services
    ids: dict[str, int]
    tokens: dict[str, str | None]
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def client(self, who: str) -> FlaskClient:
        return self.clients[who]

    @property
    def admin(self) -> FlaskClient:
        return self.clients["admin"]

    def path(self, template: str) -> str:
        return API + template.format(**self.ids)


def build_world(services: Services) -> World:
    catalog = services.catalog
    ids: dict[str, int] = {}

    def organization(key: str, kind: str, name: str) -> None:
        ids[key] = catalog.create("organizations", OrganizationIn(kind=kind, name=name))["id"]

    organization("E1", "enterprise", "E1 Electronics")
    organization("E2", "enterprise", "E2 Welding Works")
    organization("S1", "school", "S1 Polytechnic")
    organization("S2", "school", "S2 Vocational College")
    organization("spare", "enterprise", "Spare Enterprise")  # nothing refers to it
    ids["demand_E1"] = catalog.create(
        "demands",
        DemandIn(
            enterprise_id=ids["E1"],
            kind="internship",
            title="PLC intern",
            skills=["PLC programming"],
            posted_at="2026-02-01",  # type: ignore[arg-type]
        ),
    )["id"]
    ids["demand_E2"] = catalog.create(
        "demands",
        DemandIn(
            enterprise_id=ids["E2"],
            kind="job",
            title="Welder",
            skills=["arc welding"],
            posted_at="2026-02-01",  # type: ignore[arg-type]
        ),
    )["id"]
    for school, code, title, skill in (
        ("S1", "PLC101", "PLC basics", "PLC programming"),
        ("S2", "WLD101", "Welding basics", "arc welding"),
    ):
        course = catalog.create(
            "courses", CourseIn(school_id=ids[school], code=code, title=title, skills=[skill])
        )
        ids[f"course_{school}"] = course["id"]
        ids[f"program_{school}"] = catalog.create(
            "programs",
            ProgramIn(school_id=ids[school], name=f"{title} program", course_ids=[course["id"]]),
        )["id"]
    ids["consenting"] = catalog.create(
        "students",
        StudentIn(
            school_id=ids["S1"],
            external_id="S1-001",
            name="Li Lei",
            contact="li.lei@example.org",
            skills=["PLC programming"],
            interests=["robots"],
            city="Liuzhou",
            consent=True,
            share_contact=False,
        ),
    )["id"]
    ids["private"] = catalog.create(
        "students",
        StudentIn(
            school_id=ids["S1"],
            external_id="S1-002",
            name="Han Meimei",
            contact="han.meimei@example.org",
            skills=["PLC programming"],
            interests=["drones"],
            city="Liuzhou",
        ),
    )["id"]
    feeds = FeedRegistry(services.db)
    for owner in ("E1", "E2"):
        url = f"https://jobs.example.org/{owner.lower()}.json"
        ids[f"feed_{owner}"] = feeds.add(FeedIn(url=url, format="json", enterprise_id=ids[owner]))[
            "id"
        ]
    tokens: dict[str, str | None] = {
        "anonymous": None,
        "admin": token_for(services, "admin@example.org", "admin"),
        "e1": token_for(services, "e1@example.org", "enterprise", organization=ids["E1"]),
        "s1": token_for(services, "s1@example.org", "school", organization=ids["S1"]),
        "student": token_for(
            services, "li.lei@example.org", "student", student_id=ids["consenting"]
        ),
        "newcomer": token_for(services, "newcomer@example.org", "student"),
    }
    ids["newcomer_user"] = services.accounts.by_email("newcomer@example.org")["id"]
    app = create_app(services=services)  # one app per test, a client per caller
    world = World(services, ids, tokens)
    for who, token in tokens.items():
        client = app.test_client()
        if token is not None:
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        world.clients[who] = client
    return world


@pytest.fixture
def world(services: Services) -> World:
    return build_world(services)


# -- the matrix ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One write on one target: its request, and the admin read that shows its effect."""

    method: str
    path: str  # formatted with the world's ids
    body: dict[str, Any] | None
    probe: str  # what an admin GETs before and after


def _bodies() -> dict[str, dict[str, Any]]:
    """POST bodies naming E1 or S1 as owner (``{...}`` filled in per world)."""
    return {
        "organizations": {"kind": "enterprise", "name": "New Enterprise"},
        "demands": {
            "enterprise_id": "{E1}",
            "kind": "job",
            "title": "Robot technician",
            "posted_at": "2026-03-01",
        },
        "courses": {
            "school_id": "{S1}",
            "code": "ROB201",
            "title": "Robotics",
            "skills": ["robots"],
        },
        "programs": {"school_id": "{S1}", "name": "Robotics program"},
        "students": {"school_id": "{S1}", "skills": ["robots"]},
        "feeds": {
            "url": "https://jobs.example.org/new.json",
            "format": "json",
            "enterprise_id": "{E1}",
        },
        "users": {"email": "someone@example.org", "role": "student"},
        "gaps/snapshots": {},
    }


PATCHES = {
    "organizations": {"city": "Nanning"},
    "demands": {"title": "Senior PLC intern"},
    "courses": {"title": "PLC fundamentals"},
    "programs": {"description": "Two years of automation"},
    "students": {"city": "Nanning"},
    "feeds": {"enabled": False},
    "users": {"active": False},
}


def _cells() -> list[Any]:
    """(row, caller, expected status) for every cell, each with its own test id."""
    cells: list[Any] = []

    def add(method: str, kind: str, target: str | None, expected: dict[str, int]) -> None:
        if method == "POST":
            path = f"/{kind}"
            body: dict[str, Any] | None = _bodies()[kind]
            probe = f"/{kind}?per_page=100" if kind in INPUT_MODELS else f"/{kind}"
        else:
            path = f"/{kind}/{{{target}}}"
            body = PATCHES[kind] if method == "PATCH" else None
            probe = path
        row = Row(method, path, body, probe)
        for who, status in expected.items():
            name = f"{method} {kind}" + (f" {target}" if target else "") + f" as {who} -> {status}"
            cells.append(pytest.param(row, who, status, id=name.replace(" ", "_")))

    def every(admin: int, e1: int, s1: int, student: int) -> dict[str, int]:
        return {"anonymous": 401, "admin": admin, "e1": e1, "s1": s1, "student": student}

    # organizations: admins create and delete them; members change their own
    add("POST", "organizations", None, every(201, 403, 403, 403))
    add("PATCH", "organizations", "E1", every(200, 200, 403, 403))
    add("PATCH", "organizations", "E2", {"e1": 403})
    add("PATCH", "organizations", "S1", {"s1": 200})
    add("PATCH", "organizations", "S2", {"s1": 403})
    add("DELETE", "organizations", "spare", every(204, 403, 403, 403))
    add("DELETE", "organizations", "E1", {"e1": 403, "admin": 409})  # 409: E1 still has demands
    add("DELETE", "organizations", "S1", {"s1": 403})
    # demands: E1's members write E1's
    add("POST", "demands", None, every(201, 201, 403, 403))
    add("PATCH", "demands", "demand_E1", every(200, 200, 403, 403))
    add("PATCH", "demands", "demand_E2", {"e1": 403})
    add("DELETE", "demands", "demand_E1", every(204, 204, 403, 403))
    add("DELETE", "demands", "demand_E2", {"e1": 403})
    # courses and programs: S1's members write S1's
    for kind in ("courses", "programs"):
        one = kind.removesuffix("s")
        add("POST", kind, None, every(201, 403, 201, 403))
        add("PATCH", kind, f"{one}_S1", every(200, 403, 200, 403))
        add("PATCH", kind, f"{one}_S2", {"s1": 403})
        add("DELETE", kind, f"{one}_S1", every(204, 403, 204, 403))
        add("DELETE", kind, f"{one}_S2", {"s1": 403})
    # students: the school enrols, the student alone (and admins) change or delete the record;
    # a student who has a record already cannot make a second one
    add("POST", "students", None, {**every(201, 403, 201, 409), "newcomer": 201})
    add("PATCH", "students", "consenting", every(200, 403, 403, 200))
    add("PATCH", "students", "private", {"e1": 404, "s1": 403, "student": 404})
    add("DELETE", "students", "consenting", every(204, 403, 403, 204))
    add("DELETE", "students", "private", {"e1": 404, "s1": 403, "student": 404})
    # feeds: E1's members manage E1's
    add("POST", "feeds", None, every(201, 201, 403, 403))
    add("PATCH", "feeds", "feed_E1", every(200, 200, 403, 403))
    add("PATCH", "feeds", "feed_E2", {"e1": 403})
    add("DELETE", "feeds", "feed_E1", every(204, 204, 403, 403))
    add("DELETE", "feeds", "feed_E2", {"e1": 403})
    # admins only
    add("POST", "gaps/snapshots", None, every(201, 403, 403, 403))
    add("POST", "users", None, every(201, 403, 403, 403))
    add("PATCH", "users", "newcomer_user", every(200, 403, 403, 403))
    return cells


CELLS = _cells()
_ran = {"sqlite": 0, "postgresql": 0}


@pytest.fixture(scope="module", autouse=True)
def _matrix_size(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    request.config.stash[SUMMARY_LINES].append(
        f"access matrix: {_ran['sqlite']} cells on sqlite, {_ran['postgresql']} on postgresql "
        f"({len(CELLS)} per store)"
    )


def _filled(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


def _read(world: World, path: str) -> tuple[int, Any]:
    response = world.admin.get(world.path(path))
    return response.status_code, response.get_json()


@pytest.mark.parametrize(("row", "who", "expected"), CELLS)
def test_write_matrix(world: World, store: str, row: Row, who: str, expected: int) -> None:
    _ran[store] += 1
    before = _read(world, row.probe)
    assert before[0] == 200
    body = None if row.body is None else {k: _filled(v, world.ids) for k, v in row.body.items()}
    response = getattr(world.client(who), row.method.lower())(world.path(row.path), json=body)
    assert response.status_code == expected, response.get_json()
    after = _read(world, row.probe)
    if expected < 300:
        assert after != before  # the write took effect
        if row.method == "DELETE":
            assert after[0] == 404
    else:
        assert after == before  # a refused write leaves the record (or the list) as it was
