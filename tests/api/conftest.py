"""The ``api`` fixture: an ``ApiWorld`` (see world.py) on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.world import ApiWorld, build_world

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ApiWorld]:
    url = request.getfixturevalue(f"{request.param}_url")
    yield from build_world(url, tmp_path)


@pytest.fixture
def sqlite_api(sqlite_url: str, tmp_path: Path) -> Iterator[ApiWorld]:
    """The world on SQLite only (for tests whose subject is not the database)."""
    yield from build_world(sqlite_url, tmp_path)
