"""Agents' load (open tickets they own) and away status, for choosing owners."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Text, any_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.driver_query import DriverQuery, driver_execute
from sevflow.adapters.db.tables import agents
from sevflow.domain.staffing import Staffing

_A = agents.c
_STAFFING = select(_A.name, _A.open_tickets, _A.away).where(_A.name.in_(bindparam("names", expanding=True)))
_CHUNK = 500
# PostgreSQL: the names as one array parameter (one prepared statement, whatever their number)
_STAFFING_PG = DriverQuery(
    select(_A.name, _A.open_tickets, _A.away).where(
        _A.name == any_(bindparam("names", type_=postgresql.ARRAY(Text)))
    )
)


def _upserts(dialect: str) -> tuple[Any, Any]:
    """``(add load, set away)`` upserts: agents are created on first use."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    load = insert(agents)
    load = load.on_conflict_do_update(
        index_elements=[_A.name], set_={"open_tickets": _A.open_tickets + load.excluded.open_tickets}
    )
    away = insert(agents)
    away = away.on_conflict_do_update(index_elements=[_A.name], set_={"away": away.excluded.away})
    return load, away


_UPSERTS = {name: _upserts(name) for name in ("postgresql", "sqlite")}
# the load upsert in psycopg's parameter style, run with ``driver_execute``
_ADD_LOAD_PG = str(_UPSERTS["postgresql"][0].compile(dialect=PGDialect_psycopg()))  # type: ignore[no-untyped-call]


class SqlAgentRepository:
    __slots__ = ("_away", "_ctx", "_load")

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx
        self._load, self._away = _UPSERTS[ctx.dialect]

    def staffing(self, agents_: Iterable[str]) -> Staffing:
        names = list(dict.fromkeys(agents_))
        if not names:
            return Staffing()
        load: dict[str, int] = {}
        away: set[str] = set()
        if self._ctx.is_postgres:
            found: list[Any] = list(_STAFFING_PG.rows(self._ctx, {"names": names}))
        else:
            found = []
            for start in range(0, len(names), _CHUNK):
                found += self._ctx.connection.execute(_STAFFING, {"names": names[start : start + _CHUNK]})
        for name, open_tickets, is_away in found:
            load[name] = open_tickets
            if is_away:
                away.add(name)
        return Staffing(load=load, away=frozenset(away))

    def adjust_load(self, deltas: Mapping[str, int]) -> None:
        # sorted: concurrent transactions lock agent rows in the same order (no deadlock)
        rows = [
            {"name": name, "open_tickets": delta, "away": False}
            for name, delta in sorted(deltas.items())
            if delta != 0
        ]
        if not rows:
            return
        if self._ctx.is_postgres:
            many = len(rows) > 1
            driver_execute(self._ctx.connection, _ADD_LOAD_PG, rows if many else rows[0], many=many)
        else:
            self._ctx.connection.execute(self._load, rows)

    def set_away(self, agent: str, away: bool) -> None:
        self._ctx.connection.execute(self._away, {"name": agent, "open_tickets": 0, "away": away})
