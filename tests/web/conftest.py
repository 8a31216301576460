"""Dashboard page tests: the API's world (tests/api/world.py), browsed with a session cookie."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.world import PASSWORD, ApiWorld, build_world

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def web(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ApiWorld]:
    yield from build_world(request.getfixturevalue(f"{request.param}_url"), tmp_path)


@pytest.fixture
def sqlite_web(sqlite_url: str, tmp_path: Path) -> Iterator[ApiWorld]:
    yield from build_world(sqlite_url, tmp_path)


def browser(world: ApiWorld, user: str) -> TestClient:
    """A client of its own (its own cookie jar), signed in as ``user`` through the login form."""
    client = TestClient(world.client.app, raise_server_exceptions=False, follow_redirects=False)
    response = client.post("/login", data={"name": user, "password": PASSWORD, "next": "/"})
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)
