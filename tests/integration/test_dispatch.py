"""Delivering the outbox to a real HTTP receiver on loopback, on every store: signed, with the
message's idempotency key; retried with backoff on 5xx, never on a 4xx refusal, dead after the
last attempt; a sender that dies after claiming loses nothing. The fake clock makes every retry
instant exact (jitter fixed at one half)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import pytest

from sevflow.adapters.channels.webhook import WebhookChannel
from sevflow.domain.delivery import Outcome, RetryPolicy
from sevflow.services.dispatch import Dispatcher, DispatchReport
from sevflow.services.ports import UnitOfWorkFactory
from tests.integration.engine_world import T0, World
from tests.integration.receiver import Receiver, receiving

SECRET = b"outgoing-webhook-secret"
RETRY = RetryPolicy(max_attempts=3, base=timedelta(seconds=10), cap=timedelta(minutes=5))


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return World.starting(uow_factory)


@dataclass
class Sender:
    dispatcher: Dispatcher
    channel: WebhookChannel


def dispatcher(world: World, receiver: Receiver) -> Sender:
    return sender(world, WebhookChannel(receiver.url, SECRET))


def sender(world: World, channel: WebhookChannel) -> Sender:
    route = lambda _: channel  # noqa: E731 - every message through the one webhook
    return Sender(Dispatcher(world.uow_factory, world.clock, route, retry=RETRY, random=lambda: 0.5), channel)


def run(s: Sender) -> DispatchReport:
    """One batch in an event loop of its own; the channel's HTTP client closed in it after."""

    async def once() -> DispatchReport:
        try:
            return await s.dispatcher.run_once()
        finally:
            await s.channel.close()

    return asyncio.run(once())


def test_a_queued_notification_reaches_the_receiver_signed_with_its_idempotency_key(world: World) -> None:
    tid = world.open("Checkout down for EU cards", services=("checkout",))  # Sev2: omar is paged
    with receiving(SECRET) as receiver:
        assert run(dispatcher(world, receiver)) == DispatchReport(claimed=1, delivered=1)
    [got] = receiver.received
    assert got.signature_ok
    assert got.path == "/hooks/sevflow?token=secret-in-query"
    assert got.headers["idempotency-key"] == f"{tid}:2:0"
    facts = got.body.pop("facts")
    assert (facts["ticket"], facts["title"], facts["severity"], facts["owner"], facts["event"]["kind"]) == (
        tid,
        "Checkout down for EU cards",
        "Sev2",
        "omar",
        "assigned",
    )
    assert got.body == {
        "channel": "log",
        "drill": False,
        "idempotency_key": f"{tid}:2:0",
        "ticket_id": tid,
        "event_seq": 2,
        "event_kind": "assigned",
        "subject": f"[Sev2] #{tid} assigned: Checkout down for EU cards",
        "summary": "primary owner for Sev2 on payments",
        "urgent": True,
        "recipients": ["omar"],
        "roles": ["owner"],
        "queued_at": T0.isoformat(),
    }
    with world.uow_factory() as uow:
        [message] = uow.outbox.for_ticket(tid)
        [log] = uow.outbox.deliveries(tid)
    assert (message.status, message.attempts) == ("sent", 1)
    attempt = log.attempt
    assert (attempt.at, attempt.channel, attempt.outcome, attempt.status, attempt.error) == (
        T0,
        "webhook",
        Outcome.DELIVERED,
        200,
        None,
    )
    assert attempt.target.endswith("/hooks/sevflow")  # the query's token is not logged
    assert "secret-in-query" not in attempt.target


def test_a_failing_receiver_is_retried_with_backoff_and_the_same_key_until_it_takes_the_message(
    world: World,
) -> None:
    tid = world.open("Checkout down for EU cards", services=("checkout",))
    with receiving(SECRET, [503, 500]) as receiver:
        d = dispatcher(world, receiver)
        assert run(d) == DispatchReport(claimed=1, retrying=1)
        world.clock.advance(seconds=5 - 1)  # first retry after 10 s x 0.5
        assert run(d) == DispatchReport()
        world.clock.advance(seconds=1)
        assert run(d) == DispatchReport(claimed=1, retrying=1)
        world.clock.advance(seconds=10)  # second retry after 20 s x 0.5
        assert run(d) == DispatchReport(claimed=1, delivered=1)
    assert [r.answered for r in receiver.received] == [503, 500, 200]
    assert {r.headers["idempotency-key"] for r in receiver.received} == {f"{tid}:2:0"}
    with world.uow_factory() as uow:
        log = uow.outbox.deliveries(tid)
    assert [(d.number, d.attempt.at - T0, d.attempt.outcome, d.attempt.status) for d in log] == [
        (1, timedelta(0), Outcome.FAILED, 503),
        (2, timedelta(seconds=5), Outcome.FAILED, 500),
        (3, timedelta(seconds=15), Outcome.DELIVERED, 200),
    ]
    assert log[0].attempt.error == "503 Service Unavailable"


def test_a_refusal_is_not_retried_and_a_message_is_dead_after_its_last_attempt(world: World) -> None:
    refused_ticket = world.open("Checkout down for EU cards", services=("checkout",))
    with receiving(SECRET, [400]) as receiver:
        assert run(dispatcher(world, receiver)) == DispatchReport(claimed=1, dead=1)
    doomed = world.open("Refund totals look wrong", accept=False)
    with receiving(SECRET, [503, 503, 503, 503]) as receiver:
        d = dispatcher(world, receiver)
        for _ in range(3):
            run(d)
            world.clock.advance(minutes=1)
        assert run(d) == DispatchReport()
    with world.uow_factory() as uow:
        assert [(m.status, m.attempts) for m in uow.outbox.for_ticket(refused_ticket)] == [("dead", 1)]
        assert [(m.status, m.attempts) for m in uow.outbox.for_ticket(doomed)] == [("dead", 3)]


def test_messages_a_dead_sender_had_claimed_are_sent_after_the_lease_and_none_is_lost(world: World) -> None:
    ids = [world.open(f"Checkout down, report {n}", services=("checkout",)) for n in range(3)]
    with world.uow_factory() as uow:
        assert len(uow.outbox.claim(world.clock.now(), 10, lease=timedelta(minutes=2))) == 3
        uow.commit()  # ... and the sender is gone before it sent anything
    with receiving(SECRET) as receiver:
        d = dispatcher(world, receiver)
        assert run(d) == DispatchReport()  # still held
        world.clock.advance(minutes=2)
        assert run(d) == DispatchReport(claimed=3, delivered=3)
    assert sorted(r.headers["idempotency-key"] for r in receiver.received) == sorted(f"{t}:2:0" for t in ids)


def test_an_unreachable_receiver_is_a_failed_attempt_with_the_reason(world: World) -> None:
    tid = world.open("Checkout down for EU cards", services=("checkout",))
    d = sender(world, WebhookChannel("http://127.0.0.1:9/nowhere", SECRET, timeout=2))
    assert run(d) == DispatchReport(claimed=1, retrying=1)
    with world.uow_factory() as uow:
        [log] = uow.outbox.deliveries(tid)
    assert log.attempt.outcome is Outcome.FAILED
    assert log.attempt.status is None
    assert log.attempt.error is not None
    assert log.attempt.error.startswith("ConnectError")
