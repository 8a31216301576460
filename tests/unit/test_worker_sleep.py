"""How the timer worker sleeps between ticks: until the next due moment, waking early only for
a change due before it."""

import threading
from datetime import UTC, datetime, timedelta

from sevflow.adapters.db.wakeup import EARLIEST
from sevflow.entrypoints.worker import sleep_until_due
from sevflow.testing import FakeClock

NOW = datetime(2026, 3, 23, 9, tzinfo=UTC)


class ScriptedWakeup:
    """Answers each wait with the next scripted announcement (``None``: timed out) and
    records how long it was asked to wait, in whole seconds."""

    def __init__(self, *answers: datetime | None) -> None:
        self.answers = list(answers)
        self.waits: list[int] = []

    def wait(self, timeout: float) -> datetime | None:
        self.waits.append(round(timeout))
        return self.answers.pop(0) if self.answers else None

    def close(self) -> None:
        """Nothing to release."""


def sleep(wakeup: ScriptedWakeup, upcoming: datetime | None, nap: float = 3600) -> None:
    sleep_until_due(FakeClock(NOW), wakeup, upcoming, nap, threading.Event())


def test_a_change_due_after_the_awaited_moment_does_not_end_the_sleep() -> None:
    wakeup = ScriptedWakeup(NOW + timedelta(minutes=15), None)
    sleep(wakeup, NOW + timedelta(minutes=10))
    assert wakeup.waits == [600, 600]


def test_a_change_due_sooner_shortens_the_sleep_to_its_moment() -> None:
    wakeup = ScriptedWakeup(NOW + timedelta(minutes=1), None)
    sleep(wakeup, NOW + timedelta(minutes=10))
    assert wakeup.waits == [600, 60]


def test_a_change_due_now_ends_the_sleep_at_once() -> None:
    wakeup = ScriptedWakeup(NOW)
    sleep(wakeup, NOW + timedelta(minutes=10))
    assert wakeup.waits == [600]


def test_a_change_that_does_not_say_when_it_is_due_ends_the_sleep() -> None:
    wakeup = ScriptedWakeup(EARLIEST)
    sleep(wakeup, NOW + timedelta(minutes=10))
    assert wakeup.waits == [600]


def test_with_nothing_scheduled_the_worker_naps_and_a_new_timer_becomes_the_awaited_moment() -> None:
    wakeup = ScriptedWakeup(NOW + timedelta(minutes=5), None)
    sleep(wakeup, None, nap=30)
    assert wakeup.waits == [30, 30]
