"""The repository ports in memory, with the SQL adapters' semantics (checked by the same
contract tests): the same validation, the same errors, the same orders."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sevflow.domain import records
from sevflow.domain.delivery import Attempt
from sevflow.domain.delivery import Outcome as DeliveryOutcome
from sevflow.domain.errors import Conflict, InvalidInput, NotFound
from sevflow.domain.events import Event, EventKind
from sevflow.domain.instants import require_aware
from sevflow.domain.notifications import Notification, from_payload, to_payload
from sevflow.domain.outcomes import DIMENSIONS, Outcome, Totals
from sevflow.domain.policy import Policy
from sevflow.domain.records import (
    BoardQuery,
    DeliveryRecord,
    OutboxMessage,
    PolicyVersion,
    StoredEvent,
    TicketFilter,
    TimerRow,
)
from sevflow.domain.severity import Severity
from sevflow.domain.sla_marks import sla_marks
from sevflow.domain.staffing import Staffing
from sevflow.domain.status import Status
from sevflow.domain.tickets import Ticket
from sevflow.domain.triage_record import Correction, DriftRow, TriageRecord, week_of
from sevflow.testing.memory_store import EventRow, InMemoryStore, OutboxRow, TicketRow, Writes


class Session(Protocol):
    """What a repository needs from its unit of work."""

    @property
    def writes(self) -> Writes: ...

    @property
    def store(self) -> InMemoryStore: ...


class _Repository:
    __slots__ = ("_session",)

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def _w(self) -> Writes:
        return self._session.writes

    @property
    def _store(self) -> InMemoryStore:
        return self._session.store

    def _ticket(self, ticket_id: int) -> TicketRow | None:
        return self._store.ticket_row(self._w, ticket_id)


class MemoryPolicies(_Repository):
    def add(self, policy: Policy, source_text: str, *, now: datetime, activate: bool) -> None:
        now = require_aware(now, "now")
        if self._record(policy.version) is None:
            self._w.policies[policy.version] = (policy, source_text, now)
        if activate:
            self._w.active = policy.version

    def get(self, version: str) -> Policy:
        record = self._record(version)
        if record is None:
            raise NotFound(f"policy version {version!r} is not stored")
        return record[0]

    def active_version(self) -> str | None:
        return self._w.active or self._store.active

    def active(self) -> Policy:
        version = self._w.active or self._store.active
        if version is None:
            raise NotFound("no policy is active yet; store one with activate=True")
        return self.get(version)

    def versions(self) -> list[PolicyVersion]:
        active = self.active_version()
        stored = {**self._store.policies, **self._w.policies}
        return sorted(
            (PolicyVersion(v, p.name, at, v == active) for v, (p, _, at) in stored.items()),
            key=lambda pv: (pv.created_at, pv.version),
        )

    def source(self, version: str) -> str:
        record = self._record(version)
        if record is None:
            raise NotFound(f"policy version {version!r} is not stored")
        return record[1]

    def _record(self, version: str) -> tuple[Policy, str, datetime] | None:
        return self._w.policies.get(version) or self._store.policies.get(version)


def _columns(snapshot: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    if snapshot["created_at"] is None or snapshot["updated_at"] is None:
        raise InvalidInput(
            "cannot store a ticket that was never opened (it has no created_at); create it with Ticket.open(...)"
        )
    names = ("status", "severity", "service_line", "customer", "customer_tier", "owner", "tier")
    return (*((n, snapshot[n]) for n in names), ("is_open", Status(snapshot["status"]).is_open))


class MemoryTickets(_Repository):
    def add(self, ticket: Ticket) -> int:
        return self.add_many([ticket])[0]

    def add_many(self, tickets: Sequence[Ticket]) -> list[int]:
        rows = []
        external = self._external_ids()
        for ticket in tickets:
            if ticket.id is not None:
                raise InvalidInput(f"ticket #{ticket.id} was already added; save it instead")
            if (
                ticket.policy_version not in self._store.policies
                and ticket.policy_version not in self._w.policies
            ):
                raise NotFound(
                    f"policy version {ticket.policy_version} is not stored; store the policy before its tickets"
                )
            snapshot = ticket.to_snapshot()
            if snapshot["external_id"] is not None:
                if snapshot["external_id"] in external:
                    raise Conflict(
                        f"a ticket with external id {snapshot['external_id']!r} already exists; "
                        "external ids must be unique"
                    )
                external.add(snapshot["external_id"])
            rows.append(
                TicketRow(
                    1,
                    ticket.policy_version,
                    json.dumps(snapshot),
                    _columns(snapshot),
                    snapshot["external_id"],
                )
            )
        ids = []
        for ticket, row in zip(tickets, rows, strict=True):
            ticket_id = self._store.next_id("ticket")
            self._w.tickets[ticket_id] = row
            self._w.new_tickets.add(ticket_id)
            ticket.id, ticket.version = ticket_id, 1
            ids.append(ticket_id)
        return ids

    def get(self, ticket_id: int, *, for_update: bool = False) -> Ticket:
        row = self._ticket(ticket_id)
        if row is None:
            raise NotFound(f"there is no ticket #{ticket_id}")
        return self._load(ticket_id, row)

    def lock_many(self, ticket_ids: Sequence[int]) -> list[Ticket]:
        found = ((i, self._ticket(i)) for i in dict.fromkeys(ticket_ids))
        return [self._load(i, row) for i, row in found if row is not None]

    def save(self, ticket: Ticket) -> None:
        if ticket.id is None:
            raise InvalidInput("cannot save a ticket that was never added; add it first")
        row = self._ticket(ticket.id)
        if row is None:
            raise NotFound(f"there is no ticket #{ticket.id}")
        if row.version != ticket.version:
            raise Conflict(
                f"ticket #{ticket.id} was changed by someone else first (it is at version {row.version}, "
                f"this copy was loaded at version {ticket.version}); reload it and try again"
            )
        snapshot = ticket.to_snapshot()
        external_id = snapshot["external_id"]
        if external_id is not None and external_id != row.external_id and external_id in self._external_ids():
            raise Conflict(
                f"a ticket with external id {external_id!r} already exists; external ids must be unique"
            )
        if ticket.id not in self._w.new_tickets:
            self._w.base_versions.setdefault(ticket.id, row.version)
        self._w.tickets[ticket.id] = TicketRow(
            row.version + 1, ticket.policy_version, json.dumps(snapshot), _columns(snapshot), external_id
        )
        ticket.version += 1

    def save_many(self, tickets: Sequence[Ticket]) -> None:
        for ticket in tickets:
            self.save(ticket)

    def board_marks(self, query: BoardQuery) -> list[records.MarkRow]:
        return [
            records.MarkRow(
                r.id,
                r.severity,
                r.marks.deadline_at,
                r.marks.at_risk_at,
                r.marks.breached,
                r.marks.paused,
                r.marks.stalled_at,
            )
            for r in self.board_rows(query)
        ]

    def rows_by_id(self, ids: Sequence[int]) -> list[records.TicketRow]:
        by_id = {r.id: r for r in self.board_rows(BoardQuery())}
        return [by_id[i] for i in ids if i in by_id]

    def board_rows(self, query: BoardQuery) -> list[records.TicketRow]:
        found = []
        for ticket_id in sorted(self._store.tickets.keys() | self._w.tickets.keys()):
            row = self._ticket(ticket_id)
            if row is None or not dict(row.columns)["is_open"]:
                continue
            t = self._load(ticket_id, row)
            if any(
                wanted is not None and value != wanted
                for value, wanted in (
                    (t.service_line, query.service_line),
                    (t.team, query.team),
                    (t.tier, query.tier),
                    (t.customer, query.customer),
                    (t.customer_tier, query.customer_tier),
                    (t.owner, query.owner),
                )
            ):
                continue
            assert t.updated_at is not None
            found.append(
                records.TicketRow(
                    ticket_id,
                    t.version,
                    t.policy_version,
                    t.title,
                    t.status.value,
                    t.severity.value,
                    t.service_line,
                    t.team,
                    t.tier,
                    t.customer,
                    t.customer_tier,
                    t.owner,
                    t.updated_at,
                    sla_marks(t),
                )
            )
        return found

    def list(self, query: TicketFilter) -> list[Ticket]:
        wanted = {
            name: value
            for name, value in (
                ("status", query.status),
                ("severity", query.severity),
                ("service_line", query.service_line),
                ("customer", query.customer),
                ("customer_tier", query.customer_tier),
                ("owner", query.owner),
                ("tier", query.tier),
                ("is_open", True if query.open_only else None),
            )
            if value is not None
        }
        result: list[Ticket] = []
        for ticket_id in sorted(self._store.tickets.keys() | self._w.tickets.keys()):
            if len(result) >= query.limit:
                break
            if query.after_id is not None and ticket_id <= query.after_id:
                continue
            row = self._ticket(ticket_id)
            if row is None:
                continue
            columns = dict(row.columns)
            if all(columns[name] == value for name, value in wanted.items()):
                result.append(self._load(ticket_id, row))
        return result

    def count_open(self) -> int:
        rows = (self._ticket(i) for i in self._store.tickets.keys() | self._w.tickets.keys())
        return sum(1 for row in rows if row is not None and dict(row.columns)["is_open"])

    def ids_by_external_id(self, external_ids: Sequence[str]) -> dict[str, int]:
        wanted = set(external_ids)
        found = {}
        for ticket_id in self._store.tickets.keys() | self._w.tickets.keys():
            row = self._ticket(ticket_id)
            if row is not None and row.external_id in wanted:
                found[row.external_id] = ticket_id
        return found

    def _external_ids(self) -> set[str]:
        rows = (self._ticket(i) for i in self._store.tickets.keys() | self._w.tickets.keys())
        return {row.external_id for row in rows if row is not None and row.external_id is not None}

    def _load(self, ticket_id: int, row: TicketRow) -> Ticket:
        state = json.loads(row.state)
        state["id"], state["version"] = ticket_id, row.version
        return Ticket.from_snapshot(MemoryPolicies(self._session).get(row.policy_version), state)


class MemoryEvents(_Repository):
    def append(self, ticket: Ticket, events: Sequence[Event]) -> list[int]:
        return self.append_many([(ticket, events)])[0]

    def append_many(self, batch: Sequence[tuple[Ticket, Sequence[Event]]]) -> list[list[int]]:
        staged: dict[int, list[EventRow]] = {}
        result = []
        for ticket, events in batch:
            if ticket.id is None:
                raise InvalidInput("cannot append events to a ticket that was never added; add it first")
            ticket_id = ticket.id
            if self._ticket(ticket_id) is None:
                raise NotFound(f"cannot append events: ticket #{ticket_id} does not exist")
            rows = staged.setdefault(ticket_id, [])
            existing = self._rows(ticket_id)
            keys = {r.key for r in (*existing, *rows) if r.key is not None}
            seqs = []
            for event in events:
                if event.key is not None and event.key in keys:
                    raise Conflict(
                        f"an event with key {event.key!r} was already recorded for ticket #{ticket_id}: "
                        "the timer or rule has fired already; roll back"
                    )
                if event.key is not None:
                    keys.add(event.key)
                seq = len(existing) + len(rows) + 1
                rows.append(
                    EventRow(
                        ticket_id,
                        seq,
                        ticket.policy_version,
                        event.kind.value,
                        require_aware(event.at, "event time"),
                        event.actor,
                        json.dumps(dict(event.data)),
                        event.reason,
                        event.rule,
                        event.key,
                    )
                )
                seqs.append(seq)
            result.append(seqs)
        for ticket_id, rows in staged.items():
            if ticket_id not in self._w.events:
                self._w.base_seq[ticket_id] = len(self._store.events.get(ticket_id, ()))
            self._w.events.setdefault(ticket_id, []).extend(rows)
        return result

    def for_ticket(self, ticket_id: int) -> list[StoredEvent]:
        return [
            StoredEvent(
                r.ticket_id,
                r.seq,
                r.policy_version,
                Event(
                    EventKind(r.kind),
                    r.at,
                    r.actor,
                    json.loads(r.data),
                    reason=r.reason,
                    rule=r.rule,
                    key=r.key,
                ),
            )
            for r in self._rows(ticket_id)
        ]

    def _rows(self, ticket_id: int) -> list[EventRow]:
        return [*self._store.events.get(ticket_id, ()), *self._w.events.get(ticket_id, ())]


class MemoryTimers(_Repository):
    def replace(self, ticket_id: int, timers: Iterable[TimerRow]) -> None:
        self.replace_many({ticket_id: timers})

    def replace_many(self, timers_by_ticket: Mapping[int, Iterable[TimerRow]]) -> None:
        staged = {}
        for ticket_id, rows in timers_by_ticket.items():
            schedule: dict[str, datetime] = {}
            for row in rows:
                if row.ticket_id != ticket_id:
                    raise InvalidInput(
                        f"timer {row.key!r} belongs to ticket #{row.ticket_id}, not #{ticket_id}"
                    )
                if row.key in schedule:
                    raise InvalidInput(f"timer key {row.key!r} is given twice for ticket #{ticket_id}")
                schedule[row.key] = require_aware(row.due_at, f"timer {row.key!r} due_at")
            if schedule and self._ticket(ticket_id) is None:
                raise NotFound(f"cannot schedule timers: one of tickets #{ticket_id} does not exist")
            staged[ticket_id] = schedule
        self._w.timers.update(staged)

    def claim_due(self, now: datetime, limit: int) -> list[TimerRow]:
        now = require_aware(now, "now")
        due = [row for row in self._all() if row.due_at <= now]
        due.sort(key=lambda r: (r.due_at, r.ticket_id, r.key))
        return due[: max(0, limit)]

    def next_due_at(self) -> datetime | None:
        return min((row.due_at for row in self._all()), default=None)

    def for_ticket(self, ticket_id: int) -> list[TimerRow]:
        rows = [TimerRow(ticket_id, key, due) for key, due in self._schedule(ticket_id).items()]
        return sorted(rows, key=lambda r: (r.due_at, r.key))

    def _schedule(self, ticket_id: int) -> dict[str, datetime]:
        if ticket_id in self._w.timers:
            return self._w.timers[ticket_id]
        return self._store.timers.get(ticket_id, {})

    def _all(self) -> Iterable[TimerRow]:
        for ticket_id in self._store.timers.keys() | self._w.timers.keys():
            for key, due_at in self._schedule(ticket_id).items():
                yield TimerRow(ticket_id, key, due_at)


class MemoryOutbox(_Repository):
    def add(self, ticket_id: int, event_seq: int, notification: Notification, *, now: datetime) -> None:
        self.add_many([(ticket_id, event_seq, notification)], now=now)

    def add_many(self, batch: Sequence[tuple[int, int, Notification]], *, now: datetime) -> None:
        now = require_aware(now, "now")
        rows = [*self._store.outbox.values(), *self._w.outbox]
        for ticket_id, _, _ in batch:
            if self._ticket(ticket_id) is None:
                raise NotFound(f"cannot queue notifications: one of tickets #{ticket_id} does not exist")
        for ticket_id, event_seq, notification in batch:
            n = sum(1 for r in rows if r.ticket_id == ticket_id and r.event_seq == event_seq)
            row = OutboxRow(
                self._store.next_id("outbox"),
                ticket_id,
                event_seq,
                f"{ticket_id}:{event_seq}:{n}",
                json.dumps(to_payload(notification)),
                now,
                notification.held_until or now,
            )
            rows.append(row)
            self._w.outbox.append(row)

    def _rows(self) -> list[OutboxRow]:
        """The rows as this transaction sees them (a row it changed, as changed)."""
        merged = {**self._store.outbox, **{r.id: r for r in self._w.outbox}}
        return sorted(merged.values(), key=lambda r: r.id)

    def pending(self, limit: int) -> list[OutboxMessage]:
        rows = [r for r in self._rows() if r.status == "pending"]
        rows.sort(key=lambda r: (r.next_attempt_at, r.id))
        return [_message(r) for r in rows[: max(0, limit)]]

    def for_ticket(self, ticket_id: int) -> list[OutboxMessage]:
        return [_message(r) for r in self._rows() if r.ticket_id == ticket_id]

    def claim(self, now: datetime, limit: int, *, lease: timedelta) -> list[OutboxMessage]:
        now = require_aware(now, "now")
        due = [r for r in self._rows() if r.status == "pending" and r.next_attempt_at <= now]
        due.sort(key=lambda r: (r.next_attempt_at, r.id))
        held = [replace(r, next_attempt_at=now + lease) for r in due[: max(0, limit)]]
        self._w.outbox.extend(held)
        return [_message(r) for r in held]

    def record_attempt(self, message: OutboxMessage, attempt: Attempt, *, retry_at: datetime | None) -> None:
        row = next(r for r in self._rows() if r.id == message.id)
        number = message.attempts + 1
        self._w.deliveries.append(DeliveryRecord(message.id, message.ticket_id, number, attempt))
        if attempt.outcome is DeliveryOutcome.DELIVERED:
            status, next_at = "sent", attempt.at
        elif retry_at is None:
            status, next_at = "dead", attempt.at
        else:
            status, next_at = "pending", retry_at
        self._w.outbox.append(replace(row, status=status, attempts=number, next_attempt_at=next_at))

    def deliveries(self, ticket_id: int) -> list[DeliveryRecord]:
        return [d for d in (*self._store.deliveries, *self._w.deliveries) if d.ticket_id == ticket_id]


def _message(row: OutboxRow) -> OutboxMessage:
    p = json.loads(row.payload)
    notification = from_payload(p)
    return OutboxMessage(
        row.id,
        row.ticket_id,
        row.event_seq,
        row.idempotency_key,
        notification,
        row.created_at,
        row.status,
        row.attempts,
    )


class MemoryAgents(_Repository):
    def staffing(self, agents: Iterable[str]) -> Staffing:
        load: dict[str, int] = {}
        away: set[str] = set()
        for name in agents:
            record = self._get(name)
            if record is not None:
                load[name] = record[0]
                if record[1]:
                    away.add(name)
        return Staffing(load=load, away=frozenset(away))

    def adjust_load(self, deltas: Mapping[str, int]) -> None:
        for name, delta in deltas.items():
            if delta:
                load, away = self._get(name) or (0, False)
                self._w.agents[name] = (load + delta, away)

    def set_away(self, agent: str, away: bool) -> None:
        load, _ = self._get(agent) or (0, False)
        self._w.agents[agent] = (load, away)

    def _get(self, name: str) -> tuple[int, bool] | None:
        return self._w.agents.get(name) or self._store.agents.get(name)


class MemoryOutcomes(_Repository):
    """Outcomes in memory; the sums are worked out from them when asked."""

    def record(self, outcome: Outcome) -> None:
        self._w.outcomes[outcome.ticket_id] = outcome

    def forget(self, ticket_id: int) -> None:
        self._w.outcomes[ticket_id] = None

    def _all(self) -> list[Outcome]:
        merged: dict[int, Outcome | None] = {**self._store.outcomes, **self._w.outcomes}
        return [o for o in merged.values() if o is not None]

    def totals(self, since: str, until: str, by: str) -> dict[str, Totals]:
        if by not in DIMENSIONS:
            raise InvalidInput.unknown("breakdown", by, DIMENSIONS)
        sums: dict[str, Totals] = {}
        for o in self._all():
            if since <= o.day <= until:
                key = getattr(o, by)
                sums[key] = sums.get(key, Totals()) + Totals.of(o)
        return sums

    def daily(self, since: str, until: str) -> dict[str, Totals]:
        sums: dict[str, Totals] = {}
        for o in self._all():
            if since <= o.day <= until:
                sums[o.day] = sums.get(o.day, Totals()) + Totals.of(o)
        return dict(sorted(sums.items()))


class MemoryTriage(_Repository):
    """Triage records in memory, with the SQL adapter's orders and week grouping."""

    def _get(self, ticket_id: int) -> TriageRecord | None:
        return self._w.triage.get(ticket_id) or self._store.triage.get(ticket_id)

    def add(self, records: Sequence[TriageRecord]) -> None:
        for r in records:
            if self._get(r.ticket_id) is not None:
                raise Conflict(f"ticket #{r.ticket_id} already has a triage record")
            self._w.triage[r.ticket_id] = replace(r, opened_at=require_aware(r.opened_at, "opened_at"))

    def correct(self, ticket_id: int, correction: Correction) -> None:
        found = self._get(ticket_id)
        if found is not None:
            at = require_aware(correction.at, "correction at")
            self._w.triage[ticket_id] = replace(found, correction=replace(correction, at=at))

    def _all(self) -> list[TriageRecord]:
        return list({**self._store.triage, **self._w.triage}.values())

    def overridden(self, since: datetime | None = None) -> list[TriageRecord]:
        found = [
            r
            for r in self._all()
            if r.overridden and (since is None or r.opened_at >= require_aware(since, "since"))
        ]
        return sorted(found, key=lambda r: (r.opened_at, r.ticket_id))

    def after(self, ticket_id: int, limit: int) -> list[TriageRecord]:
        return sorted((r for r in self._all() if r.ticket_id > ticket_id), key=lambda r: r.ticket_id)[:limit]

    def drift(self, since: datetime) -> list[DriftRow]:
        first = week_of(require_aware(since, "since"))
        sums: dict[tuple[str, Severity], list[int]] = {}
        for r in self._all():
            if r.week >= first:
                counts = sums.setdefault((r.week, r.proposed), [0, 0])
                counts[0] += 1
                counts[1] += int(r.overridden)
        return [
            DriftRow(w, s, n, o)
            for (w, s), (n, o) in sorted(sums.items(), key=lambda kv: (kv[0][0], kv[0][1].value))
        ]
