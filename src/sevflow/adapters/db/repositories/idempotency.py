"""Idempotency records in SQL, keyed by ``(actor, key)``: a retried request finds what its
first attempt did instead of doing it again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.repositories.unique import insert_new
from sevflow.adapters.db.tables import idempotency_keys
from sevflow.domain.accounts import IdempotencyRecord
from sevflow.domain.errors import Conflict
from sevflow.domain.instants import require_aware

_I = idempotency_keys.c
_FIND = select(
    _I.actor, _I.key, _I.operation, _I.fingerprint, _I.ticket_id, _I.status_code, _I.created_at
).where(_I.actor == bindparam("actor"), _I.key == bindparam("key"))
_INSERT = insert_new(idempotency_keys)
_PRUNE = delete(idempotency_keys).where(_I.created_at < bindparam("before"))


class SqlIdempotencyRepository:
    """``IdempotencyRepository`` in SQL.

    ``add`` of an ``(actor, key)`` already stored raises ``Conflict`` without an
    ``IntegrityError`` (``INSERT ... ON CONFLICT DO NOTHING``), so the transaction stays usable
    on both databases: the caller can ``find`` the winner's record before rolling back its own
    work. On PostgreSQL, when another transaction has inserted the same key and not committed
    yet, ``add`` waits for it, and raises ``Conflict`` if it commits.
    """

    __slots__ = ("_ctx", "_insert")

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx
        self._insert = _INSERT[ctx.dialect]

    def find(self, actor: str, key: str) -> IdempotencyRecord | None:
        row = self._ctx.connection.execute(_FIND, {"actor": actor, "key": key}).first()
        if row is None:
            return None
        return IdempotencyRecord(
            row.actor, row.key, row.operation, row.fingerprint, row.ticket_id, row.status_code, row.created_at
        )

    def add(self, record: IdempotencyRecord) -> None:
        row = {
            "actor": record.actor,
            "key": record.key,
            "operation": record.operation,
            "fingerprint": record.fingerprint,
            "ticket_id": record.ticket_id,
            "status_code": record.status_code,
            "created_at": require_aware(record.created_at, "idempotency record created_at"),
        }
        if self._ctx.connection.execute(self._insert, row).rowcount != 1:
            raise Conflict(
                f"idempotency key {record.key!r} of {record.actor!r} is already stored "
                "(a request with the same key was recorded first)"
            )

    def prune(self, before: datetime) -> int:
        result = self._ctx.connection.execute(_PRUNE, {"before": require_aware(before, "before")})
        return int(result.rowcount)
