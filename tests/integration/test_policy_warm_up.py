"""A new server process loads the active policy and its holidays before its first request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sevflow.policy import calendars
from sevflow.policy.starter import load_starter_policy, starter_policy_text
from sevflow.services.policies import activate_policy, warm_up
from sevflow.services.ports import UnitOfWorkFactory
from sevflow.testing import FakeClock

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_with_no_active_policy_there_is_nothing_to_warm_up(uow_factory: UnitOfWorkFactory) -> None:
    assert warm_up(uow_factory(), clock=FakeClock(NOW)) is False


def test_warming_up_computes_this_and_next_years_public_holidays_of_every_calendar(
    uow_factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, Any]] = []
    real = calendars.holidays.country_holidays

    def spy(country: str, **options: Any) -> Any:
        if options.get("years") not in (None, []):
            asked.append((country, options["years"]))
        return real(country, **options)

    monkeypatch.setattr(calendars.holidays, "country_holidays", spy)
    clock = FakeClock(NOW)
    activate_policy(
        uow_factory(), clock=clock, policy=load_starter_policy(), source_text=starter_policy_text()
    )
    asked.clear()
    assert warm_up(uow_factory(), clock=clock) is True
    countries = {country for country, _ in asked}
    assert countries  # the starter policy's calendars follow public holidays
    assert sorted(asked) == sorted((country, year) for country in countries for year in (2026, 2027))
