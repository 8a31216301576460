"""Agents' load (open tickets they own) and away status, for choosing owners."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.tables import agents
from sevflow.domain.staffing import Staffing

_A = agents.c
_STAFFING = select(_A.name, _A.open_tickets, _A.away).where(_A.name.in_(bindparam("names", expanding=True)))
_CHUNK = 500


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
        conn = self._ctx.connection
        for start in range(0, len(names), _CHUNK):
            for name, open_tickets, is_away in conn.execute(
                _STAFFING, {"names": names[start : start + _CHUNK]}
            ):
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
        if rows:
            self._ctx.connection.execute(self._load, rows)

    def set_away(self, agent: str, away: bool) -> None:
        self._ctx.connection.execute(self._away, {"name": agent, "open_tickets": 0, "away": away})
