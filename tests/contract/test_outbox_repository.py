from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sevflow.domain.notifications import Notification
from sevflow.domain.policy import Policy, Role
from sevflow.services.ports import OutboxMessage, UnitOfWorkFactory
from tests.contract.conftest import T0, add_ticket

PAGE = Notification(
    "sla_breached", ("ana", "role:manager"), (Role.OWNER, Role.MANAGER), "[Sev1] #1 breach", "late", True
)
INFO = Notification("escalated", ("bo",), (Role.TIER_LEAD,), "[Sev2] #1 escalated: Refunds", "rule x")


def test_queued_notifications_get_idempotency_keys_numbered_per_event_and_read_back(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        uow.outbox.add(1, 3, PAGE, now=T0)
        uow.outbox.add(1, 3, INFO, now=T0)
        uow.outbox.add(1, 4, INFO, now=T0)
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.pending(10) == [
            OutboxMessage(1, 1, 3, "1:3:0", PAGE, T0, "pending"),
            OutboxMessage(2, 1, 3, "1:3:1", INFO, T0, "pending"),
            OutboxMessage(3, 1, 4, "1:4:0", INFO, T0, "pending"),
        ]
        assert [m.id for m in uow.outbox.pending(2)] == [1, 2]


def test_idempotency_keys_stay_unique_across_transactions(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        uow.outbox.add(1, 1, PAGE, now=T0)
        uow.commit()
    with uow_factory() as uow:
        uow.outbox.add_many([(1, 1, INFO), (2, 1, INFO), (1, 1, PAGE), (1, 2, PAGE)], now=T0)
        uow.outbox.add_many([], now=T0)
        uow.commit()
    with uow_factory() as uow:
        keys = [m.idempotency_key for m in uow.outbox.pending(10)]
    assert keys == ["1:1:0", "1:1:1", "2:1:0", "1:1:2", "1:2:0"]
    assert len(set(keys)) == len(keys)


def test_pending_is_oldest_first_with_times_in_utc(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    add_ticket(uow_factory, policy)
    tokyo = timezone(timedelta(hours=9))
    with uow_factory() as uow:
        uow.outbox.add(1, 2, INFO, now=datetime(2026, 3, 2, 18, 31, tzinfo=tokyo))  # 09:31 UTC
        uow.outbox.add(1, 1, PAGE, now=datetime(2026, 3, 2, 18, 30, tzinfo=tokyo))  # 09:30 UTC
        uow.commit()
    with uow_factory() as uow:
        pending = uow.outbox.pending(10)
    assert [(m.event_seq, m.created_at) for m in pending] == [
        (1, datetime(2026, 3, 2, 9, 30, tzinfo=UTC)),
        (2, datetime(2026, 3, 2, 9, 31, tzinfo=UTC)),
    ]
    assert pending[0].created_at.tzinfo is UTC


def test_a_tickets_notifications_are_read_back_in_the_order_queued_and_no_other_tickets(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        uow.outbox.add(2, 1, INFO, now=T0)
        uow.outbox.add(1, 3, PAGE, now=T0)
        uow.outbox.add(1, 2, INFO, now=T0 + timedelta(minutes=1))
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.for_ticket(1) == [
            OutboxMessage(2, 1, 3, "1:3:0", PAGE, T0, "pending"),
            OutboxMessage(3, 1, 2, "1:2:0", INFO, T0 + timedelta(minutes=1), "pending"),
        ]
        assert uow.outbox.for_ticket(3) == []
