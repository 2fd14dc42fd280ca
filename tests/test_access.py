"""Who may write what over REST, and what of a student each caller sees (issue 14).

The matrix: every write endpoint × every caller (anonymous, admin, a member of enterprise E1, a
member of school S1, a student owning a consenting record), on the caller's own record and on
another's where that matters; each cell is one test id. A refused cell also checks, through an
admin, that the record (or the list a refused create would have grown) is unchanged; an allowed
one, that it changed.

The matrix runs on one world per store, built once: its cells are independent instead. An
allowed create names what it creates uniquely, an allowed change writes a value of its own, and
an allowed delete (or an allowed change of a feed, whose only fields are flags) acts on a fresh
record of the same owner, so no cell depends on another having run or not. The other tests
build the world afresh on the ``services`` fixture.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from api.wiring import Services
from jobs.feeds import FeedIn, FeedRegistry
from matcher.catalog import INPUT_MODELS, CourseIn, DemandIn, OrganizationIn, ProgramIn, StudentIn
from matcher.language.vectors import VectorCache
from tests.clients import token_for
from tests.conftest import STORES, SUMMARY_LINES, PostgresDatabases, make_services

API = "/api/v1"
POSTED = "2026-02-01"
HIDDEN_FROM_OTHERS = ("name", "contact", "interests", "external_id", "consent")
NAMES = {
    "E1": "E1 Electronics",
    "E2": "E2 Welding Works",
    "S1": "S1 Polytechnic",
    "S2": "S2 Vocational College",
}
_serial = itertools.count(1)
"""Numbers for what a cell creates, unique within the run (names, codes, URLs, e-mails)."""


@dataclass
class World:
    """Two enterprises, two schools, a record of each kind per owner, and the callers."""

    services: Services
    ids: dict[str, int]
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.app = create_app(services=self.services)  # one app, a client per caller

    def add_client(self, who: str, token: str | None) -> FlaskClient:
        client = self.app.test_client()
        if token is not None:
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        self.clients[who] = client
        return client

    @property
    def admin(self) -> FlaskClient:
        return self.clients["admin"]

    def path(self, template: str, **ids: int) -> str:
        return API + template.format(**{**self.ids, **ids})

    def student(self, n: int, **choices: Any) -> int:
        """A new student of S1 (``choices``: consent, share_contact)."""
        record = StudentIn(
            school_id=self.ids["S1"],
            name=f"Student {n}",
            contact=f"student{n}@example.org",
            skills=["PLC programming"],
            **choices,
        )
        return int(self.services.catalog.create("students", record)["id"])

    def student_user(self, n: int, student_id: int | None = None) -> FlaskClient:
        """A client of a new student account (owning ``student_id`` if given)."""
        email = f"student{n}@example.org"
        token = token_for(self.services, email, "student", student_id=student_id)
        return self.add_client(email, token)

    def fresh(self, target: str, n: int) -> int:
        """A new record like ``target``, with the same owner, for a write that changes it."""
        catalog = self.services.catalog
        record: Any
        if target == "spare":
            record = ("organizations", OrganizationIn(kind="enterprise", name=f"Spare {n}"))
        elif target == "demand_E1":
            record = (
                "demands",
                DemandIn(
                    enterprise_id=self.ids["E1"],
                    kind="internship",
                    title=f"Intern {n}",
                    posted_at=POSTED,  # type: ignore[arg-type]
                ),
            )
        elif target == "course_S1":
            record = (
                "courses",
                CourseIn(
                    school_id=self.ids["S1"], code=f"TMP{n}", title="Sensors", skills=["sensors"]
                ),
            )
        elif target == "program_S1":
            record = ("programs", ProgramIn(school_id=self.ids["S1"], name=f"Program {n}"))
        elif target == "consenting":
            return self.student(n, consent=True)
        elif target in ("feed_E1", "feed_shared"):
            owner = self.ids["E1"] if target == "feed_E1" else None
            url = f"https://jobs.example.org/{target}-{n}.json"
            feed = FeedIn(url=url, format="json", enterprise_id=owner)
            return int(FeedRegistry(self.services.db).add(feed)["id"])
        else:
            raise AssertionError(f"no fresh copy of {target}")
        return int(catalog.create(*record)["id"])


def build_world(services: Services) -> World:
    catalog = services.catalog
    ids: dict[str, int] = {}
    for key, kind in (
        ("E1", "enterprise"),
        ("E2", "enterprise"),
        ("S1", "school"),
        ("S2", "school"),
    ):
        ids[key] = catalog.create("organizations", OrganizationIn(kind=kind, name=NAMES[key]))["id"]
    ids["spare"] = catalog.create(  # nothing refers to it: an admin may delete it
        "organizations", OrganizationIn(kind="enterprise", name="Spare Enterprise")
    )["id"]
    for owner, kind, title, skill in (
        ("E1", "internship", "PLC intern", "PLC programming"),
        ("E2", "job", "Welder", "arc welding"),
    ):
        demand = DemandIn(
            enterprise_id=ids[owner],
            kind=kind,  # type: ignore[arg-type]
            title=title,
            skills=[skill],
            posted_at=POSTED,  # type: ignore[arg-type]
        )
        ids[f"demand_{owner}"] = catalog.create("demands", demand)["id"]
    for owner, code, title, skill in (
        ("S1", "PLC101", "PLC basics", "PLC programming"),
        ("S2", "WLD101", "Welding basics", "arc welding"),
    ):
        course = CourseIn(school_id=ids[owner], code=code, title=title, skills=[skill])
        ids[f"course_{owner}"] = catalog.create("courses", course)["id"]
        program = ProgramIn(
            school_id=ids[owner], name=f"{title} program", course_ids=[ids[f"course_{owner}"]]
        )
        ids[f"program_{owner}"] = catalog.create("programs", program)["id"]
    for key, name, consent in (("consenting", "Li Lei", True), ("private", "Han Meimei", False)):
        student = StudentIn(
            school_id=ids["S1"],
            external_id=f"S1-{key}",
            name=name,
            contact=f"{key}@example.org",
            skills=["PLC programming"],
            interests=["robots"],
            city="Liuzhou",
            consent=consent,
            share_contact=False,
        )
        ids[key] = catalog.create("students", student)["id"]
    feeds = FeedRegistry(services.db)
    for owner in ("E1", "E2"):
        url = f"https://jobs.example.org/{owner.lower()}.json"
        feed = FeedIn(url=url, format="json", enterprise_id=ids[owner])
        ids[f"feed_{owner}"] = feeds.add(feed)["id"]
    tokens = {
        "anonymous": None,
        "admin": token_for(services, "admin@example.org", "admin"),
        "e1": token_for(services, "e1@example.org", "enterprise", organization=ids["E1"]),
        "s1": token_for(services, "s1@example.org", "school", organization=ids["S1"]),
        "student": token_for(
            services, "li.lei@example.org", "student", student_id=ids["consenting"]
        ),
        "newcomer": token_for(services, "newcomer@example.org", "student"),  # no record yet
    }
    ids["newcomer_user"] = services.accounts.by_email("newcomer@example.org")["id"]
    world = World(services, ids)
    for who, token in tokens.items():
        world.add_client(who, token)
    return world


@pytest.fixture
def world(services: Services) -> World:
    """A fresh world on an empty store, per test (both stores)."""
    return build_world(services)


@pytest.fixture(scope="module", params=STORES)
def matrix_world(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres: PostgresDatabases | None,
    shared_vectors: VectorCache,
) -> Iterator[World]:
    """One world per store for the whole matrix: its cells do not depend on one another."""
    folder: Path = tmp_path_factory.mktemp(f"access-{request.param}")
    services = make_services(request.param, folder, postgres, shared_vectors)
    yield build_world(services)
    services.close()


# -- the matrix ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One write on one target: its request, and the admin read that shows its effect."""

    method: str
    kind: str
    target: str | None  # a key of the world's ids; None for a create
    body: dict[str, Any] | None

    @property
    def path(self) -> str:
        return f"/{self.kind}" if self.target is None else f"/{self.kind}/{{target}}"

    @property
    def probe(self) -> str:
        """What an admin reads before and after: the record, or the list a create grows."""
        if self.target is not None and self.kind != "users":  # no GET /users/{id}
            return self.path
        return f"/{self.kind}?per_page=100" if self.kind in INPUT_MODELS else f"/{self.kind}"


