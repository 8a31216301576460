"""Users in SQL: one row each; ``duties`` is a JSON list of policy role values (sorted)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, update

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.repositories.unique import insert_new
from sevflow.adapters.db.tables import users
from sevflow.domain.accounts import AccountRole, User
from sevflow.domain.errors import Conflict, NotFound
from sevflow.domain.instants import require_aware
from sevflow.domain.policy import Role

_U = users.c
USER_COLUMNS = (_U.name, _U.role, _U.duties, _U.organisation, _U.password_hash, _U.active, _U.created_at)
"""What ``user_of`` reads from a row."""
JOINED_USER_COLUMNS = tuple(c.label(f"user_{c.name}") for c in USER_COLUMNS)
"""The same columns named ``user_<column>``, to read beside another table's (``user_of(row, "user_")``)."""
_SELECT = select(*USER_COLUMNS)
_GET = _SELECT.where(_U.name == bindparam("name"))
_INSERT = insert_new(users)
# created_at is when the account was made: an update never moves it
_UPDATE = (
    update(users)
    .where(_U.name == bindparam("b_name"))
    .values(
        role=bindparam("role"),
        duties=bindparam("duties"),
        organisation=bindparam("organisation"),
        password_hash=bindparam("password_hash"),
        active=bindparam("active"),
    )
)


class SqlUserRepository:
    """``UserRepository`` in SQL. ``add`` of a taken name raises ``Conflict`` and leaves the
    transaction usable on both databases (``ON CONFLICT DO NOTHING``). ``update`` writes every
    field but ``name`` and ``created_at``. ``list`` sorts by code point in Python, so every
    database orders alike whatever its collation."""

    __slots__ = ("_ctx", "_insert")

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx
        self._insert = _INSERT[ctx.dialect]

    def add(self, user: User) -> None:
        row = _columns(user)
        row["name"] = user.name
        row["created_at"] = require_aware(user.created_at, "user created_at")
        if self._ctx.connection.execute(self._insert, row).rowcount != 1:
            raise Conflict(f"a user called {user.name!r} already exists; user names must be unique")

    def get(self, name: str) -> User:
        user = self.find(name)
        if user is None:
            raise NotFound(f"there is no user called {name!r}")
        return user

    def find(self, name: str) -> User | None:
        row = self._ctx.connection.execute(_GET, {"name": name}).first()
        return None if row is None else user_of(row)

    def list(self) -> list[User]:
        return sorted((user_of(row) for row in self._ctx.connection.execute(_SELECT)), key=lambda u: u.name)

    def update(self, user: User) -> None:
        row = _columns(user)
        row["b_name"] = user.name
        if self._ctx.connection.execute(_UPDATE, row).rowcount != 1:
            raise NotFound(f"there is no user called {user.name!r}; add it first")


def _columns(user: User) -> dict[str, Any]:
    return {
        "role": AccountRole(user.role).value,
        "duties": sorted(Role(duty).value for duty in user.duties),
        "organisation": user.organisation,
        "password_hash": user.password_hash,
        "active": bool(user.active),
    }


def user_of(row: Any, prefix: str = "") -> User:
    """The user in ``row``; ``prefix="user_"`` for a row that selected ``JOINED_USER_COLUMNS``."""

    def column(name: str) -> Any:
        return getattr(row, prefix + name)

    return User(
        name=column("name"),
        role=AccountRole(column("role")),
        created_at=column("created_at"),
        duties=frozenset(Role(duty) for duty in column("duties")),
        organisation=column("organisation"),
        password_hash=column("password_hash"),
        active=bool(column("active")),
    )
