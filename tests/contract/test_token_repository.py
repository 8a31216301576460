from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sevflow.domain.accounts import AccountRole, ApiToken, User
from sevflow.domain.errors import Conflict, InvalidInput, NotFound
from sevflow.services.ports import UnitOfWorkFactory
from tests.contract.conftest import T0

NEW_YORK_WINTER = timezone(timedelta(hours=-5))
HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

TOKEN = ApiToken("tok1", "ana", "ci pipeline", HASH, T0)


def add_users(uow_factory: UnitOfWorkFactory, *names: str) -> None:
    with uow_factory() as uow:
        for name in names:
            uow.users.add(User(name, AccountRole.AGENT, T0))
        uow.commit()


def add_tokens(uow_factory: UnitOfWorkFactory, *tokens: ApiToken) -> None:
    with uow_factory() as uow:
        for token in tokens:
            uow.tokens.add(token)
        uow.commit()


@pytest.fixture
def users(uow_factory: UnitOfWorkFactory) -> None:
    add_users(uow_factory, "ana", "bo")


@pytest.mark.usefixtures("users")
def test_a_token_round_trips_whole_with_every_instant_aware_in_utc_to_the_microsecond(
    uow_factory: UnitOfWorkFactory,
) -> None:
    token = ApiToken(
        "tok1",
        "ana",
        "ci pipeline",
        HASH,
        created_at=datetime(2026, 3, 2, 4, 30, 0, 1, tzinfo=NEW_YORK_WINTER),
        expires_at=datetime(2026, 6, 2, 9, 30, 0, 999_999, tzinfo=UTC),
        last_used_at=datetime(2026, 3, 3, 9, 30, 0, 500_000, tzinfo=UTC),
        revoked_at=datetime(2026, 3, 4, 4, 0, tzinfo=NEW_YORK_WINTER),
    )
    add_tokens(uow_factory, token, replace(TOKEN, id="tok2"))
    with uow_factory() as uow:
        stored, plain = uow.tokens.find("tok1"), uow.tokens.find("tok2")
    assert stored == ApiToken(
        "tok1",
        "ana",
        "ci pipeline",
        HASH,
        created_at=datetime(2026, 3, 2, 9, 30, 0, 1, tzinfo=UTC),
        expires_at=datetime(2026, 6, 2, 9, 30, 0, 999_999, tzinfo=UTC),
        last_used_at=datetime(2026, 3, 3, 9, 30, 0, 500_000, tzinfo=UTC),
        revoked_at=datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
    )
    assert stored is not None
    assert all(
        t.tzinfo is UTC
        for t in (stored.created_at, stored.expires_at, stored.last_used_at, stored.revoked_at)
    )
    assert plain == replace(TOKEN, id="tok2")


