"""The OpenAPI document holds: schemathesis 4 against the app on the demo consortium.

Every operation of ``/api/v1/openapi.json`` is exercised in-process with all of schemathesis'
checks and phases (explicit examples, coverage: boundary values, missing and unexpected
parameters, undeclared methods; then fuzzing): no 500, every status code and content type
declared, every answer valid against its declared schema, schema-valid requests accepted and
schema-violating ones refused, 405 with ``Allow``.

The app is built when the module is imported (schemathesis reads the document then); its
store is filled with the demo by a module fixture. The demo runs on SQLite, and on PostgreSQL
when ``TEST_DATABASE_URL`` is set. Writes change these private stores only.

Every case is sent with an admin's API token, so the authenticated API is exercised whole;
schemathesis' ``ignored_auth`` check sends secured operations without it too and expects 401.
A case may revoke that token or disable its account (``DELETE /tokens/{id}``,
``PATCH /users/{id}``): the next case gets a fresh one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.app import create_app
from api.wiring import Services
from matcher.errors import Unauthorized
from seed.loader import load_demo
from tests.conftest import SUMMARY_LINES

_FOLDER = Path(tempfile.mkdtemp(prefix="tm-contract-"))
_UNLIMITED = {"MATCH_RATE_LIMIT": "1000000 per minute"}
_SQLITE = Services.from_environment(
    {
        "INSTANCE_PATH": str(_FOLDER / "sqlite"),
        "DATABASE_URL": f"sqlite:///{_FOLDER}/demo.db",
        **_UNLIMITED,
    }
)
sqlite_api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app(services=_SQLITE))

_POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
_PG_DATABASE = f"tm_contract_{uuid.uuid4().hex[:12]}"  # created by the fixture, not at import
_PG_SERVICES = (
    Services.from_environment(
        {
            "INSTANCE_PATH": str(_FOLDER / "postgresql"),
            "DATABASE_URL": make_url(_POSTGRES_URL)
            .set(drivername="postgresql+psycopg", database=_PG_DATABASE)
            .render_as_string(hide_password=False),
            **_UNLIMITED,
        }
    )
    if _POSTGRES_URL
    else _SQLITE
)
postgresql_api = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app(services=_PG_SERVICES)
)

_cases = {"sqlite": 0, "postgresql": 0}
_ADMIN = "contract-admin@example.org"


def _admin_token(services: Services) -> str:
    """A valid admin token, made anew when a case revoked the last one or disabled its user."""
    token = services.__dict__.get("contract_token")
    try:
        if token is None:
            raise Unauthorized("none yet")
        services.tokens.actor_for(token)
    except Unauthorized:
        services.accounts.set_active(_ADMIN, True)
        user_id = services.accounts.by_email(_ADMIN)["id"]
        token = services.tokens.create(user_id, "contract")[1]
        services.__dict__["contract_token"] = token
    return token


@pytest.fixture(scope="module", autouse=True)
def _demo_stores(request: pytest.FixtureRequest) -> Iterator[None]:
    admin = None
    if _POSTGRES_URL:
        admin_url = make_url(_POSTGRES_URL).set(drivername="postgresql+psycopg")
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{_PG_DATABASE}"'))
    for services in {_SQLITE, _PG_SERVICES}:
        services.init_schema()
        load_demo(services)
        services.accounts.create(_ADMIN, "admin")
    yield
    for services in {_SQLITE, _PG_SERVICES}:
        services.close()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_PG_DATABASE}" WITH (FORCE)'))
        admin.dispose()
    shutil.rmtree(_FOLDER, ignore_errors=True)
    request.config.stash[SUMMARY_LINES].append(
        f"schemathesis: {_cases['sqlite']} cases on SQLite, {_cases['postgresql']} on PostgreSQL"
    )


def _credentials(case: Case, services: Services) -> dict[str, str]:
    """The admin's token for cases meant to be valid. A case that brings an Authorization
    header of its own, or that is meant to be refused (its invalid part may be the missing
    credentials), goes as generated."""
    if any(name.lower() == "authorization" for name in case.headers or {}):
        return {}
    generation = getattr(case.meta, "generation", None)
    if generation is not None and not generation.mode.is_positive:
        return {}
    return {"Authorization": f"Bearer {_admin_token(services)}"}


_SETTINGS = {"deadline": None, "suppress_health_check": list(HealthCheck), "database": None}


@sqlite_api.parametrize()
@settings(max_examples=20, **_SETTINGS)
def test_every_operation_keeps_its_contract_on_sqlite(case: Case) -> None:
    _cases["sqlite"] += 1
    case.call_and_validate(headers=_credentials(case, _SQLITE))


@postgresql_api.parametrize()
@settings(max_examples=6, **_SETTINGS)
def test_every_operation_keeps_its_contract_on_postgresql(case: Case) -> None:
    if not _POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL contract run skipped")
    _cases["postgresql"] += 1
    case.call_and_validate(headers=_credentials(case, _PG_SERVICES))