CREATES: dict[str, dict[str, Any]] = {
    # owners named by id ("{E1}" is E1's id), names unique per cell ("{n}")
    "organizations": {"kind": "enterprise", "name": "New Enterprise {n}"},
    "demands": {"enterprise_id": "{E1}", "kind": "job", "title": "Robot technician {n}",
                "posted_at": "2026-03-01"},
    "courses": {"school_id": "{S1}", "code": "ROB{n}", "title": "Robotics", "skills": ["robots"]},
    "programs": {"school_id": "{S1}", "name": "Robotics program {n}"},
    "students": {"school_id": "{S1}", "skills": ["robots"]},
    "feeds": {"url": "https://jobs.example.org/new-{n}.json", "format": "json",
              "enterprise_id": "{E1}"},
    "users": {"email": "someone{n}@example.org", "role": "student"},
    "gaps/snapshots": {},
}  # fmt: skip
CHANGES: dict[str, dict[str, Any]] = {
    "organizations": {"city": "Nanning {n}"},
    "demands": {"title": "Senior PLC intern {n}"},
    "courses": {"title": "PLC fundamentals {n}"},
    "programs": {"description": "Two years of automation {n}"},
    "students": {"city": "Nanning {n}"},
    "feeds": {"enabled": False},
    "users": {"active": False},
}
FRESH_WHEN_ALLOWED = {"spare", "demand_E1", "course_S1", "program_S1", "consenting", "feed_E1"}
"""Targets an allowed delete (or feed change) replaces by a fresh record of the same owner."""
FRESH_ALWAYS = {"feed_shared"}
"""Targets made afresh for every cell: a feed of no enterprise (the world has none)."""


