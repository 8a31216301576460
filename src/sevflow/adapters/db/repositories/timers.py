"""Scheduled due moments in SQL. ``claim_due`` walks the ``due_at`` index, so its cost follows
the due rows, not the table; on PostgreSQL it locks with ``FOR UPDATE SKIP LOCKED`` so
concurrent workers never claim the same row. SQLite has one worker (see ``locks.py``) whose
transactions begin with ``BEGIN IMMEDIATE``: the plain select already runs under the write lock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.driver_query import driver_execute
from sevflow.adapters.db.repositories.bulk import BulkDelete, BulkInsert, BulkUpdate
from sevflow.adapters.db.repositories.errors import is_foreign_key_violation
from sevflow.adapters.db.tables import timers
from sevflow.adapters.db.wakeup import WAKEUP_CHANNEL
from sevflow.domain.errors import InvalidInput, NotFound
from sevflow.domain.instants import require_aware
from sevflow.domain.records import TimerRow

_T = timers.c
_FOR_TICKETS = select(_T.ticket_id, _T.key, _T.due_at).where(
    _T.ticket_id.in_(bindparam("ids", expanding=True))
)
_FOR_TICKET = select(_T.ticket_id, _T.key, _T.due_at).where(_T.ticket_id == bindparam("ticket_id"))
_INSERT = BulkInsert(timers, ["ticket_id", "key", "due_at"])
_UPDATE = BulkUpdate(timers, ["ticket_id", "key"], ["due_at"])
_DELETE = BulkDelete(timers, ["ticket_id", "key"])
_DUE = (
    select(_T.ticket_id, _T.key, _T.due_at)
    .where(_T.due_at <= bindparam("now"))
    .order_by(_T.due_at, _T.ticket_id, _T.key)
    .limit(bindparam("limit"))
)
_DUE_SKIP_LOCKED = _DUE.with_for_update(skip_locked=True)
_NEXT = select(func.min(_T.due_at))

_CHUNK = 500  # ids per IN (...) list

Schedule = dict[str, datetime]


_NOTIFY = f"SELECT pg_notify('{WAKEUP_CHANNEL}', %(due)s)"
"""psycopg's parameter style: run with ``driver_execute``."""


class SqlTimerRepository:
    __slots__ = ("_ctx",)

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx

    def replace(self, ticket_id: int, timers_: Iterable[TimerRow]) -> None:
        self.replace_many({ticket_id: timers_})

    def replace_many(self, timers_by_ticket: Mapping[int, Iterable[TimerRow]]) -> None:
        wanted = {tid: schedule(tid, rows) for tid, rows in timers_by_ticket.items()}
        stored = self._stored(list(wanted))
        inserts: list[tuple[int, str, datetime]] = []
        updates: list[tuple[int, str, datetime]] = []
        deletes: list[tuple[int, str]] = []
        for ticket_id, want in wanted.items():
            have = stored.get(ticket_id, {})
            for key, due_at in want.items():
                old = have.get(key)
                if old is None:
                    inserts.append((ticket_id, key, due_at))
                elif old != due_at:
                    updates.append((ticket_id, key, due_at))
            deletes += [(ticket_id, key) for key in have if key not in want]
        conn = self._ctx.connection
        if deletes:
            _DELETE(conn, deletes)
        if updates:
            _UPDATE(conn, updates)
        # PostgreSQL: wakes sleeping workers when this transaction commits, saying when the
        # earliest of these timers is due (see sevflow.adapters.db.wakeup); with the insert, in
        # the same statement (one round trip fewer for every new ticket)
        notify = self._ctx.is_postgres and bool(inserts or updates)
        due = {"due": min(row[2] for row in inserts + updates).isoformat()} if notify else {}
        if inserts:
            try:
                if notify:
                    sql = f"WITH inserted AS ({_INSERT.pg_sql(conn)}) {_NOTIFY}"
                    driver_execute(conn, sql, {**_INSERT.columns.pg_document(inserts), **due})
                else:
                    _INSERT(conn, inserts)
            except IntegrityError as error:
                if is_foreign_key_violation(error):
                    ids = ", ".join(f"#{i}" for i in sorted({r[0] for r in inserts}))
                    raise NotFound(f"cannot schedule timers: one of tickets {ids} does not exist") from error
                raise
        elif notify:
            driver_execute(conn, _NOTIFY, due)

    def claim_due(self, now: datetime, limit: int) -> list[TimerRow]:
        statement = _DUE_SKIP_LOCKED if self._ctx.is_postgres else _DUE
        rows = self._ctx.connection.execute(
            statement, {"now": require_aware(now, "now"), "limit": max(0, limit)}
        )
        return [TimerRow(r.ticket_id, r.key, r.due_at) for r in rows]

    def next_due_at(self) -> datetime | None:
        value: datetime | None = self._ctx.connection.execute(_NEXT).scalar()
        return value

    def for_ticket(self, ticket_id: int) -> list[TimerRow]:
        rows = self._ctx.connection.execute(_FOR_TICKET, {"ticket_id": ticket_id})
        return sorted((TimerRow(r.ticket_id, r.key, r.due_at) for r in rows), key=_order)

    def _stored(self, ticket_ids: list[int]) -> dict[int, Schedule]:
        """The stored schedules; tickets this transaction created have none, so are not asked."""
        new = self._ctx.new_tickets
        unknown = [i for i in ticket_ids if i not in new]
        stored: dict[int, Schedule] = {}
        conn = self._ctx.connection
        for start in range(0, len(unknown), _CHUNK):
            for r in conn.execute(_FOR_TICKETS, {"ids": unknown[start : start + _CHUNK]}):
                stored.setdefault(r.ticket_id, {})[r.key] = r.due_at
        return stored


def schedule(ticket_id: int, rows: Iterable[TimerRow]) -> Schedule:
    """``rows`` as ``{key: due_at in UTC}``, checked: every row belongs to ``ticket_id``, keys
    are unique and instants are aware."""
    result: Schedule = {}
    for row in rows:
        if row.ticket_id != ticket_id:
            raise InvalidInput(f"timer {row.key!r} belongs to ticket #{row.ticket_id}, not #{ticket_id}")
        if row.key in result:
            raise InvalidInput(f"timer key {row.key!r} is given twice for ticket #{ticket_id}")
        due_at = row.due_at
        result[row.key] = (
            due_at if due_at.tzinfo is UTC else require_aware(due_at, f"timer {row.key!r} due_at")
        )
    return result


def _order(row: TimerRow) -> tuple[datetime, str]:
    return row.due_at, row.key
