"""The board's read model on the tickets table: every save writes the title and SLA marks, and
the migration that added them fills them in for tickets stored before it (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select, text

from sevflow.adapters.db.schema import alembic_config, migrate
from sevflow.adapters.db.tables import tickets
from sevflow.adapters.db.uow import SqlUnitOfWorkFactory
from sevflow.domain.sla_marks import sla_marks
from sevflow.domain.status import Status
from sevflow.services import tickets as service
from tests.integration.engine_world import MINUTE, T0, World, actor

MARK_COLUMNS = (
    tickets.c.id,
    tickets.c.title,
    tickets.c.deadline_at,
    tickets.c.deadline_clock,
    tickets.c.at_risk_at,
    tickets.c.stalled_at,
    tickets.c.sla_breached,
    tickets.c.sla_paused,
    tickets.c.gate,
    tickets.c.gate_due_at,
)


def downgrade_to(engine: Engine, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def stored_as_is(engine: Engine) -> list[tuple[Any, ...]]:
    """The instants as the driver returns them (SQLite: the stored text)."""
    with engine.connect() as conn:
        query = text("SELECT deadline_at, at_risk_at, stalled_at, gate_due_at FROM tickets ORDER BY id")
        return [tuple(row) for row in conn.execute(query)]


def stored_marks(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(*MARK_COLUMNS).order_by(tickets.c.id))]


def expected_marks(world: World, ids: list[int]) -> list[tuple[Any, ...]]:
    rows = []
    for tid in ids:
        ticket = world.ticket(tid)
        m = sla_marks(ticket)
        clock = None if m.deadline_clock is None else m.deadline_clock.value
        head = (tid, ticket.title, m.deadline_at, clock, m.at_risk_at, m.stalled_at)
        rows.append((*head, m.breached, m.paused, m.gate, m.gate_due_at))
    return rows


def a_few_tickets(world: World) -> list[int]:
    """An open Sev2, one waiting on the customer, one with a breach, one resolved, a Sev1 whose
    gate waits for a decision."""
    running = world.open("Checkout down for EU cards", services=("checkout",), accept=True)
    waiting = world.open("Refund totals look wrong", accept=True)
    breached = world.open("Invoice PDF shows the wrong VAT")
    world.run_until(T0 + 20 * MINUTE)
    service.add_comment(
        world.uow_factory(), clock=world.clock, actor=actor("lena"), ticket_id=waiting, body="Send the CSV?"
    )
    service.change_status(
        world.uow_factory(),
        clock=world.clock,
        actor=actor("lena"),
        ticket_id=waiting,
        status=Status.WAITING_ON_CUSTOMER,
    )
    done = world.open("Typo on the receipt")
    service.add_comment(
        world.uow_factory(), clock=world.clock, actor=actor("lena"), ticket_id=done, body="Fixed"
    )
    service.change_status(
        world.uow_factory(), clock=world.clock, actor=actor("lena"), ticket_id=done, status=Status.RESOLVED
    )
    world.run_until(T0 + timedelta(hours=5))
    gated = world.open("Data loss in the refunds ledger")
    return [running, waiting, breached, done, gated]


def test_every_save_writes_the_marks_and_the_migration_fills_them_in_again(sql_engine: Engine) -> None:
    engine = sql_engine
    world = World.starting(SqlUnitOfWorkFactory(engine))
    ids = a_few_tickets(world)
    expected = expected_marks(world, ids)
    assert stored_marks(engine) == expected
    # nobody answered the Sev2 (30 minutes) or the VAT ticket (Sev3, 2 hours) in 5 hours
    assert [row[6] for row in expected] == [True, False, True, False, False]
    assert expected[4][8:] == ("sev1-confirmation", T0 + timedelta(hours=5, minutes=15))
    assert expected[1][7] is True  # waiting on the customer: paused

    raw = stored_as_is(engine)
    downgrade_to(engine, "0002")  # drops the columns ...
    migrate(engine)  # ... and the upgrade fills them in from the snapshots
    assert stored_marks(engine) == expected
    assert stored_as_is(engine) == raw  # instants stored in the very form every save uses
