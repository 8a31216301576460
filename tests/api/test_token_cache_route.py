"""Checked tokens are remembered per process (by default on PostgreSQL, where every process
hears revocations; with ``token_cache_seconds`` set on SQLite) -- without weakening revocation
or expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sevflow.bootstrap import build_container
from sevflow.services import accounts
from sevflow.services.actors import Actor
from tests.api.world import ApiWorld, build_world
from tests.integration.test_credential_feed import eventually


@pytest.fixture
def cached_api(sqlite_url: str, tmp_path: Path) -> Iterator[ApiWorld]:
    yield from build_world(sqlite_url, tmp_path, token_cache_seconds=30)


def test_a_token_revoked_through_the_api_stops_working_at_once_even_when_cached(cached_api: ApiWorld) -> None:
    made = cached_api.request("POST", "/api/tokens", as_="ana", json={"label": "script"}).json()
    headers = {"Authorization": f"Bearer {made['token']}"}
    assert cached_api.client.get("/api/tickets", headers=headers).status_code == 200  # now cached
    assert cached_api.request("DELETE", f"/api/tokens/{made['id']}", as_="ana").status_code == 200
    refused = cached_api.client.get("/api/tickets", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith("this API token was revoked at ")


def test_a_cached_token_still_expires_on_time(cached_api: ApiWorld) -> None:
    expires = (cached_api.clock.now() + timedelta(seconds=30)).isoformat()
    made = cached_api.request(
        "POST", "/api/tokens", as_="ana", json={"label": "short", "expires_at": expires}
    )
    headers = {"Authorization": f"Bearer {made.json()['token']}"}
    assert cached_api.client.get("/api/tickets", headers=headers).status_code == 200
    cached_api.clock.advance(seconds=30)  # under a minute: answered from the cache
    refused = cached_api.client.get("/api/tickets", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["detail"] == f"this API token expired at {cached_api.clock.now().isoformat()}"


@pytest.fixture
def default_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ApiWorld]:
    """The API with the default settings, on the database named by the test's parameter."""
    yield from build_world(request.getfixturevalue(f"{request.param}_url"), tmp_path)


@pytest.mark.parametrize("default_api", ["sqlite"], indirect=True)
def test_on_sqlite_every_request_reads_its_token_unless_a_cache_lifetime_is_set(
    default_api: ApiWorld,
) -> None:
    state = default_api.client.app.state
    assert (state.token_cache.ttl, state.credential_feed) == (0.0, None)


@pytest.mark.parametrize("default_api", ["postgres"], indirect=True)
def test_on_postgresql_tokens_are_remembered_and_a_revocation_by_another_process_is_heard(
    default_api: ApiWorld,
) -> None:
    api = default_api
    cache, feed = api.client.app.state.token_cache, api.client.app.state.credential_feed
    assert cache.ttl == 60.0
    eventually(feed.listening.is_set, "the credential feed listens")
    _, token_id, secret = api.tokens["ana"].split("_", 2)
    assert api.client.get("/api/tickets", headers=api.auth("ana")).status_code == 200
    assert cache.get(token_id, accounts.secret_hash(secret)) is not None  # remembered
    # the CLI, say: another process with its own connections
    other = build_container(api.box.settings, migrate_schema=False)
    try:
        accounts.revoke_token(other.uow_factory(), clock=api.clock, actor=Actor("cli"), token_id=token_id)
    finally:
        other.close()
    eventually(
        lambda: api.client.get("/api/tickets", headers=api.auth("ana")).status_code == 401,
        "the revoked token is refused",
    )
