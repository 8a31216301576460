"""The outbox in SQL: notifications wait here until the relay delivers them.

The idempotency key ``{ticket_id}:{event_seq}:{n}`` numbers the notifications of one event from
0; it is unique, so a notification cannot be queued twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.driver_query import driver_execute
from sevflow.adapters.db.repositories.bulk import BulkInsert
from sevflow.adapters.db.repositories.errors import is_foreign_key_violation, violated
from sevflow.adapters.db.tables import OUTBOX_DEAD, OUTBOX_PENDING, OUTBOX_SENT, deliveries, outbox
from sevflow.adapters.db.types import sqlite_text, to_utc
from sevflow.domain.delivery import Attempt
from sevflow.domain.delivery import Outcome as DeliveryOutcome
from sevflow.domain.errors import Conflict, NotFound
from sevflow.domain.instants import require_aware
from sevflow.domain.notifications import Notification, from_payload, to_payload
from sevflow.domain.records import DeliveryRecord, OutboxMessage

_O = outbox.c
_INSERT = BulkInsert(
    outbox,
    [
        "ticket_id",
        "event_seq",
        "idempotency_key",
        "event_kind",
        "channel",
        "recipients",
        "payload",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
    ],
)
_COUNTS = (
    select(_O.ticket_id, _O.event_seq, func.count())
    .where(tuple_(_O.ticket_id, _O.event_seq).in_(bindparam("pairs", expanding=True)))
    .group_by(_O.ticket_id, _O.event_seq)
)
_MESSAGE = select(
    _O.id, _O.ticket_id, _O.event_seq, _O.idempotency_key, _O.payload, _O.created_at, _O.status, _O.attempts
)
_PENDING = (
    _MESSAGE.where(_O.status == OUTBOX_PENDING).order_by(_O.next_attempt_at, _O.id).limit(bindparam("limit"))
)

_OF_TICKET = _MESSAGE.where(_O.ticket_id == bindparam("ticket_id")).order_by(_O.id)

_DUE = (
    select(_O.id)
    .where(_O.status == OUTBOX_PENDING, _O.next_attempt_at <= bindparam("now"))
    .order_by(_O.next_attempt_at, _O.id)
    .limit(bindparam("limit"))
)
_DUE_LOCKED = _DUE.with_for_update(skip_locked=True)
_HOLD = (
    update(outbox)
    .where(_O.id.in_(bindparam("ids", expanding=True)))
    .values(next_attempt_at=bindparam("until"))
)
_BY_IDS = _MESSAGE.where(_O.id.in_(bindparam("ids", expanding=True)))
_LOG_COLUMNS = (
    "outbox_id",
    "ticket_id",
    "number",
    "at",
    "channel",
    "target",
    "outcome",
    "status",
    "latency_ms",
    "error",
)
# Recording an attempt runs once per message sent: straight through the driver (see
# ``driver_query``), one round trip on PostgreSQL (the log row and the message's new state in
# one statement), two ``sqlite3`` calls on SQLite -- through SQLAlchemy it was two statements at
# ~45 us of client CPU each on SQLite, and two round trips on PostgreSQL.
_RECORD_SQLITE = (
    f"INSERT INTO deliveries ({', '.join(_LOG_COLUMNS)}) VALUES ({', '.join('?' for _ in _LOG_COLUMNS)})",
    "UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ? WHERE id = ?",
)
_RECORD_PG = (
    f"WITH logged AS (INSERT INTO deliveries ({', '.join(_LOG_COLUMNS)}) "
    f"VALUES ({', '.join(f'%({c})s' for c in _LOG_COLUMNS)})) "
    "UPDATE outbox SET status = %(new_status)s, attempts = %(number)s, next_attempt_at = %(next_at)s "
    "WHERE id = %(outbox_id)s"
)
_LOG_OF_TICKET = (
    select(deliveries).where(deliveries.c.ticket_id == bindparam("ticket_id")).order_by(deliveries.c.id)
)

_CHUNK = 300  # (ticket, seq) pairs per IN (...) list
_NEVER = 1 << 62


def idempotency_key(ticket_id: int, event_seq: int, n: int) -> str:
    return f"{ticket_id}:{event_seq}:{n}"


class SqlOutboxRepository:
    __slots__ = ("_ctx",)

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx

    def add(self, ticket_id: int, event_seq: int, notification: Notification, *, now: datetime) -> None:
        self.add_many([(ticket_id, event_seq, notification)], now=now)

    def add_many(self, batch: Sequence[tuple[int, int, Notification]], *, now: datetime) -> None:
        if not batch:
            return
        now = require_aware(now, "now")
        next_n = self._numbering([(t, s) for t, s, _ in batch])
        rows = []
        for ticket_id, event_seq, notification in batch:
            n = next_n[ticket_id, event_seq]
            next_n[ticket_id, event_seq] = n + 1
            rows.append(
                (
                    ticket_id,
                    event_seq,
                    idempotency_key(ticket_id, event_seq, n),
                    notification.event_kind,
                    notification.channel,
                    list(notification.recipients),
                    to_payload(notification),
                    OUTBOX_PENDING,
                    0,
                    now,
                    notification.held_until or now,
                )
            )
        try:
            _INSERT(self._ctx.connection, rows)
        except IntegrityError as error:
            if violated(error, "uq_outbox_idempotency_key", "outbox.idempotency_key"):
                raise Conflict(
                    "a notification with the same idempotency key was queued by another transaction "
                    "at the same time; retry"
                ) from error
            if is_foreign_key_violation(error):
                tickets = ", ".join(f"#{t}" for t in sorted({t for t, _, _ in batch}))
                raise NotFound(
                    f"cannot queue notifications: one of tickets {tickets} does not exist"
                ) from error
            raise
        self._ctx.outbox_next.update(next_n)

    def pending(self, limit: int) -> list[OutboxMessage]:
        return _messages(self._ctx.connection.execute(_PENDING, {"limit": max(0, limit)}))

    def for_ticket(self, ticket_id: int) -> list[OutboxMessage]:
        return _messages(self._ctx.connection.execute(_OF_TICKET, {"ticket_id": ticket_id}))

    def claim(self, now: datetime, limit: int, *, lease: timedelta) -> list[OutboxMessage]:
        now = require_aware(now, "now")
        conn = self._ctx.connection
        # PostgreSQL: rows another sender holds are skipped; SQLite: the transaction already
        # holds the database's write lock (BEGIN IMMEDIATE)
        due = _DUE_LOCKED if self._ctx.is_postgres else _DUE
        ids = [row[0] for row in conn.execute(due, {"now": now, "limit": max(0, limit)})]
        if not ids:
            return []
        conn.execute(_HOLD, {"ids": ids, "until": now + lease})
        by_id = {m.id: m for m in _messages(conn.execute(_BY_IDS, {"ids": ids}))}
        return [by_id[i] for i in ids]

    def record_attempt(self, message: OutboxMessage, attempt: Attempt, *, retry_at: datetime | None) -> None:
        conn = self._ctx.connection
        number = message.attempts + 1
        at = to_utc(require_aware(attempt.at, "attempt.at"))
        if attempt.outcome is DeliveryOutcome.DELIVERED:
            status, next_at = OUTBOX_SENT, at
        elif retry_at is None:
            status, next_at = OUTBOX_DEAD, at
        else:
            status, next_at = OUTBOX_PENDING, to_utc(require_aware(retry_at, "retry_at"))
        log = (
            message.id,
            message.ticket_id,
            number,
            at,
            attempt.channel,
            attempt.target,
            attempt.outcome.value,
            attempt.status,
            attempt.latency_ms,
            attempt.error,
        )
        if self._ctx.is_postgres:
            params = dict(zip(_LOG_COLUMNS, log, strict=True))
            params.update(new_status=status, next_at=next_at)
            driver_execute(conn, _RECORD_PG, params)
            return
        insert_log, update_message = _RECORD_SQLITE
        driver_execute(conn, insert_log, (*log[:3], sqlite_text(at), *log[4:]))
        driver_execute(conn, update_message, (status, number, sqlite_text(next_at), message.id))

    def deliveries(self, ticket_id: int) -> list[DeliveryRecord]:
        rows = self._ctx.connection.execute(_LOG_OF_TICKET, {"ticket_id": ticket_id})
        return [
            DeliveryRecord(
                r.outbox_id,
                r.ticket_id,
                r.number,
                Attempt(
                    r.at, r.channel, r.target, DeliveryOutcome(r.outcome), r.latency_ms, r.status, r.error
                ),
            )
            for r in rows
        ]

    def _numbering(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
        """The next ``n`` per ``(ticket, event seq)``. Events this transaction appended, and
        tickets it created, have no notifications yet; only the others are counted."""
        ctx = self._ctx
        known = ctx.outbox_next
        result: dict[tuple[int, int], int] = {}
        unknown = []
        for pair in dict.fromkeys(pairs):
            if pair in known:
                result[pair] = known[pair]
            else:
                result[pair] = 0
                ticket_id, event_seq = pair
                fresh = ticket_id in ctx.new_tickets or event_seq >= ctx.appended_from.get(ticket_id, _NEVER)
                if not fresh:
                    unknown.append(pair)
        conn = ctx.connection
        for start in range(0, len(unknown), _CHUNK):
            for ticket_id, event_seq, count in conn.execute(
                _COUNTS, {"pairs": unknown[start : start + _CHUNK]}
            ):
                result[ticket_id, event_seq] = count
        return result


def _messages(rows: Any) -> list[OutboxMessage]:
    return [
        OutboxMessage(
            id=r.id,
            ticket_id=r.ticket_id,
            event_seq=r.event_seq,
            idempotency_key=r.idempotency_key,
            notification=from_payload(r.payload),
            created_at=r.created_at,
            status=r.status,
            attempts=r.attempts,
        )
        for r in rows
    ]
