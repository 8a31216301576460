from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sevflow.domain.accounts import AccountRole, User, WebSession
from sevflow.domain.errors import Conflict, InvalidInput, NotFound
from sevflow.services.ports import UnitOfWorkFactory
from tests.contract.conftest import T0

TOKYO = timezone(timedelta(hours=9))
ID_HASH = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
SESSION = WebSession(ID_HASH, "ana", T0, T0 + timedelta(hours=12))


@pytest.fixture
def ana(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.users.add(User("ana", AccountRole.AGENT, T0))
        uow.commit()


def add(uow_factory: UnitOfWorkFactory, *sessions: WebSession) -> None:
    with uow_factory() as uow:
        for session in sessions:
            uow.sessions.add(session)
        uow.commit()


@pytest.mark.usefixtures("ana")
def test_a_session_round_trips_whole_with_instants_aware_in_utc(uow_factory: UnitOfWorkFactory) -> None:
    session = WebSession(
        ID_HASH,
        "ana",
        datetime(2026, 3, 2, 18, 30, 0, 654_321, tzinfo=TOKYO),
        datetime(2026, 3, 3, 6, 30, 0, 654_321, tzinfo=TOKYO),
    )
    add(uow_factory, session)
    with uow_factory() as uow:
        stored = uow.sessions.find(ID_HASH)
        assert uow.sessions.find("other") is None
    assert stored == WebSession(
        ID_HASH,
        "ana",
        datetime(2026, 3, 2, 9, 30, 0, 654_321, tzinfo=UTC),
        datetime(2026, 3, 2, 21, 30, 0, 654_321, tzinfo=UTC),
    )
    assert stored is not None
    assert (stored.created_at.tzinfo, stored.expires_at.tzinfo) == (UTC, UTC)
    assert stored.usable_at(T0)


@pytest.mark.usefixtures("ana")
def test_revoking_ends_the_session_and_keeps_the_first_time(uow_factory: UnitOfWorkFactory) -> None:
    add(uow_factory, SESSION)
    first = T0 + timedelta(minutes=30, microseconds=3)
    with uow_factory() as uow:
        uow.sessions.revoke(ID_HASH, now=first)
        uow.sessions.revoke(ID_HASH, now=first + timedelta(minutes=1))
        uow.commit()
    with uow_factory() as uow:
        uow.sessions.revoke(ID_HASH, now=first + timedelta(minutes=2))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.sessions.find(ID_HASH)
    assert stored == replace(SESSION, revoked_at=first)
    assert stored is not None
    assert not stored.usable_at(T0)


@pytest.mark.usefixtures("ana")
def test_revoking_a_session_that_does_not_exist_does_nothing(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.sessions.revoke("nope", now=T0)
        uow.commit()
    with uow_factory() as uow:
        assert uow.sessions.find("nope") is None


@pytest.mark.usefixtures("ana")
def test_an_id_hash_stored_twice_raises_conflict(uow_factory: UnitOfWorkFactory) -> None:
    add(uow_factory, SESSION)
    with uow_factory() as uow:
        with pytest.raises(Conflict, match="a web session with this id hash already exists"):
            uow.sessions.add(replace(SESSION, expires_at=T0 + timedelta(days=9)))
        assert uow.sessions.find(ID_HASH) == SESSION


def test_a_session_of_a_user_that_does_not_exist_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(NotFound, match="cannot add a web session for 'ana'"):
        uow.sessions.add(SESSION)


@pytest.mark.usefixtures("ana")
def test_sessions_added_or_revoked_without_commit_are_not_stored(uow_factory: UnitOfWorkFactory) -> None:
    other = replace(SESSION, id_hash="b" * 64)
    add(uow_factory, SESSION)
    with uow_factory() as uow:
        uow.sessions.add(other)
        uow.sessions.revoke(ID_HASH, now=T0)
        assert uow.sessions.find(other.id_hash) == other
        assert uow.sessions.find(ID_HASH) == replace(SESSION, revoked_at=T0)
    with uow_factory() as uow:
        assert uow.sessions.find(other.id_hash) is None
        assert uow.sessions.find(ID_HASH) == SESSION


@pytest.mark.usefixtures("ana")
def test_naive_instants_are_refused(uow_factory: UnitOfWorkFactory) -> None:
    naive = datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001 - naive on purpose
    with uow_factory() as uow:
        with pytest.raises(InvalidInput, match="has no time-zone offset"):
            uow.sessions.add(replace(SESSION, expires_at=naive))
        with pytest.raises(InvalidInput, match="has no time-zone offset"):
            uow.sessions.revoke(ID_HASH, now=naive)
