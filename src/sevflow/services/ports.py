"""Ports: the Protocols services depend on. Adapters (SQL, in-memory fakes) implement them.

The records crossing them (``TimerRow``, ``TicketFilter``, ``StoredEvent``, ``OutboxMessage``)
are defined in ``sevflow.domain.records`` and re-exported here.

Every instant crossing a port is an aware UTC ``datetime``. Repositories never commit: the
unit of work owns the transaction, and a service commits once per use case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from sevflow.domain.accounts import (
    ApiToken,
    AuditEntry,
    Customer,
    IdempotencyRecord,
    User,
    WebSession,
)
from sevflow.domain.delivery import Attempt, Composed, Sent
from sevflow.domain.events import Event
from sevflow.domain.notifications import Notification
from sevflow.domain.outcomes import Outcome, Totals
from sevflow.domain.policy import Policy
from sevflow.domain.records import (
    BoardQuery,
    DeliveryRecord,
    MarkRow,
    OutboxMessage,
    PolicyVersion,
    StoredEvent,
    TicketFilter,
    TicketRow,
    TimerRow,
)
from sevflow.domain.related import RelatedTicket
from sevflow.domain.staffing import Staffing
from sevflow.domain.tickets import Ticket
from sevflow.domain.triage_policy import ModelOpinion, RelatedPolicy
from sevflow.domain.triage_record import Correction, DriftRow, TriageRecord

__all__ = [
    "JSON",
    "AgentRepository",
    "AuditRepository",
    "BoardQuery",
    "Channel",
    "Clock",
    "CustomerRepository",
    "DeliveryRecord",
    "EventRepository",
    "IdempotencyRepository",
    "IncidentIndex",
    "LoginFailureRepository",
    "MarkRow",
    "OutboxMessage",
    "OutboxRepository",
    "OutcomeRepository",
    "PasswordHasher",
    "PolicyRepository",
    "PolicyVersion",
    "SessionRepository",
    "SeverityModel",
    "StoredEvent",
    "TicketFilter",
    "TicketRepository",
    "TicketRow",
    "TimerRepository",
    "TimerRow",
    "TokenRepository",
    "TriageRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserRepository",
]


class IncidentIndex(Protocol):
    """Tickets' text in an in-process index, for related incidents (``triage.incidents``).
    ``services.related`` keeps it in step with the store: it adds the triage records of tickets
    newer than ``known_up_to`` and closes tickets it finds closed. Safe to share between threads."""

    def known_up_to(self) -> int:
        """The highest ticket id added so far (0 when empty)."""
        ...

    def add(self, records: Sequence[TriageRecord]) -> None:
        """Index these tickets (as open); a ticket added again replaces its entry."""
        ...

    def close(self, ticket_ids: Sequence[int]) -> None:
        """These tickets are no longer open (unknown ids are ignored)."""
        ...

    def similar(
        self, text: str, *, now: datetime, service_line: str, settings: RelatedPolicy, exclude: int | None
    ) -> list[RelatedTicket]:
        """The tickets most similar to ``text`` among the open ones and those opened within
        ``settings.recent_minutes`` before ``now``, best first, at most ``settings.limit``, none
        below ``settings.min_score``; ``exclude`` (the asking ticket) is left out."""
        ...


class SeverityModel(Protocol):
    """A learned severity model consulted at intake (``triage.classifier``)."""

    def opinion(
        self,
        *,
        title: str,
        description: str,
        service_line: str,
        customer_tier: str,
        channel: str,
        services: tuple[str, ...],
        users_affected: int,
    ) -> ModelOpinion | None:
        """Calibrated probabilities of each severity for a new ticket, and the words and fields
        behind them. ``None`` if the model could not judge this ticket (the failure is logged);
        intake then goes on with the policy's rules alone. Never raises; pure CPU work, so call
        it outside a transaction."""
        ...


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

    def versions(self) -> list[PolicyVersion]:
        """Every stored version (old ones are kept), oldest first."""
        ...

    def source(self, version: str) -> str:
        """The YAML text the version was stored from; ``NotFound`` if absent."""
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

    def board_rows(self, query: BoardQuery) -> list[TicketRow]:
        """Every open ticket matching ``query``, as light rows (no snapshot), in id order."""
        ...

    def board_marks(self, query: BoardQuery) -> list[MarkRow]:
        """Every open ticket matching ``query`` as its marks alone, in id order (for grouping
        thousands; ``rows_by_id`` then reads the ones shown)."""
        ...

    def rows_by_id(self, ids: Sequence[int]) -> list[TicketRow]:
        """The light rows of these open tickets, in the order of ``ids`` (ids of tickets not
        stored or not open are left out)."""
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

    def for_ticket(self, ticket_id: int) -> list[OutboxMessage]:
        """Every notification queued for the ticket (delivered or not), in the order queued."""
        ...

    def claim(self, now: datetime, limit: int, *, lease: timedelta) -> list[OutboxMessage]:
        """Up to ``limit`` pending messages due by ``now``, the longest due first, held for
        ``lease``: they are not due again until ``now + lease``, so a sender that dies before
        recording its attempt leaves them to be claimed again then (and sent again with the same
        idempotency key). On PostgreSQL, rows another transaction holds are skipped."""
        ...

    def record_attempt(self, message: OutboxMessage, attempt: Attempt, *, retry_at: datetime | None) -> None:
        """Log ``attempt`` at ``message``; the message is then ``sent`` (delivered), pending again
        until ``retry_at``, or ``dead`` (not delivered and no ``retry_at``)."""
        ...

    def deliveries(self, ticket_id: int) -> list[DeliveryRecord]:
        """The delivery log of the ticket's notifications, oldest attempt first."""
        ...


