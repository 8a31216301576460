"""The system clock: the one place that reads the wall clock (ruff's DTZ rules keep it that way)."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """``now()`` is the current instant as an aware UTC ``datetime``."""

    def now(self) -> datetime:
        return datetime.now(UTC)