def _every(admin: int, e1: int, s1: int, student: int) -> dict[str, int]:
    return {"anonymous": 401, "admin": admin, "e1": e1, "s1": s1, "student": student}


def _cells() -> list[Any]:
    """``(row, caller, expected status)`` for every cell, each with its own test id."""
    cells: list[Any] = []

    def add(method: str, kind: str, target: str | None, expected: dict[str, int]) -> None:
        body = {"POST": CREATES, "PATCH": CHANGES}.get(method, {}).get(kind)
        row = Row(method, kind, target, body)
        for who, status in expected.items():
            name = f"{method} {kind}" + (f" {target}" if target else "") + f" as {who} -> {status}"
            cells.append(pytest.param(row, who, status, id=name.replace(" ", "_")))

    # organizations: admins create and delete them; members change their own
    add("POST", "organizations", None, _every(201, 403, 403, 403))
    add("PATCH", "organizations", "E1", _every(200, 200, 403, 403))
    add("PATCH", "organizations", "E2", {"e1": 403})
    add("PATCH", "organizations", "S1", {"s1": 200})
    add("PATCH", "organizations", "S2", {"s1": 403})
    add("DELETE", "organizations", "spare", _every(204, 403, 403, 403))
    add("DELETE", "organizations", "E1", {"e1": 403, "admin": 409})  # 409: E1 has demands
    add("DELETE", "organizations", "S1", {"s1": 403})
    # demands: E1's members write E1's
    add("POST", "demands", None, _every(201, 201, 403, 403))
    add("PATCH", "demands", "demand_E1", _every(200, 200, 403, 403))
    add("PATCH", "demands", "demand_E2", {"e1": 403})
    add("DELETE", "demands", "demand_E1", _every(204, 204, 403, 403))
    add("DELETE", "demands", "demand_E2", {"e1": 403})
    # courses and programs: S1's members write S1's
    for kind, one in (("courses", "course"), ("programs", "program")):
        add("POST", kind, None, _every(201, 403, 201, 403))
        add("PATCH", kind, f"{one}_S1", _every(200, 403, 200, 403))
        add("PATCH", kind, f"{one}_S2", {"s1": 403})
        add("DELETE", kind, f"{one}_S1", _every(204, 403, 204, 403))
        add("DELETE", kind, f"{one}_S2", {"s1": 403})
    # students: a school enrols its own; only the student (and admins) change or delete the
    # record; a student who has a record cannot make a second one (409), one without may (201);
    # a record private to the caller is not found (404)
    add("POST", "students", None, {**_every(201, 403, 201, 409), "newcomer": 201})
    add("PATCH", "students", "consenting", _every(200, 403, 403, 200))
    add("PATCH", "students", "private", {"e1": 404, "s1": 403, "student": 404})
    add("DELETE", "students", "consenting", _every(204, 403, 403, 204))
    add("DELETE", "students", "private", {"e1": 404, "s1": 403, "student": 404})
    # feeds: E1's members manage E1's
    add("POST", "feeds", None, _every(201, 201, 403, 403))
    add("PATCH", "feeds", "feed_E1", _every(200, 200, 403, 403))
    add("PATCH", "feeds", "feed_E2", {"e1": 403})
    add("DELETE", "feeds", "feed_E1", _every(204, 204, 403, 403))
    add("DELETE", "feeds", "feed_E2", {"e1": 403})
    # a feed registered for no enterprise (a regional job board) is no member's own
    add("PATCH", "feeds", "feed_shared", _every(200, 403, 403, 403))
    add("DELETE", "feeds", "feed_shared", _every(204, 403, 403, 403))
    # admins only
    add("POST", "gaps/snapshots", None, _every(201, 403, 403, 403))
    add("POST", "users", None, _every(201, 403, 403, 403))
    add("PATCH", "users", "newcomer_user", _every(200, 403, 403, 403))
    return cells