class OutcomeRepository(Protocol):
    """Closed tickets' outcomes and their sums per day (``domain.outcomes``)."""

    def record(self, outcome: Outcome) -> None:
        """Store the outcome of a ticket that left the open states (replacing the one it had,
        if any) and add it to its day's sums."""
        ...

    def forget(self, ticket_id: int) -> None:
        """The ticket was reopened: take its outcome back out of the sums (nothing if none)."""
        ...

    def totals(self, since: str, until: str, by: str) -> dict[str, Totals]:
        """Sums of the outcomes of days ``since``..``until`` (``YYYY-MM-DD``, both included)
        per value of ``by`` (one of ``DIMENSIONS``); values with no outcome are left out."""
        ...

    def daily(self, since: str, until: str) -> dict[str, Totals]:
        """Sums per day with outcomes in ``since``..``until``, in day order."""
        ...


class TriageRepository(Protocol):
    """How new tickets were triaged and how people corrected them (``domain.triage_record``)."""

    def add(self, records: Sequence[TriageRecord]) -> None:
        """Store the records of tickets just opened (one per ticket)."""
        ...

    def correct(self, ticket_id: int, correction: Correction) -> None:
        """A person set the ticket's severity: the latest correction replaces any earlier one.
        Nothing happens for a ticket without a record (history, or opened before records)."""
        ...

    def overridden(self, since: datetime | None = None) -> list[TriageRecord]:
        """Records whose correction differs from the proposal, opened at or after ``since``
        (all if ``None``), oldest first (by opening, then ticket id)."""
        ...

    def after(self, ticket_id: int, limit: int) -> list[TriageRecord]:
        """The records of tickets with ids above ``ticket_id``, in id order, at most ``limit``."""
        ...

    def drift(self, since: datetime) -> list[DriftRow]:
        """Per week (of opening, at or after ``since``) and proposed severity: tickets triaged
        and overridden. Sorted by week, then severity."""
        ...


class Channel(Protocol):
    """One way out for notifications (a webhook, e-mail, chat). ``send`` delivers one queued
    message once and says how it went; it never raises for a receiver's refusal or a network
    error (those are outcomes), and it never logs secrets. The message's ``idempotency_key``
    goes with it, so a receiver can drop the duplicates an at-least-once delivery makes."""

    name: str

    async def send(self, message: OutboxMessage) -> Sent: ...

    async def close(self) -> None:
        """Release the channel's connections (idempotent)."""
        ...


class Composer(Protocol):
    """Writes queued messages for the outside world: the channel's template rendered from the
    message's facts, then every outgoing string masked (redaction). Never raises for a broken
    template: the plain fallback is used and ``Composed.error`` says why."""

    def compose(self, message: OutboxMessage) -> Composed: ...

    def digest(self, messages: Sequence[OutboxMessage]) -> Composed:
        """One message for several held notices of the same channel and recipients; its
        idempotency key is derived from theirs (the same on a re-send)."""
        ...


class AgentRepository(Protocol):
    def staffing(self, agents: Iterable[str]) -> Staffing:
        """Load and away-status of the given agents (others count as free)."""
        ...

    def adjust_load(self, deltas: Mapping[str, int]) -> None:
        """Add ``deltas`` to the agents' open-ticket counts (agents are created on first use)."""
        ...

    def set_away(self, agent: str, away: bool) -> None: ...


