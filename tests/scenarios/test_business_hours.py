"""Runs every row of business_hours.csv: a table of deadlines a support manager can review.

Times in the table are local to the row's calendar. A time that happens twice (the hour the
clocks go back) is written with its offset, e.g. ``2026-11-01 01:30-05:00``.
The calendars the table names are defined here, as the people who run those desks describe them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from sevflow.domain.calendar import BusinessCalendar

TABLE = Path(__file__).with_name("business_hours.csv")
MON_FRI = range(5)

# Berlin public holidays 2026 (Women's Day 8 March and Unity Day 3 October fall on a weekend),
# plus two company days: Christmas Eve and New Year's Eve.
BERLIN_HOLIDAYS = [
    date(2026, 1, 1),
    date(2026, 4, 3),
    date(2026, 4, 6),
    date(2026, 5, 1),
    date(2026, 5, 14),
    date(2026, 5, 25),
    date(2026, 12, 24),
    date(2026, 12, 25),
    date(2026, 12, 26),
    date(2026, 12, 31),
    date(2027, 1, 1),
]
# New South Wales public holidays 2026 (Boxing Day is a Saturday, so Monday 28 December is off).
SYDNEY_HOLIDAYS = [
    date(2026, 1, 1),
    date(2026, 1, 26),
    date(2026, 4, 3),
    date(2026, 4, 4),
    date(2026, 4, 6),
    date(2026, 4, 25),
    date(2026, 6, 8),
    date(2026, 10, 5),
    date(2026, 12, 25),
    date(2026, 12, 28),
]


def us_federal_holidays(year: int) -> Iterable[date]:
    """Country holidays, computed per year when the calendar first needs them."""
    return holidays.country_holidays("US", years=year)


CALENDARS = {
    "berlin-office": BusinessCalendar(
        "berlin-office", "Europe/Berlin", {d: [(time(9), time(17))] for d in MON_FRI}, BERLIN_HOLIDAYS
    ),
    "berlin-split": BusinessCalendar(
        "berlin-split",
        "Europe/Berlin",
        {d: [(time(9), time(12)), (time(13), time(18))] for d in MON_FRI},
        BERLIN_HOLIDAYS,
    ),
    "berlin-nights": BusinessCalendar(
        "berlin-nights", "Europe/Berlin", {d: [(time(0), time(6)), (time(22), None)] for d in range(7)}
    ),
    "new-york-office": BusinessCalendar(
        "new-york-office",
        "America/New_York",
        {d: [(time(8), time(18))] for d in MON_FRI},
        us_federal_holidays,
    ),
    "new-york-round-the-clock": BusinessCalendar(
        "new-york-round-the-clock", "America/New_York", {d: [(time(0), None)] for d in range(7)}
    ),
    "sydney-office": BusinessCalendar(
        "sydney-office", "Australia/Sydney", {d: [(time(9), time(17))] for d in MON_FRI}, SYDNEY_HOLIDAYS
    ),
}


def read_rows() -> list[dict[str, str]]:
    with TABLE.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


ROWS = read_rows()


def local_instant(text: str, zone: str) -> datetime:
    """A local wall time (or a time with an explicit offset) as a UTC instant."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(UTC)


def test_the_table_is_well_formed() -> None:
    assert [*ROWS[0]] == [
        "case",
        "calendar",
        "start_local",
        "business_minutes",
        "expected_deadline_local",
        "why",
    ]
    names = [row["case"] for row in ROWS]
    assert len(names) == len(set(names)), "case names must be unique"
    assert {row["calendar"] for row in ROWS} <= set(CALENDARS)
    assert all(row["why"].strip() for row in ROWS), "every case says why"


@pytest.mark.parametrize("row", ROWS, ids=[row["case"] for row in ROWS])
def test_business_hours_case(row: dict[str, str]) -> None:
    cal = CALENDARS[row["calendar"]]
    start = local_instant(row["start_local"], cal.zone_name)
    seconds = int(row["business_minutes"]) * 60
    expected = local_instant(row["expected_deadline_local"], cal.zone_name)

    deadline = cal.add(start, seconds)

    shown = deadline.astimezone(cal.zone).isoformat(sep=" ")
    assert deadline == expected, f"{row['case']}: got {shown}; expected because {row['why']}"
    assert cal.business_seconds(start, deadline) == seconds
