"""The per-process cache of checked API tokens."""

from __future__ import annotations

from datetime import UTC, datetime

from sevflow.domain.accounts import AccountRole, ApiToken, User
from sevflow.services.token_cache import TokenCache

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
USER = User("ana", AccountRole.AGENT, T0)


def token(token_id: str) -> ApiToken:
    return ApiToken(token_id, "ana", "tests", "digest", T0)


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_cached_token_is_answered_until_its_lifetime_passes() -> None:
    ticks = Ticks()
    cache = TokenCache(ttl=1.0, monotonic=ticks)
    cache.put("a" * 12, "d1", token("a" * 12), USER, generation=cache.generation)
    ticks.now += 1.0
    assert cache.get("a" * 12, "d1") == (token("a" * 12), USER)
    ticks.now += 0.001
    assert cache.get("a" * 12, "d1") is None


def test_another_secret_for_the_same_token_id_is_not_answered_from_the_cache() -> None:
    cache = TokenCache(ttl=1.0, monotonic=Ticks())
    cache.put("a" * 12, "d1", token("a" * 12), USER, generation=cache.generation)
    assert cache.get("a" * 12, "d2") is None
    assert cache.get("a" * 12, "d1") is None  # the mismatch dropped the entry


def test_a_forgotten_token_is_read_again() -> None:
    cache = TokenCache(ttl=1.0, monotonic=Ticks())
    cache.put("a" * 12, "d1", token("a" * 12), USER, generation=cache.generation)
    cache.forget("a" * 12)
    assert cache.get("a" * 12, "d1") is None


def test_a_cache_without_lifetime_remembers_nothing() -> None:
    cache = TokenCache(ttl=0.0, monotonic=Ticks())
    cache.put("a" * 12, "d1", token("a" * 12), USER, generation=cache.generation)
    assert cache.get("a" * 12, "d1") is None


def test_the_oldest_entry_makes_room_when_the_cache_is_full() -> None:
    cache = TokenCache(ttl=1.0, size=2, monotonic=Ticks())
    for name in ("a", "b", "c"):
        cache.put(name * 12, "d", token(name * 12), USER, generation=cache.generation)
    assert cache.get("a" * 12, "d") is None
    assert cache.get("b" * 12, "d") == (token("b" * 12), USER)
    assert cache.get("c" * 12, "d") == (token("c" * 12), USER)


def test_a_token_read_before_a_revocation_was_heard_is_not_remembered() -> None:
    cache = TokenCache(ttl=1.0, monotonic=Ticks())
    noted = cache.generation  # a request notes the generation, then reads the token...
    cache.forget("b" * 12)  # ...while a revocation is heard
    cache.put("a" * 12, "d1", token("a" * 12), USER, generation=noted)
    assert cache.get("a" * 12, "d1") is None
    cache.put("a" * 12, "d1", token("a" * 12), USER, generation=cache.generation)
    assert cache.get("a" * 12, "d1") == (token("a" * 12), USER)


def test_a_suspended_cache_answers_nothing_and_resumes_empty() -> None:
    cache = TokenCache(ttl=1.0, monotonic=Ticks(), suspended=True)
    cache.put("a" * 12, "d1", token("a" * 12), USER, generation=cache.generation)
    assert cache.get("a" * 12, "d1") is None
    cache.resume()
    cache.put("a" * 12, "d1", token("a" * 12), USER, generation=cache.generation)
    assert cache.get("a" * 12, "d1") == (token("a" * 12), USER)
    cache.suspend()
    assert cache.get("a" * 12, "d1") is None
    cache.resume()
    assert cache.get("a" * 12, "d1") is None  # what was known before may have been revoked since
