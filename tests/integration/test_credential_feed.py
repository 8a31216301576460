"""On PostgreSQL every API process hears a token's revocation as it commits (``LISTEN``), and
its token cache forgets the token; while it cannot listen, its cache is not used at all."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from sevflow.adapters.db.credential_feed import CredentialFeed
from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.uow import SqlUnitOfWorkFactory
from sevflow.domain.accounts import AccountRole, ApiToken, User
from sevflow.services import accounts
from sevflow.services.actors import Actor
from sevflow.services.token_cache import TokenCache
from sevflow.testing.clock import FakeClock

ADMIN = Actor("setup")
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait for something another thread does (a notification's delivery); not a timing claim:
    the limit only keeps a broken feed from hanging the suite."""
    deadline = time.monotonic() + 20
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.01)


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


def issue(engine: Engine, user: str = "ana") -> ApiToken:
    factory = SqlUnitOfWorkFactory(engine)
    with factory() as uow:
        if uow.users.find(user) is None:
            uow.users.add(User(user, AccountRole.AGENT, T0))
            uow.commit()
    return accounts.create_token(factory(), clock=FakeClock(T0), actor=ADMIN, user=user, label="t").token


def remember(cache: TokenCache, token: ApiToken) -> None:
    cache.put(
        token.id,
        token.secret_hash,
        token,
        User(token.user, AccountRole.AGENT, T0),
        generation=cache.generation,
    )
    assert cache.get(token.id, token.secret_hash) is not None


def remembered_pair(engine: Engine, cache: TokenCache) -> tuple[ApiToken, ApiToken]:
    first, second = issue(engine), issue(engine)
    remember(cache, first)
    remember(cache, second)
    return first, second


def revoke(engine: Engine, token: ApiToken) -> None:
    accounts.revoke_token(SqlUnitOfWorkFactory(engine)(), clock=FakeClock(T0), actor=ADMIN, token_id=token.id)


@pytest.fixture
def feed(engine: Engine) -> Iterator[tuple[CredentialFeed, TokenCache]]:
    cache = TokenCache(ttl=60)
    feed = CredentialFeed(engine.url, cache, retry_seconds=60, poll_seconds=0.05)
    feed.start()
    assert cache.suspended
    eventually(feed.listening.is_set, "the feed listens")
    assert not cache.suspended
    yield feed, cache
    feed.stop()


def test_a_token_revoked_by_another_process_is_forgotten_when_the_revocation_commits(
    engine: Engine, feed: tuple[CredentialFeed, TokenCache]
) -> None:
    _, cache = feed
    kept, revoked = remembered_pair(engine, cache)
    revoke(engine, revoked)
    eventually(lambda: cache.get(revoked.id, revoked.secret_hash) is None, "the revoked token is forgotten")
    assert cache.get(kept.id, kept.secret_hash) is not None


def test_a_revocation_rolled_back_is_not_heard(
    engine: Engine, feed: tuple[CredentialFeed, TokenCache]
) -> None:
    _, cache = feed
    kept, later = remembered_pair(engine, cache)
    with SqlUnitOfWorkFactory(engine)() as uow:
        uow.tokens.revoke(kept.id, now=T0)  # and no commit
    revoke(engine, later)  # notifications arrive in commit order: once this one is heard...
    eventually(lambda: cache.get(later.id, later.secret_hash) is None, "the committed revocation is heard")
    assert cache.get(kept.id, kept.secret_hash) is not None  # ...the rolled-back one never came


def test_a_feed_that_loses_its_connection_suspends_the_cache(
    engine: Engine, feed: tuple[CredentialFeed, TokenCache]
) -> None:
    listener, cache = feed
    token = issue(engine)
    remember(cache, token)
    with engine.begin() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": listener.application_name},
        )
    eventually(lambda: cache.suspended, "the cache is suspended")
    assert not listener.listening.is_set()
    assert cache.get(token.id, token.secret_hash) is None
    cache.put(
        token.id, token.secret_hash, token, User("ana", AccountRole.AGENT, T0), generation=cache.generation
    )
    assert cache.get(token.id, token.secret_hash) is None  # remembers nothing while deaf


def test_a_feed_that_cannot_connect_leaves_the_cache_suspended_and_says_so_once(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache = TokenCache(ttl=60)
    url = make_url(postgres_url).set(port=1)  # nothing listens there
    feed = CredentialFeed(url, cache, retry_seconds=0.01, poll_seconds=0.05)
    with caplog.at_level(logging.WARNING, logger="sevflow.api"):
        feed.start()
        try:
            assert cache.suspended
            assert not feed.listening.wait(0.5)  # dozens of attempts meanwhile
            assert cache.suspended
        finally:
            feed.stop()
    warnings = [r.getMessage() for r in caplog.records if r.name == "sevflow.api"]
    assert len(warnings) == 1
    assert warnings[0].startswith("not hearing token revocations (")


def test_a_feed_that_lost_its_connection_listens_again_and_the_cache_with_it(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    cache = TokenCache(ttl=60)
    feed = CredentialFeed(engine.url, cache, retry_seconds=0.01, poll_seconds=0.05)
    feed.start()
    try:
        eventually(feed.listening.is_set, "the feed listens")
        with caplog.at_level(logging.WARNING, logger="sevflow.api"):
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"
                    ),
                    {"name": feed.application_name},
                )
            eventually(
                lambda: any("again" in r.getMessage() for r in caplog.records), "the feed says it hears again"
            )
        eventually(lambda: not cache.suspended, "the cache is trusted again")
        token = issue(engine)
        remember(cache, token)
        revoke(engine, token)
        eventually(lambda: cache.get(token.id, token.secret_hash) is None, "a revocation is heard again")
    finally:
        feed.stop()
