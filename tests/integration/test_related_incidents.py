"""Related incidents on every store: a new ticket finds the open and recent tickets most like
it; open near-duplicates on its service line within the window are a likely shared incident; a
ticket closed since the index saw it is shown as closed; older closed tickets are not shown."""

from __future__ import annotations

import pytest

from sevflow.domain.policy import Role
from sevflow.domain.status import Status
from sevflow.policy.loader import load_policy_text
from sevflow.policy.starter import starter_policy_text
from sevflow.services import related
from sevflow.services import tickets as service
from sevflow.services.actors import Actor
from sevflow.services.policies import activate_policy
from sevflow.services.ports import UnitOfWorkFactory
from sevflow.testing import FakeClock
from sevflow.triage.incidents import IncidentFinder
from tests.integration.engine_world import T0

POLICY = (
    starter_policy_text()
    + "\ntriage:\n  related: {recent: 7d, window: 2h, near_duplicate: 0.6, min_score: 0.2}\n"
)
ANA = Actor("ana", frozenset({Role.AGENT}))


@pytest.fixture
def clock(uow_factory: UnitOfWorkFactory) -> FakeClock:
    clock = FakeClock(T0)
    activate_policy(uow_factory(), clock=clock, policy=load_policy_text(POLICY, "p"), source_text=POLICY)
    return clock


def open_(uow_factory: UnitOfWorkFactory, clock: FakeClock, title: str, line: str = "payments") -> int:
    request = service.NewTicket(title=title, service_line=line, customer="Globex", customer_tier="standard")
    ticket = service.open_ticket(uow_factory(), clock=clock, actor=ANA, request=request)
    assert ticket.id is not None
    return ticket.id


def found(
    uow_factory: UnitOfWorkFactory, index: IncidentFinder, clock: FakeClock, ticket_id: int
) -> list[tuple]:
    shown = related.related_incidents(uow_factory(), index, ticket_id=ticket_id, actor=ANA, now=clock.now())
    return [(r.found.ticket_id, r.found.likely_shared, r.found.open, r.status) for r in shown]


def test_open_near_duplicates_on_the_line_within_the_window_are_a_likely_shared_incident(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    index = IncidentFinder()
    old = open_(uow_factory, clock, "Card payments declined at checkout for every customer")
    clock.advance(days=3)
    first = open_(uow_factory, clock, "Card payments declined at checkout for all customers")
    other_line = open_(
        uow_factory, clock, "Card payments declined at checkout for all customers", line="platform"
    )
    unrelated = open_(uow_factory, clock, "Printer driver missing on the office laptop")
    clock.advance(minutes=30)
    new = open_(uow_factory, clock, "Card payments declined at checkout, all customers affected")
    assert found(uow_factory, index, clock, new) == [
        (first, True, True, "new"),
        (other_line, False, True, "new"),  # as similar, but another service line
        (old, False, True, "new"),  # opened 3 days earlier: outside the 2 h window
    ]
    assert unrelated not in [t for t, *_ in found(uow_factory, index, clock, new)]
    assert len(index) == 5


def test_a_ticket_closed_since_the_index_saw_it_shows_closed_and_old_closed_ones_drop_out(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    index = IncidentFinder()
    first = open_(uow_factory, clock, "Refund batch stuck in pending for all merchants")
    new = open_(uow_factory, clock, "Refund batch stuck in pending for merchants")
    assert found(uow_factory, index, clock, new) == [(first, True, True, "new")]
    lead = Actor("lena", frozenset({Role.TIER_LEAD}))
    service.change_status(uow_factory(), clock=clock, actor=lead, ticket_id=first, status=Status.RESOLVED)
    assert found(uow_factory, index, clock, new) == [(first, False, False, "resolved")]
    clock.advance(days=8)  # past the policy's 7 days: a closed ticket that old is not related any more
    assert found(uow_factory, index, clock, new) == []


def test_a_new_near_duplicate_records_a_likely_shared_incident_once_and_tells_both_owners(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    index = IncidentFinder()
    first = open_(uow_factory, clock, "Card payments declined at checkout for all customers")
    clock.advance(minutes=10)
    second = open_(uow_factory, clock, "Card payments declined at checkout for all customers today")
    assert related.note_shared_incident(
        uow_factory(), uow_factory(), index, clock=clock, ticket_id=second
    ) == [first]
    assert related.note_shared_incident(
        uow_factory(), uow_factory(), index, clock=clock, ticket_id=second
    ) == [first]
    with uow_factory() as uow:
        events = [s.event for s in uow.events.for_ticket(second) if s.event.kind.value == "likely_shared"]
        queued = [m for m in uow.outbox.for_ticket(second) if m.notification.event_kind == "likely_shared"]
        owners = (uow.tickets.get(first).owner, uow.tickets.get(second).owner)
    assert len(events) == 1  # recorded once per set of tickets
    assert events[0].reason == (
        f'probably the same incident as #{first} "Card payments declined at checkout for all customers" '
        f"(similarity {events[0].data['tickets'][0]['score']:.2f}): coordinate one escalation"
    )
    assert events[0].data["tickets"][0]["id"] == first
    told = {r for m in queued for r in m.notification.recipients}
    assert {o for o in owners if o} <= told


def test_a_ticket_without_near_duplicates_records_nothing(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    index = IncidentFinder()
    open_(uow_factory, clock, "Printer driver missing on the office laptop")
    lonely = open_(uow_factory, clock, "Card payments declined at checkout for all customers")
    assert (
        related.note_shared_incident(uow_factory(), uow_factory(), index, clock=clock, ticket_id=lonely) == []
    )
    with uow_factory() as uow:
        assert [s.event.kind.value for s in uow.events.for_ticket(lonely)] == ["created", "assigned"]


def test_a_reopened_ticket_is_open_again_for_the_index(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    index = IncidentFinder()
    first = open_(uow_factory, clock, "Refund batch stuck in pending for all merchants")
    new = open_(uow_factory, clock, "Refund batch stuck in pending for merchants")
    lead = Actor("lena", frozenset({Role.TIER_LEAD}))
    service.change_status(uow_factory(), clock=clock, actor=lead, ticket_id=first, status=Status.RESOLVED)
    assert found(uow_factory, index, clock, new) == [(first, False, False, "resolved")]
    service.change_status(uow_factory(), clock=clock, actor=lead, ticket_id=first, status=Status.IN_PROGRESS)
    assert found(uow_factory, index, clock, new) == [(first, True, True, "in_progress")]
