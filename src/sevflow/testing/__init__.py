"""Test doubles shipped with sevflow, so you can test your own policies without a database.

- ``FakeClock``: a clock you move by hand (``advance(minutes=5)``, ``set(instant)``).
- ``InMemoryStore`` / ``InMemoryUnitOfWork``: the storage ports in memory, with the same
  semantics as the SQL adapters (the same contract tests run against both): optimistic
  locking (``Conflict`` on a stale save), unique event keys per ticket, ``claim_due`` earliest
  first, nothing visible to others before ``commit()``, rollback when the block is left
  without it. Values go through JSON like they do in a database, so a non-JSON value in a
  snapshot or event fails here too.

Example::

    store = InMemoryStore()
    clock = FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    uow_factory = store.uow_factory()
"""

from __future__ import annotations

from sevflow.testing.clock import FakeClock
from sevflow.testing.memory_store import InMemoryStore
from sevflow.testing.memory_uow import InMemoryUnitOfWork

__all__ = ["FakeClock", "InMemoryStore", "InMemoryUnitOfWork"]
