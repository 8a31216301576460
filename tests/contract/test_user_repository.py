from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sevflow.domain.accounts import AccountRole, User
from sevflow.domain.errors import Conflict, InvalidInput, NotFound
from sevflow.domain.policy import Role
from sevflow.services.ports import UnitOfWork, UnitOfWorkFactory

BERLIN_WINTER = timezone(timedelta(hours=1))
CREATED = datetime(2026, 3, 2, 10, 30, 0, 123_456, tzinfo=BERLIN_WINTER)
CREATED_UTC = datetime(2026, 3, 2, 9, 30, 0, 123_456, tzinfo=UTC)

ANA = User(
    "ana",
    AccountRole.LEAD,
    CREATED,
    duties=frozenset({Role.INCIDENT_COMMANDER, Role.ON_CALL}),
    password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
)


def add(uow_factory: UnitOfWorkFactory, *users: User) -> None:
    with uow_factory() as uow:
        for user in users:
            uow.users.add(user)
        uow.commit()


def test_an_added_user_round_trips_whole_with_duties_as_a_frozenset_and_created_at_in_utc(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add(uow_factory, ANA)
    with uow_factory() as uow:
        stored = uow.users.get("ana")
        assert uow.users.find("ana") == stored
    assert stored == replace(ANA, created_at=CREATED_UTC)
    assert stored.created_at.tzinfo is UTC
    assert isinstance(stored.duties, frozenset)
    assert stored.role is AccountRole.LEAD
    assert stored.policy_roles == frozenset({Role.AGENT, Role.LEAD, Role.INCIDENT_COMMANDER, Role.ON_CALL})


def test_a_customer_user_without_duties_or_password_round_trips_inactive(
    uow_factory: UnitOfWorkFactory,
) -> None:
    customer = User("dee", AccountRole.CUSTOMER, CREATED_UTC, organisation="Globex", active=False)
    add(uow_factory, customer)
    with uow_factory() as uow:
        assert uow.users.get("dee") == customer


def test_a_missing_user_is_not_found_by_get_and_none_for_find(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.users.find("nobody") is None
        with pytest.raises(NotFound, match="there is no user called 'nobody'"):
            uow.users.get("nobody")


def test_a_taken_name_raises_conflict_and_the_transaction_stays_usable(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add(uow_factory, ANA)
    with uow_factory() as uow:
        with pytest.raises(Conflict, match="a user called 'ana' already exists"):
            uow.users.add(replace(ANA, role=AccountRole.ADMIN))
        uow.users.add(replace(ANA, name="bo"))
        with pytest.raises(Conflict, match="a user called 'bo' already exists"):
            uow.users.add(replace(ANA, name="bo"))
        uow.commit()
    with uow_factory() as uow:
        assert [(u.name, u.role) for u in uow.users.list()] == [
            ("ana", AccountRole.LEAD),
            ("bo", AccountRole.LEAD),
        ]


def test_of_two_transactions_racing_to_add_the_same_name_exactly_one_wins(
    uow_factory: UnitOfWorkFactory,
) -> None:
    def write(uow: UnitOfWork, n: int) -> None:
        uow.users.add(replace(ANA, password_hash=f"hash {n}"))

    errors = race(uow_factory, write)
    assert sorted(type(e).__name__ for e in errors if e is not None) == ["Conflict"]
    winner = 1 if errors[0] is None else 2
    with uow_factory() as uow:
        assert uow.users.get("ana").password_hash == f"hash {winner}"


def race(uow_factory: UnitOfWorkFactory, write: Callable[[UnitOfWork, int], None]) -> list[Exception | None]:
    """Two transactions make the same write. The first writes and keeps its transaction open
    while the second runs in a thread (SQL: it waits for the first's lock; memory: it commits
    first), then the first commits. Returns each one's error, or ``None``."""
    errors: list[Exception | None] = [None, None]

    def second() -> None:
        try:
            with uow_factory() as uow:
                write(uow, 2)
                uow.commit()
        except Exception as error:
            errors[1] = error

    first = uow_factory()
    with first:
        write(first, 1)
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.3)
        try:
            first.commit()
        except Exception as error:
            errors[0] = error
    thread.join(30)
    assert not thread.is_alive()
    return errors


def test_users_are_listed_by_name_in_code_point_order(uow_factory: UnitOfWorkFactory) -> None:
    add(uow_factory, *(replace(ANA, name=name) for name in ["bo", "ana", "Cy", "Ana", "élise"]))
    with uow_factory() as uow:
        assert [u.name for u in uow.users.list()] == ["Ana", "Cy", "ana", "bo", "élise"]


def test_no_users_make_an_empty_list(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.users.list() == []


def test_update_replaces_role_duties_organisation_password_and_active_but_keeps_created_at(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add(uow_factory, ANA)
    changed = replace(
        ANA,
        role=AccountRole.MANAGER,
        duties=frozenset({Role.SENIOR_ENGINEER}),
        organisation="Initech",
        password_hash=None,
        active=False,
        created_at=CREATED_UTC + timedelta(days=3),
    )
    with uow_factory() as uow:
        uow.users.update(changed)
        assert uow.users.get("ana") == replace(changed, created_at=CREATED_UTC)
        uow.commit()
    with uow_factory() as uow:
        assert uow.users.get("ana") == replace(changed, created_at=CREATED_UTC)


def test_update_of_a_missing_user_raises_not_found(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(NotFound, match="there is no user called 'ana'"):
        uow.users.update(ANA)


def test_users_added_or_updated_without_commit_are_not_stored(uow_factory: UnitOfWorkFactory) -> None:
    add(uow_factory, ANA)
    with uow_factory() as uow:
        uow.users.add(replace(ANA, name="bo"))
        uow.users.update(replace(ANA, active=False))
        assert [u.name for u in uow.users.list()] == ["ana", "bo"]
        assert uow.users.get("ana").active is False
    with uow_factory() as uow:
        assert uow.users.list() == [replace(ANA, created_at=CREATED_UTC)]


def test_a_naive_creation_time_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    naive = datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001 - naive on purpose
    with uow_factory() as uow, pytest.raises(InvalidInput, match="has no time-zone offset"):
        uow.users.add(replace(ANA, created_at=naive))
