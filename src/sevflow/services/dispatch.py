"""Delivering the outbox: claim the messages that are due, send them concurrently through their
channels, log every attempt and decide what becomes of each message — in that order, so nothing
is lost: a sender that dies after claiming leaves its messages to be claimed again when their
lease runs out, and they are sent again with the same idempotency key.

``Dispatcher.run_once`` does one batch (``entrypoints/delivery.py`` repeats it until stopped). Each message is written (template, redaction: ``Composer``) just before it is sent; digest
notices of one channel and recipients that fall due together leave as one message. Sending is asyncio (a channel's ``send`` awaits its receiver), so one process keeps many
deliveries in flight; the database work between them is short and synchronous."""

from __future__ import annotations

import asyncio
import random as random_module
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sevflow.domain.delivery import Attempt, Outcome, RetryPolicy, Sent
from sevflow.services.ports import Channel, Clock, Composer, OutboxMessage, UnitOfWorkFactory

Router = Callable[[OutboxMessage], Channel | None]
"""Which channel a queued message leaves through (``None``: its channel is not configured)."""


@dataclass(frozen=True)
class DispatchReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


def by_channel_name(channels: Mapping[str, Channel]) -> Router:
    """Route each message to the channel its notification names."""
    return lambda message: channels.get(message.notification.channel)


def batches(messages: Sequence[OutboxMessage]) -> list[list[OutboxMessage]]:
    """Messages sent together: each on its own, except digest notices of the same channel and
    recipients, which leave as one (in queue order)."""
    groups: dict[tuple[str, tuple[str, ...]], list[OutboxMessage]] = {}
    out: list[list[OutboxMessage]] = []
    for message in messages:
        n = message.notification
        if n.digest is None:
            out.append([message])
            continue
        key = (n.channel, n.recipients)
        group = groups.get(key)
        if group is None:
            group = groups[key] = []
            out.append(group)
        group.append(message)
    return out


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
    composer: Composer | None = None
    """Writes each message with its template and masks it; ``None`` sends messages as queued."""

    async def run_once(self, limit: int = 500) -> DispatchReport:
        """Claim up to ``limit`` due messages, send them, record the attempts."""
        with self.uow_factory() as uow:
            claimed = uow.outbox.claim(self.clock.now(), limit, lease=self.lease)
            uow.commit()
        if not claimed:
            return DispatchReport()
        gate = asyncio.Semaphore(self.concurrency)
        groups = batches(claimed)

        async def deliver(group: list[OutboxMessage]) -> Attempt:
            async with gate:
                return await self._deliver(group)

        attempts = await asyncio.gather(*(deliver(g) for g in groups))
        delivered = retrying = dead = 0
        with self.uow_factory() as uow:
            for group, attempt in zip(groups, attempts, strict=True):
                for message in group:
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

    async def _deliver(self, group: list[OutboxMessage]) -> Attempt:
        first = group[0]
        channel = self.route(first)
        at = self.clock.now()
        if channel is None:
            name = first.notification.channel
            error = f"channel {name!r} is not in the active policy's notifications section"
            return Attempt(at, name, name, Outcome.REFUSED, 0.0, None, error)
        started = time.perf_counter()
        note = None
        try:
            message = first
            if self.composer is not None:
                composed = self.composer.digest(group) if len(group) > 1 else self.composer.compose(first)
                message, note = composed.message, composed.error
            sent = await channel.send(message)
        except Exception as failure:  # a channel bug must not lose the batch's other attempts
            sent = Sent(Outcome.FAILED, channel.name, error=f"{type(failure).__name__}: {failure}")
        latency = (time.perf_counter() - started) * 1000
        said = "; ".join(e for e in (sent.error, note) if e) or None
        return Attempt(at, channel.name, sent.target, sent.outcome, round(latency, 3), sent.status, said)
