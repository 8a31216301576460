from __future__ import annotations

import pytest

from sevflow.domain.errors import Conflict, InvalidInput, NotFound
from sevflow.domain.policy import Policy
from sevflow.domain.severity import Severity
from sevflow.domain.status import Status
from sevflow.domain.tickets import Ticket
from sevflow.services.ports import TicketFilter, UnitOfWorkFactory
from tests.contract.conftest import T0, add_ticket, open_ticket


def test_an_added_ticket_gets_id_and_version_1_and_reads_back_with_exactly_the_same_snapshot(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    ticket = open_ticket(
        policy,
        severity=Severity.SEV1,
        severity_reason="all refunds fail",
        services=["refunds"],
        users_affected=40,
        external_id="ZD-1",
    )
    with uow_factory() as uow:
        assert uow.tickets.add(ticket) == 1
        uow.commit()
    assert (ticket.id, ticket.version) == (1, 1)
    with uow_factory() as uow:
        loaded = uow.tickets.get(1)
    assert loaded.to_snapshot() == ticket.to_snapshot()
    assert loaded.policy is policy or loaded.policy == policy


def test_add_many_assigns_ids_in_order_and_every_ticket_reads_back(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    tickets = [open_ticket(policy, title=f"Ticket number {n}", customer=f"Customer {n}") for n in range(5)]
    with uow_factory() as uow:
        assert uow.tickets.add_many(tickets) == [1, 2, 3, 4, 5]
        uow.commit()
    assert [(t.id, t.version) for t in tickets] == [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)]
    with uow_factory() as uow:
        assert [uow.tickets.get(n).to_snapshot() for n in range(1, 6)] == [t.to_snapshot() for t in tickets]


def test_add_many_of_nothing_returns_no_ids(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    with uow_factory() as uow:
        assert uow.tickets.add_many([]) == []


def test_save_writes_the_new_state_and_increments_the_version(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        ticket = uow.tickets.get(1, for_update=True)
        ticket.change_status(Status.IN_PROGRESS, now=T0, actor="ana")
        uow.tickets.save(ticket)
        uow.commit()
    assert ticket.version == 2
    with uow_factory() as uow:
        loaded = uow.tickets.get(1)
    assert (loaded.version, loaded.status) == (2, Status.IN_PROGRESS)
    assert loaded.to_snapshot() == ticket.to_snapshot()


def test_a_stale_save_raises_conflict_and_writes_nothing(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        stale = uow.tickets.get(1)
    with uow_factory() as uow:
        fresh = uow.tickets.get(1)
        fresh.change_status(Status.TRIAGED, now=T0, actor="ana")
        uow.tickets.save(fresh)
        uow.commit()
    stale.change_status(Status.RESOLVED, now=T0, actor="bo")
    with uow_factory() as uow:
        with pytest.raises(
            Conflict, match=r"ticket #1 was changed by someone else first \(it is at version 2"
        ):
            uow.tickets.save(stale)
        uow.commit()
    assert stale.version == 1
    with uow_factory() as uow:
        stored = uow.tickets.get(1)
    assert stored.to_snapshot() == fresh.to_snapshot()
    assert stored.status == Status.TRIAGED


def test_saving_twice_in_one_transaction_needs_no_reload(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        ticket = uow.tickets.get(1)
        ticket.change_status(Status.TRIAGED, now=T0, actor="ana")
        uow.tickets.save(ticket)
        ticket.change_status(Status.IN_PROGRESS, now=T0, actor="ana")
        uow.tickets.save(ticket)
        uow.commit()
    with uow_factory() as uow:
        assert (uow.tickets.get(1).version, uow.tickets.get(1).status) == (3, Status.IN_PROGRESS)


def test_a_missing_ticket_is_not_found(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    with uow_factory() as uow, pytest.raises(NotFound, match="there is no ticket #42"):
        uow.tickets.get(42)


def test_a_ticket_cannot_be_added_twice(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    ticket = add_ticket(uow_factory, policy)
    with uow_factory() as uow, pytest.raises(InvalidInput, match="ticket #1 was already added"):
        uow.tickets.add(ticket)


def test_a_ticket_that_was_never_added_cannot_be_saved(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    with uow_factory() as uow, pytest.raises(InvalidInput, match="never added"):
        uow.tickets.save(open_ticket(policy))


def test_external_ids_are_unique(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    add_ticket(uow_factory, policy, external_id="ZD-7")
    with uow_factory() as uow:
        uow.tickets.add(open_ticket(policy))  # tickets without external id do not collide
        with pytest.raises(Conflict, match="a ticket with external id 'ZD-7' already exists"):
            uow.tickets.add(open_ticket(policy, external_id="ZD-7"))


def test_a_ticket_under_a_policy_that_is_not_stored_is_refused(
    uow_factory: UnitOfWorkFactory, starter: Policy
) -> None:
    with (
        uow_factory() as uow,
        pytest.raises(NotFound, match=f"policy version {starter.version} is not stored"),
    ):
        uow.tickets.add(open_ticket(starter))


def test_list_filters_and_orders_by_id(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    specs = [
        {"service_line": "payments", "severity": Severity.SEV2, "severity_reason": "big"},
        {"service_line": "platform"},
        {"service_line": "payments"},
        {"service_line": "mobile", "severity": Severity.SEV2, "severity_reason": "big"},
    ]
    tickets = [open_ticket(policy, **spec) for spec in specs]
    with uow_factory() as uow:
        uow.tickets.add_many(tickets)
        resolved = uow.tickets.get(3)
        resolved.change_status(Status.RESOLVED, now=T0, actor="ana")
        uow.tickets.save(resolved)
        uow.commit()

    def ids(**filters: object) -> list[int | None]:
        with uow_factory() as uow:
            return [t.id for t in uow.tickets.list(TicketFilter(**filters))]  # type: ignore[arg-type]

    assert ids() == [1, 2, 3, 4]
    assert ids(open_only=True) == [1, 2, 4]
    assert ids(severity="Sev2") == [1, 4]
    assert ids(service_line="payments") == [1, 3]
    assert ids(service_line="payments", open_only=True) == [1]
    assert ids(status="resolved") == [3]
    assert ids(owner=tickets[1].owner, service_line="platform") == [2]
    assert ids(customer_tier="standard") == []
    assert ids(tier="L1") == [1, 2, 3, 4]
    assert ids(limit=2) == [1, 2]
    assert ids(after_id=2) == [3, 4]
    assert ids(after_id=1, limit=2, open_only=True) == [2, 4]


def test_listed_tickets_carry_their_full_state(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    ticket = add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        [listed] = uow.tickets.list(TicketFilter())
    assert listed.to_snapshot() == ticket.to_snapshot()


def test_count_open_counts_tickets_not_resolved_or_closed(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    with uow_factory() as uow:
        assert uow.tickets.count_open() == 0
        uow.tickets.add_many([open_ticket(policy) for _ in range(3)])
        ticket = uow.tickets.get(2)
        ticket.change_status(Status.RESOLVED, now=T0, actor="ana")
        uow.tickets.save(ticket)
        assert uow.tickets.count_open() == 2
        uow.commit()
    with uow_factory() as uow:
        assert uow.tickets.count_open() == 2


def test_lock_many_loads_tickets_in_the_order_asked_and_skips_missing_ones(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    with uow_factory() as uow:
        uow.tickets.add_many([open_ticket(policy, title=f"Ticket {n}") for n in range(3)])
        uow.commit()
    with uow_factory() as uow:
        locked = uow.tickets.lock_many([3, 99, 1, 3])
        assert [(t.id, t.title) for t in locked] == [(3, "Ticket 2"), (1, "Ticket 0")]
        assert uow.tickets.lock_many([]) == []


def test_a_ticket_loaded_twice_is_two_independent_objects(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        first, second = uow.tickets.get(1), uow.tickets.get(1)
    assert first is not second
    assert isinstance(first, Ticket)
    assert first.to_snapshot() == second.to_snapshot()


def test_long_free_text_is_stored_alike_on_every_store(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    customer, actor, external_id = "C" * 5_000, "A" * 1_000, "X" * 1_000
    ticket = open_ticket(policy, customer=customer, actor=actor, external_id=external_id)
    with uow_factory() as uow:
        uow.tickets.add(ticket)
        ticket.assign("O" * 1_000, now=T0, actor=actor, reason="R" * 10_000)
        uow.tickets.save(ticket)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.tickets.get(1)
        assert (loaded.customer, loaded.owner, loaded.external_id) == (customer, "O" * 1_000, external_id)
        assert [t.id for t in uow.tickets.list(TicketFilter(owner="O" * 1_000))] == [1]


def test_ids_by_external_id_names_the_stored_tickets_among_the_ids_asked(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    first = add_ticket(uow_factory, policy, external_id="ZD-1")
    second = add_ticket(uow_factory, policy, external_id="ZD-2")
    add_ticket(uow_factory, policy)  # no external id
    asked = ["ZD-2", "ZD-404", "ZD-1", "ZD-2"] + [f"JSM-{n}" for n in range(1200)]  # over one IN list
    with uow_factory() as uow:
        assert uow.tickets.ids_by_external_id(asked) == {"ZD-1": first.id, "ZD-2": second.id}
        assert uow.tickets.ids_by_external_id([]) == {}
