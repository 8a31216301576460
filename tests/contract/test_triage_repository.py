"""``TriageRepository``: the same behaviour in memory, on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sevflow.domain.policy import Policy
from sevflow.domain.severity import Severity
from sevflow.domain.triage_record import Correction, DriftRow, TriageRecord
from sevflow.services.ports import UnitOfWorkFactory
from tests.contract.conftest import T0, add_ticket

S1, S2, S3 = Severity.SEV1, Severity.SEV2, Severity.SEV3


def record(ticket_id: int, *, days: int = 0, proposed: Severity = S3) -> TriageRecord:
    return TriageRecord(
        ticket_id=ticket_id,
        opened_at=T0 + timedelta(days=days),
        title="Checkout down",
        description="since 9:00",
        service_line="payments",
        customer_tier="enterprise",
        channel="email",
        services=("checkout",),
        users_affected=40,
        proposed=proposed,
        source="model",
        model_severity=proposed,
        model_version="abc123",
    )


def test_records_come_back_with_their_latest_correction_and_drift_counts_overrides(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    ids = [add_ticket(uow_factory, policy).id for _ in range(4)]
    assert all(i is not None for i in ids)
    a, b, c, d = (int(i) for i in ids)  # type: ignore[arg-type]
    with uow_factory() as uow:
        uow.triage.add([record(a), record(b, proposed=S1), record(c, days=7), record(d, days=8, proposed=S2)])
        uow.commit()
    first = Correction(S2, T0 + timedelta(hours=1), "ana", "one shop only")
    with uow_factory() as uow:
        uow.triage.correct(a, first)
        uow.triage.correct(a, replace(first, severity=S1, reason="all shops"))
        uow.triage.correct(c, Correction(S3, T0 + timedelta(days=7, hours=1), "bo", "same as proposed"))
        uow.triage.correct(999_999, first)  # no record: nothing happens
        uow.commit()
    with uow_factory() as uow:
        overridden = uow.triage.overridden()
        drift = uow.triage.drift(T0)
        later = uow.triage.overridden(T0 + timedelta(days=1))
    assert [r.ticket_id for r in overridden] == [a]
    assert overridden[0] == replace(
        record(a), correction=Correction(S1, T0 + timedelta(hours=1), "ana", "all shops")
    )
    assert later == []
    # T0 is Monday 2026-03-02: tickets a and b in that week, c and d the next
    assert drift == [
        DriftRow("2026-03-02", S1, 1, 0),
        DriftRow("2026-03-02", S3, 1, 1),
        DriftRow("2026-03-09", S2, 1, 0),
        DriftRow("2026-03-09", S3, 1, 0),
    ]
    with uow_factory() as uow:
        assert uow.triage.drift(T0 + timedelta(days=7)) == drift[2:]