CELLS = _cells()
_ran = dict.fromkeys(STORES, 0)


@pytest.fixture(scope="module", autouse=True)
def _matrix_size(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    request.config.stash[SUMMARY_LINES].append(
        f"access matrix: {_ran['sqlite']} cells on sqlite, {_ran['postgresql']} on postgresql "
        f"({len(CELLS)} per store)"
    )


def _filled(body: dict[str, Any] | None, ids: dict[str, int], n: int) -> dict[str, Any] | None:
    """``"{E1}"`` → E1's id; ``{n}`` in other strings → this cell's number."""
    if body is None:
        return None
    filled: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, str) and value.startswith("{") and value[1:-1] in ids:
            value = ids[value[1:-1]]
        elif isinstance(value, str):
            value = value.format(n=n)
        filled[key] = value
    return filled


def _read(world: World, path: str) -> tuple[int, Any]:
    response = world.admin.get(path)
    return response.status_code, response.get_json()


@pytest.mark.parametrize(("row", "who", "expected"), CELLS)
def test_write_matrix(matrix_world: World, row: Row, who: str, expected: int) -> None:
    world = matrix_world
    _ran["sqlite" if world.services.db.is_sqlite else "postgresql"] += 1
    n = next(_serial)
    client = world.clients[who]
    allowed = expected < 300
    fresh = row.target in FRESH_ALWAYS or (
        allowed
        and row.target in FRESH_WHEN_ALLOWED
        and (row.method == "DELETE" or row.kind == "feeds")
    )
    target = world.ids.get(row.target or "", 0)
    if fresh:
        assert row.target is not None
        target = world.fresh(row.target, n)
        if who == "student" and row.kind == "students":  # a new student owning the new record
            client = world.student_user(n, target)
    if allowed and who == "newcomer":  # a student without a record, each time a new one
        client = world.student_user(n)
    path, probe = world.path(row.path, target=target), world.path(row.probe, target=target)
    before = _read(world, probe)
    assert before[0] == 200

    response = client.open(path, method=row.method, json=_filled(row.body, world.ids, n))

    assert response.status_code == expected, response.get_json()
    after = _read(world, probe)
    if not allowed:
        assert after == before  # the record (or the list) is as it was
    elif row.method == "DELETE":
        assert after[0] == 404
    else:
        assert after[0] == 200 and after[1] != before[1]  # the write took effect


# -- owners named in bodies ------------------------------------------------------------------


def _count(world: World, kind: str) -> int:
    return int(world.admin.get(f"{API}/{kind}").get_json()["pagination"]["total"])


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        pytest.param({"enterprise_id": "E2"}, 403, id="E2-by-id"),
        pytest.param({"enterprise": NAMES["E2"]}, 403, id="E2-by-name"),
        pytest.param({"enterprise": "A New Enterprise"}, 403, id="an-unknown-name"),
        pytest.param({"enterprise_id": "E1"}, 201, id="E1-by-id"),
        pytest.param({"enterprise": NAMES["E1"]}, 201, id="E1-by-name"),
        pytest.param({"enterprise": "e1  ELECTRONICS"}, 201, id="E1-by-name-as-typed"),
        pytest.param({}, 201, id="nothing"),
    ],
)
def test_an_enterprise_member_posts_demands_for_their_own_enterprise_only(
    world: World, owner: dict[str, Any], expected: int
) -> None:
    if "enterprise_id" in owner:
        owner = {"enterprise_id": world.ids[owner["enterprise_id"]]}
    demands, organizations = _count(world, "demands"), _count(world, "organizations")
    body = {"kind": "job", "title": "Robot technician", "posted_at": POSTED, **owner}

    response = world.clients["e1"].post(f"{API}/demands", json=body)

    assert response.status_code == expected, response.get_json()
    if expected == 201:
        assert response.get_json()["enterprise_id"] == world.ids["E1"]
        assert _count(world, "demands") == demands + 1
    else:
        assert _count(world, "demands") == demands
        assert _count(world, "organizations") == organizations  # no enterprise made either