@pytest.mark.usefixtures("users")
def test_an_unknown_token_is_none(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.tokens.find("nope") is None


@pytest.mark.usefixtures("users")
def test_a_taken_id_raises_conflict_and_the_transaction_stays_usable(uow_factory: UnitOfWorkFactory) -> None:
    add_tokens(uow_factory, TOKEN)
    with uow_factory() as uow:
        with pytest.raises(Conflict, match="an API token with id 'tok1' already exists"):
            uow.tokens.add(replace(TOKEN, user="bo"))
        uow.tokens.add(replace(TOKEN, id="tok2"))
        with pytest.raises(Conflict, match="an API token with id 'tok2' already exists"):
            uow.tokens.add(replace(TOKEN, id="tok2"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.tokens.list() == [TOKEN, replace(TOKEN, id="tok2")]


def test_a_token_of_a_user_that_does_not_exist_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(NotFound, match="cannot add an API token for 'ana'"):
        uow.tokens.add(TOKEN)
    with uow_factory() as uow:
        assert uow.tokens.list() == []


def test_a_token_may_belong_to_a_user_added_in_the_same_transaction(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.users.add(User("ana", AccountRole.AGENT, T0))
        uow.tokens.add(TOKEN)
        uow.commit()
    with uow_factory() as uow:
        assert uow.tokens.find("tok1") == TOKEN


@pytest.mark.usefixtures("users")
def test_tokens_are_listed_oldest_first_then_by_id_revoked_ones_included(
    uow_factory: UnitOfWorkFactory,
) -> None:
    later = T0 + timedelta(minutes=5)
    add_tokens(
        uow_factory,
        replace(TOKEN, id="c", created_at=later),
        replace(TOKEN, id="b", user="bo"),
        replace(TOKEN, id="a", created_at=later, revoked_at=later),
        replace(TOKEN, id="d", user="bo", created_at=T0 - timedelta(microseconds=1)),
    )
    with uow_factory() as uow:
        assert [t.id for t in uow.tokens.list()] == ["d", "b", "a", "c"]
        assert [t.id for t in uow.tokens.list("ana")] == ["a", "c"]
        assert [t.id for t in uow.tokens.list(user="bo")] == ["d", "b"]
        assert uow.tokens.list("cy") == []


@pytest.mark.usefixtures("users")
def test_revoking_keeps_the_token_and_the_first_revocation_time(uow_factory: UnitOfWorkFactory) -> None:
    add_tokens(uow_factory, TOKEN)
    first, second = T0 + timedelta(hours=1, microseconds=7), T0 + timedelta(hours=2)
    with uow_factory() as uow:
        uow.tokens.revoke("tok1", now=first)
        uow.tokens.revoke("tok1", now=first - timedelta(minutes=1))
        assert uow.tokens.find("tok1") == replace(TOKEN, revoked_at=first)
        uow.commit()
    with uow_factory() as uow:
        uow.tokens.revoke("tok1", now=second)
        uow.commit()
    with uow_factory() as uow:
        token = uow.tokens.find("tok1")
    assert token == replace(TOKEN, revoked_at=first)
    assert token is not None
    assert not token.usable_at(T0)


@pytest.mark.usefixtures("users")
def test_revoking_a_missing_token_raises_not_found(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(NotFound, match="there is no API token 'nope'"):
        uow.tokens.revoke("nope", now=T0)


@pytest.mark.usefixtures("users")
def test_touch_sets_the_last_use_time_and_ignores_unknown_tokens(uow_factory: UnitOfWorkFactory) -> None:
    add_tokens(uow_factory, TOKEN)
    used = datetime(2026, 3, 2, 5, 0, 0, 42, tzinfo=NEW_YORK_WINTER)
    with uow_factory() as uow:
        uow.tokens.touch("tok1", now=T0 + timedelta(minutes=1))
        uow.tokens.touch("tok1", now=used)
        uow.tokens.touch("nope", now=used)
        uow.commit()
    with uow_factory() as uow:
        token = uow.tokens.find("tok1")
        assert uow.tokens.find("nope") is None
    assert token == replace(TOKEN, last_used_at=datetime(2026, 3, 2, 10, 0, 0, 42, tzinfo=UTC))
    assert token is not None
    assert token.last_used_at is not None
    assert token.last_used_at.tzinfo is UTC


@pytest.mark.usefixtures("users")
def test_adding_revoking_and_touching_without_commit_stores_nothing(uow_factory: UnitOfWorkFactory) -> None:
    add_tokens(uow_factory, TOKEN)
    with uow_factory() as uow:
        uow.tokens.add(replace(TOKEN, id="tok2"))
        uow.tokens.revoke("tok1", now=T0)
        uow.tokens.touch("tok1", now=T0)
        assert uow.tokens.find("tok1") == replace(TOKEN, revoked_at=T0, last_used_at=T0)
        uow.rollback()
        assert uow.tokens.list() == [TOKEN]
    with uow_factory() as uow:
        assert uow.tokens.list() == [TOKEN]


@pytest.mark.usefixtures("users")
def test_naive_instants_are_refused(uow_factory: UnitOfWorkFactory) -> None:
    naive = datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001 - naive on purpose
    with uow_factory() as uow:
        with pytest.raises(InvalidInput, match="has no time-zone offset"):
            uow.tokens.add(replace(TOKEN, expires_at=naive))
        uow.tokens.add(TOKEN)
        with pytest.raises(InvalidInput, match="has no time-zone offset"):
            uow.tokens.revoke("tok1", now=naive)
        with pytest.raises(InvalidInput, match="has no time-zone offset"):
            uow.tokens.touch("tok1", now=naive)


@pytest.mark.usefixtures("users")
def test_a_token_is_found_with_its_user_as_stored_now_and_an_unknown_one_is_not(
    uow_factory: UnitOfWorkFactory,
) -> None:
    later = T0 + timedelta(days=3)
    add_tokens(
        uow_factory, replace(TOKEN, created_at=later), replace(TOKEN, id="tok2", user="bo", created_at=later)
    )
    with uow_factory() as uow:
        uow.users.update(replace(uow.users.get("bo"), active=False, organisation="Globex"))
        uow.commit()
    with uow_factory() as uow:
        ana, bo, nobody = (uow.tokens.find_with_user(i) for i in ("tok1", "tok2", "tok3"))
    assert ana == (replace(TOKEN, created_at=later), User("ana", AccountRole.AGENT, T0))
    assert bo == (
        replace(TOKEN, id="tok2", user="bo", created_at=later),
        User("bo", AccountRole.AGENT, T0, organisation="Globex", active=False),
    )
    assert nobody is None
