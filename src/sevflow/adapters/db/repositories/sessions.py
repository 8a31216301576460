"""Web sessions in SQL, keyed by the SHA-256 of the cookie's value (the cookie itself is
never stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.repositories.errors import is_foreign_key_violation
from sevflow.adapters.db.repositories.unique import insert_new
from sevflow.adapters.db.tables import web_sessions
from sevflow.adapters.db.types import UTCDateTime
from sevflow.domain.accounts import WebSession
from sevflow.domain.errors import Conflict, NotFound
from sevflow.domain.instants import require_aware

_S = web_sessions.c
_FIND = select(_S.id_hash, _S.user, _S.created_at, _S.expires_at, _S.revoked_at).where(
    _S.id_hash == bindparam("id_hash")
)
_INSERT = insert_new(web_sessions)
_REVOKE = (
    update(web_sessions)
    .where(_S.id_hash == bindparam("b_id_hash"))
    .values(
        revoked_at=func.coalesce(_S.revoked_at, bindparam("now", type_=UTCDateTime()), type_=UTCDateTime())
    )
)


class SqlSessionRepository:
    """``SessionRepository`` in SQL. ``add``: an id hash already stored raises ``Conflict``
    (the transaction stays usable); an unknown user raises ``NotFound`` (a foreign-key
    violation: a PostgreSQL transaction is then aborted and must be rolled back). ``revoke``
    keeps the first revocation time and ignores unknown sessions."""

    __slots__ = ("_ctx", "_insert")

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx
        self._insert = _INSERT[ctx.dialect]

    def add(self, session: WebSession) -> None:
        row = {
            "id_hash": session.id_hash,
            "user": session.user,
            "created_at": require_aware(session.created_at, "session created_at"),
            "expires_at": require_aware(session.expires_at, "session expires_at"),
            "revoked_at": None
            if session.revoked_at is None
            else require_aware(session.revoked_at, "session revoked_at"),
        }
        try:
            inserted = self._ctx.connection.execute(self._insert, row).rowcount
        except IntegrityError as error:
            if is_foreign_key_violation(error):
                raise NotFound(
                    f"cannot add a web session for {session.user!r}: there is no such user"
                ) from error
            raise
        if inserted != 1:
            raise Conflict("a web session with this id hash already exists; make a new session id")

    def find(self, id_hash: str) -> WebSession | None:
        row = self._ctx.connection.execute(_FIND, {"id_hash": id_hash}).first()
        if row is None:
            return None
        return WebSession(row.id_hash, row.user, row.created_at, row.expires_at, row.revoked_at)

    def revoke(self, id_hash: str, *, now: datetime) -> None:
        self._ctx.connection.execute(_REVOKE, {"b_id_hash": id_hash, "now": require_aware(now, "now")})
