"""Imported history stored as closed tickets, on every store: each closed case becomes a ticket
with its events at the recorded instants and its outcome in the metrics' sums; nothing is
queued to be sent, no timer is left; a second run skips what is stored; open cases are left out;
an unknown service line is refused before anything is written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sevflow.domain.errors import InvalidInput
from sevflow.domain.history import HistoricCase
from sevflow.domain.severity import Severity
from sevflow.services.actors import Actor
from sevflow.services.history import record_history
from sevflow.services.ports import UnitOfWorkFactory
from tests.integration.engine_world import World


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


CASES = [
    HistoricCase(  # 24x7 Sev1 for an enterprise: opened 10:00, escalated 10:20, resolved 12:00
        "INC1",
        "Checkout down",
        "payments",
        "Globex",
        "enterprise",
        Severity.SEV1,
        utc("2016-03-01 10:00"),
        escalated_at=utc("2016-03-01 10:20"),
        resolved_at=utc("2016-03-01 12:00"),
        closed_at=utc("2016-03-06 12:00"),
    ),
    HistoricCase(
        "INC2",
        "Invoice typo",
        "payments",
        "Globex",
        "enterprise",
        Severity.SEV3,
        utc("2016-03-02 10:00"),
        first_response_at=utc("2016-03-02 10:30"),
        resolved_at=utc("2016-03-02 11:00"),
    ),
    HistoricCase(
        "INC3", "Still open", "payments", "Globex", "enterprise", Severity.SEV3, utc("2016-03-03 10:00")
    ),
]


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return World.starting(uow_factory)


def test_closed_cases_become_closed_tickets_with_their_outcomes_and_nothing_to_send(world: World) -> None:
    done = record_history(world.uow_factory, clock=world.clock, actor=Actor("history"), cases=CASES)
    assert (done.recorded, done.already_stored, done.still_open) == (2, 0, 1)
    with world.uow_factory() as uow:
        ids = uow.tickets.ids_by_external_id(["INC1", "INC2", "INC3"])
        assert sorted(ids) == ["INC1", "INC2"]
        first = uow.tickets.get(ids["INC1"])
        kinds = [(s.event.kind.value, s.event.at) for s in uow.events.for_ticket(ids["INC1"])]
        assert [k for k, _ in kinds if k in ("created", "escalated", "status_changed")] == [
            "created",
            "escalated",
            "status_changed",
            "status_changed",
        ]
        assert [at for k, at in kinds if k in ("escalated", "status_changed")] == [
            utc("2016-03-01 10:20"),
            utc("2016-03-01 12:00"),
            utc("2016-03-06 12:00"),
        ]
        assert (first.status.value, first.channel, first.tier) == ("closed", "history", "L2")
        assert uow.outbox.for_ticket(ids["INC1"]) == []
        assert uow.timers.for_ticket(ids["INC1"]) == []
        daily = uow.outcomes.daily("2016-03-01", "2016-03-02")
    # Sev1 enterprise: 4 h on 24x7, resolved after 2 h; Sev3 enterprise answered after 30 minutes
    assert sorted(daily) == ["2016-03-01", "2016-03-02"]
    sev1, sev3 = daily["2016-03-01"], daily["2016-03-02"]
    assert (
        sev1.tickets,
        sev1.resolution_measured,
        sev1.resolution_met,
        sev1.resolution_seconds,
        sev1.escalated,
    ) == (1, 1, 1, 7200, 1)
    assert (sev3.tickets, sev3.first_response_measured, sev3.first_response_met) == (1, 1, 1)


def test_a_second_run_skips_what_is_stored(world: World) -> None:
    record_history(world.uow_factory, clock=world.clock, actor=Actor("history"), cases=CASES)
    again = record_history(world.uow_factory, clock=world.clock, actor=Actor("history"), cases=CASES)
    assert (again.recorded, again.already_stored, again.still_open) == (0, 2, 1)


def test_a_case_on_an_unknown_service_line_is_refused_and_nothing_is_stored(world: World) -> None:
    bad = [
        *CASES[:2],
        HistoricCase(
            "INC9",
            "x",
            "Category 9",
            "Globex",
            "enterprise",
            Severity.SEV3,
            utc("2016-03-01 10:00"),
            resolved_at=utc("2016-03-01 11:00"),
        ),
    ]
    with pytest.raises(InvalidInput, match="unknown service line 'Category 9'"):
        record_history(world.uow_factory, clock=world.clock, actor=Actor("history"), cases=bad)
    with world.uow_factory() as uow:
        assert uow.tickets.ids_by_external_id(["INC1", "INC2"]) == {}
