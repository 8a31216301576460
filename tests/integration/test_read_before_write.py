"""Opening tickets reads first in a transaction of its own where that helps (SQLite: its one
write lock is not held while the domain works) and in the write transaction on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, event

from sevflow.adapters.db.engine import SQLITE_BEGIN
from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.services import directory
from sevflow.services.actors import Actor
from sevflow.services.opening import NewTicket, open_tickets
from sevflow.testing import FakeClock
from tests.integration.engine_world import T0, World

REQUEST = NewTicket(
    title="Refund totals look wrong", service_line="payments", customer="Globex", customer_tier=None
)


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_opening_reads_apart_on_sqlite_and_in_its_write_transaction_on_postgresql(
    request: pytest.FixtureRequest, store: str
) -> None:
    box = build_container(Settings(database_url=request.getfixturevalue(f"{store}_url")), clock=FakeClock(T0))
    try:
        World.starting(box.uow_factory)
        directory.put_customer(
            box.uow_factory(), clock=box.clock, actor=Actor("setup"), name="Globex", tier="business"
        )
        transactions: list[str] = []

        @event.listens_for(box.engine, "begin")
        def record(conn: Connection) -> None:
            transactions.append(conn.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE"))

        reader = box.read_before_write()
        [ticket] = open_tickets(
            box.uow_factory(), clock=box.clock, actor=Actor("ana"), requests=[REQUEST], read_uow=reader
        )
        assert ticket.customer_tier == "business"  # the registered customer's, read before opening
        if store == "sqlite":
            assert reader is not None
            assert transactions == ["DEFERRED", "IMMEDIATE"]
        else:
            assert reader is None
            assert len(transactions) == 1
    finally:
        box.close()
