"""The migration that added triage records fills them in for tickets opened before it, from
their events: the same records intake wrote, corrections included (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine

from sevflow.adapters.db.schema import migrate
from sevflow.adapters.db.uow import SqlUnitOfWorkFactory
from sevflow.domain.severity import Severity
from sevflow.services import tickets as service
from tests.integration.engine_world import MINUTE, T0, World, actor
from tests.integration.test_db_board_marks import downgrade_to


def test_records_lost_in_a_downgrade_come_back_the_same_from_the_events(sql_engine: Engine) -> None:
    world = World.starting(SqlUnitOfWorkFactory(sql_engine))
    ids = [
        world.open(t) for t in ("Checkout down for EU cards", "Refund totals look wrong", "Typo in footer")
    ]
    declared = world.open("Invoice PDF blank", severity=Severity.SEV2, reason="the customer's auditors wait")
    world.run_until(T0 + 10 * MINUTE)
    service.override_severity(
        world.uow_factory(),
        clock=world.clock,
        actor=actor("lena"),
        ticket_id=ids[1],
        severity=Severity.SEV1,
        reason="all refunds, not some",
    )
    with world.uow_factory() as uow:
        before = uow.triage.after(0, 100)
        overridden = uow.triage.overridden()
    assert [r.ticket_id for r in before] == [*ids, declared]
    assert [r.ticket_id for r in overridden] == [ids[1], declared]
    downgrade_to(sql_engine, "0006")
    migrate(sql_engine)
    with world.uow_factory() as uow:
        assert uow.triage.after(0, 100) == before
        assert uow.triage.overridden() == overridden