@pytest.mark.parametrize("kind", ["courses", "programs", "students"])
@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        pytest.param({"school_id": "S2"}, 403, id="S2-by-id"),
        pytest.param({"school": NAMES["S2"]}, 403, id="S2-by-name"),
        pytest.param({"school_id": "S1"}, 201, id="S1-by-id"),
        pytest.param({}, 201, id="nothing"),
    ],
)
def test_a_school_member_writes_for_their_own_school_only(
    world: World, kind: str, owner: dict[str, Any], expected: int
) -> None:
    if "school_id" in owner:
        owner = {"school_id": world.ids[owner["school_id"]]}
    fields = {
        "courses": {"code": "ROB201", "title": "Robotics", "skills": ["robots"]},
        "programs": {"name": "Robotics program"},
        "students": {"skills": ["robots"]},
    }[kind]
    before = _count(world, kind)

    response = world.clients["s1"].post(f"{API}/{kind}", json={**fields, **owner})

    assert response.status_code == expected, response.get_json()
    if expected == 201:
        assert response.get_json()["school_id"] == world.ids["S1"]
    assert _count(world, kind) == before + (expected == 201)


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        pytest.param({"enterprise_id": "E2"}, 403, id="E2-by-id"),
        pytest.param({"enterprise": NAMES["E2"]}, 403, id="E2-by-name"),
        pytest.param({}, 201, id="nothing"),
    ],
)
def test_an_enterprise_member_registers_feeds_for_their_own_enterprise_only(
    world: World, owner: dict[str, Any], expected: int
) -> None:
    if "enterprise_id" in owner:
        owner = {"enterprise_id": world.ids[owner["enterprise_id"]]}
    body = {"url": "https://jobs.example.org/more.json", "format": "json", **owner}
    before = world.admin.get(f"{API}/feeds").get_json()

    response = world.clients["e1"].post(f"{API}/feeds", json=body)

    assert response.status_code == expected, response.get_json()
    if expected == 201:
        assert response.get_json()["enterprise_id"] == world.ids["E1"]
    else:
        assert world.admin.get(f"{API}/feeds").get_json() == before


def test_a_feed_of_no_enterprise_is_shown_to_admins_only(world: World) -> None:
    feed = FeedIn(url="https://jobs.example.org/region.json", format="json")
    feed_id = FeedRegistry(world.services.db).add(feed)["id"]

    assert world.admin.get(f"{API}/feeds/{feed_id}").status_code == 200
    listed = world.clients["e1"].get(f"{API}/feeds").get_json()["items"]
    assert feed_id not in [f["id"] for f in listed]
    assert world.clients["e1"].get(f"{API}/feeds/{feed_id}").status_code == 403


@pytest.mark.parametrize(
    ("kind", "target", "who", "patch"),
    [
        pytest.param(
            "demands", "demand_E1", "e1", {"enterprise_id": "E2"}, id="demand-to-E2-by-id"
        ),
        pytest.param("demands", "demand_E1", "e1", {"enterprise": NAMES["E2"]}, id="demand-to-E2"),
        pytest.param("courses", "course_S1", "s1", {"school_id": "S2"}, id="course-to-S2-by-id"),
        pytest.param("programs", "program_S1", "s1", {"school": NAMES["S2"]}, id="program-to-S2"),
    ],
)
def test_a_member_cannot_hand_their_record_to_another_owner(
    world: World, kind: str, target: str, who: str, patch: dict[str, Any]
) -> None:
    patch = {k: world.ids[v] if k.endswith("_id") else v for k, v in patch.items()}
    path = f"{API}/{kind}/{world.ids[target]}"
    before = world.admin.get(path).get_json()

    response = world.clients[who].patch(path, json=patch)

    assert response.status_code == 403, response.get_json()
    assert world.admin.get(path).get_json() == before


