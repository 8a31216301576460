"""Single values of the policy file: names, durations, severities, roles, clocks, statuses,
time zones, days and opening-hour ranges.

Each is an ``Annotated`` type whose validator raises ``ValueError`` with a message for the
person editing the file (what was wrong, what is allowed). Values are normalised here
(``sev2`` -> ``Sev2``, ``9:00-12:00`` -> ``09:00-12:00``), so the policy version does not
change when only the spelling does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from sevflow.domain.errors import InvalidInput
from sevflow.domain.policy import ClockKind, Role
from sevflow.domain.severity import Severity
from sevflow.domain.status import Status
from sevflow.policy.durations import parse_minutes

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CLOCK_NAMES = {
    "first_response": ClockKind.FIRST_RESPONSE,
    "update": ClockKind.NEXT_UPDATE,
    "next_update": ClockKind.NEXT_UPDATE,
    "resolution": ClockKind.RESOLUTION,
}
NEXT = "next"
DEFAULT_OWNERS = "default"


def show(value: object) -> str:
    """A short representation of a bad value for a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _name(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"expected a name, got {show(value)}")
    text = str(value)
    if not _NAME.fullmatch(text):
        raise ValueError(
            f"{text!r} is not a valid name; use letters, digits and - _ . @ + without spaces, "
            "e.g. berlin-office"
        )
    return text


def _text_of(value: object, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"expected a {what}, got {show(value)}")
    return str(value)


def parse_severity(value: object) -> Severity:
    """``Sev2``, ``sev2``, ``S2``, ``2`` -> ``Severity.SEV2``; ``ValueError`` otherwise."""
    if isinstance(value, Severity):
        return value
    try:
        return Severity.parse(_text_of(value, "severity"))
    except InvalidInput as err:
        raise ValueError(str(err)) from None


def parse_clock(value: object) -> ClockKind:
    """``first_response``, ``update`` (or ``next_update``), ``resolution``; ``ValueError`` otherwise."""
    if isinstance(value, ClockKind):
        return value
    text = _text_of(value, "clock").strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return CLOCK_NAMES[text]
    except KeyError:
        raise ValueError(f"unknown clock {value!r}; allowed: first_response, update, resolution") from None


def _role(value: object) -> Role:
    if isinstance(value, Role):
        return value
    text = _text_of(value, "role").strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Role(text)
    except ValueError:
        raise ValueError(str(InvalidInput.unknown("role", value, [r.value for r in Role]))) from None


def _status(value: object) -> str:
    try:
        return Status.parse(_text_of(value, "status")).value
    except InvalidInput as err:
        raise ValueError(str(err)) from None


def _zone(value: object) -> str:
    text = _text_of(value, "time zone").strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {text!r}; use an IANA name such as Europe/Berlin or America/New_York"
        ) from None
    return text


def _owner_key(value: object) -> str:
    if value == DEFAULT_OWNERS:
        return DEFAULT_OWNERS
    try:
        return parse_severity(value).value
    except ValueError:
        raise ValueError(f"{value!r} is not a severity; allowed: Sev1, Sev2, Sev3, Sev4, default") from None


def _tier_target(value: object) -> str:
    return NEXT if value == NEXT else _name(value)


def _severity_target(value: object) -> str:
    if value == NEXT:
        return NEXT
    try:
        return parse_severity(value).value
    except ValueError:
        raise ValueError(f"{value!r} is not a severity; allowed: next, Sev1, Sev2, Sev3, Sev4") from None


def day_range(key: str) -> tuple[int, ...]:
    """``mon-fri`` -> ``(0, 1, 2, 3, 4)``; ``sat`` -> ``(5,)``. Keys are already validated."""
    first, _, last = key.partition("-")
    return tuple(range(DAYS.index(first), DAYS.index(last or first) + 1))


def day_name(weekday: int) -> str:
    return _DAY_NAMES[weekday]


def _day_key(value: object) -> str:
    text = _text_of(value, "day").strip().lower().replace(" ", "")
    first, dash, last = text.partition("-")
    if first not in DAYS or (dash and last not in DAYS):
        raise ValueError(
            f"{value!r} is not a day or day range; use mon, tue, wed, thu, fri, sat, sun "
            "or a range such as mon-fri"
        )
    if dash and DAYS.index(last) < DAYS.index(first):
        raise ValueError(f"{value!r} runs backwards; write the days in week order, e.g. mon-fri or sat-sun")
    return text if dash and last != first else first


