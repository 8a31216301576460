"""``TicketRepository.save_many``: the same effect as ``save`` for each ticket in order, on every store."""

from __future__ import annotations

import pytest

from sevflow.domain.errors import Conflict
from sevflow.domain.policy import Policy
from sevflow.domain.status import Status
from sevflow.services.ports import UnitOfWorkFactory
from tests.contract.conftest import T0, add_ticket


def test_save_many_writes_every_ticket_and_increments_each_version(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    for _ in range(3):
        add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        tickets = uow.tickets.lock_many([1, 2, 3])
        for ticket, status in zip(tickets, [Status.TRIAGED, Status.IN_PROGRESS, Status.TRIAGED], strict=True):
            ticket.change_status(status, now=T0, actor="ana")
        uow.tickets.save_many(tickets)
        uow.commit()
    assert [t.version for t in tickets] == [2, 2, 2]
    with uow_factory() as uow:
        stored = [uow.tickets.get(n) for n in (1, 2, 3)]
    assert [s.to_snapshot() for s in stored] == [t.to_snapshot() for t in tickets]
    assert [s.version for s in stored] == [2, 2, 2]


def test_save_many_with_one_stale_ticket_saves_those_before_it_and_names_it_in_the_conflict(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    for _ in range(3):
        add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        first, stale, third = uow.tickets.lock_many([1, 2, 3])
    with uow_factory() as uow:
        fresh = uow.tickets.get(2)
        fresh.change_status(Status.TRIAGED, now=T0, actor="bo")
        uow.tickets.save(fresh)
        uow.commit()
    for ticket in (first, stale, third):
        ticket.change_status(Status.IN_PROGRESS, now=T0, actor="ana")
    with uow_factory() as uow:
        with pytest.raises(
            Conflict, match=r"ticket #2 was changed by someone else first \(it is at version 2, this copy"
        ):
            uow.tickets.save_many([first, stale, third])
        uow.commit()
    assert [t.version for t in (first, stale, third)] == [2, 1, 1]
    with uow_factory() as uow:
        stored = [uow.tickets.get(n) for n in (1, 2, 3)]
    assert [s.status for s in stored] == [Status.IN_PROGRESS, Status.TRIAGED, Status.NEW]
    assert [s.version for s in stored] == [2, 2, 1]


def test_save_many_of_the_same_ticket_twice_saves_it_twice(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        [ticket] = uow.tickets.lock_many([1])
        ticket.change_status(Status.TRIAGED, now=T0, actor="ana")
        uow.tickets.save_many([ticket, ticket])
        uow.commit()
    assert ticket.version == 3
    with uow_factory() as uow:
        assert uow.tickets.get(1).version == 3


def test_save_many_of_nothing_does_nothing(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    with uow_factory() as uow:
        uow.tickets.save_many([])
        uow.commit()
