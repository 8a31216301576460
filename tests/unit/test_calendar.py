"""Business calendar: exact deadlines across nights, weekends, lunch, holidays and DST changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sevflow.domain.calendar import BusinessCalendar
from sevflow.domain.errors import InvalidInput

HOUR = 3600
WEEKDAYS = range(5)


def local(zone: str, text: str, *, fold: int = 0) -> datetime:
    """``local("Europe/Berlin", "2026-03-27 16:30")`` -> that instant, in UTC.

    Converted to UTC because Python never finds an ambiguous local time with fold=1 equal to an
    instant in another zone (PEP 495), and deadlines come back in UTC.
    """
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def office(zone: str = "Europe/Berlin", holidays: Iterable[date] = ()) -> BusinessCalendar:
    """Mon-Fri 09:00-17:00."""
    return BusinessCalendar("office", zone, {d: [(time(9), time(17))] for d in WEEKDAYS}, holidays)


def split_day(zone: str = "Europe/Berlin") -> BusinessCalendar:
    """Mon-Fri 09:00-12:00 and 13:00-18:00 (lunch break 12-13)."""
    return BusinessCalendar("split", zone, {d: [(time(9), time(12)), (time(13), time(18))] for d in WEEKDAYS})


def whole_days(zone: str) -> BusinessCalendar:
    """Every local day 00:00-24:00: business time is real time, windows span the DST changes."""
    return BusinessCalendar("24x7-local", zone, {d: [(time(0), None)] for d in range(7)})


def night_shift(zone: str) -> BusinessCalendar:
    """Every night 22:00-06:00, written as 22:00-midnight plus 00:00-06:00 the next day."""
    return BusinessCalendar("nights", zone, {d: [(time(0), time(6)), (time(22), None)] for d in range(7)})


BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"


# -- nights, weekends, windows ---------------------------------------------------------------


def test_deadline_inside_one_window_is_plain_addition() -> None:
    assert office().add(local(BERLIN, "2026-03-02 10:00"), 2 * HOUR) == local(BERLIN, "2026-03-02 12:00")


def test_deadline_is_returned_in_utc() -> None:
    deadline = office().add(local(BERLIN, "2026-03-02 10:00"), 2 * HOUR)
    assert deadline.tzinfo is UTC
    assert deadline == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)


def test_deadline_skips_the_night_and_resumes_next_morning() -> None:
    assert office().add(local(BERLIN, "2026-03-02 16:00"), 2 * HOUR) == local(BERLIN, "2026-03-03 10:00")


def test_deadline_skips_the_weekend_and_resumes_monday_morning() -> None:
    assert office().add(local(BERLIN, "2026-03-06 16:30"), 4 * HOUR) == local(BERLIN, "2026-03-09 12:30")


def test_start_on_a_saturday_counts_from_monday_opening() -> None:
    assert office().add(local(BERLIN, "2026-03-07 11:00"), HOUR) == local(BERLIN, "2026-03-09 10:00")


def test_start_before_opening_counts_from_opening() -> None:
    assert office().add(local(BERLIN, "2026-03-02 06:15"), HOUR) == local(BERLIN, "2026-03-02 10:00")


def test_start_exactly_at_opening_counts_from_that_instant() -> None:
    assert office().add(local(BERLIN, "2026-03-02 09:00"), 90 * 60) == local(BERLIN, "2026-03-02 10:30")


def test_start_exactly_at_closing_counts_from_next_opening() -> None:
    assert office().add(local(BERLIN, "2026-03-02 17:00"), HOUR) == local(BERLIN, "2026-03-03 10:00")


def test_deadline_landing_exactly_at_closing_time_is_closing_time_not_next_morning() -> None:
    assert office().add(local(BERLIN, "2026-03-02 09:00"), 8 * HOUR) == local(BERLIN, "2026-03-02 17:00")
    assert office().add(local(BERLIN, "2026-03-06 13:00"), 4 * HOUR) == local(BERLIN, "2026-03-06 17:00")


def test_one_second_more_than_the_day_lands_one_second_after_next_opening() -> None:
    assert office().add(local(BERLIN, "2026-03-02 09:00"), 8 * HOUR + 1) == local(
        BERLIN, "2026-03-03 09:00:01"
    )


def test_adding_zero_returns_the_start_itself_even_outside_working_hours() -> None:
    start = local(BERLIN, "2026-03-07 23:45:12.5")
    assert office().add(start, 0) == start
    assert office().add(start, 0).tzinfo is UTC


def test_sub_second_part_of_a_start_inside_a_window_is_kept() -> None:
    cal = office()
    assert cal.add(local(BERLIN, "2026-03-02 10:00:00.250"), HOUR) == local(BERLIN, "2026-03-02 11:00:00.250")
    assert cal.add(local(BERLIN, "2026-03-02 16:59:59.750"), 1) == local(BERLIN, "2026-03-03 09:00:00.750")


def test_sub_second_part_of_a_start_outside_working_hours_does_not_matter() -> None:
    assert office().add(local(BERLIN, "2026-03-02 07:00:00.999"), HOUR) == local(BERLIN, "2026-03-02 10:00")


def test_start_given_in_another_zone_is_the_same_instant() -> None:
    start = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)  # 16:30 in Berlin, a Friday
    assert office().add(start, 4 * HOUR) == local(BERLIN, "2026-03-09 12:30")


# -- split days (lunch break) ----------------------------------------------------------------


def test_split_day_skips_the_lunch_break() -> None:
    assert split_day().add(local(BERLIN, "2026-03-02 11:30"), HOUR) == local(BERLIN, "2026-03-02 13:30")


def test_split_day_deadline_landing_at_lunch_is_noon() -> None:
    assert split_day().add(local(BERLIN, "2026-03-02 11:00"), HOUR) == local(BERLIN, "2026-03-02 12:00")


def test_split_day_start_during_lunch_counts_from_one_oclock() -> None:
    assert split_day().add(local(BERLIN, "2026-03-02 12:20"), 30 * 60) == local(BERLIN, "2026-03-02 13:30")


def test_split_day_counts_eight_hours_a_day() -> None:
    cal = split_day()
    assert (
        cal.business_seconds(local(BERLIN, "2026-03-02 00:00"), local(BERLIN, "2026-03-03 00:00")) == 8 * HOUR
    )
    assert cal.add(local(BERLIN, "2026-03-02 17:30"), 4 * HOUR) == local(BERLIN, "2026-03-03 13:30")


def test_split_day_is_closed_over_lunch() -> None:
    cal = split_day()
    assert cal.is_open(local(BERLIN, "2026-03-02 11:59:59.999999"))
    assert not cal.is_open(local(BERLIN, "2026-03-02 12:00"))
    assert cal.is_open(local(BERLIN, "2026-03-02 13:00"))


# -- holidays --------------------------------------------------------------------------------


def test_explicit_holidays_are_skipped() -> None:
    cal = office(holidays=[date(2026, 12, 24), date(2026, 12, 25)])
    # Wednesday 23 Dec 16:00 + 2h: 1h on Wednesday, Thu/Fri holidays, weekend, 1h on Monday 28
    assert cal.add(local(BERLIN, "2026-12-23 16:00"), 2 * HOUR) == local(BERLIN, "2026-12-28 10:00")


def test_start_on_a_holiday_counts_from_the_next_working_morning() -> None:
    cal = office(holidays=[date(2026, 5, 1)])  # a Friday
    assert cal.add(local(BERLIN, "2026-05-01 10:00"), HOUR) == local(BERLIN, "2026-05-04 10:00")
    assert not cal.is_open(local(BERLIN, "2026-05-01 10:00"))


def test_callable_holidays_are_asked_once_per_year_and_apply_across_the_year_end() -> None:
    asked: list[int] = []

    def christmas_and_new_year(year: int) -> list[date]:
        asked.append(year)
        return [date(year, 12, 24), date(year, 12, 25), date(year, 12, 31), date(year, 1, 1)]

    cal = BusinessCalendar("de", BERLIN, {d: [(time(9), time(17))] for d in WEEKDAYS}, christmas_and_new_year)
    # Wed 23 Dec 2026 16:00 + 4 working days: 1h Wed; Mon 28, Tue 29, Wed 30 (8h each); then
    # 31 Dec and 1 Jan are holidays, weekend, so the last 7h fall on Monday 4 Jan 2027
    assert cal.add(local(BERLIN, "2026-12-23 16:00"), 32 * HOUR) == local(BERLIN, "2027-01-04 16:00")
    assert cal.add(local(BERLIN, "2026-12-28 09:00"), HOUR) == local(BERLIN, "2026-12-28 10:00")
    assert sorted(set(asked)) == [2026, 2027]
    assert len(asked) == len(set(asked))


def test_business_seconds_skip_holidays() -> None:
    cal = office(holidays=[date(2026, 12, 24), date(2026, 12, 25)])
    assert (
        cal.business_seconds(local(BERLIN, "2026-12-21 00:00"), local(BERLIN, "2026-12-28 00:00"))
        == 24 * HOUR
    )


# -- long targets and far dates --------------------------------------------------------------


def test_target_of_three_working_weeks_ends_on_the_third_friday_at_closing() -> None:
    assert office().add(local(BERLIN, "2026-03-02 09:00"), 15 * 8 * HOUR) == local(BERLIN, "2026-03-20 17:00")


def test_target_longer_than_a_year_crosses_the_year_end_with_holidays() -> None:
    cal = office(holidays=[date(2026, 12, 25), date(2027, 1, 1)])
    start = local(BERLIN, "2026-01-05 09:00")
    # 259 weekdays from Mon 5 Jan to Thu 31 Dec 2026, Fri 25 Dec off: 258 working days;
    # one more day skips New Year's Day and the weekend
    assert cal.add(start, 258 * 8 * HOUR) == local(BERLIN, "2026-12-31 17:00")
    assert cal.add(start, 259 * 8 * HOUR) == local(BERLIN, "2027-01-04 17:00")


def test_far_future_and_far_past_dates_are_computed_on_demand() -> None:
    cal = office()
    assert cal.add(local(BERLIN, "2099-12-31 16:00"), 2 * HOUR) == local(BERLIN, "2100-01-01 10:00")
    assert cal.add(local(BERLIN, "1999-12-31 16:00"), 2 * HOUR) == local(BERLIN, "2000-01-03 10:00")
    assert cal.add(local(BERLIN, "2026-03-06 16:30"), 4 * HOUR) == local(BERLIN, "2026-03-09 12:30")


def test_business_seconds_over_several_years_add_whole_years() -> None:
    cal = whole_days("UTC")
    start, end = datetime(2025, 6, 1, tzinfo=UTC), datetime(2029, 6, 1, 0, 0, 7, tzinfo=UTC)
    assert cal.business_seconds(start, end) == int((end - start).total_seconds())


# -- business_seconds, is_open, next_open ----------------------------------------------------


def test_business_seconds_over_a_weekend_count_only_working_time() -> None:
    assert (
        office().business_seconds(local(BERLIN, "2026-03-06 16:00"), local(BERLIN, "2026-03-09 10:00"))
        == 2 * HOUR
    )


def test_business_seconds_are_zero_when_end_is_not_after_start() -> None:
    start = local(BERLIN, "2026-03-02 10:00")
    assert office().business_seconds(start, start) == 0
    assert office().business_seconds(start, start - timedelta(hours=1)) == 0


def test_business_seconds_floor_to_whole_seconds() -> None:
    cal = office()
    assert (
        cal.business_seconds(local(BERLIN, "2026-03-02 10:00"), local(BERLIN, "2026-03-02 10:00:01.999")) == 1
    )


def test_is_open_treats_windows_as_half_open() -> None:
    cal = office()
    assert cal.is_open(local(BERLIN, "2026-03-02 09:00"))
    assert cal.is_open(local(BERLIN, "2026-03-02 16:59:59.999999"))
    assert not cal.is_open(local(BERLIN, "2026-03-02 17:00"))
    assert not cal.is_open(local(BERLIN, "2026-03-07 12:00"))


def test_next_open_is_the_instant_itself_when_open_else_the_next_opening() -> None:
    cal = office()
    assert cal.next_open(local(BERLIN, "2026-03-02 10:00")) == local(BERLIN, "2026-03-02 10:00")
    assert cal.next_open(local(BERLIN, "2026-03-02 17:00")) == local(BERLIN, "2026-03-03 09:00")
    assert cal.next_open(local(BERLIN, "2026-12-31 18:00")) == local(BERLIN, "2027-01-01 09:00")


def test_always_open_counts_every_second() -> None:
    cal = BusinessCalendar.always_open()
    start = local(BERLIN, "2026-03-28 23:00")
    assert cal.add(start, 3 * HOUR) == start + timedelta(hours=3)
    assert cal.business_seconds(start, start + timedelta(days=2)) == 48 * HOUR
    assert cal.is_open(start)
    assert (cal.name, cal.zone_name, cal.zone) == ("24x7", "UTC", ZoneInfo("UTC"))


def test_public_attributes_name_the_calendar_and_its_zone() -> None:
    cal = office(NEW_YORK)
    assert (cal.name, cal.zone_name, cal.zone) == ("office", NEW_YORK, ZoneInfo(NEW_YORK))


def test_describe_summarises_the_week_for_people() -> None:
    assert split_day().describe() == "split (Europe/Berlin): Mon-Fri 09:00-12:00, 13:00-18:00; Sat-Sun closed"
    assert night_shift("UTC").describe() == "nights (UTC): Mon-Sun 00:00-06:00, 22:00-24:00"


# -- DST: New York -------------------------------------------------------------------------


def test_new_york_office_hours_resume_at_local_nine_after_spring_forward() -> None:
    cal = office(NEW_YORK)
    deadline = cal.add(local(NEW_YORK, "2026-03-06 16:00"), 2 * HOUR)
    assert deadline == local(NEW_YORK, "2026-03-09 10:00")
    assert deadline == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # EDT, UTC-4


def test_new_york_office_hours_resume_at_local_nine_after_fall_back() -> None:
    cal = office(NEW_YORK)
    assert cal.add(local(NEW_YORK, "2026-10-30 16:00"), 2 * HOUR) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def test_new_york_spring_forward_day_has_23_real_hours() -> None:
    cal = whole_days(NEW_YORK)
    day = (local(NEW_YORK, "2026-03-08 00:00"), local(NEW_YORK, "2026-03-09 00:00"))
    assert cal.business_seconds(*day) == 23 * HOUR
    # 23:00 EST + 3h of real time is 03:00 EDT: 02:00-03:00 never happens
    assert cal.add(local(NEW_YORK, "2026-03-07 23:00"), 3 * HOUR) == local(NEW_YORK, "2026-03-08 03:00")


def test_new_york_fall_back_day_has_25_real_hours() -> None:
    cal = whole_days(NEW_YORK)
    assert (
        cal.business_seconds(local(NEW_YORK, "2026-11-01 00:00"), local(NEW_YORK, "2026-11-02 00:00"))
        == 25 * HOUR
    )
    # 00:30 EDT + 2h is the second 01:30 (EST)
    assert cal.add(local(NEW_YORK, "2026-11-01 00:30"), 2 * HOUR) == local(
        NEW_YORK, "2026-11-01 01:30", fold=1
    )


def test_window_starting_in_the_spring_forward_gap_starts_as_far_after_it_as_it_was_into_it() -> None:
    # Sunday 02:30-04:00 on 8 March 2026: 02:30 does not exist; fold=0 makes it 03:30 EDT
    cal = BusinessCalendar("gap", NEW_YORK, {6: [(time(2, 30), time(4))]})
    assert cal.next_open(local(NEW_YORK, "2026-03-08 00:00")) == local(NEW_YORK, "2026-03-08 03:30")
    assert not cal.is_open(local(NEW_YORK, "2026-03-08 03:15"))
    assert (
        cal.business_seconds(local(NEW_YORK, "2026-03-08 00:00"), local(NEW_YORK, "2026-03-09 00:00")) == 1800
    )


def test_window_ending_in_the_gap_and_overlapping_the_next_counts_the_overlap_once() -> None:
    # 01:00-02:45 resolves to 01:00 EST-03:45 EDT, which overlaps 03:00-04:00 EDT:
    # the union is 01:00 EST-04:00 EDT, two real hours
    cal = BusinessCalendar("overlap", NEW_YORK, {6: [(time(1), time(2, 45)), (time(3), time(4))]})
    day = (local(NEW_YORK, "2026-03-08 00:00"), local(NEW_YORK, "2026-03-09 00:00"))
    assert cal.business_seconds(*day) == 2 * HOUR
    assert cal.add(local(NEW_YORK, "2026-03-08 00:00"), 2 * HOUR) == local(NEW_YORK, "2026-03-08 04:00")


def test_window_that_collapses_in_the_gap_is_empty() -> None:
    # 02:30-03:15 resolves to 03:30 EDT-03:15 EDT: nothing
    cal = BusinessCalendar("collapsed", NEW_YORK, {6: [(time(2, 30), time(3, 15))], 0: [(time(9), time(10))]})
    assert cal.business_seconds(local(NEW_YORK, "2026-03-08 00:00"), local(NEW_YORK, "2026-03-09 00:00")) == 0
    assert cal.next_open(local(NEW_YORK, "2026-03-08 00:00")) == local(NEW_YORK, "2026-03-09 09:00")


def test_ambiguous_window_times_on_fall_back_mean_their_first_occurrence() -> None:
    cal = BusinessCalendar("ambiguous", NEW_YORK, {6: [(time(1), time(1, 30))]})
    assert cal.is_open(local(NEW_YORK, "2026-11-01 01:15", fold=0))  # EDT
    assert not cal.is_open(local(NEW_YORK, "2026-11-01 01:15", fold=1))  # EST, an hour later
    late = BusinessCalendar("late", NEW_YORK, {6: [(time(1, 30), time(2))]})
    # 01:30 EDT to 02:00 EST is an hour and a half of real time
    assert (
        late.business_seconds(local(NEW_YORK, "2026-11-01 00:00"), local(NEW_YORK, "2026-11-02 00:00"))
        == 5400
    )


# -- DST: Berlin ---------------------------------------------------------------------------


def test_berlin_night_shift_loses_an_hour_in_the_spring_night() -> None:
    cal = night_shift(BERLIN)
    # Sat 28 Mar 22:00: 2h to midnight, then 00:00-06:00 on the 29th is 5 real hours
    assert cal.add(local(BERLIN, "2026-03-28 22:00"), 7 * HOUR) == local(BERLIN, "2026-03-29 06:00")
    night = (local(BERLIN, "2026-03-28 12:00"), local(BERLIN, "2026-03-29 12:00"))
    assert cal.business_seconds(*night) == 7 * HOUR


def test_berlin_night_shift_gains_an_hour_in_the_autumn_night() -> None:
    cal = night_shift(BERLIN)
    assert cal.add(local(BERLIN, "2026-10-24 22:00"), 9 * HOUR) == local(BERLIN, "2026-10-25 06:00")
    # the repeated hour is working time both times: 02:30 CEST + 1h is 02:30 CET
    assert cal.add(local(BERLIN, "2026-10-25 02:30"), HOUR) == local(BERLIN, "2026-10-25 02:30", fold=1)


def test_berlin_office_day_on_the_dst_sunday_is_still_eight_hours() -> None:
    cal = BusinessCalendar("sundays", BERLIN, {6: [(time(9), time(17))]})
    assert (
        cal.business_seconds(local(BERLIN, "2026-03-29 00:00"), local(BERLIN, "2026-03-30 00:00")) == 8 * HOUR
    )
    assert cal.add(local(BERLIN, "2026-03-28 12:00"), HOUR) == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


def test_berlin_office_deadline_over_the_dst_weekend_is_local_time_on_monday() -> None:
    cal = office(BERLIN)
    assert cal.add(local(BERLIN, "2026-03-27 16:30"), 4 * HOUR) == datetime(2026, 3, 30, 10, 30, tzinfo=UTC)
    assert cal.add(local(BERLIN, "2026-10-23 16:30"), 4 * HOUR) == datetime(2026, 10, 26, 11, 30, tzinfo=UTC)


# -- DST: Sydney (southern hemisphere: ends in April, starts in October) ------------------


def test_sydney_whole_day_is_25_hours_when_dst_ends_and_23_when_it_starts() -> None:
    cal = whole_days(SYDNEY)
    assert (
        cal.business_seconds(local(SYDNEY, "2026-04-05 00:00"), local(SYDNEY, "2026-04-06 00:00"))
        == 25 * HOUR
    )
    assert (
        cal.business_seconds(local(SYDNEY, "2026-10-04 00:00"), local(SYDNEY, "2026-10-05 00:00"))
        == 23 * HOUR
    )


def test_sydney_night_shift_across_both_changes() -> None:
    cal = night_shift(SYDNEY)
    assert cal.add(local(SYDNEY, "2026-04-04 22:00"), 9 * HOUR) == local(SYDNEY, "2026-04-05 06:00")
    assert cal.add(local(SYDNEY, "2026-10-03 22:00"), 7 * HOUR) == local(SYDNEY, "2026-10-04 06:00")


def test_sydney_easter_long_weekend_with_dst_ending() -> None:
    # Good Friday 3 Apr and Easter Monday 6 Apr 2026 are holidays; DST ends on Sunday 5 Apr
    cal = office(SYDNEY, holidays=[date(2026, 4, 3), date(2026, 4, 6)])
    deadline = cal.add(local(SYDNEY, "2026-04-02 16:00"), 2 * HOUR)
    assert deadline == local(SYDNEY, "2026-04-07 10:00")
    assert deadline == datetime(2026, 4, 7, 0, 0, tzinfo=UTC)  # AEST, UTC+10


# -- errors ----------------------------------------------------------------------------------


def test_naive_start_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        office().add(datetime(2026, 3, 2, 9, 0), HOUR)  # noqa: DTZ001 - the point of the test
    assert str(err.value) == (
        "start 2026-03-02T09:00:00 has no time-zone offset; give one, e.g. 2026-03-27T16:30:00+01:00 or ...Z"
    )


def test_naive_end_and_naive_at_are_refused_by_name() -> None:
    aware = local(BERLIN, "2026-03-02 09:00")
    naive = datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(InvalidInput, match=r"^end 2026-03-02T09:00:00 has no time-zone offset"):
        office().business_seconds(aware, naive)
    with pytest.raises(InvalidInput, match=r"^at 2026-03-02T09:00:00 has no time-zone offset"):
        office().is_open(naive)


def test_a_start_that_is_not_a_datetime_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        office().add("2026-03-02T09:00+01:00", HOUR)  # type: ignore[arg-type]
    assert str(err.value) == "start must be an aware datetime, got '2026-03-02T09:00+01:00'"


def test_negative_business_time_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        office().add(local(BERLIN, "2026-03-02 09:00"), -1)
    assert str(err.value) == "business time to add must be >= 0 seconds, got -1"


def test_fractional_business_time_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        office().add(local(BERLIN, "2026-03-02 09:00"), 1.5)  # type: ignore[arg-type]
    assert str(err.value) == "business time to add must be a whole number of seconds, got 1.5"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "europe/berlin", "America", "", "../etc/passwd"])
def test_unknown_zone_is_refused_with_its_name_and_what_is_allowed(zone: str) -> None:
    with pytest.raises(InvalidInput) as err:
        office(zone)
    assert str(err.value) == (
        f"unknown time zone {zone!r}; use an IANA name such as Europe/Berlin, America/New_York or UTC"
    )


def test_calendar_without_any_working_hours_is_refused_at_once() -> None:
    with pytest.raises(InvalidInput) as err:
        BusinessCalendar("never", BERLIN, {5: [], 6: []})
    assert str(err.value) == (
        "calendar 'never' has no working hours on any weekday; give at least one (start, end) window, "
        "or use BusinessCalendar.always_open()"
    )


def test_calendar_whose_holidays_close_every_day_fails_instead_of_looping() -> None:
    def every_day(year: int) -> list[date]:
        days = (date(year, 1, 1) + timedelta(days=n) for n in range(366))
        return [day for day in days if day.year == year]

    cal = BusinessCalendar("closed", BERLIN, {0: [(time(9), time(17))]}, every_day)
    message = (
        "calendar 'closed' has no working time in the 30 years from 2026; "
        "its holidays close every working day"
    )
    with pytest.raises(InvalidInput) as err:
        cal.add(local(BERLIN, "2026-03-02 09:00"), HOUR)
    assert str(err.value) == message
    with pytest.raises(InvalidInput) as err:
        cal.next_open(local(BERLIN, "2026-03-02 09:00"))
    assert str(err.value) == message


def test_deadline_beyond_the_supported_years_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        office().add(local(BERLIN, "9998-12-31 16:00"), 2 * HOUR)
    assert str(err.value) == (
        "business time from 9998-12-31T15:00:00+00:00 runs into the year 9999; "
        "calendar 'office' computes within the years 2..9998"
    )


@pytest.mark.parametrize(
    ("week", "message"),
    [
        (
            {7: [(time(9), time(17))]},
            "calendar 'bad': weekday 7 is not allowed; use 0 (Monday) .. 6 (Sunday)",
        ),
        (
            {0: [(time(17), time(9))]},
            "calendar 'bad', Mon: window 17:00-09:00 ends before it starts; for a shift past midnight "
            "end it at None (midnight) and continue the next day from 00:00",
        ),
        (
            {1: [(time(9), time(13)), (time(12), time(18))]},
            "calendar 'bad', Tue: windows overlap at 12:00-18:00; give non-overlapping windows",
        ),
        (
            {2: [("09:00", "17:00")]},
            "calendar 'bad', Wed: ('09:00', '17:00') is not a (start, end) pair of times (end may be None)",
        ),
        (
            {3: [(time(9),)]},
            "calendar 'bad', Thu: (datetime.time(9, 0),) is not a (start, end) pair of times",
        ),
        (
            {4: [(time(9, tzinfo=UTC), time(17, tzinfo=UTC))]},
            "calendar 'bad', Fri: window times are local wall times and must not carry a tzinfo",
        ),
    ],
)
def test_malformed_weeks_are_refused_with_the_reason(week: dict[object, object], message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        BusinessCalendar("bad", BERLIN, week)  # type: ignore[arg-type]
    assert str(err.value) == message


def test_holiday_given_as_a_datetime_is_refused_rather_than_ignored() -> None:
    with pytest.raises(InvalidInput) as err:
        office(holidays=[datetime(2026, 12, 25, tzinfo=UTC)])  # type: ignore[list-item]
    assert str(err.value) == (
        "calendar 'office': holiday datetime.datetime(2026, 12, 25, 0, 0, tzinfo=datetime.timezone.utc) "
        "is not a date; give datetime.date values"
    )


def test_windows_may_be_given_in_any_order_and_midnight_as_time_zero() -> None:
    cal = BusinessCalendar("late", BERLIN, {0: [(time(22), time(0)), (time(9), time(12))]})
    assert cal.week[0] == ((time(9), time(12)), (time(22), None))
    assert cal.add(local(BERLIN, "2026-03-02 11:00"), 2 * HOUR) == local(BERLIN, "2026-03-02 23:00")
    assert cal.add(local(BERLIN, "2026-03-02 11:00"), 3 * HOUR) == local(BERLIN, "2026-03-03 00:00")
