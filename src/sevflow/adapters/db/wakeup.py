"""Waking the timer worker when another process schedules something.

PostgreSQL: every transaction that inserts or moves a timer sends ``NOTIFY sevflow_timers`` with
the earliest instant it scheduled (see the timer repository); a sleeping worker ``LISTEN``s on
its own connection, wakes at once, and goes back to sleep without a query when that instant is
not earlier than what it was already waiting for (a new ticket's first warning is minutes away:
a busy API does not make the worker look at the database once per ticket).
SQLite has no such channel: a worker there also naps at most ``worker_max_sleep_seconds``, and
a change made in the worker's own process can set an in-process event.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Protocol

import psycopg
from sqlalchemy.engine import URL

from sevflow.adapters.db.engine import libpq_conninfo

WAKEUP_CHANNEL = "sevflow_timers"

EARLIEST = datetime.min.replace(tzinfo=UTC)
"""What a wake-up announces when the change did not say when its timers fall due."""


class Wakeup(Protocol):
    def wait(self, timeout: float) -> datetime | None:
        """Block up to ``timeout`` seconds. ``None`` if nothing changed; else the earliest
        instant the changes scheduled (``EARLIEST`` if they did not say)."""
        ...

    def close(self) -> None: ...


class EventWakeup:
    """In-process only: ``set()`` from the same process wakes the worker."""

    def __init__(self, event: threading.Event | None = None) -> None:
        self.event = event or threading.Event()

    def wait(self, timeout: float) -> datetime | None:
        woken = self.event.wait(timeout)
        self.event.clear()
        return EARLIEST if woken else None

    def close(self) -> None:
        """Nothing to release."""


class PostgresWakeup:
    """``LISTEN sevflow_timers`` on a dedicated autocommit connection."""

    def __init__(self, url: URL) -> None:
        self._conn = psycopg.connect(libpq_conninfo(url), autocommit=True)
        self._conn.execute(f"LISTEN {WAKEUP_CHANNEL}")

    def wait(self, timeout: float) -> datetime | None:
        announced = [_due(n.payload) for n in self._conn.notifies(timeout=max(timeout, 0.0), stop_after=1)]
        if announced:  # and whatever else has already arrived
            announced += [_due(n.payload) for n in self._conn.notifies(timeout=0)]
        return min(announced, default=None)

    def close(self) -> None:
        self._conn.close()


def _due(payload: str) -> datetime:
    try:
        due = datetime.fromisoformat(payload)
    except ValueError:
        return EARLIEST
    return due if due.tzinfo is not None else EARLIEST


def wakeup_for(url: URL, event: threading.Event | None = None) -> Wakeup:
    """The best wake-up the database behind ``url`` offers."""
    if url.get_backend_name() == "postgresql":
        return PostgresWakeup(url)
    return EventWakeup(event)
