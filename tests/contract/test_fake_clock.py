from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sevflow.domain.errors import InvalidInput
from sevflow.testing import FakeClock

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_the_fake_clock_stands_still_until_moved() -> None:
    clock = FakeClock(START)
    assert clock.now() == clock.now() == START


def test_advance_moves_forward_by_timedelta_arguments_and_returns_the_new_now() -> None:
    clock = FakeClock(START)
    assert clock.advance(minutes=5) == START + timedelta(minutes=5)
    assert clock.advance(hours=1, seconds=30) == START + timedelta(hours=1, minutes=5, seconds=30)
    assert clock.now() == START + timedelta(hours=1, minutes=5, seconds=30)


def test_advance_refuses_to_run_backwards() -> None:
    with pytest.raises(ValueError, match="a clock does not run backwards"):
        FakeClock(START).advance(minutes=-1)


def test_set_jumps_to_an_instant_and_keeps_it_in_utc() -> None:
    clock = FakeClock(START)
    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_the_fake_clock_refuses_naive_instants() -> None:
    with pytest.raises(InvalidInput, match="has no time-zone offset"):
        FakeClock(datetime(2026, 3, 2, 9, 30))  # noqa: DTZ001 - naive on purpose
    with pytest.raises(InvalidInput, match="has no time-zone offset"):
        FakeClock(START).set(datetime(2026, 3, 2, 9, 30))  # noqa: DTZ001 - naive on purpose
