"""A sleeping PostgreSQL worker is woken by timer changes committed in any process."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import make_url

from sevflow.adapters.db.wakeup import EventWakeup, PostgresWakeup
from sevflow.bootstrap import Container, build_container
from sevflow.config import Settings
from sevflow.domain.records import TimerRow
from sevflow.policy.starter import load_starter_policy, starter_policy_text
from sevflow.services.actors import Actor
from sevflow.services.policies import activate_policy
from sevflow.services.tickets import NewTicket, open_ticket
from sevflow.testing import FakeClock

pytestmark = pytest.mark.postgres

REQUEST = NewTicket(
    title="Refunds fail", service_line="payments", customer="Globex", customer_tier="enterprise"
)
OPENED = datetime(2026, 3, 23, 9, tzinfo=UTC)
FIRST_DUE = datetime(2026, 3, 23, 9, 15, tzinfo=UTC)
"""An enterprise Sev3's first timer under the starter policy: the first-response warning."""


@pytest.fixture
def box(postgres_url: str) -> Iterator[Container]:
    clock = FakeClock(OPENED)
    container = build_container(Settings(database_url=postgres_url), clock=clock)
    activate_policy(
        container.uow_factory(), clock=clock, policy=load_starter_policy(), source_text=starter_policy_text()
    )
    yield container
    container.close()


def test_a_committed_new_ticket_wakes_a_listening_worker(box: Container) -> None:
    listener = PostgresWakeup(make_url(str(box.engine.url)))
    try:
        assert listener.wait(0.05) is None
        open_ticket(box.uow_factory(), clock=box.clock, actor=Actor("ana"), request=REQUEST)
        assert listener.wait(30) == FIRST_DUE
    finally:
        listener.close()


def test_a_rolled_back_change_and_a_read_wake_nobody(box: Container) -> None:
    listener = PostgresWakeup(make_url(str(box.engine.url)))
    try:
        ticket = open_ticket(box.uow_factory(), clock=box.clock, actor=Actor("ana"), request=REQUEST)
        assert ticket.id is not None
        assert listener.wait(30) == FIRST_DUE  # the committed opening
        with box.uow_factory() as uow:
            uow.timers.replace(ticket.id, [TimerRow(ticket.id, "extra", datetime(2026, 3, 24, tzinfo=UTC))])
            uow.rollback()
        with box.read_uow_factory() as uow:
            uow.timers.next_due_at()
        assert listener.wait(0.2) is None
    finally:
        listener.close()


def test_the_container_offers_postgresql_listening_and_sqlite_an_in_process_event(
    box: Container, sqlite_url: str
) -> None:
    wakeup = box.wakeup()
    assert isinstance(wakeup, PostgresWakeup)
    wakeup.close()
    other = build_container(Settings(database_url=sqlite_url))
    try:
        assert isinstance(other.wakeup(), EventWakeup)
    finally:
        other.close()