@pytest.mark.parametrize("choice", ["consent", "share_contact"])
def test_a_school_cannot_give_consent_for_a_student(world: World, choice: str) -> None:
    before = _count(world, "students")

    response = world.clients["s1"].post(
        f"{API}/students", json={"school_id": world.ids["S1"], "skills": ["robots"], choice: True}
    )

    assert response.status_code == 403, response.get_json()
    assert _count(world, "students") == before


@pytest.mark.parametrize("who", ["e1", "admin"])
def test_a_demand_has_no_status_input(world: World, who: str) -> None:
    body = {
        "enterprise_id": world.ids["E1"],
        "kind": "job",
        "title": "Robot technician",
        "posted_at": POSTED,
        "status": "closed",
    }
    before = _count(world, "demands")

    response = world.clients[who].post(f"{API}/demands", json=body)

    assert response.status_code == 422, response.get_json()
    assert "status" in str(response.get_json())
    assert _count(world, "demands") == before


# -- who sees which students -----------------------------------------------------------------


def test_an_enterprise_lists_consenting_students_only_in_what_consent_shows(
    world: World,
) -> None:
    e1 = world.clients["e1"]
    items = e1.get(f"{API}/students?per_page=100").get_json()["items"]

    assert [s["id"] for s in items] == [world.ids["consenting"]]
    (shown,) = items
    assert not set(HIDDEN_FROM_OTHERS) & set(shown)
    assert shown["skills"] == ["PLC programming"] and shown["city"] == "Liuzhou"
    assert shown["school_id"] == world.ids["S1"]

    # the student shares their contact: name and contact appear, the rest stays hidden
    own = f"{API}/students/{world.ids['consenting']}"
    assert world.clients["student"].patch(own, json={"share_contact": True}).status_code == 200
    (shown,) = e1.get(f"{API}/students?per_page=100").get_json()["items"]
    assert shown["name"] == "Li Lei" and shown["contact"] == "consenting@example.org"
    assert not {"interests", "external_id", "consent"} & set(shown)
    assert e1.get(own).get_json() == shown


def test_admins_list_every_student_in_full(world: World) -> None:
    items = world.admin.get(f"{API}/students?per_page=100").get_json()["items"]
    assert {s["id"] for s in items} == {world.ids["consenting"], world.ids["private"]}
    assert all(set(HIDDEN_FROM_OTHERS) <= set(s) for s in items)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("e1", 404), ("student", 404), ("s1", 200), ("admin", 200)],
)
def test_a_student_who_did_not_consent_is_seen_by_their_school_and_admins_only(
    world: World, who: str, expected: int
) -> None:
    response = world.clients[who].get(f"{API}/students/{world.ids['private']}")

    assert response.status_code == expected, response.get_json()
    if expected == 200:
        record = response.get_json()
        assert record["name"] == "Han Meimei" and record["contact"] == "private@example.org"
        assert record["consent"] is False and record["interests"] == ["robots"]
        assert record["external_id"] == "S1-private"


def test_student_lists_need_an_account(world: World) -> None:
    assert world.clients["anonymous"].get(f"{API}/students").status_code == 401


def test_matches_against_students_show_consenting_students_only(world: World) -> None:
    path = f"{API}/demands/{world.ids['demand_E1']}/matches?target=students"
    assert world.clients["anonymous"].get(path).status_code == 401
    # consent is to be found by enterprises: schools and students do not search students
    for who in ("s1", "student"):
        assert world.clients[who].get(path).status_code == 403

    for who in ("e1", "admin"):
        response = world.clients[who].get(path)
        assert response.status_code == 200, response.get_json()
        results = response.get_json()["results"]
        ids = [r["id"] for r in results]
        assert world.ids["private"] not in ids
        assert ids == [world.ids["consenting"]]
        assert results[0]["title"] == f"student {world.ids['consenting']}"

    # sharing contact data shares the name in matches too
    own = f"{API}/students/{world.ids['consenting']}"
    assert world.clients["student"].patch(own, json={"share_contact": True}).status_code == 200
    results = world.clients["e1"].get(path).get_json()["results"]
    assert [(r["id"], r["title"]) for r in results] == [(world.ids["consenting"], "Li Lei")]
