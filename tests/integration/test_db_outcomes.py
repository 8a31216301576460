"""Closed tickets' outcomes on SQLite and PostgreSQL: closing a ticket through the services
records it, reopening takes it back out, and the migration that added the outcomes fills them
in for tickets closed before it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from sevflow.adapters.db.schema import migrate
from sevflow.adapters.db.uow import SqlUnitOfWorkFactory
from sevflow.domain.outcomes import Totals, outcome_of
from sevflow.domain.status import Status
from sevflow.services import tickets as service
from tests.integration.engine_world import MINUTE, T0, World, actor
from tests.integration.test_db_board_marks import downgrade_to


def test_closing_records_reopening_forgets_and_the_migration_fills_outcomes_in(sql_engine: Engine) -> None:
    engine = sql_engine
    world = World.starting(SqlUnitOfWorkFactory(engine))
    lena = actor("lena")
    ids = [world.open(title) for title in ("Checkout down for EU cards", "Refund totals look wrong", "Typo")]
    world.run_until(T0 + 40 * MINUTE)
    for tid in ids:
        service.add_comment(world.uow_factory(), clock=world.clock, actor=lena, ticket_id=tid, body="Done")
        service.change_status(
            world.uow_factory(), clock=world.clock, actor=lena, ticket_id=tid, status=Status.RESOLVED
        )
    service.change_status(
        world.uow_factory(), clock=world.clock, actor=lena, ticket_id=ids[2], status=Status.IN_PROGRESS
    )
    day = T0.date().isoformat()
    expected = {}
    for tid in ids[:2]:
        outcome = outcome_of(world.ticket(tid))
        assert outcome is not None
        expected[outcome.severity] = expected.get(outcome.severity, Totals()) + Totals.of(outcome)
    with world.uow_factory() as uow:
        assert uow.outcomes.totals(day, day, "severity") == expected
    downgrade_to(engine, "0003")
    migrate(engine)
    with world.uow_factory() as uow:
        assert uow.outcomes.totals(day, day, "severity") == expected
        assert uow.outcomes.daily(day, (T0 + timedelta(days=1)).date().isoformat())[day].tickets == 2
