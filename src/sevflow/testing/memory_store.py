"""The committed state of the in-memory store, and the write set a transaction applies to it.

Rows are immutable and JSON-encoded, like a database would store them. A transaction's writes
are applied on commit, first committer wins: a save whose base version moved, or events whose
ticket gained events meanwhile, raise ``Conflict`` at commit (where a database would make the
second writer wait and then fail).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sevflow.domain.errors import Conflict
from sevflow.domain.policy import Policy

if TYPE_CHECKING:
    from sevflow.testing.memory_uow import InMemoryUnitOfWork


@dataclass(frozen=True)
class TicketRow:
    version: int
    policy_version: str
    state: str  # JSON of the snapshot
    columns: tuple[tuple[str, Any], ...]  # the fields listings filter on
    external_id: str | None


@dataclass(frozen=True)
class EventRow:
    ticket_id: int
    seq: int
    policy_version: str
    kind: str
    at: datetime
    actor: str
    data: str  # JSON
    reason: str | None
    rule: str | None
    key: str | None


@dataclass(frozen=True)
class OutboxRow:
    id: int
    ticket_id: int
    event_seq: int
    idempotency_key: str
    payload: str  # JSON of the notification
    created_at: datetime
    next_attempt_at: datetime
    status: str = "pending"


@dataclass
class Writes:
    """What one transaction wrote, applied to the store on commit (first committer wins)."""

    policies: dict[str, tuple[Policy, str, datetime]] = field(default_factory=dict)
    active: str | None = None
    tickets: dict[int, TicketRow] = field(default_factory=dict)
    base_versions: dict[int, int] = field(default_factory=dict)  # stored version a save expected
    new_tickets: set[int] = field(default_factory=set)
    events: dict[int, list[EventRow]] = field(default_factory=dict)
    base_seq: dict[int, int] = field(default_factory=dict)
    timers: dict[int, dict[str, datetime]] = field(default_factory=dict)
    outbox: list[OutboxRow] = field(default_factory=list)
    agents: dict[str, tuple[int, bool]] = field(default_factory=dict)


class InMemoryStore:
    """The committed state shared by every ``InMemoryUnitOfWork`` made from it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.policies: dict[str, tuple[Policy, str, datetime]] = {}
        self.active: str | None = None
        self.tickets: dict[int, TicketRow] = {}
        self.events: dict[int, tuple[EventRow, ...]] = {}
        self.timers: dict[int, dict[str, datetime]] = {}
        self.outbox: dict[int, OutboxRow] = {}
        self.agents: dict[str, tuple[int, bool]] = {}
        self._ids = {"ticket": 0, "outbox": 0}

    def uow(self) -> InMemoryUnitOfWork:
        from sevflow.testing.memory_uow import InMemoryUnitOfWork

        return InMemoryUnitOfWork(self)

    def uow_factory(self) -> Callable[[], InMemoryUnitOfWork]:
        """A ``UnitOfWorkFactory``: each call makes a new unit of work on this store."""
        return self.uow

    def next_id(self, kind: str) -> int:
        # like a database sequence: not rolled back
        with self.lock:
            self._ids[kind] += 1
            return self._ids[kind]

    def apply(self, w: Writes) -> None:
        with self.lock:
            for ticket_id, base in w.base_versions.items():
                stored = self.tickets.get(ticket_id)
                if stored is None or stored.version != base:
                    raise Conflict(
                        f"ticket #{ticket_id} was changed by someone else first; reload it and try again"
                    )
            for ticket_id, rows in w.events.items():
                if len(self.events.get(ticket_id, ())) != w.base_seq.get(ticket_id, 0):
                    raise Conflict(
                        f"another transaction appended events to ticket #{ticket_id} at the same time; retry"
                    )
                stored_keys = {r.key for r in self.events.get(ticket_id, ()) if r.key is not None}
                for row in rows:
                    if row.key in stored_keys:
                        raise Conflict(
                            f"an event with key {row.key!r} was already recorded for ticket #{ticket_id}"
                        )
            self.policies.update(w.policies)
            if w.active is not None:
                self.active = w.active
            self.tickets.update(w.tickets)
            for ticket_id, rows in w.events.items():
                self.events[ticket_id] = self.events.get(ticket_id, ()) + tuple(rows)
            for ticket_id, schedule in w.timers.items():
                if schedule:
                    self.timers[ticket_id] = schedule
                else:
                    self.timers.pop(ticket_id, None)
            self.outbox.update((row.id, row) for row in w.outbox)
            self.agents.update(w.agents)

    def ticket_row(self, writes: Writes, ticket_id: int) -> TicketRow | None:
        """The ticket as ``writes``' transaction sees it."""
        return writes.tickets.get(ticket_id) or self.tickets.get(ticket_id)
