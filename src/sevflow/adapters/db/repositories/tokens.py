"""API tokens in SQL. Only the SHA-256 of a token's secret is stored; revoked tokens stay
(for the record) with their first revocation time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.credential_feed import CREDENTIALS_CHANNEL
from sevflow.adapters.db.driver_query import DriverQuery, driver_execute
from sevflow.adapters.db.repositories.errors import is_foreign_key_violation
from sevflow.adapters.db.repositories.unique import insert_new
from sevflow.adapters.db.repositories.users import JOINED_USER_COLUMNS, user_of
from sevflow.adapters.db.tables import api_tokens, users
from sevflow.adapters.db.types import UTCDateTime
from sevflow.domain.accounts import ApiToken, User
from sevflow.domain.errors import Conflict, NotFound
from sevflow.domain.instants import require_aware

_T = api_tokens.c
_SELECT = select(
    _T.id,
    _T.user,
    _T.label,
    _T.secret_hash,
    _T.created_at,
    _T.expires_at,
    _T.last_used_at,
    _T.revoked_at,
)
_FIND = _SELECT.where(_T.id == bindparam("id"))
# a token's user always exists (foreign key): one join answers who is calling
_FIND_WITH_USER = DriverQuery(
    _SELECT.add_columns(*JOINED_USER_COLUMNS).join_from(api_tokens, users).where(_T.id == bindparam("id"))
)
_ANNOUNCE = f"SELECT pg_notify('{CREDENTIALS_CHANNEL}', %(id)s)"
"""psycopg's parameter style: run with ``driver_execute``."""
_OF_USER = _SELECT.where(_T.user == bindparam("user"))
_INSERT = insert_new(api_tokens)
_NOW = bindparam("now", type_=UTCDateTime())
# COALESCE: revoking twice keeps the first time, even when two transactions race
_REVOKE = (
    update(api_tokens)
    .where(_T.id == bindparam("b_id"))
    .values(revoked_at=func.coalesce(_T.revoked_at, _NOW, type_=UTCDateTime()))
)
_TOUCH = update(api_tokens).where(_T.id == bindparam("b_id")).values(last_used_at=_NOW)


class SqlTokenRepository:
    """``TokenRepository`` in SQL. ``add``: a taken id raises ``Conflict`` (the transaction
    stays usable); a user that does not exist raises ``NotFound`` -- a foreign-key violation,
    after which a PostgreSQL transaction is aborted and must be rolled back. ``touch`` of an
    unknown token does nothing. ``list`` is oldest first, then by id."""

    __slots__ = ("_ctx", "_insert")

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx
        self._insert = _INSERT[ctx.dialect]

    def add(self, token: ApiToken) -> None:
        row = {
            "id": token.id,
            "user": token.user,
            "label": token.label,
            "secret_hash": token.secret_hash,
            "created_at": require_aware(token.created_at, "token created_at"),
            "expires_at": _optional(token.expires_at, "token expires_at"),
            "last_used_at": _optional(token.last_used_at, "token last_used_at"),
            "revoked_at": _optional(token.revoked_at, "token revoked_at"),
        }
        try:
            inserted = self._ctx.connection.execute(self._insert, row).rowcount
        except IntegrityError as error:
            if is_foreign_key_violation(error):
                raise NotFound(
                    f"cannot add an API token for {token.user!r}: there is no such user"
                ) from error
            raise
        if inserted != 1:
            raise Conflict(f"an API token with id {token.id!r} already exists; token ids must be unique")

    def find(self, token_id: str) -> ApiToken | None:
        row = self._ctx.connection.execute(_FIND, {"id": token_id}).first()
        return None if row is None else _token(row)

    def find_with_user(self, token_id: str) -> tuple[ApiToken, User] | None:
        row = _FIND_WITH_USER.first(self._ctx, {"id": token_id})
        return None if row is None else (_token(row), user_of(row, "user_"))

    def list(self, user: str | None = None) -> list[ApiToken]:
        conn = self._ctx.connection
        rows = conn.execute(_SELECT) if user is None else conn.execute(_OF_USER, {"user": user})
        return sorted((_token(row) for row in rows), key=lambda t: (t.created_at, t.id))

    def revoke(self, token_id: str, *, now: datetime) -> None:
        params = {"b_id": token_id, "now": require_aware(now, "now")}
        conn = self._ctx.connection
        if conn.execute(_REVOKE, params).rowcount != 1:
            raise NotFound(f"there is no API token {token_id!r}")
        if self._ctx.is_postgres:
            # heard by every API process's credential feed when (and if) this commits
            driver_execute(conn, _ANNOUNCE, {"id": token_id})

    def touch(self, token_id: str, *, now: datetime) -> None:
        self._ctx.connection.execute(_TOUCH, {"b_id": token_id, "now": require_aware(now, "now")})


def _optional(value: datetime | None, name: str) -> datetime | None:
    return None if value is None else require_aware(value, name)


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=row.id,
        user=row.user,
        label=row.label,
        secret_hash=row.secret_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
