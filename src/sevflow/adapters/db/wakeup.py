"""Waking the timer worker when another process schedules something.

PostgreSQL: every transaction that inserts or moves a timer sends ``NOTIFY sevflow_timers`` (see
the timer repository); a sleeping worker ``LISTEN``s on its own connection and wakes at once.
SQLite has no such channel: a worker there also naps at most ``worker_max_sleep_seconds``, and
a change made in the worker's own process can set an in-process event.
"""

from __future__ import annotations

import threading
from typing import Protocol

import psycopg
from sqlalchemy.engine import URL

WAKEUP_CHANNEL = "sevflow_timers"


class Wakeup(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; ``True`` if woken by a change before that."""
        ...

    def close(self) -> None: ...


class EventWakeup:
    """In-process only: ``set()`` from the same process wakes the worker."""

    def __init__(self, event: threading.Event | None = None) -> None:
        self.event = event or threading.Event()

    def wait(self, timeout: float) -> bool:
        woken = self.event.wait(timeout)
        self.event.clear()
        return woken

    def close(self) -> None:
        """Nothing to release."""


class PostgresWakeup:
    """``LISTEN sevflow_timers`` on a dedicated autocommit connection."""

    def __init__(self, url: URL) -> None:
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn = psycopg.connect(conninfo, autocommit=True)
        self._conn.execute(f"LISTEN {WAKEUP_CHANNEL}")

    def wait(self, timeout: float) -> bool:
        woken = False
        for _ in self._conn.notifies(timeout=max(timeout, 0.0), stop_after=1):
            woken = True
        return woken

    def close(self) -> None:
        self._conn.close()


def wakeup_for(url: URL, event: threading.Event | None = None) -> Wakeup:
    """The best wake-up the database behind ``url`` offers."""
    if url.get_backend_name() == "postgresql":
        return PostgresWakeup(url)
    return EventWakeup(event)