_CLOCK_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_time_range(text: str) -> tuple[time, time]:
    """``09:00-12:00`` -> ``(time(9), time(12))``; an end of ``24:00`` becomes ``time(0)``
    (midnight at the end of the day)."""
    start, _, end = text.partition("-")
    start_t, end_t = _clock_time(start, allow_24=False), _clock_time(end, allow_24=True)
    if start_t is None or end_t is None:
        raise ValueError(f"{text!r} is not an opening-hours range; write e.g. 09:00-17:30 (24:00 = midnight)")
    return start_t, end_t


def _clock_time(text: str, *, allow_24: bool) -> time | None:
    match = _CLOCK_TIME.fullmatch(text.strip())
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if allow_24 and (hour, minute) == (24, 0):
        return time(0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _time_range(value: object) -> str:
    text = _text_of(value, "opening-hours range")
    start, end = parse_time_range(text)
    if end != time(0) and end <= start:
        raise ValueError(
            f"{text!r} ends before it starts; split a shift past midnight into two days, "
            "e.g. 22:00-24:00 and 00:00-06:00"
        )
    return f"{start:%H:%M}-{'24:00' if end == time(0) else f'{end:%H:%M}'}"


def one_or_many(value: Any) -> Any:
    """Let a single value stand for a one-item list (``severity: Sev1``)."""
    return value if isinstance(value, list | tuple | set | frozenset) else [value]


def _country(value: object) -> str:
    return _text_of(value, "country code").strip().upper()


def _subdivision(value: object) -> str:
    return _text_of(value, "subdivision code").strip()


Name = Annotated[str, BeforeValidator(_name)]
Duration = Annotated[int, BeforeValidator(parse_minutes)]
SeverityName = Annotated[Severity, BeforeValidator(parse_severity)]
ClockName = Annotated[ClockKind, BeforeValidator(parse_clock)]
RoleName = Annotated[Role, BeforeValidator(_role)]
StatusName = Annotated[str, BeforeValidator(_status)]
ZoneName = Annotated[str, BeforeValidator(_zone)]
OwnerKey = Annotated[str, BeforeValidator(_owner_key)]
TierTarget = Annotated[str, BeforeValidator(_tier_target)]
SeverityTarget = Annotated[str, BeforeValidator(_severity_target)]
DayKey = Annotated[str, BeforeValidator(_day_key)]
TimeRange = Annotated[str, BeforeValidator(_time_range)]
CountryCode = Annotated[str, BeforeValidator(_country)]
SubdivisionCode = Annotated[str, BeforeValidator(_subdivision)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Percent = Annotated[int, Field(ge=1, le=1000)]
Count = Annotated[int, Field(ge=1)]

NameList = Annotated[list[Name], BeforeValidator(one_or_many), Field(min_length=1)]
SeverityList = Annotated[list[SeverityName], BeforeValidator(one_or_many), Field(min_length=1)]
RoleList = Annotated[list[RoleName], BeforeValidator(one_or_many), Field(min_length=1)]
KeywordList = Annotated[list[Keyword], BeforeValidator(one_or_many), Field(min_length=1)]


class StrictDoc(BaseModel):
    """The base of every part of the policy file: ``extra="forbid"`` (a misspelt field is an
    error), frozen, and ``key:`` with nothing after it means the same as leaving the key out (an
    entry with nothing under it, ``silver:``, is an empty mapping)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_means_absent(cls, data: Any) -> Any:
        if data is None:
            return {}
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items() if value is not None}
        return data


_TIME_OF_DAY = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _time_of_day(value: object) -> time:
    if isinstance(value, time):
        return value.replace(fold=0)
    match = _TIME_OF_DAY.fullmatch(value.strip()) if isinstance(value, str) else None
    hour, minute, second = (int(match[1]), int(match[2]), int(match[3] or 0)) if match else (99, 0, 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f'{show(value)} is not a time of day; write it as "HH:MM" in quotes, e.g. "09:00"')
    return time(hour, minute, second)


ClockTime = Annotated[time, BeforeValidator(_time_of_day)]
"""A time of day, ``"HH:MM"`` (or ``"HH:MM:SS"``)."""
