"""Laws of business-time arithmetic, and agreement with the day-walking oracle, on random calendars.

Zones are chosen for their awkward changes: New York, Berlin and Sydney (both hemispheres),
Lord Howe (a 30-minute DST shift), Sao Paulo (changes at midnight until 2019), Kolkata (a
half-hour offset, no DST) and UTC.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sevflow.domain.calendar import BusinessCalendar
from tests.unit.calendar_oracle import OracleCalendar

ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Asia/Kolkata",
)
FIRST, LAST = datetime(2015, 1, 1, tzinfo=UTC), datetime(2030, 12, 31, tzinfo=UTC)
US = timedelta(microseconds=1)

Week = dict[int, list[tuple[time, time | None]]]


@dataclass
class Case:
    cal: BusinessCalendar
    oracle: OracleCalendar
    weekly_seconds: int  # business seconds in a week without holidays (local wall-clock length)
    holidays: list[date]

    def __repr__(self) -> str:  # shown by hypothesis when a case fails
        return f"Case({self.cal.describe()}, holidays={self.holidays})"


def _time(minute: int) -> time | None:
    return None if minute == 24 * 60 else time(minute // 60, minute % 60)


@st.composite
def day_windows(draw: st.DrawFn) -> list[tuple[time, time | None]]:
    """0-3 non-overlapping windows, boundaries on whole minutes, midnight end as None."""
    edges = sorted(set(draw(st.lists(st.integers(0, 24 * 60), max_size=6))))
    if len(edges) % 2:
        edges = edges[1:]
    return [(time(a // 60, a % 60), _time(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    zone = draw(st.sampled_from(ZONES))
    week: Week = {day: draw(day_windows()) for day in range(7)}
    if not any(week.values()):
        week[draw(st.integers(0, 6))] = [(time(9), time(17))]
    # holidays mostly near the usual starts (early 2026), so they actually get hit
    offsets = draw(st.lists(st.integers(-20, 120), max_size=12))
    offsets += draw(st.lists(st.integers(-4000, 1900), max_size=4))
    dates = {date(2026, 1, 1) + timedelta(days=n) for n in offsets}
    if draw(st.booleans()):
        cal = BusinessCalendar("random", zone, week, dates)
        oracle = OracleCalendar(zone, week, dates)
    else:

        def by_year(year: int) -> list[date]:
            return [d for d in dates if d.year == year]

        cal = BusinessCalendar("random", zone, week, by_year)
        oracle = OracleCalendar(zone, week, by_year)
    weekly = 0
    for windows in week.values():
        for start, end in windows:
            weekly += (24 * 3600 if end is None else end.hour * 3600 + end.minute * 60) - (
                start.hour * 3600 + start.minute * 60
            )
    return Case(cal, oracle, weekly, sorted(dates))


instants = st.one_of(
    st.datetimes(FIRST.replace(tzinfo=None), LAST.replace(tzinfo=None), timezones=st.just(UTC)),
    # starts in early 2026, on whole minutes, to land on window edges and holidays often
    st.integers(0, 90 * 24 * 60).map(lambda m: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=m)),
)


@st.composite
def durations(draw: st.DrawFn, case: Case) -> int:
    """Up to about three weeks of business time; whole minutes half of the time."""
    limit = 3 * case.weekly_seconds
    if draw(st.booleans()):
        return 60 * draw(st.integers(0, limit // 60))
    return draw(st.integers(0, limit))


# A few seconds by default, the same examples every run; SEVFLOW_CALENDAR_EXAMPLES=5000 for a deep,
# randomised search before changing the calendar.
_DEEP = int(os.environ.get("SEVFLOW_CALENDAR_EXAMPLES", "0"))
SETTINGS = settings(max_examples=_DEEP or 60, deadline=None, derandomize=not _DEEP)


@SETTINGS
@given(case=cases(), start=instants, data=st.data())
def test_add_agrees_with_the_day_walking_oracle(case: Case, start: datetime, data: st.DataObject) -> None:
    seconds = data.draw(durations(case))
    assert case.cal.add(start, seconds) == case.oracle.add(start, seconds)


@SETTINGS
@given(case=cases(), start=instants, span=st.integers(0, 40 * 24 * 3600 * 10**6))
def test_business_seconds_agree_with_the_day_walking_oracle(case: Case, start: datetime, span: int) -> None:
    end = start + span * US
    assert case.cal.business_seconds(start, end) == case.oracle.business_seconds(start, end)


@SETTINGS
@given(case=cases(), at=instants)
def test_is_open_agrees_with_the_day_walking_oracle(case: Case, at: datetime) -> None:
    assert case.cal.is_open(at) == case.oracle.is_open(at)


@SETTINGS
@given(case=cases(), start=instants, data=st.data())
def test_business_seconds_up_to_a_deadline_are_the_seconds_added(
    case: Case, start: datetime, data: st.DataObject
) -> None:
    seconds = data.draw(durations(case))
    assert case.cal.business_seconds(start, case.cal.add(start, seconds)) == seconds


@SETTINGS
@given(case=cases(), start=instants, data=st.data())
def test_adding_in_two_steps_is_adding_the_sum(case: Case, start: datetime, data: st.DataObject) -> None:
    first = data.draw(durations(case).filter(lambda n: n > 0))
    second = data.draw(durations(case))
    cal = case.cal
    assert cal.add(cal.add(start, first), second) == cal.add(start, first + second)


@SETTINGS
@given(case=cases(), start=instants, data=st.data())
def test_a_later_deadline_for_more_business_time_and_it_is_inside_working_time(
    case: Case, start: datetime, data: st.DataObject
) -> None:
    smaller, larger = sorted((data.draw(durations(case)), data.draw(durations(case))))
    cal = case.cal
    assert start <= cal.add(start, smaller) <= cal.add(start, larger)
    if larger > 0:
        deadline = cal.add(start, larger)
        assert cal.is_open(deadline - US)  # the last microsecond counted was working time
        assert cal.add(start, larger) == cal.add(cal.next_open(start), larger)


@SETTINGS
@given(
    case=cases(), a=instants, gaps=st.tuples(st.integers(0, 20 * 24 * 3600), st.integers(0, 20 * 24 * 3600))
)
def test_business_seconds_add_up_over_consecutive_whole_second_spans(
    case: Case, a: datetime, gaps: tuple[int, int]
) -> None:
    a = a.replace(microsecond=0)
    b = a + timedelta(seconds=gaps[0])
    c = b + timedelta(seconds=gaps[1])
    cal = case.cal
    assert cal.business_seconds(a, c) == cal.business_seconds(a, b) + cal.business_seconds(b, c)
    assert cal.business_seconds(a, c) <= (c - a).total_seconds()


@SETTINGS
@given(case=cases(), at=instants)
def test_next_open_is_open_and_nothing_before_it_counts(case: Case, at: datetime) -> None:
    opening = case.cal.next_open(at)
    assert opening >= at
    assert case.cal.is_open(opening)
    assert case.cal.business_seconds(at, opening) == 0
    assert case.oracle.business_seconds(at, opening) == 0
