"""Ticket outcomes in SQL: one row per closed ticket (``ticket_outcomes``) and their sums per
day and breakdown (``daily_outcomes``), kept in step in the caller's transaction: recording an
outcome adds it to its day's sums, forgetting one (a reopened ticket) takes it back out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.tables import daily_outcomes, ticket_outcomes
from sevflow.domain.errors import InvalidInput
from sevflow.domain.outcomes import DIMENSIONS, TOTAL_FIELDS, Outcome, Totals

_O = ticket_outcomes.c
_D = daily_outcomes.c
_KEY = ("day", "severity", "service_line", "customer_tier")
_GET = select(ticket_outcomes).where(_O.ticket_id == bindparam("ticket_id"))
_DELETE = delete(ticket_outcomes).where(_O.ticket_id == bindparam("ticket_id"))
_INSERT = insert(ticket_outcomes)
_SUMS = [func.coalesce(func.sum(_D[name]), 0) for name in TOTAL_FIELDS]
_IN_RANGE = (_D.day >= bindparam("since"), _D.day <= bindparam("until"))


def _add(insert_: Any) -> Any:
    statement = insert_(daily_outcomes)
    return statement.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={name: _D[name] + statement.excluded[name] for name in TOTAL_FIELDS},
    )


_ADD = {"postgresql": _add(postgresql.insert), "sqlite": _add(sqlite.insert)}


class SqlOutcomeRepository:
    __slots__ = ("_ctx",)

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx

    def record(self, outcome: Outcome) -> None:
        self.forget(outcome.ticket_id)
        conn = self._ctx.connection
        conn.execute(_INSERT, {**outcome.__dict__, "day": outcome.day})
        self._add(outcome, 1)

    def forget(self, ticket_id: int) -> None:
        conn = self._ctx.connection
        row = conn.execute(_GET, {"ticket_id": ticket_id}).first()
        if row is None:
            return
        conn.execute(_DELETE, {"ticket_id": ticket_id})
        stored = {k: v for k, v in row._mapping.items() if k != "day"}
        self._add(Outcome(**stored), -1)

    def _add(self, outcome: Outcome, sign: int) -> None:
        sums = Totals.of(outcome, sign)
        row = {name: getattr(outcome, name) for name in _KEY[1:]} | {"day": outcome.day}
        self._ctx.connection.execute(_ADD[self._ctx.dialect], row | sums.__dict__)

    def totals(self, since: str, until: str, by: str) -> dict[str, Totals]:
        if by not in DIMENSIONS:
            raise InvalidInput.unknown("breakdown", by, DIMENSIONS)
        statement = select(_D[by], *_SUMS).where(*_IN_RANGE).group_by(_D[by])
        rows = self._ctx.connection.execute(statement, {"since": since, "until": until})
        return {row[0]: Totals(*(int(v) for v in row[1:])) for row in rows}

    def daily(self, since: str, until: str) -> dict[str, Totals]:
        statement = select(_D.day, *_SUMS).where(*_IN_RANGE).group_by(_D.day).order_by(_D.day)
        rows = self._ctx.connection.execute(statement, {"since": since, "until": until})
        return {row[0]: Totals(*(int(v) for v in row[1:])) for row in rows}
