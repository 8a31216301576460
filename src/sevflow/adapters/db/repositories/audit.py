"""The security audit log in SQL: append-only, ids from the database (increasing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.tables import audit_log
from sevflow.domain.accounts import AuditEntry, AuditOutcome
from sevflow.domain.errors import InvalidInput
from sevflow.domain.instants import require_aware

_A = audit_log.c
_SELECT = select(_A.id, _A.at, _A.actor, _A.action, _A.outcome, _A.reason, _A.ticket_id, _A.target)
_INSERT = insert(audit_log).returning(_A.id)
_FOR_TICKET = _SELECT.where(_A.ticket_id == bindparam("ticket_id")).order_by(_A.id)
_RECENT = _SELECT.order_by(_A.id.desc()).limit(bindparam("limit"))
_RECENT_BEFORE = (
    _SELECT.where(_A.id < bindparam("before_id")).order_by(_A.id.desc()).limit(bindparam("limit"))
)


class SqlAuditRepository:
    """``AuditRepository`` in SQL. ``add`` refuses an entry that already has an id."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx

    def add(self, entry: AuditEntry) -> int:
        if entry.id is not None:
            raise InvalidInput(f"audit entry #{entry.id} was already added; entries are appended once")
        row = {
            "at": require_aware(entry.at, "audit entry time"),
            "actor": entry.actor,
            "action": entry.action,
            "outcome": AuditOutcome(entry.outcome).value,
            "reason": entry.reason,
            "ticket_id": entry.ticket_id,
            "target": entry.target,
        }
        return int(self._ctx.connection.execute(_INSERT, row).scalar_one())

    def for_ticket(self, ticket_id: int) -> list[AuditEntry]:
        return [_entry(row) for row in self._ctx.connection.execute(_FOR_TICKET, {"ticket_id": ticket_id})]

    def recent(self, *, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        conn = self._ctx.connection
        if before_id is None:
            rows = conn.execute(_RECENT, {"limit": max(0, limit)})
        else:
            rows = conn.execute(_RECENT_BEFORE, {"limit": max(0, limit), "before_id": before_id})
        return [_entry(row) for row in rows]


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        at=row.at,
        actor=row.actor,
        action=row.action,
        outcome=AuditOutcome(row.outcome),
        reason=row.reason,
        ticket_id=row.ticket_id,
        target=row.target,
        id=row.id,
    )
