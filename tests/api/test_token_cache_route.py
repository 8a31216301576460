"""With ``token_cache_seconds`` set, checked tokens are remembered per process — without
weakening revocation through the API or expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.api.world import ApiWorld, build_world


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
