"""The audit trail in SQL. Sequence numbers are ``max + 1`` per ticket; the unique index on
``(ticket_id, key)`` is what records a timer or rule firing at most once, even when two
workers race: the loser gets ``Conflict``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.driver_query import DriverQuery
from sevflow.adapters.db.repositories.bulk import BulkInsert
from sevflow.adapters.db.repositories.errors import is_foreign_key_violation, violated
from sevflow.adapters.db.tables import ticket_events
from sevflow.domain.errors import Conflict, InvalidInput, NotFound
from sevflow.domain.events import Event, EventKind
from sevflow.domain.instants import require_aware
from sevflow.domain.records import StoredEvent
from sevflow.domain.tickets import Ticket

_E = ticket_events.c
_INSERT = BulkInsert(
    ticket_events,
    ["ticket_id", "seq", "kind", "at", "actor", "reason", "rule", "key", "policy_version", "data"],
)
_LAST_SEQ = (
    select(_E.ticket_id, func.max(_E.seq))
    .where(_E.ticket_id.in_(bindparam("ids", expanding=True)))
    .group_by(_E.ticket_id)
)
_TRAIL = DriverQuery(
    select(
        _E.ticket_id, _E.seq, _E.policy_version, _E.kind, _E.at, _E.actor, _E.data, _E.reason, _E.rule, _E.key
    )
    .where(_E.ticket_id == bindparam("ticket_id"))
    .order_by(_E.seq)
)

_CHUNK = 500  # ids per IN (...) list


class SqlEventRepository:
    __slots__ = ("_ctx",)

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx

    def append(self, ticket: Ticket, events: Sequence[Event]) -> list[int]:
        return self.append_many([(ticket, events)])[0]

    def append_many(self, batch: Sequence[tuple[Ticket, Sequence[Event]]]) -> list[list[int]]:
        ids = [_ticket_id(ticket) for ticket, _ in batch]
        last = self._last_seqs(ids)
        rows: list[tuple[object, ...]] = []
        seqs: list[list[int]] = []
        for (ticket, events), ticket_id in zip(batch, ids, strict=True):
            ticket_seqs: list[int] = []
            if events:
                self._ctx.appended_from.setdefault(ticket_id, last[ticket_id] + 1)
            seq = last[ticket_id]
            for event in events:
                seq += 1
                ticket_seqs.append(seq)
                rows.append(
                    (
                        ticket_id,
                        seq,
                        event.kind.value,
                        require_aware(event.at, "event time"),
                        event.actor,
                        event.reason,
                        event.rule,
                        event.key,
                        ticket.policy_version,
                        dict(event.data),
                    )
                )
            last[ticket_id] = seq
            seqs.append(ticket_seqs)
        if rows:
            try:
                _INSERT(self._ctx.connection, rows)
            except IntegrityError as error:
                raise _translate(error, batch) from error
        self._ctx.last_seq.update(last)
        return seqs

    def for_ticket(self, ticket_id: int) -> list[StoredEvent]:
        rows = _TRAIL.rows(self._ctx, {"ticket_id": ticket_id})
        return [
            StoredEvent(
                r.ticket_id,
                r.seq,
                r.policy_version,
                Event(EventKind(r.kind), r.at, r.actor, r.data, reason=r.reason, rule=r.rule, key=r.key),
            )
            for r in rows
        ]

    def _last_seqs(self, ids: Sequence[int]) -> dict[int, int]:
        """The highest stored seq per ticket; asks the database only about tickets this
        transaction has not created or appended to."""
        known = self._ctx.last_seq
        new = self._ctx.new_tickets
        last: dict[int, int] = {}
        unknown = []
        for ticket_id in dict.fromkeys(ids):
            if ticket_id in known:
                last[ticket_id] = known[ticket_id]
            elif ticket_id in new:
                last[ticket_id] = 0
            else:
                last[ticket_id] = 0
                unknown.append(ticket_id)
        conn = self._ctx.connection
        for start in range(0, len(unknown), _CHUNK):
            for ticket_id, seq in conn.execute(_LAST_SEQ, {"ids": unknown[start : start + _CHUNK]}):
                last[ticket_id] = seq
        return last


def _ticket_id(ticket: Ticket) -> int:
    if ticket.id is None:
        raise InvalidInput("cannot append events to a ticket that was never added; add it first")
    return ticket.id


def _translate(error: IntegrityError, batch: Sequence[tuple[Ticket, Sequence[Event]]]) -> Exception:
    tickets = ", ".join(f"#{t.id}" for t, _ in batch)
    if violated(error, "uq_ticket_events_ticket_id_key", "ticket_events.ticket_id", "ticket_events.key"):
        keys = ", ".join(f"#{t.id} {e.key}" for t, events in batch for e in events if e.key is not None)
        return Conflict(
            f"an event with one of these keys was already recorded ({keys}): "
            "the timer or rule has fired already; roll back"
        )
    if violated(error, "pk_ticket_events", "ticket_events.ticket_id", "ticket_events.seq"):
        return Conflict(f"another transaction appended events to ticket {tickets} at the same time; retry")
    if is_foreign_key_violation(error):
        return NotFound(f"cannot append events: ticket {tickets} does not exist")
    return error
