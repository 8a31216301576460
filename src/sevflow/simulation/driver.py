"""The discrete-event loop: merge scripted human actions with the engine's own due moments."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sevflow.services.ports import UnitOfWorkFactory
from sevflow.services.timers import TickResult, next_due_at, tick


class SettableClock(Protocol):
    def now(self) -> datetime: ...

    def set(self, instant: datetime) -> None: ...


Action = Callable[[], None]


@dataclass
class Simulation:
    """Scripted actions at instants, interleaved with the timer engine, on a fake clock.

    ``run_until(end)`` repeatedly jumps the clock to whichever comes first -- the next scripted
    action or the engine's next due moment -- and performs it. The engine code is the live
    engine's; only the clock is fake.
    """

    uow_factory: UnitOfWorkFactory
    clock: SettableClock
    on_tick: Callable[[TickResult], None] = lambda result: None
    batch: int = 500
    _queue: list[tuple[datetime, int, Action]] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)

    def at(self, instant: datetime, action: Action) -> None:
        heapq.heappush(self._queue, (instant, next(self._order), action))

    def run_until(self, end: datetime) -> None:
        while True:
            due = next_due_at(self.uow_factory)
            scripted = self._queue[0][0] if self._queue else None
            candidates = [t for t in (due, scripted) if t is not None and t <= end]
            if not candidates:
                self.clock.set(max(end, self.clock.now()))
                return
            instant = max(min(candidates), self.clock.now())
            self.clock.set(instant)
            if due is not None and due <= instant:
                self._tick_all()
            while self._queue and self._queue[0][0] <= instant:
                _, _, action = heapq.heappop(self._queue)
                action()

    def _tick_all(self) -> None:
        while True:
            result = tick(self.uow_factory, clock=self.clock, limit=self.batch)
            if result.claimed:
                self.on_tick(result)
            if result.claimed < self.batch:
                return
