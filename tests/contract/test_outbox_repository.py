from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sevflow.domain.delivery import Attempt, Outcome
from sevflow.domain.notifications import Notification
from sevflow.domain.policy import Policy, Role
from sevflow.domain.records import DeliveryRecord
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


LEASE = timedelta(minutes=2)


def test_claiming_holds_due_messages_for_the_lease_and_they_come_back_if_no_attempt_is_recorded(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        uow.outbox.add(1, 3, PAGE, now=T0)
        uow.outbox.add(1, 4, INFO, now=T0 + timedelta(seconds=1))
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.claim(T0, 10, lease=LEASE) == [OutboxMessage(1, 1, 3, "1:3:0", PAGE, T0, "pending")]
        uow.commit()
    with uow_factory() as uow:
        # the first is held (a sender is on it); the second has fallen due meanwhile
        assert [m.id for m in uow.outbox.claim(T0 + timedelta(seconds=1), 10, lease=LEASE)] == [2]
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.claim(T0 + timedelta(seconds=30), 10, lease=LEASE) == []
        # the sender died: after the lease both are claimed again, with the same keys
        again = uow.outbox.claim(T0 + LEASE + timedelta(seconds=1), 1, lease=LEASE)
        assert [(m.id, m.idempotency_key) for m in again] == [(1, "1:3:0")]
        uow.commit()


def test_an_attempt_is_logged_and_leaves_the_message_sent_pending_until_its_retry_or_dead(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        for seq in (3, 4, 5):
            uow.outbox.add(1, seq, INFO, now=T0)
        uow.commit()
    at = T0 + timedelta(seconds=5)
    ok = Attempt(at, "webhook", "hooks.example/x", Outcome.DELIVERED, 12.5, 200)
    failed = Attempt(at, "webhook", "hooks.example/x", Outcome.FAILED, 30.0, 503, "Service Unavailable")
    refused = Attempt(at, "email", "smtp.example:587", Outcome.REFUSED, 8.0, 550, "mailbox unavailable")
    with uow_factory() as uow:
        first, second, third = uow.outbox.claim(T0, 10, lease=LEASE)
        uow.outbox.record_attempt(first, ok, retry_at=None)
        uow.outbox.record_attempt(second, failed, retry_at=at + timedelta(seconds=20))
        uow.outbox.record_attempt(third, refused, retry_at=None)
        uow.commit()
    with uow_factory() as uow:
        assert [(m.id, m.status, m.attempts) for m in uow.outbox.for_ticket(1)] == [
            (1, "sent", 1),
            (2, "pending", 1),
            (3, "dead", 1),
        ]
        assert uow.outbox.claim(at + timedelta(seconds=19), 10, lease=LEASE) == []
        [retry] = uow.outbox.claim(at + timedelta(seconds=20), 10, lease=LEASE)
        assert (retry.id, retry.attempts) == (2, 1)
        uow.outbox.record_attempt(retry, ok, retry_at=None)
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.deliveries(1) == [
            DeliveryRecord(1, 1, 1, ok),
            DeliveryRecord(2, 1, 1, failed),
            DeliveryRecord(3, 1, 1, refused),
            DeliveryRecord(2, 1, 2, ok),
        ]
        assert uow.outbox.deliveries(2) == []
