from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sevflow.domain.accounts import IdempotencyRecord
from sevflow.domain.errors import Conflict, InvalidInput
from sevflow.services.ports import UnitOfWorkFactory
from tests.contract.conftest import T0

LONDON_SUMMER = timezone(timedelta(hours=1))
FINGERPRINT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
RECORD = IdempotencyRecord("ana", "key-1", "ticket.create", FINGERPRINT, 42, 201, T0)


def add(uow_factory: UnitOfWorkFactory, *records: IdempotencyRecord) -> None:
    with uow_factory() as uow:
        for record in records:
            uow.idempotency.add(record)
        uow.commit()


def test_a_record_round_trips_whole_with_created_at_aware_in_utc(uow_factory: UnitOfWorkFactory) -> None:
    created = datetime(2026, 7, 1, 12, 0, 0, 999_999, tzinfo=LONDON_SUMMER)
    add(uow_factory, replace(RECORD, created_at=created))
    with uow_factory() as uow:
        stored = uow.idempotency.find("ana", "key-1")
    assert stored == replace(RECORD, created_at=datetime(2026, 7, 1, 11, 0, 0, 999_999, tzinfo=UTC))
    assert stored is not None
    assert stored.created_at.tzinfo is UTC


def test_records_are_found_by_actor_and_key_together(uow_factory: UnitOfWorkFactory) -> None:
    add(uow_factory, RECORD, replace(RECORD, actor="bo", ticket_id=43))
    with uow_factory() as uow:
        assert uow.idempotency.find("bo", "key-1") == replace(RECORD, actor="bo", ticket_id=43)
        assert uow.idempotency.find("ana", "key-2") is None
        assert uow.idempotency.find("cy", "key-1") is None


def test_a_stored_actor_and_key_raise_conflict_and_the_transaction_stays_usable(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add(uow_factory, RECORD)
    with uow_factory() as uow:
        with pytest.raises(Conflict, match="idempotency key 'key-1' of 'ana' is already stored"):
            uow.idempotency.add(replace(RECORD, fingerprint="other", ticket_id=7))
        # the caller can read the winner's record and go on in the same transaction
        assert uow.idempotency.find("ana", "key-1") == RECORD
        uow.idempotency.add(replace(RECORD, key="key-2"))
        with pytest.raises(Conflict, match="idempotency key 'key-2' of 'ana' is already stored"):
            uow.idempotency.add(replace(RECORD, key="key-2"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.idempotency.find("ana", "key-2") == replace(RECORD, key="key-2")


def test_of_two_requests_racing_with_the_same_key_exactly_one_is_stored(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """The first transaction adds and stays open while the second runs in a thread (SQL: it
    waits for the first's lock, then gets ``Conflict`` from ``add``; memory: it commits first,
    and the first gets ``Conflict`` from ``commit``)."""
    errors: list[Exception | None] = [None, None]

    def second() -> None:
        try:
            with uow_factory() as uow:
                uow.idempotency.add(replace(RECORD, ticket_id=2))
                uow.commit()
        except Exception as error:
            errors[1] = error

    first = uow_factory()
    with first:
        first.idempotency.add(replace(RECORD, ticket_id=1))
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.3)
        try:
            first.commit()
        except Exception as error:
            errors[0] = error
    thread.join(30)
    assert not thread.is_alive()
    assert sorted(type(e).__name__ for e in errors if e is not None) == ["Conflict"]
    with uow_factory() as uow:
        stored = uow.idempotency.find("ana", "key-1")
    assert stored == replace(RECORD, ticket_id=1 if errors[0] is None else 2)


def test_prune_deletes_records_created_strictly_before_and_counts_them(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add(
        uow_factory,
        replace(RECORD, key="old", created_at=T0 - timedelta(days=2)),
        replace(RECORD, key="just-before", created_at=T0 - timedelta(microseconds=1)),
        replace(RECORD, key="at", created_at=T0),
        replace(RECORD, key="new", created_at=T0 + timedelta(hours=1)),
    )
    with uow_factory() as uow:
        assert uow.idempotency.prune(T0) == 2
        assert uow.idempotency.prune(T0) == 0
        uow.commit()
    with uow_factory() as uow:
        assert [k for k in ("old", "just-before", "at", "new") if uow.idempotency.find("ana", k)] == [
            "at",
            "new",
        ]
        assert uow.idempotency.prune(T0 + timedelta(days=1)) == 2
        assert uow.idempotency.find("ana", "at") is None


def test_a_pruned_key_may_be_stored_again(uow_factory: UnitOfWorkFactory) -> None:
    add(uow_factory, RECORD)
    with uow_factory() as uow:
        assert uow.idempotency.prune(T0 + timedelta(days=1)) == 1
        uow.idempotency.add(replace(RECORD, ticket_id=7, created_at=T0 + timedelta(days=1)))
        uow.commit()
    with uow_factory() as uow:
        assert uow.idempotency.find("ana", "key-1") == replace(
            RECORD, ticket_id=7, created_at=T0 + timedelta(days=1)
        )


def test_prune_counts_records_of_its_own_transaction(uow_factory: UnitOfWorkFactory) -> None:
    add(uow_factory, RECORD)
    with uow_factory() as uow:
        uow.idempotency.add(replace(RECORD, key="key-2"))
        assert uow.idempotency.prune(T0 + timedelta(seconds=1)) == 2
        assert uow.idempotency.find("ana", "key-2") is None
        uow.commit()
    with uow_factory() as uow:
        assert uow.idempotency.find("ana", "key-1") is None


def test_records_added_or_pruned_without_commit_are_not_changed(uow_factory: UnitOfWorkFactory) -> None:
    add(uow_factory, RECORD)
    with uow_factory() as uow:
        uow.idempotency.add(replace(RECORD, key="key-2"))
        assert uow.idempotency.prune(T0) == 0
        assert uow.idempotency.prune(T0 + timedelta(days=1)) == 2
    with uow_factory() as uow:
        assert uow.idempotency.find("ana", "key-1") == RECORD
        assert uow.idempotency.find("ana", "key-2") is None


def test_naive_instants_are_refused(uow_factory: UnitOfWorkFactory) -> None:
    naive = datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001 - naive on purpose
    with uow_factory() as uow:
        with pytest.raises(InvalidInput, match="has no time-zone offset"):
            uow.idempotency.add(replace(RECORD, created_at=naive))
        with pytest.raises(InvalidInput, match="has no time-zone offset"):
            uow.idempotency.prune(naive)