class PasswordHasher(Protocol):
    """Hashes and checks passwords with a slow, salted, well-kept algorithm (argon2id)."""

    def hash(self, password: str) -> str:
        """A self-describing hash string (algorithm, parameters, salt) to store."""
        ...

    def verify(self, stored_hash: str, password: str) -> bool:
        """``True`` if ``password`` matches; ``False`` otherwise (never raises for a mismatch)."""
        ...

    def needs_rehash(self, stored_hash: str) -> bool:
        """``True`` if the hash was made with weaker parameters than today's."""
        ...


class UserRepository(Protocol):
    def add(self, user: User) -> None:
        """Store a new user; ``Conflict`` if the name is taken."""
        ...

    def get(self, name: str) -> User:
        """The user called ``name``; ``NotFound`` if there is none."""
        ...

    def find(self, name: str) -> User | None:
        """The user called ``name``, or ``None``."""
        ...

    def list(self) -> list[User]:
        """Every user, ordered by name."""
        ...

    def update(self, user: User) -> None:
        """Replace the stored user of the same name (role, duties, password, active);
        ``NotFound`` if absent."""
        ...


class TokenRepository(Protocol):
    def add(self, token: ApiToken) -> None:
        """Store a new token (``Conflict`` if the id exists)."""
        ...

    def find(self, token_id: str) -> ApiToken | None: ...

    def find_with_user(self, token_id: str) -> tuple[ApiToken, User] | None:
        """The token and its user, read together (authentication does this on every request)."""
        ...

    def list(self, user: str | None = None) -> list[ApiToken]:
        """Tokens (revoked ones included), of ``user`` or of everyone, oldest first."""
        ...

    def revoke(self, token_id: str, *, now: datetime) -> None:
        """Mark revoked at ``now`` (kept for the record); ``NotFound`` if absent. Revoking a
        revoked token keeps the first revocation time."""
        ...

    def touch(self, token_id: str, *, now: datetime) -> None:
        """Set ``last_used_at`` to ``now``."""
        ...


class SessionRepository(Protocol):
    def add(self, session: WebSession) -> None: ...

    def find(self, id_hash: str) -> WebSession | None: ...

    def revoke(self, id_hash: str, *, now: datetime) -> None:
        """End the session (signing out); nothing happens if it does not exist."""
        ...


class LoginFailureRepository(Protocol):
    def add(self, subject: str, *, at: datetime) -> None:
        """Record one failed sign-in for ``subject`` (``user:NAME`` or ``ip:ADDRESS``)."""
        ...

    def count_since(self, subject: str, since: datetime) -> int:
        """Failures of ``subject`` at or after ``since``."""
        ...

    def oldest_since(self, subject: str, since: datetime) -> datetime | None:
        """The earliest failure of ``subject`` at or after ``since`` (when the window frees)."""
        ...

    def clear(self, subject: str) -> None:
        """Forget ``subject``'s failures (after a successful sign-in)."""
        ...


class AuditRepository(Protocol):
    def add(self, entry: AuditEntry) -> int:
        """Append an entry; returns its id (increasing)."""
        ...

    def for_ticket(self, ticket_id: int) -> list[AuditEntry]:
        """Entries about one ticket, oldest first."""
        ...

    def recent(self, *, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        """Newest first, at most ``limit``, only ids below ``before_id`` if given (paging)."""
        ...


class IdempotencyRepository(Protocol):
    def find(self, actor: str, key: str) -> IdempotencyRecord | None: ...

    def add(self, record: IdempotencyRecord) -> None:
        """Store the record; ``Conflict`` if ``(actor, key)`` is already stored (a concurrent
        request with the same key won)."""
        ...

    def prune(self, before: datetime) -> int:
        """Delete records created before ``before``; returns how many."""
        ...


class CustomerRepository(Protocol):
    def put(self, customer: Customer) -> None:
        """Create or replace the customer of that name."""
        ...

    def find(self, name: str) -> Customer | None: ...

    def list(self) -> list[Customer]:
        """Every customer, ordered by name."""
        ...

    def by_email_domain(self, domain: str) -> Customer | None:
        """The customer whose ``email_domains`` include ``domain`` (case-insensitive)."""
        ...


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
    @property
    def outcomes(self) -> OutcomeRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def login_failures(self) -> LoginFailureRepository: ...
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def idempotency(self) -> IdempotencyRepository: ...
    @property
    def customers(self) -> CustomerRepository: ...
    @property
    def triage(self) -> TriageRepository: ...

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
