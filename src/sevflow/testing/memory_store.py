"""The committed state of the in-memory store, and the write set a transaction applies to it.

Rows are immutable and JSON-encoded, like a database would store them; account records are
frozen dataclasses already, kept as they are once their instants are in UTC. A transaction's
writes are applied on commit, first committer wins: a save whose base version moved, events
whose ticket gained events meanwhile, or a user name, token id, session or idempotency key
another transaction stored first, raise ``Conflict`` at commit (where a database would make the
second writer wait and then fail).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sevflow.domain.accounts import ApiToken, AuditEntry, Customer, IdempotencyRecord, User, WebSession
from sevflow.domain.errors import Conflict
from sevflow.domain.outcomes import Outcome
from sevflow.domain.policy import Policy
from sevflow.domain.records import DeliveryRecord
from sevflow.domain.triage_record import TriageRecord

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
    attempts: int = 0


@dataclass
class AccountWrites:
    """What one transaction wrote to the account tables. Revocations, touches, clears and
    prunes are kept as operations and applied to the rows as they are at commit, like the SQL
    statements would be (two racing revocations keep the first time)."""

    users: dict[str, User] = field(default_factory=dict)  # added or updated
    new_users: set[str] = field(default_factory=set)
    tokens: dict[str, ApiToken] = field(default_factory=dict)  # added
    token_revoked: dict[str, datetime] = field(default_factory=dict)
    token_touched: dict[str, datetime] = field(default_factory=dict)
    sessions: dict[str, WebSession] = field(default_factory=dict)  # added
    session_revoked: dict[str, datetime] = field(default_factory=dict)
    failures: list[tuple[str, datetime]] = field(default_factory=list)
    cleared: set[str] = field(default_factory=set)  # subjects whose stored failures go
    audit: list[AuditEntry] = field(default_factory=list)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    pruned_before: datetime | None = None  # stored records created before it go
    customers: dict[str, Customer] = field(default_factory=dict)


class AccountTables:
    """The committed account rows of an ``InMemoryStore``."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.tokens: dict[str, ApiToken] = {}
        self.sessions: dict[str, WebSession] = {}
        self.failures: dict[str, tuple[datetime, ...]] = {}
        self.audit: dict[int, AuditEntry] = {}
        self.idempotency: dict[tuple[str, str], IdempotencyRecord] = {}
        self.customers: dict[str, Customer] = {}

    def pruned(self, w: AccountWrites, record: IdempotencyRecord) -> bool:
        """Whether ``w``'s transaction deleted this stored record."""
        return w.pruned_before is not None and record.created_at < w.pruned_before

    def check(self, w: AccountWrites) -> None:
        """Refuse ``w`` if a transaction that committed first took one of its new keys."""
        for name in w.new_users:
            if name in self.users:
                raise Conflict(f"a user called {name!r} already exists; user names must be unique")
        for token_id in w.tokens:
            if token_id in self.tokens:
                raise Conflict(f"an API token with id {token_id!r} already exists; token ids must be unique")
        if w.sessions.keys() & self.sessions.keys():
            raise Conflict("a web session with this id hash already exists; make a new session id")
        for actor, key in w.idempotency:
            stored = self.idempotency.get((actor, key))
            if stored is not None and not self.pruned(w, stored):
                raise Conflict(
                    f"idempotency key {key!r} of {actor!r} is already stored "
                    "(a request with the same key was recorded first)"
                )

    def apply(self, w: AccountWrites) -> None:
        for name, user in w.users.items():
            stored = self.users.get(name)
            self.users[name] = user if stored is None else replace(user, created_at=stored.created_at)
        self.tokens.update(w.tokens)
        for token_id, at in w.token_revoked.items():
            token = self.tokens[token_id]
            if token.revoked_at is None:
                self.tokens[token_id] = replace(token, revoked_at=at)
        for token_id, at in w.token_touched.items():
            self.tokens[token_id] = replace(self.tokens[token_id], last_used_at=at)
        self.sessions.update(w.sessions)
        for id_hash, at in w.session_revoked.items():
            session = self.sessions[id_hash]
            if session.revoked_at is None:
                self.sessions[id_hash] = replace(session, revoked_at=at)
        for subject in w.cleared:
            self.failures.pop(subject, None)
        for subject, at in w.failures:
            self.failures[subject] = (*self.failures.get(subject, ()), at)
        self.audit.update((entry.id, entry) for entry in w.audit if entry.id is not None)
        if w.pruned_before is not None:
            for key, record in list(self.idempotency.items()):
                if self.pruned(w, record):
                    del self.idempotency[key]
        self.idempotency.update(w.idempotency)
        for name, customer in w.customers.items():
            known = self.customers.get(name)
            self.customers[name] = (
                customer if known is None else replace(customer, created_at=known.created_at)
            )


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
    outcomes: dict[int, Outcome | None] = field(default_factory=dict)  # None: forgotten
    deliveries: list[DeliveryRecord] = field(default_factory=list)
    triage: dict[int, TriageRecord] = field(default_factory=dict)
    accounts: AccountWrites | None = None  # made on first use: most transactions never touch them


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
        self.outcomes: dict[int, Outcome] = {}
        self.deliveries: list[DeliveryRecord] = []
        self.triage: dict[int, TriageRecord] = {}
        self.accounts = AccountTables()
        self._ids = {"ticket": 0, "outbox": 0, "audit": 0}

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
            if w.accounts is not None:
                self.accounts.check(w.accounts)
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
            self.deliveries.extend(w.deliveries)
            self.triage.update(w.triage)
            for ticket_id, outcome in w.outcomes.items():
                if outcome is None:
                    self.outcomes.pop(ticket_id, None)
                else:
                    self.outcomes[ticket_id] = outcome
            if w.accounts is not None:
                self.accounts.apply(w.accounts)

    def ticket_row(self, writes: Writes, ticket_id: int) -> TicketRow | None:
        """The ticket as ``writes``' transaction sees it."""
        return writes.tickets.get(ticket_id) or self.tickets.get(ticket_id)
