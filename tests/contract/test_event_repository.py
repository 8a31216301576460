from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sevflow.domain.errors import Conflict, InvalidInput, NotFound
from sevflow.domain.events import SYSTEM, Event, EventKind
from sevflow.domain.policy import Policy
from sevflow.services.ports import StoredEvent, UnitOfWorkFactory
from tests.contract.conftest import T0, add_ticket, open_ticket

BERLIN_WINTER = timezone(timedelta(hours=1))


def events() -> list[Event]:
    return [
        Event(EventKind.COMMENTED, T0, "ana", {"body": "Looking", "public": True, "from_customer": False}),
        Event(
            EventKind.SLA_WARNING,
            datetime(2026, 3, 2, 11, 0, 0, 250_000, tzinfo=BERLIN_WINTER),
            SYSTEM,
            {"clock": "first_response", "percent": 80, "nested": {"list": [1, "two", None, 3.5, True]}},
            reason="80% of the first-response target used",
            rule="warn-first-response",
            key="warn:first_response:0",
        ),
    ]


def test_appended_events_get_seqs_in_order_and_round_trip(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    ticket = add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        assert uow.events.append(ticket, events()) == [1, 2]
        uow.commit()
    with uow_factory() as uow:
        trail = uow.events.for_ticket(1)
    warning = Event(
        EventKind.SLA_WARNING,
        datetime(2026, 3, 2, 10, 0, 0, 250_000, tzinfo=UTC),
        SYSTEM,
        {"clock": "first_response", "percent": 80, "nested": {"list": [1, "two", None, 3.5, True]}},
        reason="80% of the first-response target used",
        rule="warn-first-response",
        key="warn:first_response:0",
    )
    assert trail == [
        StoredEvent(1, 1, policy.version, events()[0]),
        StoredEvent(1, 2, policy.version, warning),
    ]
    assert trail[1].event.at.tzinfo is UTC
    assert trail[1].event.kind is EventKind.SLA_WARNING


def test_later_appends_continue_the_sequence(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    ticket = add_ticket(uow_factory, policy)
    other = add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        assert uow.events.append(ticket, events()[:1]) == [1]
        uow.commit()
    with uow_factory() as uow:
        assert uow.events.append(other, events()[:1]) == [1]
        assert uow.events.append(ticket, events()[:1]) == [2]
        assert uow.events.append(ticket, events()[1:]) == [3]
        assert uow.events.append(ticket, []) == []
        uow.commit()
    with uow_factory() as uow:
        assert [e.seq for e in uow.events.for_ticket(1)] == [1, 2, 3]
        assert [e.seq for e in uow.events.for_ticket(2)] == [1]
        assert uow.events.for_ticket(3) == []


def test_append_many_numbers_each_tickets_events_from_its_own_last_seq(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    first, second = add_ticket(uow_factory, policy), add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        uow.events.append(first, events()[:1])
        uow.commit()
    with uow_factory() as uow:
        assert uow.events.append_many([(first, events()), (second, events()[:1]), (second, [])]) == [
            [2, 3],
            [1],
            [],
        ]
        assert uow.events.append_many([]) == []
        uow.commit()
    with uow_factory() as uow:
        assert [(e.seq, e.event.kind) for e in uow.events.for_ticket(1)] == [
            (1, EventKind.COMMENTED),
            (2, EventKind.COMMENTED),
            (3, EventKind.SLA_WARNING),
        ]


def test_an_event_key_recorded_twice_for_a_ticket_raises_conflict(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    ticket = add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        uow.events.append(ticket, events())
        uow.commit()
    with uow_factory() as uow, pytest.raises(Conflict, match="warn:first_response:0"):
        uow.events.append(ticket, events()[1:])
    with uow_factory() as uow:
        assert [e.seq for e in uow.events.for_ticket(1)] == [1, 2]


def test_the_same_key_twice_in_one_batch_raises_conflict(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    ticket = add_ticket(uow_factory, policy)
    with uow_factory() as uow, pytest.raises(Conflict, match="warn:first_response:0"):
        uow.events.append(ticket, [events()[1], events()[1]])


def test_the_same_key_on_different_tickets_is_fine(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    first, second = add_ticket(uow_factory, policy), add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        assert uow.events.append_many([(first, events()[1:]), (second, events()[1:])]) == [[1], [1]]
        uow.commit()


def test_events_of_a_ticket_that_was_never_added_are_refused(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    with uow_factory() as uow, pytest.raises(InvalidInput, match="never added"):
        uow.events.append(open_ticket(policy), events())


def test_events_of_a_ticket_that_does_not_exist_are_refused(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    ghost = open_ticket(policy)
    ghost.id = 77
    with uow_factory() as uow, pytest.raises(NotFound, match="#77"):
        uow.events.append(ghost, events())


def test_long_actor_rule_and_key_names_are_stored_alike_on_every_store(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    ticket = add_ticket(uow_factory, policy)
    event = Event(
        EventKind.RULE_FIRED, T0, "a" * 1_000, {}, reason="r" * 20_000, rule="u" * 1_000, key="k" * 1_000
    )
    with uow_factory() as uow:
        uow.events.append(ticket, [event])
        uow.commit()
    with uow_factory() as uow:
        assert [e.event for e in uow.events.for_ticket(1)] == [event]
