"""Triage records in SQL (``triage_records``): one row per ticket opened here, with the latest
correction a person made to its severity."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, bindparam, case, func, insert, select, update

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.tables import triage_records
from sevflow.domain.instants import require_aware
from sevflow.domain.severity import Severity
from sevflow.domain.triage_record import Correction, DriftRow, TriageRecord, week_of

_T = triage_records.c
_INSERT = insert(triage_records)
_CORRECT = (
    update(triage_records)
    .where(_T.ticket_id == bindparam("id"))
    .values(
        corrected_to=bindparam("to"),
        corrected_at=bindparam("at"),
        corrected_by=bindparam("by"),
        correction_reason=bindparam("reason"),
    )
)
_OVERRIDDEN = and_(_T.corrected_to.is_not(None), _T.corrected_to != _T.proposed)
_DRIFT = (
    select(
        _T.week,
        _T.proposed,
        func.count().label("triaged"),
        func.sum(case((_OVERRIDDEN, 1), else_=0)).cast(Integer).label("overridden"),
    )
    .where(_T.week >= bindparam("since"))
    .group_by(_T.week, _T.proposed)
    .order_by(_T.week, _T.proposed)
)


class SqlTriageRepository:
    __slots__ = ("_ctx",)

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx

    def add(self, records: Sequence[TriageRecord]) -> None:
        if records:
            self._ctx.connection.execute(_INSERT, [record_row(r) for r in records])

    def correct(self, ticket_id: int, correction: Correction) -> None:
        self._ctx.connection.execute(
            _CORRECT,
            {
                "id": ticket_id,
                "to": correction.severity.value,
                "at": require_aware(correction.at, "correction at"),
                "by": correction.actor,
                "reason": correction.reason,
            },
        )

    def overridden(self, since: datetime | None = None) -> list[TriageRecord]:
        query = select(triage_records).where(_OVERRIDDEN)
        if since is not None:
            query = query.where(_T.opened_at >= require_aware(since, "since"))
        rows = self._ctx.connection.execute(query.order_by(_T.opened_at, _T.ticket_id))
        return [_record(row._mapping) for row in rows]

    def after(self, ticket_id: int, limit: int) -> list[TriageRecord]:
        query = select(triage_records).where(_T.ticket_id > ticket_id).order_by(_T.ticket_id).limit(limit)
        return [_record(row._mapping) for row in self._ctx.connection.execute(query)]

    def drift(self, since: datetime) -> list[DriftRow]:
        # weeks sort as text (YYYY-MM-DD); severities Sev1..Sev4 too
        rows = self._ctx.connection.execute(_DRIFT, {"since": week_of(require_aware(since, "since"))})
        return [DriftRow(r.week, Severity(r.proposed), int(r.triaged), int(r.overridden or 0)) for r in rows]


def record_row(r: TriageRecord) -> dict[str, Any]:
    """The ``triage_records`` row of ``r`` (also used by the migration that backfills them)."""
    c = r.correction
    return {
        "ticket_id": r.ticket_id,
        "opened_at": require_aware(r.opened_at, "opened_at"),
        "week": r.week,
        "title": r.title,
        "description": r.description,
        "service_line": r.service_line,
        "customer_tier": r.customer_tier,
        "channel": r.channel,
        "services": list(r.services),
        "users_affected": r.users_affected,
        "proposed": r.proposed.value,
        "source": r.source,
        "model_severity": r.model_severity.value if r.model_severity else None,
        "model_version": r.model_version,
        "corrected_to": c.severity.value if c else None,
        "corrected_at": c.at if c else None,
        "corrected_by": c.actor if c else None,
        "correction_reason": c.reason if c else None,
    }


def _record(m: Any) -> TriageRecord:
    correction = (
        Correction(
            Severity(m["corrected_to"]), m["corrected_at"], m["corrected_by"], m["correction_reason"] or ""
        )
        if m["corrected_to"] is not None
        else None
    )
    return TriageRecord(
        ticket_id=m["ticket_id"],
        opened_at=m["opened_at"],
        title=m["title"],
        description=m["description"],
        service_line=m["service_line"],
        customer_tier=m["customer_tier"],
        channel=m["channel"],
        services=tuple(m["services"]),
        users_affected=m["users_affected"],
        proposed=Severity(m["proposed"]),
        source=m["source"],
        model_severity=Severity(m["model_severity"]) if m["model_severity"] else None,
        model_version=m["model_version"],
        correction=correction,
    )
