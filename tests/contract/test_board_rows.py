"""``TicketRepository.board_rows``: open tickets as light rows with their SLA marks, filtered,
in id order, on every store."""

from __future__ import annotations

from sevflow.domain.policy import Policy
from sevflow.domain.records import BoardQuery, MarkRow, TicketRow
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


def test_board_marks_are_the_grouping_fields_of_the_same_rows_and_rows_by_id_reads_the_shown_ones(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    first = add_ticket(uow_factory, policy)
    other = add_ticket(uow_factory, policy, title="Export slow", service_line="platform", customer="Initech")
    with uow_factory() as uow:
        expected = [
            MarkRow(r.id, r.severity, m.deadline_at, m.at_risk_at, m.breached, m.paused, m.stalled_at)
            for r in (row_of(first), row_of(other))
            for m in (r.marks,)
        ]
        assert uow.tickets.board_marks(BoardQuery()) == expected
        assert (
            uow.tickets.board_marks(BoardQuery(service_line="platform", customer="Initech")) == expected[1:]
        )
        assert uow.tickets.board_marks(BoardQuery(owner="nobody")) == []
        assert first.id is not None
        assert other.id is not None
        assert uow.tickets.rows_by_id([other.id, 999, first.id]) == [row_of(other), row_of(first)]
        assert uow.tickets.rows_by_id([]) == []
