"""``OutcomeRepository``: closed tickets' outcomes and their daily sums, on every store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sevflow.domain.errors import InvalidInput
from sevflow.domain.outcomes import Outcome, Totals
from sevflow.domain.policy import Policy
from sevflow.services.ports import UnitOfWorkFactory
from tests.contract.conftest import T0, add_ticket


def outcome(
    ticket_id: int, *, days: int = 0, severity: str = "Sev2", line: str = "payments", **kw: object
) -> Outcome:
    fields: dict[str, object] = {
        "ticket_id": ticket_id,
        "closed_at": T0 + timedelta(days=days),
        "severity": severity,
        "service_line": line,
        "customer_tier": "enterprise",
        "first_response_seconds": 600,
        "first_response_met": True,
        "resolution_seconds": 7200,
        "resolution_met": False,
        "escalations": 2,
        "escalations_on_time": 1,
    }
    fields.update(kw)
    return Outcome(**fields)  # type: ignore[arg-type]


def test_outcomes_are_summed_per_breakdown_and_per_day_within_the_range(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    for _ in range(4):
        add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        uow.outcomes.record(outcome(1))
        uow.outcomes.record(
            outcome(2, severity="Sev3", first_response_seconds=None, first_response_met=False)
        )
        uow.outcomes.record(outcome(3, days=1, escalations=0, escalations_on_time=0, resolution_met=True))
        uow.outcomes.record(outcome(4, days=9))
        uow.commit()
    day0, day1 = T0.date().isoformat(), (T0 + timedelta(days=1)).date().isoformat()
    one = Totals.of(outcome(1))
    with uow_factory() as uow:
        assert uow.outcomes.totals(day0, day1, "severity") == {
            "Sev2": one
            + Totals.of(outcome(3, days=1, escalations=0, escalations_on_time=0, resolution_met=True)),
            "Sev3": Totals.of(
                outcome(2, severity="Sev3", first_response_seconds=None, first_response_met=False)
            ),
        }
        by_line = uow.outcomes.totals(day0, day1, "service_line")
        assert by_line["payments"].tickets == 3
        assert by_line["payments"].first_response_measured == 2
        assert by_line["payments"].escalated == 2
        assert by_line["payments"].escalations_on_time == 2
        assert list(uow.outcomes.daily(day0, day1)) == [day0, day1]
        assert uow.outcomes.daily(day0, day0)[day0].tickets == 2
        assert uow.outcomes.totals("2030-01-01", "2030-12-31", "severity") == {}


def test_recording_again_replaces_and_forgetting_takes_the_outcome_back_out(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    add_ticket(uow_factory, policy)
    day = T0.date().isoformat()
    with uow_factory() as uow:
        uow.outcomes.record(outcome(1))
        uow.outcomes.record(outcome(2))
        uow.commit()
    with uow_factory() as uow:
        uow.outcomes.record(outcome(1, resolution_met=True))  # reopened and closed again
        uow.outcomes.forget(2)
        uow.outcomes.forget(2)  # nothing left to forget: nothing happens
        uow.commit()
    with uow_factory() as uow:
        assert uow.outcomes.totals(day, day, "severity") == {
            "Sev2": Totals.of(outcome(1, resolution_met=True))
        }


def test_an_unknown_breakdown_is_refused_naming_the_allowed_ones(uow_factory: UnitOfWorkFactory) -> None:
    with (
        uow_factory() as uow,
        pytest.raises(
            InvalidInput, match="unknown breakdown 'owner'; allowed: customer_tier, service_line, severity"
        ),
    ):
        uow.outcomes.totals("2026-01-01", "2026-01-31", "owner")
