"""Ports: the Protocols services depend on. Adapters (SQL, in-memory fakes) implement them.

The records crossing them (``TimerRow``, ``TicketFilter``, ``StoredEvent``, ``OutboxMessage``)
are defined in ``sevflow.domain.records`` and re-exported here.

Every instant crossing a port is an aware UTC ``datetime``. Repositories never commit: the
unit of work owns the transaction, and a service commits once per use case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from sevflow.domain.events import Event
from sevflow.domain.notifications import Notification
from sevflow.domain.policy import Policy
from sevflow.domain.records import OutboxMessage, StoredEvent, TicketFilter, TimerRow
from sevflow.domain.staffing import Staffing
from sevflow.domain.tickets import Ticket

__all__ = [
    "JSON",
    "AgentRepository",
    "Clock",
    "EventRepository",
    "OutboxMessage",
    "OutboxRepository",
    "PolicyRepository",
    "StoredEvent",
    "TicketFilter",
    "TicketRepository",
    "TimerRepository",
    "TimerRow",
    "UnitOfWork",
    "UnitOfWorkFactory",
]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware, in UTC. Services read it once per use case."""
        ...


class PolicyRepository(Protocol):
    def add(self, policy: Policy, source_text: str, *, now: datetime, activate: bool) -> None:
        """Store a policy version (idempotent per version) and optionally make it active. The
        ``policy`` object is what later ``get`` calls return for that version (no re-parse)."""
        ...

    def get(self, version: str) -> Policy:
        """The policy with ``version``; raises ``NotFound``. Cached: the same object each call."""
        ...

    def active(self) -> Policy:
        """The active policy; raises ``NotFound`` if none was stored yet."""
        ...

    def active_version(self) -> str | None:
        """The active policy's version (no parsing), or ``None`` if none is active yet."""
        ...


class TicketRepository(Protocol):
    def add(self, ticket: Ticket) -> int:
        """Insert a new ticket, set ``ticket.id`` and ``ticket.version = 1``; return the id."""
        ...

    def add_many(self, tickets: Sequence[Ticket]) -> list[int]:
        """Bulk insert (ids assigned in order). Same effect as ``add`` for each."""
        ...

    def get(self, ticket_id: int, *, for_update: bool = False) -> Ticket:
        """Load a ticket (with its policy version's ``Policy``); ``NotFound`` if absent.
        ``for_update`` takes a row lock where the database supports it."""
        ...

    def lock_many(self, ticket_ids: Sequence[int]) -> list[Ticket]:
        """Load and row-lock the given tickets, **skipping** any another transaction holds
        (PostgreSQL ``FOR UPDATE SKIP LOCKED``); order follows ``ticket_ids``. The timer worker
        uses it so that it never waits on a lock while holding timer rows (no deadlock with
        API transactions, which lock the ticket first)."""
        ...

    def save(self, ticket: Ticket) -> None:
        """Write the ticket's state if its stored version still equals ``ticket.version``, then
        increment ``ticket.version``. Raises ``Conflict`` if somebody saved it first."""
        ...

    def save_many(self, tickets: Sequence[Ticket]) -> None:
        """``save`` for each ticket in order (one statement where the database allows); the
        first stale ticket raises ``Conflict`` as ``save`` would."""
        ...

    def list(self, query: TicketFilter) -> list[Ticket]:
        """Tickets matching the filter, ordered by id, at most ``query.limit``."""
        ...

    def count_open(self) -> int: ...

    def ids_by_external_id(self, external_ids: Sequence[str]) -> dict[str, int]:
        """Which of ``external_ids`` belong to stored tickets: ``{external id: ticket id}``
        (ids not stored are left out; any number of ids may be asked)."""
        ...


class EventRepository(Protocol):
    def append(self, ticket: Ticket, events: Sequence[Event]) -> list[int]:
        """Append events to the ticket's trail; returns their sequence numbers. An event whose
        ``key`` was already stored for that ticket raises ``Conflict`` (fired twice)."""
        ...

    def append_many(self, batch: Sequence[tuple[Ticket, Sequence[Event]]]) -> list[list[int]]:
        """Bulk ``append`` for several tickets in one statement; seqs per ticket, in order."""
        ...

    def for_ticket(self, ticket_id: int) -> list[StoredEvent]:
        """The ticket's trail in order."""
        ...


class TimerRepository(Protocol):
    def replace(self, ticket_id: int, timers: Iterable[TimerRow]) -> None:
        """Make ``timers`` the ticket's complete set of scheduled moments."""
        ...

    def replace_many(self, timers_by_ticket: Mapping[int, Iterable[TimerRow]]) -> None: ...

    def claim_due(self, now: datetime, limit: int) -> list[TimerRow]:
        """Up to ``limit`` timers with ``due_at <= now``, earliest first, locked for this
        transaction (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so concurrent workers never get
        the same row). Cost grows with the number of due rows, not with the table size."""
        ...

    def next_due_at(self) -> datetime | None:
        """The earliest scheduled due moment, or ``None``."""
        ...

    def for_ticket(self, ticket_id: int) -> list[TimerRow]: ...


class OutboxRepository(Protocol):
    def add(self, ticket_id: int, event_seq: int, notification: Notification, *, now: datetime) -> None:
        """Queue a notification; its idempotency key is ``{ticket_id}:{event_seq}:{n}``."""
        ...

    def add_many(self, batch: Sequence[tuple[int, int, Notification]], *, now: datetime) -> None:
        """Bulk ``add`` of ``(ticket_id, event_seq, notification)`` rows."""
        ...

    def pending(self, limit: int) -> list[OutboxMessage]: ...


class AgentRepository(Protocol):
    def staffing(self, agents: Iterable[str]) -> Staffing:
        """Load and away-status of the given agents (others count as free)."""
        ...

    def adjust_load(self, deltas: Mapping[str, int]) -> None:
        """Add ``deltas`` to the agents' open-ticket counts (agents are created on first use)."""
        ...

    def set_away(self, agent: str, away: bool) -> None: ...


class UnitOfWork(Protocol):
    """One transaction at a time. ``with uow:`` begins it; leaving the block without
    ``commit()`` rolls back. ``commit()`` and ``rollback()`` end the current transaction, and
    the next repository call inside the same block begins a new one (so a use case can read,
    end that transaction, compute, then write). Repositories share the transaction and never
    commit by themselves.

    The repositories are read-only members, so an implementation may hold its concrete
    repository classes (a mutable protocol attribute would have to be typed as the port)."""

    @property
    def policies(self) -> PolicyRepository: ...
    @property
    def tickets(self) -> TicketRepository: ...
    @property
    def events(self) -> EventRepository: ...
    @property
    def timers(self) -> TimerRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def agents(self) -> AgentRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


JSON = dict[str, Any]
