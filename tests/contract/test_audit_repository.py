from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sevflow.domain.accounts import AuditEntry, AuditOutcome
from sevflow.domain.errors import InvalidInput
from sevflow.services.ports import UnitOfWorkFactory
from tests.contract.conftest import T0

MUMBAI = timezone(timedelta(hours=5, minutes=30))

DENIED = AuditEntry(
    at=datetime(2026, 3, 2, 15, 0, 0, 271_828, tzinfo=MUMBAI),
    actor="dee",
    action="ticket.escalate",
    outcome=AuditOutcome.DENIED,
    reason="customers may not escalate sev4 tickets",
    ticket_id=999,  # no such ticket: a denial may name one
    target="#999",
)
SIGN_IN = AuditEntry(T0, "ana", "auth.login", AuditOutcome.ALLOWED)


def add(uow_factory: UnitOfWorkFactory, *entries: AuditEntry) -> list[int]:
    with uow_factory() as uow:
        ids = [uow.audit.add(entry) for entry in entries]
        uow.commit()
    return ids


def test_entries_get_increasing_ids_and_round_trip_whole_in_utc(uow_factory: UnitOfWorkFactory) -> None:
    first, second = add(uow_factory, DENIED, SIGN_IN)
    assert first < second
    with uow_factory() as uow:
        entries = uow.audit.recent(limit=10)
    assert entries == [
        replace(SIGN_IN, id=second),
        replace(DENIED, at=datetime(2026, 3, 2, 9, 30, 0, 271_828, tzinfo=UTC), id=first),
    ]
    assert entries[1].at.tzinfo is UTC
    assert entries[1].outcome is AuditOutcome.DENIED
    assert (entries[0].reason, entries[0].ticket_id, entries[0].target) == ("", None, None)


def test_ids_keep_increasing_across_transactions(uow_factory: UnitOfWorkFactory) -> None:
    ids = add(uow_factory, SIGN_IN) + add(uow_factory, SIGN_IN, SIGN_IN) + add(uow_factory, DENIED)
    assert ids == sorted(set(ids))


def test_a_tickets_entries_come_oldest_first_and_only_its_own(uow_factory: UnitOfWorkFactory) -> None:
    ids = add(
        uow_factory,
        replace(DENIED, ticket_id=7, reason="first"),
        replace(DENIED, ticket_id=8),
        SIGN_IN,
        replace(DENIED, ticket_id=7, reason="second", outcome=AuditOutcome.FAILED),
    )
    with uow_factory() as uow:
        trail = uow.audit.for_ticket(7)
        assert uow.audit.for_ticket(9) == []
    assert [(e.id, e.reason, e.outcome) for e in trail] == [
        (ids[0], "first", AuditOutcome.DENIED),
        (ids[3], "second", AuditOutcome.FAILED),
    ]


def test_recent_pages_newest_first_below_before_id(uow_factory: UnitOfWorkFactory) -> None:
    ids = add(uow_factory, *(replace(SIGN_IN, actor=f"user{n}") for n in range(5)))
    with uow_factory() as uow:
        audit = uow.audit
        assert [e.id for e in audit.recent(limit=2)] == [ids[4], ids[3]]
        assert [e.id for e in audit.recent(limit=2, before_id=ids[3])] == [ids[2], ids[1]]
        assert [e.id for e in audit.recent(limit=2, before_id=ids[1])] == [ids[0]]
        assert audit.recent(limit=2, before_id=ids[0]) == []
        assert audit.recent(limit=0) == []
        assert [e.actor for e in audit.recent(limit=100)] == ["user4", "user3", "user2", "user1", "user0"]


def test_an_empty_log_has_no_recent_entries(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.audit.recent(limit=10) == []
        assert uow.audit.recent(limit=10, before_id=5) == []


def test_entries_added_without_commit_are_seen_by_their_transaction_only(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (kept,) = add(uow_factory, SIGN_IN)
    with uow_factory() as uow:
        added = uow.audit.add(replace(DENIED, ticket_id=7))
        assert [e.id for e in uow.audit.recent(limit=10)] == [added, kept]
        assert [e.id for e in uow.audit.for_ticket(7)] == [added]
    with uow_factory() as uow:
        assert uow.audit.recent(limit=10) == [replace(SIGN_IN, id=kept)]
        assert uow.audit.for_ticket(7) == []


def test_an_entry_that_already_has_an_id_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(InvalidInput, match="audit entry #3 was already added"):
        uow.audit.add(replace(SIGN_IN, id=3))


def test_a_naive_time_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    naive = datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001 - naive on purpose
    with uow_factory() as uow, pytest.raises(InvalidInput, match="has no time-zone offset"):
        uow.audit.add(replace(SIGN_IN, at=naive))
