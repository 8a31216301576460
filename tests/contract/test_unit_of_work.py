from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from sevflow.domain.errors import InvalidInput, NotFound
from sevflow.domain.events import Event, EventKind
from sevflow.domain.notifications import Notification
from sevflow.domain.policy import Policy
from sevflow.services.ports import TicketFilter, TimerRow, UnitOfWorkFactory
from tests.contract.conftest import T0, add_ticket, open_ticket

NAIVE = datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001 - naive on purpose
NOTE = Notification("escalated", ("bo",), (), "subject", "summary")


def write_everything(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    """Writes through every repository, then leaves the block without committing."""
    with uow_factory() as uow:
        ticket = open_ticket(policy)
        uow.tickets.add(ticket)
        uow.events.append(ticket, [Event(EventKind.COMMENTED, T0, "ana", {}, key="k")])
        uow.timers.replace(1, [TimerRow(1, "a", T0)])
        uow.outbox.add(1, 1, NOTE, now=T0)
        uow.agents.adjust_load({"ana": 1})
        uow.agents.set_away("bo", True)


def assert_nothing_written(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.tickets.list(TicketFilter()) == []
        assert uow.tickets.count_open() == 0
        assert uow.events.for_ticket(1) == []
        assert uow.timers.next_due_at() is None
        assert uow.outbox.pending(10) == []
        assert uow.agents.staffing(["ana", "bo"]).load == {}


def test_leaving_the_block_without_commit_rolls_everything_back(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    write_everything(uow_factory, policy)
    assert_nothing_written(uow_factory)


def test_an_exception_in_the_block_rolls_back_and_propagates(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    def fail_half_way() -> None:
        with uow_factory() as uow:
            uow.tickets.add(open_ticket(policy))
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        fail_half_way()
    assert_nothing_written(uow_factory)


def test_rollback_discards_what_was_written_since_the_last_commit(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    with uow_factory() as uow:
        uow.tickets.add(open_ticket(policy, title="kept"))
        uow.commit()
        uow.tickets.add(open_ticket(policy, title="discarded"))
        uow.rollback()
        uow.agents.adjust_load({"ana": 1})
    with uow_factory() as uow:
        assert [t.title for t in uow.tickets.list(TicketFilter())] == ["kept"]
        assert uow.agents.staffing(["ana"]).load == {}


def test_writes_are_invisible_to_other_units_of_work_until_commit(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    writer = uow_factory()
    with writer:
        writer.agents.adjust_load({"ana": 3})
        writer.commit()
    with uow_factory() as reader:
        assert reader.agents.staffing(["ana"]).load == {"ana": 3}


def test_a_unit_of_work_can_be_entered_again_after_leaving(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    uow = uow_factory()
    with uow:
        uow.agents.adjust_load({"ana": 1})
        uow.commit()
    with uow:
        uow.agents.adjust_load({"ana": 1})
        uow.commit()
    with uow:
        assert uow.agents.staffing(["ana"]).load == {"ana": 2}


def test_repositories_refuse_to_work_outside_the_block(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    uow = uow_factory()
    with pytest.raises(RuntimeError, match="inside `with uow:`"):
        uow.tickets.count_open()


def test_a_naive_datetime_is_refused_at_every_port(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    ticket = add_ticket(uow_factory, policy)
    message = "has no time-zone offset"
    with uow_factory() as uow:
        with pytest.raises(InvalidInput, match=message):
            uow.timers.replace(1, [TimerRow(1, "a", NAIVE)])
        with pytest.raises(InvalidInput, match=message):
            uow.timers.claim_due(NAIVE, 10)
        with pytest.raises(InvalidInput, match=message):
            uow.events.append(ticket, [Event(EventKind.COMMENTED, NAIVE, "ana")])
        with pytest.raises(InvalidInput, match=message):
            uow.outbox.add(1, 1, NOTE, now=NAIVE)
        with pytest.raises(InvalidInput, match=message):
            uow.policies.add(replace(policy, version="other"), "text", now=NAIVE, activate=False)


def test_a_missing_ticket_stays_missing_after_a_failed_lookup(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    with uow_factory() as uow:
        with pytest.raises(NotFound):
            uow.tickets.get(1)
        uow.tickets.add(open_ticket(policy))
        uow.commit()
    with uow_factory() as uow:
        assert uow.tickets.get(1).id == 1
