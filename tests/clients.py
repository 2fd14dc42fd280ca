"""Test clients that act as a given account through a real API token."""

from __future__ import annotations

import contextlib
import re

from flask.testing import FlaskClient

from api.app import create_app
from api.wiring import Services
from matcher.errors import Conflict

TEST_ADMIN = "tests-admin@example.org"


def token_for(services: Services, email: str, role: str = "admin", **account: object) -> str:
    """A fresh token of the account ``email``, created first when it does not exist."""
    with contextlib.suppress(Conflict):  # it exists already
        services.accounts.create(email, role, **account)  # type: ignore[arg-type]
    user_id = services.accounts.by_email(email)["id"]
    return services.tokens.create(user_id, "tests")[1]


def english(client: FlaskClient) -> FlaskClient:
    """Pages in English unless a request asks otherwise (tests read English source strings)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def client_as(services: Services, token: str | None) -> FlaskClient:
    client = english(create_app(services=services).test_client())
    if token is not None:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def admin_client(services: Services) -> FlaskClient:
    """A client of a new app on ``services``, signed in as an admin by token."""
    return client_as(services, token_for(services, TEST_ADMIN))


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form on the page at ``path`` (a GET, with the client's session)."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def signed_in(client: FlaskClient, email: str, password: str) -> FlaskClient:
    """``client`` after signing in through the /login form (session cookie and CSRF)."""
    form = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    answer = client.post("/login", data=form)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return client
