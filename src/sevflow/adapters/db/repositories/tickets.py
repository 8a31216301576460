"""Tickets in SQL: the whole snapshot in ``state`` plus indexed copies of the listed fields.

Core statements only (no ORM): a ticket is one row, written with optimistic locking
(``UPDATE ... WHERE id = :id AND version = :expected``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.driver_query import DriverQuery
from sevflow.adapters.db.repositories.bulk import BulkInsert, BulkUpdate
from sevflow.adapters.db.repositories.errors import is_foreign_key_violation, violated
from sevflow.adapters.db.repositories.policies import SqlPolicyRepository
from sevflow.adapters.db.tables import tickets
from sevflow.domain.errors import Conflict, InvalidInput, NotFound
from sevflow.domain.policy import ClockKind
from sevflow.domain.records import BoardQuery, MarkRow, TicketFilter, TicketRow
from sevflow.domain.sla_marks import SlaMarks, sla_marks
from sevflow.domain.tickets import Ticket

_LOAD_COLUMNS = (tickets.c.id, tickets.c.version, tickets.c.policy_version, tickets.c.state)
_LOAD = select(*_LOAD_COLUMNS)
_GET = _LOAD.where(tickets.c.id == bindparam("id"))
_GET_FOR_UPDATE = _GET.with_for_update()
_GET_FAST = DriverQuery(_GET)
_MANY = _LOAD.where(tickets.c.id.in_(bindparam("ids", expanding=True)))
# in id order, so two workers locking overlapping sets cannot deadlock
_LOCK_MANY = _MANY.order_by(tickets.c.id).with_for_update(skip_locked=True)
_INSERT_ONE = insert(tickets).returning(tickets.c.id)
_SAVE = (
    update(tickets)
    .where(tickets.c.id == bindparam("b_id"), tickets.c.version == bindparam("b_expected"))
    .values(version=tickets.c.version + 1)
)
_SAVED = (
    "policy_version",
    "external_id",
    "status",
    "is_open",
    "severity",
    "service_line",
    "customer",
    "customer_tier",
    "owner",
    "tier",
    "team",
    "created_at",
    "updated_at",
    "state",
    "title",
    "deadline_at",
    "deadline_clock",
    "at_risk_at",
    "stalled_at",
    "sla_breached",
    "sla_paused",
    "gate",
    "gate_due_at",
)
_SAVE_MANY = BulkUpdate(tickets, ["id"], _SAVED, version="version")
_INSERTED = ("version", *_SAVED)
_INSERT_MANY = BulkInsert(tickets, _INSERTED)
_VERSION = select(tickets.c.version).where(tickets.c.id == bindparam("id"))
_BY_EXTERNAL_ID = select(tickets.c.external_id, tickets.c.id).where(
    tickets.c.external_id.in_(bindparam("ids", expanding=True))
)
_BOARD = select(
    tickets.c.id,
    tickets.c.version,
    tickets.c.policy_version,
    tickets.c.title,
    tickets.c.status,
    tickets.c.severity,
    tickets.c.service_line,
    tickets.c.team,
    tickets.c.tier,
    tickets.c.customer,
    tickets.c.customer_tier,
    tickets.c.owner,
    tickets.c.updated_at,
    tickets.c.deadline_at,
    tickets.c.deadline_clock,
    tickets.c.at_risk_at,
    tickets.c.sla_breached,
    tickets.c.sla_paused,
    tickets.c.stalled_at,
    tickets.c.gate,
    tickets.c.gate_due_at,
).where(tickets.c.is_open.is_(True))
_BOARD_FILTERS = ("service_line", "team", "tier", "customer", "customer_tier", "owner")
_MARK_COLUMNS = (
    tickets.c.id,
    tickets.c.severity,
    tickets.c.deadline_at,
    tickets.c.at_risk_at,
    tickets.c.sla_breached,
    tickets.c.sla_paused,
    tickets.c.stalled_at,
)
_MARKS: dict[tuple[str, ...], DriverQuery] = {}
"""One prepared statement per combination of filters given (compiled when first used)."""
_CHUNK = 500  # ids per IN (...) list
_S = TypeVar("_S", bound=Select[Any])
_COUNT_OPEN = select(func.count()).select_from(tickets).where(tickets.c.is_open.is_(True))


def ticket_columns(ticket: Ticket) -> dict[str, Any]:
    """The row for a ticket, its snapshot in ``state`` (without ``id`` and ``version``), and
    its SLA marks for the board."""
    if ticket.created_at is None or ticket.updated_at is None:
        raise InvalidInput(
            "cannot store a ticket that was never opened (it has no created_at); "
            "create it with Ticket.open(...)"
        )
    marks = sla_marks(ticket)
    return {
        "policy_version": ticket.policy_version,
        "external_id": ticket.external_id,
        "status": ticket.status.value,
        "is_open": ticket.status.is_open,
        "severity": ticket.severity.value,
        "service_line": ticket.service_line,
        "customer": ticket.customer,
        "customer_tier": ticket.customer_tier,
        "owner": ticket.owner,
        "tier": ticket.tier,
        "team": ticket.team,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "state": ticket.to_snapshot(),
        "title": ticket.title,
        "deadline_at": marks.deadline_at,
        "deadline_clock": None if marks.deadline_clock is None else marks.deadline_clock.value,
        "at_risk_at": marks.at_risk_at,
        "stalled_at": marks.stalled_at,
        "sla_breached": marks.breached,
        "sla_paused": marks.paused,
        "gate": marks.gate,
        "gate_due_at": marks.gate_due_at,
    }


class SqlTicketRepository:
    __slots__ = ("_ctx", "_policies")

    def __init__(self, ctx: SqlContext, policies: SqlPolicyRepository) -> None:
        self._ctx = ctx
        self._policies = policies

    def add(self, ticket: Ticket) -> int:
        return self.add_many([ticket])[0]

    def add_many(self, tickets_: Sequence[Ticket]) -> list[int]:
        if not tickets_:
            return []
        rows = []
        for ticket in tickets_:
            if ticket.id is not None:
                raise InvalidInput(f"ticket #{ticket.id} was already added; save it instead")
            row = ticket_columns(ticket)
            row["version"] = 1
            rows.append(row)
        conn = self._ctx.connection
        try:
            if len(rows) == 1:
                ids = [conn.execute(_INSERT_ONE, rows[0]).scalar_one()]
            else:
                ids = _INSERT_MANY.returning_ids(conn, [[row[name] for name in _INSERTED] for row in rows])
        except IntegrityError as error:
            raise _translate(error, tickets_) from error
        for ticket, ticket_id in zip(tickets_, ids, strict=True):
            ticket.id = ticket_id
            ticket.version = 1
        self._ctx.new_tickets.update(ids)
        return ids

    def get(self, ticket_id: int, *, for_update: bool = False) -> Ticket:
        if for_update and self._ctx.is_postgres:
            row = self._ctx.connection.execute(_GET_FOR_UPDATE, {"id": ticket_id}).first()
        else:
            row = _GET_FAST.first(self._ctx, {"id": ticket_id})
        if row is None:
            raise NotFound(f"there is no ticket #{ticket_id}")
        return self._load(*row)

    def lock_many(self, ticket_ids: Sequence[int]) -> list[Ticket]:
        if not ticket_ids:
            return []
        # SQLite: the transaction already holds the database's write lock (BEGIN IMMEDIATE)
        statement = _LOCK_MANY if self._ctx.is_postgres else _MANY
        rows = self._ctx.connection.execute(statement, {"ids": list(dict.fromkeys(ticket_ids))})
        by_id = {row.id: self._load(*row) for row in rows}
        return [by_id[i] for i in dict.fromkeys(ticket_ids) if i in by_id]

    def save(self, ticket: Ticket) -> None:
        if ticket.id is None:
            raise InvalidInput("cannot save a ticket that was never added; add it first")
        params = ticket_columns(ticket)
        params["b_id"], params["b_expected"] = ticket.id, ticket.version
        try:
            result = self._ctx.connection.execute(_SAVE, params)
        except IntegrityError as error:
            raise _translate(error, [ticket]) from error
        if result.rowcount != 1:
            stored = self._ctx.connection.execute(_VERSION, {"id": ticket.id}).scalar()
            if stored is None:
                raise NotFound(f"there is no ticket #{ticket.id}")
            raise Conflict(
                f"ticket #{ticket.id} was changed by someone else first (it is at version {stored}, "
                f"this copy was loaded at version {ticket.version}); reload it and try again"
            )
        ticket.version += 1

    def save_many(self, tickets_: Sequence[Ticket]) -> None:
        if len(tickets_) <= 1 or len({t.id for t in tickets_}) != len(tickets_):
            for ticket in tickets_:
                self.save(ticket)
            return
        rows = []
        for ticket in tickets_:
            if ticket.id is None:
                raise InvalidInput("cannot save a ticket that was never added; add it first")
            columns = ticket_columns(ticket)
            rows.append((ticket.id, ticket.version, *(columns[name] for name in _SAVED)))
        conn = self._ctx.connection
        # one statement; if any row was stale the savepoint undoes it and the tickets are
        # saved one by one, so the error names the ticket exactly as ``save`` does
        savepoint = conn.begin_nested()
        try:
            written = _SAVE_MANY(conn, rows)
        except IntegrityError:
            savepoint.rollback()
            written = -1
        else:
            if written == len(rows):
                savepoint.commit()
            else:
                savepoint.rollback()
        if written != len(rows):
            for ticket in tickets_:
                self.save(ticket)
            return
        for ticket in tickets_:
            ticket.version += 1

    def board_marks(self, query: BoardQuery) -> list[MarkRow]:
        wanted = tuple(name for name in _BOARD_FILTERS if getattr(query, name) is not None)
        statement = _MARKS.get(wanted)
        if statement is None:
            c = tickets.c
            where = [c.is_open.is_(True), *(c[name] == bindparam(name) for name in wanted)]
            statement = _MARKS[wanted] = DriverQuery(select(*_MARK_COLUMNS).where(*where).order_by(c.id))
        rows = statement.rows(self._ctx, {name: getattr(query, name) for name in wanted})
        return [MarkRow(*row) for row in rows]

    def rows_by_id(self, ids: Sequence[int]) -> list[TicketRow]:
        if not ids:
            return []
        found: dict[int, TicketRow] = {}
        conn = self._ctx.connection
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            for r in conn.execute(
                _BOARD.where(tickets.c.id.in_(bindparam("ids", expanding=True))), {"ids": chunk}
            ):
                found[r[0]] = _row(*list(r))
        return [found[i] for i in ids if i in found]

    def board_rows(self, query: BoardQuery) -> list[TicketRow]:
        c = tickets.c
        statement = _equal(
            _BOARD,
            (c.service_line, query.service_line),
            (c.team, query.team),
            (c.tier, query.tier),
            (c.customer, query.customer),
            (c.customer_tier, query.customer_tier),
            (c.owner, query.owner),
        )
        return [_row(*list(r)) for r in self._ctx.connection.execute(statement.order_by(c.id))]

    def list(self, query: TicketFilter) -> list[Ticket]:
        c = tickets.c
        statement = _equal(
            _LOAD,
            (c.status, query.status),
            (c.severity, query.severity),
            (c.service_line, query.service_line),
            (c.customer, query.customer),
            (c.customer_tier, query.customer_tier),
            (c.owner, query.owner),
            (c.tier, query.tier),
        )
        if query.open_only:
            statement = statement.where(c.is_open.is_(True))
        if query.after_id is not None:
            statement = statement.where(c.id > query.after_id)
        statement = statement.order_by(c.id).limit(max(0, query.limit))
        return [self._load(*row) for row in self._ctx.connection.execute(statement)]

    def count_open(self) -> int:
        return int(self._ctx.connection.execute(_COUNT_OPEN).scalar_one())

    def ids_by_external_id(self, external_ids: Sequence[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(external_ids))
        found: dict[str, int] = {}
        conn = self._ctx.connection
        for start in range(0, len(wanted), _CHUNK):
            for external_id, ticket_id in conn.execute(
                _BY_EXTERNAL_ID, {"ids": wanted[start : start + _CHUNK]}
            ):
                found[external_id] = ticket_id
        return found

    def _load(self, ticket_id: int, version: int, policy_version: str, state: Mapping[str, Any]) -> Ticket:
        data = dict(state)
        # the columns are authoritative for identity and version; the snapshot was written
        # before the id existed and before the version was incremented
        data["id"], data["version"] = ticket_id, version
        return Ticket.from_snapshot(self._policies.get(policy_version), data)


def _translate(error: IntegrityError, tickets_: Sequence[Ticket]) -> Exception:
    if violated(error, "uq_tickets_external_id", "tickets.external_id"):
        ids = ", ".join(repr(t.external_id) for t in tickets_ if t.external_id is not None)
        return Conflict(f"a ticket with external id {ids} already exists; external ids must be unique")
    if is_foreign_key_violation(error):  # the only foreign key: policy_version
        versions = ", ".join(sorted({t.policy_version for t in tickets_}))
        return NotFound(f"policy version {versions} is not stored; store the policy before its tickets")
    return error


def _equal(statement: _S, *conditions: tuple[ColumnElement[Any], object | None]) -> _S:
    """``statement`` where each column equals its value (conditions whose value is ``None`` are
    left out: "any")."""
    for column, value in conditions:
        if value is not None:
            statement = statement.where(column == value)
    return statement


def _row(
    ticket_id: int,
    version: int,
    policy_version: str,
    title: str,
    status: str,
    severity: str,
    service_line: str,
    team: str,
    tier: str,
    customer: str,
    customer_tier: str,
    owner: str | None,
    updated_at: datetime,
    deadline_at: datetime | None,
    deadline_clock: str | None,
    at_risk_at: datetime | None,
    breached: bool,
    paused: bool,
    stalled_at: datetime | None,
    gate: str | None,
    gate_due_at: datetime | None,
) -> TicketRow:
    marks = SlaMarks(
        deadline_at,
        None if deadline_clock is None else ClockKind(deadline_clock),
        at_risk_at,
        bool(breached),
        bool(paused),
        stalled_at,
        gate,
        gate_due_at,
    )
    return TicketRow(
        ticket_id,
        version,
        policy_version,
        title,
        status,
        severity,
        service_line,
        team,
        tier,
        customer,
        customer_tier,
        owner,
        updated_at,
        marks,
    )
