"""``TicketRepository.board_rows``: open tickets as light rows with their SLA marks, filtered,
in id order, on every store."""

from __future__ import annotations

from sevflow.domain.policy import Policy
from sevflow.domain.records import BoardQuery, TicketRow
from sevflow.domain.sla_marks import sla_marks
from sevflow.domain.status import Status
from sevflow.domain.tickets import Ticket
from sevflow.services.ports import UnitOfWorkFactory
from tests.contract.conftest import T0, add_ticket


def row_of(ticket: Ticket) -> TicketRow:
    assert ticket.id is not None
    assert ticket.updated_at is not None
    return TicketRow(
        ticket.id,
        ticket.version,
        ticket.policy_version,
        ticket.title,
        ticket.status.value,
        ticket.severity.value,
        ticket.service_line,
        ticket.team,
        ticket.tier,
        ticket.customer,
        ticket.customer_tier,
        ticket.owner,
        ticket.updated_at,
        sla_marks(ticket),
    )


def test_board_rows_are_the_open_tickets_with_their_listed_fields_and_marks(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    first = add_ticket(uow_factory, policy)
    closed = add_ticket(uow_factory, policy, title="Old question")
    other = add_ticket(uow_factory, policy, title="Export slow", service_line="platform", customer="Initech")
    with uow_factory() as uow:
        closed.comment("Answered", now=T0, author="ana")
        closed.change_status(Status.RESOLVED, now=T0, actor="ana")
        uow.tickets.save(closed)
        uow.commit()
    with uow_factory() as uow:
        assert uow.tickets.board_rows(BoardQuery()) == [row_of(first), row_of(other)]
        assert uow.tickets.board_rows(BoardQuery(service_line="platform")) == [row_of(other)]
        assert uow.tickets.board_rows(BoardQuery(customer="Initech", team=other.team)) == [row_of(other)]
        assert uow.tickets.board_rows(BoardQuery(owner="nobody")) == []
        assert uow.tickets.board_rows(BoardQuery(tier="L3")) == []
