"""SLA clocks on a Mon-Fri 09:00-17:00 Europe/Berlin calendar (UTC+1 in January 2026).

2026-01-05 is a Monday. 09:00 Berlin = 08:00 UTC; 17:00 Berlin = 16:00 UTC.
"""

from sevflow.domain.policy import ClockKind
from sevflow.domain.sla import ClockState, SlaClock
from tests.unit.policy_builder import OFFICE, utc

HOUR = 3600


def start_monday_10() -> SlaClock:
    return SlaClock.start(ClockKind.RESOLUTION, 8 * HOUR, "office", utc(2026, 1, 5, 9))


def test_deadline_of_a_running_clock_counts_business_time_only() -> None:
    clock = start_monday_10()  # 10:00 Berlin + 8 business hours = Tuesday 10:00 Berlin
    assert clock.deadline_at(OFFICE) == utc(2026, 1, 6, 9)
    assert clock.elapsed_seconds(OFFICE, utc(2026, 1, 5, 15)) == 6 * HOUR
    assert clock.percent(OFFICE, utc(2026, 1, 5, 15)) == 75.0
    assert clock.remaining_seconds(OFFICE, utc(2026, 1, 5, 15)) == 2 * HOUR


def test_a_pause_that_starts_and_ends_outside_working_hours_costs_nothing() -> None:
    clock = start_monday_10().pause(OFFICE, utc(2026, 1, 5, 19))  # Monday 20:00 Berlin
    assert clock.state is ClockState.PAUSED
    assert clock.deadline_at(OFFICE) is None
    resumed = clock.resume(OFFICE, utc(2026, 1, 6, 6))  # Tuesday 07:00 Berlin
    assert resumed.paused_seconds == 0
    assert resumed.deadline_at(OFFICE) == utc(2026, 1, 6, 9)


def test_a_pause_during_working_hours_moves_the_deadline_by_the_business_time_paused() -> None:
    clock = start_monday_10().pause(OFFICE, utc(2026, 1, 5, 10))  # 11:00 Berlin, 1h consumed
    resumed = clock.resume(OFFICE, utc(2026, 1, 5, 13))  # 14:00 Berlin: 3 business hours paused
    assert resumed.consumed_seconds == HOUR
    assert resumed.paused_seconds == 3 * HOUR
    # 7h left from Monday 14:00 Berlin: 3h Monday, 4h Tuesday -> Tuesday 13:00 Berlin
    assert resumed.deadline_at(OFFICE) == utc(2026, 1, 6, 12)


def test_a_pause_over_a_weekend_counts_only_the_friday_and_monday_working_time_as_paused() -> None:
    friday = SlaClock.start(ClockKind.RESOLUTION, 8 * HOUR, "office", utc(2026, 1, 9, 8))  # Fri 09:00
    paused = friday.pause(OFFICE, utc(2026, 1, 9, 14))  # Fri 15:00 Berlin: 6h consumed
    resumed = paused.resume(OFFICE, utc(2026, 1, 12, 9))  # Mon 10:00 Berlin
    assert resumed.paused_seconds == 3 * HOUR  # Fri 15-17 and Mon 09-10
    assert resumed.deadline_at(OFFICE) == utc(2026, 1, 12, 11)  # Mon 12:00 Berlin


def test_a_stopped_clock_knows_whether_its_target_was_met() -> None:
    on_time = start_monday_10().stop(OFFICE, utc(2026, 1, 5, 15))
    late = start_monday_10().stop(OFFICE, utc(2026, 1, 6, 10))
    assert (on_time.met(), on_time.consumed_seconds) == (True, 6 * HOUR)
    assert (late.met(), late.consumed_seconds) == (False, 9 * HOUR)
    assert start_monday_10().met() is None


def test_threshold_instants_round_up_to_the_whole_second() -> None:
    clock = SlaClock.start(ClockKind.FIRST_RESPONSE, 10, "24x7", utc(2026, 1, 5, 9))
    from tests.unit.policy_builder import ALWAYS

    assert clock.instant_at_percent(ALWAYS, 75) == utc(2026, 1, 5, 9, 0, 8)  # 7.5 s -> 8 s


def test_retargeting_keeps_the_time_already_consumed_and_bumps_the_epoch() -> None:
    clock = start_monday_10()
    tighter = clock.retarget(OFFICE, 2 * HOUR, "office", utc(2026, 1, 5, 10))  # 1h consumed
    assert tighter.consumed_seconds == HOUR
    assert tighter.epoch == 1
    assert tighter.deadline_at(OFFICE) == utc(2026, 1, 5, 11)


def test_restart_begins_a_new_epoch_from_zero() -> None:
    clock = SlaClock.start(ClockKind.NEXT_UPDATE, HOUR, "office", utc(2026, 1, 5, 9))
    again = clock.restart(utc(2026, 1, 5, 9, 30))
    assert (again.consumed_seconds, again.epoch) == (0, 1)
    assert again.deadline_at(OFFICE) == utc(2026, 1, 5, 10, 30)


def test_a_clock_survives_a_round_trip_through_its_dict_form() -> None:
    clock = start_monday_10().pause(OFFICE, utc(2026, 1, 5, 10))
    assert SlaClock.from_dict(clock.to_dict()) == clock
