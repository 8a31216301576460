"""Test oracle: the first, day-walking business calendar, kept deliberately slow and simple.

It shares no code with ``sevflow.domain.calendar`` so the property tests compare two independent
readings of the same contract. Changes from the original skeleton, each to match a documented rule:

- an ``end`` of ``None`` (or ``time(0)``) means midnight at the end of that day;
- every local time is resolved with fold=0 (gap times use the offset before the change);
- a window whose resolved end is not after its resolved start is empty, and windows that overlap
  in real time (possible only next to a spring-forward gap) count once: business time is the
  union of the windows;
- arithmetic is exact in microseconds (``timedelta``), seconds are floored only when returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SECOND = timedelta(seconds=1)


class OracleCalendar:
    def __init__(
        self,
        zone: str,
        week: Mapping[int, Sequence[tuple[time, time | None]]],
        holidays: Iterable[date] | Callable[[int], Iterable[date]] = (),
    ) -> None:
        self.zone = ZoneInfo(zone)
        self.week = {day: tuple(week.get(day, ())) for day in range(7)}
        self._holiday_fn = holidays if callable(holidays) else None
        self._fixed = frozenset() if callable(holidays) else frozenset(holidays)

    def _is_holiday(self, day: date) -> bool:
        if day in self._fixed:
            return True
        return self._holiday_fn is not None and day in set(self._holiday_fn(day.year))

    def _windows(self, day: date) -> list[tuple[datetime, datetime]]:
        if self._is_holiday(day):
            return []
        out = []
        for start, end in self.week[day.weekday()]:
            a = datetime.combine(day, start.replace(fold=0), self.zone).astimezone(UTC)
            if end is None or end == time(0):
                b = datetime.combine(day + timedelta(days=1), time(0), self.zone).astimezone(UTC)
            else:
                b = datetime.combine(day, end.replace(fold=0), self.zone).astimezone(UTC)
            if b > a:
                out.append((a, b))
        return sorted(out)

    def _walk(self, first_day: date) -> Iterable[tuple[datetime, datetime]]:
        """Disjoint windows in time order from ``first_day`` on (overlaps clipped away)."""
        covered: datetime | None = None
        day = first_day
        for _ in range(366 * 30):
            for a, b in self._windows(day):
                if covered is not None:
                    a = max(a, covered)
                if b > a:
                    covered = b
                    yield a, b
            day += timedelta(days=1)

    def add(self, start: datetime, seconds: int) -> datetime:
        start = start.astimezone(UTC)
        if seconds == 0:
            return start
        left = timedelta(seconds=seconds)
        for a, b in self._walk(start.astimezone(self.zone).date() - timedelta(days=1)):
            a = max(a, start)
            if b <= a:
                continue
            if b - a >= left:
                return a + left
            left -= b - a
        raise AssertionError("no working time within 30 years")

    def business_seconds(self, start: datetime, end: datetime) -> int:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return 0
        total = timedelta()
        for a, b in self._walk(start.astimezone(self.zone).date() - timedelta(days=1)):
            if a >= end:
                break
            a, b = max(a, start), min(b, end)
            if b > a:
                total += b - a
        return total // SECOND

    def is_open(self, at: datetime) -> bool:
        day = at.astimezone(self.zone).date()
        for a, b in self._walk(day - timedelta(days=1)):
            if a > at:
                return False
            if a <= at < b:
                return True
        return False
