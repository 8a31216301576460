"""Failed sign-ins in SQL, one row each, for rate limiting by subject (``user:NAME`` or
``ip:ADDRESS``); the index on ``(subject, at)`` answers the window queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.tables import login_failures
from sevflow.domain.instants import require_aware

_L = login_failures.c
_INSERT = insert(login_failures)
_IN_WINDOW = (_L.subject == bindparam("subject"), _L.at >= bindparam("since"))
_COUNT = select(func.count()).select_from(login_failures).where(*_IN_WINDOW)
_OLDEST = select(func.min(_L.at)).where(*_IN_WINDOW)
_CLEAR = delete(login_failures).where(_L.subject == bindparam("subject"))


class SqlLoginFailureRepository:
    __slots__ = ("_ctx",)

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx

    def add(self, subject: str, *, at: datetime) -> None:
        self._ctx.connection.execute(_INSERT, {"subject": subject, "at": require_aware(at, "at")})

    def count_since(self, subject: str, since: datetime) -> int:
        params = {"subject": subject, "since": require_aware(since, "since")}
        return int(self._ctx.connection.execute(_COUNT, params).scalar_one())

    def oldest_since(self, subject: str, since: datetime) -> datetime | None:
        params = {"subject": subject, "since": require_aware(since, "since")}
        oldest: datetime | None = self._ctx.connection.execute(_OLDEST, params).scalar()
        return oldest

    def clear(self, subject: str) -> None:
        self._ctx.connection.execute(_CLEAR, {"subject": subject})
