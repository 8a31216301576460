"""``FakeClock``: a clock that moves only when a test moves it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sevflow.domain.instants import require_aware


class FakeClock:
    """A clock that only moves when told to. Instants are aware UTC datetimes."""

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, "start")

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)`` (e.g. ``minutes=5``); returns the new now."""
        step = timedelta(**delta)
        if step < timedelta(0):
            raise ValueError(f"a clock does not run backwards; got {step}; use set() to jump")
        self._now += step
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to ``instant`` (aware; converted to UTC), forwards or backwards."""
        self._now = require_aware(instant, "instant")
