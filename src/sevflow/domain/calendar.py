"""Business calendars: working hours in a local zone, holidays, and business-time arithmetic.

CONTRACT (other modules rely on exactly this):

- ``BusinessCalendar(name, zone, week, holidays=())``
    ``zone``: IANA zone name (``Europe/Berlin``); unknown zones raise ``InvalidInput``.
    ``week``: mapping weekday (0=Monday .. 6=Sunday) -> sequence of ``(start, end)`` local
    ``datetime.time`` pairs, non-overlapping, ``start < end``; ``time(0)`` as ``end`` is not
    allowed -- use ``time(23, 59, 59, 999999)``? No: an ``end`` of ``None`` means midnight.
    ``holidays``: iterable of ``date`` or a callable ``year -> iterable of date`` (for country
    calendars, evaluated lazily per year).
- ``BusinessCalendar.always_open(name="24x7")`` -- every second counts.
- ``add(start, seconds) -> datetime``: the instant when ``seconds`` (int >= 0) of business time
  have passed after ``start`` (aware). Result is UTC. ``add(start, 0)`` is ``start`` itself.
  A deadline that falls exactly at the end of a working window is that end instant.
- ``business_seconds(start, end) -> int``: business seconds in ``[start, end)``; 0 if end <= start.
- ``is_open(at) -> bool``.
Laws: ``business_seconds(s, add(s, n)) == n``; ``add(add(s, a), b) == add(s, a + b)`` for a > 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sevflow.domain.errors import InvalidInput
from sevflow.domain.instants import require_aware

HolidaySource = Iterable[date] | Callable[[int], Iterable[date]]
WeeklyHours = Mapping[int, Sequence[tuple[time, time]]]


class BusinessCalendar:
    """First, straightforward implementation (walks day by day); see the module contract."""

    def __init__(self, name: str, zone: str, week: WeeklyHours, holidays: HolidaySource = ()) -> None:
        try:
            self.zone = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                f"unknown time zone {zone!r}; use an IANA name such as Europe/Berlin"
            ) from None
        self.name = name
        self.zone_name = zone
        self.week = {day: tuple(week.get(day, ())) for day in range(7)}
        self._always_open = False
        self._holiday_fn: Callable[[int], Iterable[date]] | None
        if callable(holidays):
            self._holiday_fn = holidays
            self._fixed_holidays: frozenset[date] = frozenset()
        else:
            self._holiday_fn = None
            self._fixed_holidays = frozenset(holidays)
        self._holiday_years: dict[int, frozenset[date]] = {}

    @classmethod
    def always_open(cls, name: str = "24x7") -> BusinessCalendar:
        cal = cls(name, "UTC", {})
        cal._always_open = True
        return cal

    def _is_holiday(self, day: date) -> bool:
        if day in self._fixed_holidays:
            return True
        if self._holiday_fn is None:
            return False
        year = self._holiday_years.get(day.year)
        if year is None:
            year = self._holiday_years[day.year] = frozenset(self._holiday_fn(day.year))
        return day in year

    def _windows(self, day: date) -> list[tuple[datetime, datetime]]:
        if self._is_holiday(day):
            return []
        out = []
        for start, end in self.week[day.weekday()]:
            a = datetime.combine(day, start, self.zone).astimezone(UTC)
            end_day = day + timedelta(days=1) if end == time(0) else day
            b = datetime.combine(end_day, end, self.zone).astimezone(UTC)
            out.append((a, b))
        return out

    def add(self, start: datetime, seconds: int) -> datetime:
        start = require_aware(start, "start")
        if seconds < 0:
            raise InvalidInput(f"business time to add must be >= 0 seconds, got {seconds}")
        if self._always_open or seconds == 0:
            return start + timedelta(seconds=seconds)
        left = timedelta(seconds=seconds)
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        for _ in range(366 * 30):
            for a, b in self._windows(day):
                a = max(a, start)
                if b <= a:
                    continue
                if b - a >= left:
                    return a + left
                left -= b - a
            day += timedelta(days=1)
        raise InvalidInput(f"calendar {self.name!r} has no working time within 30 years")

    def business_seconds(self, start: datetime, end: datetime) -> int:
        start = require_aware(start, "start")
        end = require_aware(end, "end")
        if end <= start:
            return 0
        if self._always_open:
            return int((end - start).total_seconds())
        total = timedelta()
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date()
        while day <= last:
            for a, b in self._windows(day):
                a, b = max(a, start), min(b, end)
                if b > a:
                    total += b - a
            day += timedelta(days=1)
        return int(total.total_seconds())

    def is_open(self, at: datetime) -> bool:
        at = require_aware(at, "at")
        if self._always_open:
            return True
        day = at.astimezone(self.zone).date()
        return any(a <= at < b for d in (day - timedelta(days=1), day) for a, b in self._windows(d))
