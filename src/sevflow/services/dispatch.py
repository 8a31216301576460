"""Delivering the outbox: claim the messages that are due, send them concurrently through their
channels, log every attempt and decide what becomes of each message — in that order, so nothing
is lost: a sender that dies after claiming leaves its messages to be claimed again when their
lease runs out, and they are sent again with the same idempotency key.

``Dispatcher.run_once`` does one batch; ``run`` repeats until stopped, napping while nothing is
due. Sending is asyncio (a channel's ``send`` awaits its receiver), so one process keeps many
deliveries in flight; the database work between them is short and synchronous."""

from __future__ import annotations

import asyncio
import random as random_module
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sevflow.domain.delivery import Attempt, Outcome, RetryPolicy, Sent
from sevflow.services.ports import Channel, Clock, OutboxMessage, UnitOfWorkFactory

Router = Callable[[OutboxMessage], Channel]
"""Which channel a queued message leaves through."""


@dataclass(frozen=True)
class DispatchReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


@dataclass
class Dispatcher:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    route: Router
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    lease: timedelta = timedelta(minutes=2)
    """How long a claimed message is held before another sender may take it (longer than a send
    can take: a channel's timeout is well under it)."""
    concurrency: int = 64
    random: Callable[[], float] = random_module.random

    async def run_once(self, limit: int = 500) -> DispatchReport:
        """Claim up to ``limit`` due messages, send them, record the attempts."""
        with self.uow_factory() as uow:
            claimed = uow.outbox.claim(self.clock.now(), limit, lease=self.lease)
            uow.commit()
        if not claimed:
            return DispatchReport()
        gate = asyncio.Semaphore(self.concurrency)

        async def deliver(message: OutboxMessage) -> Attempt:
            async with gate:
                channel = self.route(message)
                at = self.clock.now()
                started = time.perf_counter()
                try:
                    sent = await channel.send(message)
                except Exception as error:  # a channel bug must not lose the batch's other attempts
                    sent = Sent(Outcome.FAILED, channel.name, error=f"{type(error).__name__}: {error}")
                latency = (time.perf_counter() - started) * 1000
                return Attempt(
                    at, channel.name, sent.target, sent.outcome, round(latency, 3), sent.status, sent.error
                )

        attempts = await asyncio.gather(*(deliver(m) for m in claimed))
        delivered = retrying = dead = 0
        with self.uow_factory() as uow:
            for message, attempt in zip(claimed, attempts, strict=True):
                retry_at = self.retry.after(attempt, message.attempts + 1, self.random)
                uow.outbox.record_attempt(message, attempt, retry_at=retry_at)
                if attempt.outcome is Outcome.DELIVERED:
                    delivered += 1
                elif retry_at is None:
                    dead += 1
                else:
                    retrying += 1
            uow.commit()
        return DispatchReport(len(claimed), delivered, retrying, dead)
