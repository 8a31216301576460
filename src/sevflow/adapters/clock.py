"""The system clock: the one place that reads the wall clock (ruff's DTZ rules keep it that way)."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """``now()`` is the current instant as an aware UTC ``datetime``."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """Real time, from another starting instant: ``now()`` is ``start`` plus the time that has
    passed since the clock was made (for the demo's dashboard, which carries on from where the
    simulated days ended)."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset
