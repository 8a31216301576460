"""Business calendars: working hours in a local zone, holidays, and business-time arithmetic.

CONTRACT (other modules rely on exactly this):

- ``BusinessCalendar(name, zone, week, holidays=())``
    ``zone``: IANA zone name (``Europe/Berlin``); unknown zones raise ``InvalidInput``.
    ``week``: mapping weekday (0=Monday .. 6=Sunday) -> sequence of ``(start, end)`` local
    (naive) ``datetime.time`` pairs, non-overlapping, ``start < end``. An ``end`` of ``None`` or
    ``time(0)`` means midnight at the end of that day, so ``(time(0), None)`` is the whole day. A
    shift past midnight is two windows: ``(22:00, None)`` on one day, ``(00:00, 06:00)`` the next.
    Missing weekdays are closed. A week with no window at all raises ``InvalidInput`` (use
    ``always_open``). The ``fold`` attribute of the given times is ignored.
    ``holidays``: iterable of ``date`` or a callable ``year -> iterable of date`` (for country
    calendars, evaluated lazily, once per year). A holiday closes every window that *starts* on
    that local date (the 00:00-06:00 tail of a night shift belongs to the day it starts on).
- ``BusinessCalendar.always_open(name="24x7")`` -- every second counts (zone UTC).
- ``add(start, seconds) -> datetime``: the instant when ``seconds`` (int >= 0) of business time
  have passed after ``start`` (aware). Result is UTC. ``add(start, 0)`` is ``start`` itself.
  A deadline that falls exactly at the end of a working window is that end instant (not the
  next opening). Arithmetic is exact to the microsecond: a start at 10:00:00.25 inside a window
  gives a deadline at ...:00.25; a start outside working time counts from the next opening.
- ``business_seconds(start, end) -> int``: business seconds in ``[start, end)``, floored to whole
  seconds; 0 if end <= start.
- ``is_open(at) -> bool``: windows are half-open, ``[start, end)``.
- ``next_open(at) -> datetime``: ``at`` (in UTC) if open, else the start of the next window.
Laws: ``business_seconds(s, add(s, n)) == n``; ``add(add(s, a), b) == add(s, a + b)`` for a > 0.
Errors (``InvalidInput``): naive datetimes, negative or non-integer ``seconds``, an unknown zone,
a malformed week, a calendar whose holidays leave no working time for 30 years, instants outside
the years 2..9998.

Daylight saving time. Each window is the real time between its two local instants, each resolved
with zoneinfo's fold=0 rule: an ambiguous time (autumn, clocks go back) is its first occurrence;
a non-existent time in the spring-forward gap uses the offset before the change, i.e. lands as
far after the gap as it was into it (02:30 on the New York spring day is 03:30 EDT). So a
window lasts its wall-clock length unless a change falls inside it: 09:00-17:00 is 8 real hours
on the change days of Europe, America and Australia (they change at night), while a whole day
(00:00-None) is 23 or 25 hours and a night shift's 00:00-06:00 is 5 or 7 hours. A window whose
resolved end is not after its resolved start is empty, and business time is the union of the
windows (next to a gap two windows can overlap in real time; the overlap counts once).

Implementation: per local calendar year, lazily, sorted arrays of window starts/ends in UTC epoch
microseconds with a running business-time total; ``add`` and ``business_seconds`` are two
``bisect`` calls plus a walk over whole years for targets that cross a year end. Each year owns
the real time from its local New Year to the next (a window pushed past that by a gap is cut
there). The year tables are immutable once built, so one calendar can be shared between threads.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sevflow.domain.errors import InvalidInput
from sevflow.domain.instants import require_aware

HolidaySource = Iterable[date] | Callable[[int], Iterable[date]]
Window = tuple[time, time | None]
WeeklyHours = Mapping[int, Sequence[Window]]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_US_PER_S = 1_000_000
_US_PER_YEAR = 31_556_952 * _US_PER_S  # mean Gregorian year: a first guess, corrected by the tables
_FIRST_YEAR, _LAST_YEAR = 2, 9998
_EMPTY_YEARS_LIMIT = 30
_ADDED_MEMO = 4096  # answers of ``add`` remembered per calendar
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class _Year(NamedTuple):
    """Working windows of one local calendar year, as UTC epoch microseconds."""

    year: int
    lo: int  # local Jan 1 00:00 of this year ...
    hi: int  # ... and of the next: the year owns [lo, hi)
    starts: list[int]
    ends: list[int]
    cum_ends: list[int]  # business microseconds of this year up to ends[i]
    total: int


_NO_YEAR = _Year(0, 0, 0, [], [], [], 0)  # an empty span: matches no instant


class BusinessCalendar:
    """Working hours in one zone plus holidays; see the module contract."""

    def __init__(self, name: str, zone: str, week: WeeklyHours, holidays: HolidaySource = ()) -> None:
        if not isinstance(zone, str):
            raise InvalidInput(f"time zone must be an IANA name such as Europe/Berlin, got {zone!r}")
        try:
            self.zone = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise InvalidInput(
                f"unknown time zone {zone!r}; use an IANA name such as Europe/Berlin, America/New_York or UTC"
            ) from None
        self.name = name
        self.zone_name = zone
        self.week = _normalize_week(name, week)
        self._always_open = False
        self._holiday_fn: Callable[[int], Iterable[date]] | None
        if callable(holidays):
            self._holiday_fn = holidays
            self._fixed_holidays: frozenset[date] = frozenset()
        else:
            self._holiday_fn = None
            self._fixed_holidays = _checked_dates(name, holidays)
        self._years: dict[int, _Year] = {}
        self._recent = _NO_YEAR
        self._added: dict[tuple[datetime, int], datetime] = {}

    @classmethod
    def always_open(cls, name: str = "24x7") -> BusinessCalendar:
        """A calendar in which every second is business time (zone UTC)."""
        cal = cls(name, "UTC", {day: [(time(0), None)] for day in range(7)})
        cal._always_open = True
        return cal

    def __repr__(self) -> str:
        return f"<BusinessCalendar {self.name!r} {self.zone_name}>"

    # -- public arithmetic -------------------------------------------------------------------

    def add(self, start: datetime, seconds: int) -> datetime:
        """The UTC instant at which ``seconds`` (int >= 0) of business time have passed after the
        aware ``start``; exact to the microsecond; a deadline at a window's end is that end."""
        # Tickets opened together share their clocks' starts and targets: the last few thousand
        # answers are remembered (a pure function of the arguments; cleared when full).
        if type(seconds) is not int:  # refused or converted by _add, never remembered
            return self._add(start, seconds)
        added = self._added
        hit = added.get((start, seconds))
        if hit is not None:
            return hit
        at = self._add(start, seconds)
        if len(added) >= _ADDED_MEMO:
            added.clear()
        added[start, seconds] = at
        return at

    def _add(self, start: datetime, seconds: int) -> datetime:
        # The hot path of every SLA computation: helpers are inlined on purpose.
        try:
            t = (start - _EPOCH) // _US
        except TypeError:
            raise _not_aware(start, "start") from None
        if type(seconds) is not int or seconds < 0:
            seconds = _whole_seconds(seconds)
        need = seconds * _US_PER_S
        if need == 0 or self._always_open:
            return _EPOCH + _US * (t + need)
        yr = self._recent
        if not yr.lo <= t < yr.hi:
            yr = self._year_at(t)
        ends, cum_ends = yr.ends, yr.cum_ends
        i = bisect_right(ends, t)
        used = cum_ends[i] - ends[i] + max(t, yr.starts[i]) if i < len(ends) else yr.total
        target = used + need
        if target > yr.total:
            yr, target = self._carry(yr, target, t)
            ends, cum_ends = yr.ends, yr.cum_ends
        j = bisect_left(cum_ends, target)
        return _EPOCH + _US * (ends[j] - (cum_ends[j] - target))

    def _carry(self, yr: _Year, target: int, t: int) -> tuple[_Year, int]:
        """Move a ``target`` beyond the end of ``yr`` into the following years."""
        empty = 0
        while target > yr.total:
            target -= yr.total
            empty = empty + 1 if yr.total == 0 else 0
            if empty >= _EMPTY_YEARS_LIMIT:
                raise self._no_working_time(yr.year - empty + 1)
            yr = self._year(yr.year + 1, t)
        return yr, target

    def business_seconds(self, start: datetime, end: datetime) -> int:
        """Whole business seconds in ``[start, end)`` (floored); 0 if ``end <= start``."""
        s, e = _to_us(start, "start"), _to_us(end, "end")
        if e <= s:
            return 0
        if self._always_open:
            return (e - s) // _US_PER_S
        ys, ye = self._year_at(s), self._year_at(e)
        if ys.year == ye.year:
            return (_used(ye, e) - _used(ys, s)) // _US_PER_S
        total = ys.total - _used(ys, s) + _used(ye, e)
        for year in range(ys.year + 1, ye.year):
            total += self._year(year, e).total
        return total // _US_PER_S

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` falls inside a working window (windows are ``[start, end)``)."""
        t = _to_us(at, "at")
        if self._always_open:
            return True
        yr = self._year_at(t)
        i = bisect_right(yr.starts, t) - 1
        return i >= 0 and t < yr.ends[i]

    def next_open(self, at: datetime) -> datetime:
        """``at`` (in UTC) if the calendar is open then, else the start of the next window."""
        t = _to_us(at, "at")
        if self._always_open:
            return _from_us(t)
        yr = self._year_at(t)
        first_year = yr.year
        i = bisect_right(yr.ends, t)
        for _ in range(_EMPTY_YEARS_LIMIT):
            if i < len(yr.ends):
                return _from_us(max(t, yr.starts[i]))
            yr, i = self._year(yr.year + 1, t), 0
        raise self._no_working_time(first_year)

    def describe(self) -> str:
        """One line for people: ``support-de (Europe/Berlin): Mon-Fri 09:00-17:00; Sat-Sun closed``."""
        if self._always_open:
            return f"{self.name}: always open"
        parts: list[str] = []
        day = 0
        while day < 7:
            last = day
            while last + 1 < 7 and self.week[last + 1] == self.week[day]:
                last += 1
            days = _DAY_NAMES[day] if last == day else f"{_DAY_NAMES[day]}-{_DAY_NAMES[last]}"
            hours = ", ".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in self.week[day]) or "closed"
            parts.append(f"{days} {hours}")
            day = last + 1
        if self._holiday_fn is not None:
            parts.append("holidays by year")
        elif self._fixed_holidays:
            parts.append(f"{len(self._fixed_holidays)} holiday date(s)")
        return f"{self.name} ({self.zone_name}): " + "; ".join(parts)

    # -- year tables ---------------------------------------------------------------------------

    def _year_at(self, t: int) -> _Year:
        yr = self._recent
        if yr.lo <= t < yr.hi:
            return yr
        guess = min(max(1970 + t // _US_PER_YEAR, _FIRST_YEAR), _LAST_YEAR)
        yr = self._year(guess, t)
        while t < yr.lo:
            yr = self._year(yr.year - 1, t)
        while t >= yr.hi:
            yr = self._year(yr.year + 1, t)
        self._recent = yr  # a hint for the next call; a stale one (another thread) is only a miss
        return yr

    def _year(self, year: int, about: int) -> _Year:
        """The table of local ``year``; ``about`` (epoch µs) is the instant asked about, for errors."""
        yr = self._years.get(year)
        if yr is None:
            if not _FIRST_YEAR <= year <= _LAST_YEAR:
                raise InvalidInput(
                    f"business time from {_from_us(about).isoformat()} runs into the year {year}; "
                    f"calendar {self.name!r} computes within the years {_FIRST_YEAR}..{_LAST_YEAR}"
                )
            yr = self._years[year] = self._build_year(year)
        return yr

    def _build_year(self, year: int) -> _Year:
        zone = self.zone
        lo = _local_us(date(year, 1, 1), time(0), zone)
        hi = _local_us(date(year + 1, 1, 1), time(0), zone)
        closed = self._holidays_in(year)
        raw: list[tuple[int, int]] = []
        day = date(year, 1, 1)
        one_day = timedelta(days=1)
        while day.year == year:
            if day not in closed:
                for start, end in self.week[day.weekday()]:
                    a = _local_us(day, start, zone)
                    b = _local_us(day + one_day, time(0), zone) if end is None else _local_us(day, end, zone)
                    if b > a:
                        raw.append((a, b))
            day += one_day
        raw.sort()
        starts: list[int] = []
        ends: list[int] = []
        cum_ends: list[int] = []
        covered = lo  # clip to this year's span, count overlaps once, merge touching windows
        total = 0
        for a, b in raw:
            a, b = max(a, covered), min(b, hi)
            if b <= a:
                continue
            total += b - a
            if ends and a == ends[-1]:
                ends[-1] = b
                cum_ends[-1] = total
            else:
                starts.append(a)
                ends.append(b)
                cum_ends.append(total)
            covered = b
        return _Year(year, lo, hi, starts, ends, cum_ends, total)

    def _holidays_in(self, year: int) -> frozenset[date]:
        if self._holiday_fn is None:
            return self._fixed_holidays
        return _checked_dates(self.name, self._holiday_fn(year))

    def _no_working_time(self, from_year: int) -> InvalidInput:
        return InvalidInput(
            f"calendar {self.name!r} has no working time in the {_EMPTY_YEARS_LIMIT} years from "
            f"{from_year}; its holidays close every working day"
        )


def _used(yr: _Year, t: int) -> int:
    """Business microseconds of ``yr`` before ``t`` (``t`` inside the year)."""
    i = bisect_right(yr.ends, t)
    if i == len(yr.ends):
        return yr.total
    return yr.cum_ends[i] - yr.ends[i] + max(t, yr.starts[i])


def _to_us(value: datetime, name: str) -> int:
    try:
        return (value - _EPOCH) // _US  # TypeError for naive datetimes (and non-datetimes)
    except TypeError:
        raise _not_aware(value, name) from None


def _not_aware(value: object, name: str) -> InvalidInput:
    if isinstance(value, datetime):
        try:
            require_aware(value, name)
        except InvalidInput as err:  # the standard message for naive datetimes
            return err
    return InvalidInput(f"{name} must be an aware datetime, got {value!r}")


def _from_us(us: int) -> datetime:
    return _EPOCH + _US * us  # faster than timedelta(microseconds=us)


def _local_us(day: date, at: time, zone: ZoneInfo) -> int:
    """UTC epoch microseconds of local ``day`` ``at`` (fold=0, see the module docstring)."""
    return (datetime.combine(day, at, zone) - _EPOCH) // _US


def _whole_seconds(seconds: int) -> int:
    try:
        value = operator.index(seconds)
    except TypeError:
        raise InvalidInput(
            f"business time to add must be a whole number of seconds, got {seconds!r}"
        ) from None
    if value < 0:
        raise InvalidInput(f"business time to add must be >= 0 seconds, got {value}")
    return value


def _hhmm(at: time | None) -> str:
    if at is None:
        return "24:00"
    return at.strftime("%H:%M:%S" if at.second or at.microsecond else "%H:%M")


def _checked_dates(name: str, values: Iterable[date]) -> frozenset[date]:
    out = frozenset(values)
    for value in out:
        # a datetime is a date too, but would never equal one: refuse rather than ignore it
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InvalidInput(
                f"calendar {name!r}: holiday {value!r} is not a date; give datetime.date values"
            )
    return out


def _normalize_week(name: str, week: WeeklyHours) -> dict[int, tuple[Window, ...]]:
    if not isinstance(week, Mapping):
        raise InvalidInput(f"calendar {name!r}: week must map weekday 0 (Monday) .. 6 (Sunday) to windows")
    out: dict[int, tuple[Window, ...]] = dict.fromkeys(range(7), ())
    for day, windows in week.items():
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise InvalidInput(
                f"calendar {name!r}: weekday {day!r} is not allowed; use 0 (Monday) .. 6 (Sunday)"
            )
        where = f"calendar {name!r}, {_DAY_NAMES[day]}"
        pairs: list[Window] = []
        for pair in windows:
            try:
                start, end = pair
            except (TypeError, ValueError):
                raise InvalidInput(f"{where}: {pair!r} is not a (start, end) pair of times") from None
            if not isinstance(start, time) or not (end is None or isinstance(end, time)):
                raise InvalidInput(f"{where}: {pair!r} is not a (start, end) pair of times (end may be None)")
            if start.tzinfo is not None or (end is not None and end.tzinfo is not None):
                raise InvalidInput(f"{where}: window times are local wall times and must not carry a tzinfo")
            start = start.replace(fold=0)
            end = None if end is None or end == time(0) else end.replace(fold=0)
            if end is not None and end <= start:
                raise InvalidInput(
                    f"{where}: window {_hhmm(start)}-{_hhmm(end)} ends before it starts; for a shift past "
                    "midnight end it at None (midnight) and continue the next day from 00:00"
                )
            pairs.append((start, end))
        pairs.sort(key=lambda p: p[0])
        for (_, end1), (start2, end2) in pairwise(pairs):
            if end1 is None or end1 > start2:
                raise InvalidInput(
                    f"{where}: windows overlap at {_hhmm(start2)}-{_hhmm(end2)}; give non-overlapping windows"
                )
        out[day] = tuple(pairs)
    if not any(out.values()):
        raise InvalidInput(
            f"calendar {name!r} has no working hours on any weekday; give at least one (start, end) "
            "window, or use BusinessCalendar.always_open()"
        )
    return out
