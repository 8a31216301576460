"""Calendars of the policy file: checking them and building ``BusinessCalendar``s.

Opening hours are keyed by day or day range (``mon-fri``); a day may appear under several keys
(``mon-fri`` and ``mon``) as long as its windows do not overlap. Touching windows
(``09:00-12:00`` and ``12:00-13:00``) are merged. Holidays combine explicit ``dates`` with a
country's public holidays from the ``holidays`` package, computed per year when first needed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from datetime import date, time
from itertools import pairwise
from typing import Any

import holidays
from pydantic import TypeAdapter, ValidationError

from sevflow.domain.calendar import BusinessCalendar
from sevflow.policy.findings import Finding, PathPart
from sevflow.policy.schema import CalendarDoc, DayHours, HolidaysDoc
from sevflow.policy.values import DayKey, day_name, day_range, parse_time_range

_DAY_MINUTES = 24 * 60
_HOURS: TypeAdapter[dict[str, list[str]]] = TypeAdapter(dict[DayKey, DayHours])
Window = tuple[int, int, str]  # start minute, end minute (1440 = midnight), the text as written


def check_calendar(name: str, written: Any) -> list[Finding]:
    """Problems of one calendar (as written) that involve more than one of its values.

    Works on the raw mapping, validating ``hours`` and ``holidays`` separately, so a bad zone
    does not hide overlapping hours (the schema reports single bad values)."""
    if not isinstance(written, Mapping):
        return []
    loc: tuple[PathPart, ...] = ("calendars", name)
    if written.get("always_open") is True:
        return [
            Finding(
                (*loc, f),
                f"an always-open calendar counts every minute, so it takes no {f}; "
                "remove it, or set always_open: false",
            )
            for f in ("zone", "hours", "holidays")
            if written.get(f) is not None
        ]
    found: list[Finding] = []
    if written.get("zone") is None:
        found.append(
            Finding(
                (*loc, "zone"),
                "required for a calendar with opening hours; an IANA name such as Europe/Berlin",
            )
        )
    hours = _valid_hours(written.get("hours"))
    if written.get("hours") is None or (hours is not None and not any(hours.values())):
        found.append(
            Finding(
                (*loc, "hours"),
                "no working time in the week; give opening hours such as mon-fri: [09:00-17:00], "
                "or set always_open: true",
            )
        )
    elif hours is not None:
        found += _overlaps(loc, hours)
    if written.get("holidays") is not None:
        with suppress(ValidationError):  # a bad holidays entry is reported by the schema
            found += _check_holidays((*loc, "holidays"), HolidaysDoc.model_validate(written["holidays"]))
    return found


def _valid_hours(value: Any) -> dict[str, list[str]] | None:
    try:
        return _HOURS.validate_python(value)
    except ValidationError:
        return None


def _windows_by_day(hours: dict[str, list[str]]) -> dict[int, list[Window]]:
    days: dict[int, list[Window]] = {day: [] for day in range(7)}
    for key, ranges in hours.items():
        for text in ranges:
            start, end = parse_time_range(text)
            end_minute = _DAY_MINUTES if end == time(0) else end.hour * 60 + end.minute
            for day in day_range(key):
                days[day].append((start.hour * 60 + start.minute, end_minute, text))
    return {day: sorted(windows) for day, windows in days.items()}


def _overlaps(loc: tuple[PathPart, ...], hours: dict[str, list[str]]) -> list[Finding]:
    found: list[Finding] = []
    reported: set[tuple[str, str]] = set()
    for day, windows in _windows_by_day(hours).items():
        for (_, end, first), (start, _, second) in pairwise(windows):
            if start < end and (first, second) not in reported:
                reported.add((first, second))
                found.append(
                    Finding(
                        (*loc, "hours"),
                        f"{first} and {second} overlap on {day_name(day)}; "
                        "opening hours of a day must not overlap",
                    )
                )
    return found


def _check_holidays(loc: tuple[PathPart, ...], doc: HolidaysDoc) -> list[Finding]:
    if doc.country is None:
        if doc.subdivision is not None:
            return [
                Finding(
                    (*loc, "subdivision"), "needs a country as well, e.g. country: DE with subdivision: BE"
                )
            ]
        return []
    subdivisions = _subdivisions_of(doc.country)
    if subdivisions is None:
        return [
            Finding(
                (*loc, "country"),
                f"no public holidays known for country {doc.country!r}; use an ISO 3166 country code "
                "such as DE, US, GB or FR",
            )
        ]
    if doc.subdivision is not None and _subdivision(doc.country, doc.subdivision) is None:
        allowed = ", ".join(subdivisions) or "(none: leave subdivision out)"
        return [
            Finding(
                (*loc, "subdivision"),
                f"unknown subdivision {doc.subdivision!r} of {doc.country}; allowed: {allowed}",
            )
        ]
    return []


@functools.cache
def _subdivisions_of(country: str) -> tuple[str, ...] | None:
    """The subdivisions the ``holidays`` package knows for ``country``, or ``None`` if it does
    not know the country. Imports that one country's module only (listing every supported
    country imports all of them, a fifth of a second)."""
    try:
        entity = holidays.country_holidays(country, years=[])
    except NotImplementedError:
        return None
    return tuple(type(entity).subdivisions)


def _subdivision(country: str, subdivision: str) -> str | None:
    """The package's spelling of ``subdivision`` (case-insensitive match), or ``None``."""
    for known in _subdivisions_of(country) or ():
        if known.lower() == subdivision.lower():
            return known
    return None


def holiday_source(doc: HolidaysDoc | None) -> Iterable[date] | Callable[[int], Iterable[date]]:
    """Explicit dates, or a ``year -> dates`` function adding the country's public holidays
    (computed lazily by the calendar, once per year)."""
    if doc is None:
        return ()
    extra = frozenset(doc.dates)
    if doc.country is None:
        return extra
    country = doc.country
    subdivision = _subdivision(country, doc.subdivision) if doc.subdivision else None

    def for_year(year: int) -> frozenset[date]:
        public = holidays.country_holidays(country, subdiv=subdivision, years=year)
        return frozenset(public) | {d for d in extra if d.year == year}

    return for_year


def build_calendar(name: str, doc: CalendarDoc) -> BusinessCalendar:
    """The domain calendar for a checked ``CalendarDoc``."""
    if doc.always_open:
        return BusinessCalendar.always_open(name)
    if doc.zone is None or doc.hours is None:  # check_calendar reports this before we get here
        raise ValueError(f"calendar {name!r} needs a zone and opening hours")
    week = {day: _merged(windows) for day, windows in _windows_by_day(doc.hours).items()}
    return BusinessCalendar(name, doc.zone, week, holiday_source(doc.holidays))


def _merged(windows: list[Window]) -> list[tuple[time, time | None]]:
    spans: list[list[int]] = []
    for start, end, _ in windows:
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return [(_start(start), _end(end)) for start, end in spans]


def _start(minute: int) -> time:
    return time(minute // 60, minute % 60)


def _end(minute: int) -> time | None:
    # BusinessCalendar reads an end of None as midnight at the end of the day.
    return None if minute == _DAY_MINUTES else time(minute // 60, minute % 60)
