"""The timer worker: fire due timers, then sleep until the next due moment.

It never scans tickets on a fixed period. It asks for the earliest scheduled ``due_at`` (an
index lookup, read-only), fires what is due in a write transaction, and otherwise sleeps until
then, or until woken by a change: on PostgreSQL any process's committed timer change
(``LISTEN``) that is due before the awaited moment, on SQLite a change in the same process
(``wake``). A nap never exceeds ``max_sleep`` seconds, which bounds how late a SQLite worker
notices timers written by another process.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sevflow.adapters.db.wakeup import Wakeup
from sevflow.bootstrap import Container
from sevflow.services.ports import Clock
from sevflow.services.timers import TickResult, next_due_at, tick


@dataclass
class WorkerStats:
    ticks: int = 0
    fired: int = 0
    events: int = 0
    failed: int = 0
    lateness_seconds: list[float] = field(default_factory=list)

    def add(self, result: TickResult, *, keep_lateness: bool) -> None:
        self.ticks += 1
        self.fired += result.claimed
        self.events += result.events
        self.failed += result.failed
        if keep_lateness:
            self.lateness_seconds += result.lateness_seconds


def run_worker(
    container: Container,
    *,
    stop: threading.Event,
    wake: threading.Event | None = None,
    on_tick: Callable[[TickResult], None] | None = None,
    keep_lateness: bool = False,
    batch_size: int | None = None,
    max_sleep: float | None = None,
    on_start: Callable[[], None] | None = None,
) -> WorkerStats:
    """Run until ``stop`` is set. On SQLite, refuses to start if another worker holds the lock
    (``WorkerLockError``). Returns counts (and, if asked, every timer's lateness in seconds)."""
    batch = batch_size or container.settings.worker_batch_size
    nap = max_sleep or container.settings.worker_max_sleep_seconds
    stats = WorkerStats()
    with container.worker_lock(), contextlib.closing(container.wakeup(wake)) as wakeup:
        if on_start is not None:
            on_start()  # the lock is held: this worker really runs
        while not stop.is_set():
            # looked up read-only: a worker with nothing due never takes SQLite's write lock,
            # which API processes opening tickets would otherwise queue behind at every nap
            upcoming = next_due_at(container.read_uow_factory)
            if upcoming is None or upcoming > container.clock.now():
                sleep_until_due(container.clock, wakeup, upcoming, nap, stop)
                continue
            result = tick(container.uow_factory, clock=container.clock, limit=batch)
            if result.claimed:
                stats.add(result, keep_lateness=keep_lateness)
                if on_tick is not None:
                    on_tick(result)
            else:  # due but claimed by another worker (PostgreSQL): it fires them
                sleep_until_due(container.clock, wakeup, None, nap, stop)
    return stats


def sleep_until_due(
    clock: Clock, wakeup: Wakeup, upcoming: datetime | None, nap: float, stop: threading.Event
) -> None:
    """Sleep until ``upcoming`` (or ``nap`` seconds at most). A wake-up announcing a later
    instant than the one awaited changes nothing: sleep on without looking at the database."""
    nap_ends = time.monotonic() + nap
    while not stop.is_set():
        wait = nap_ends - time.monotonic()
        if upcoming is not None:
            wait = min(wait, (upcoming - clock.now()).total_seconds())
        if wait <= 0:
            return
        announced = wakeup.wait(wait)
        if announced is None:
            return  # the nap is over, or the awaited instant has come
        if upcoming is None or announced < upcoming:
            upcoming = announced
