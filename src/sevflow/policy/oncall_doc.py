"""The ``oncall`` section of the policy file: each team's rotation layers and their overrides.

```yaml
oncall:
  payments-l3:                 # a team name
    zone: Europe/Berlin
    layers:                    # in order: the first is the primary, the second the secondary
      primary:   {members: [jonas, mei], handoff: weekly, day: mon, at: "09:00", start: 2026-01-05}
      secondary: {members: [ingrid, jonas], handoff: daily, at: "09:00", start: 2026-01-05}
    overrides:
      - {layer: primary, who: ingrid, from: 2026-12-21T09:00, to: 2026-12-28T09:00,
         reason: vacation cover, replaces: mei}
```

As in ``schema``, the models check each value on its own (names, the zone, times, days, dates);
``oncall_problems`` checks what relates two values (a weekly layer's ``day`` and ``start``, an
override's layer, ``from`` before ``to``), so all problems can be reported together; and
``to_schedules`` turns checked documents into domain ``Schedule``s. ``from``/``to`` without an
offset are local times in the team's ``zone`` (a date alone is local midnight), resolved like
handoffs: a time in the spring-forward gap is the first instant after it, an ambiguous time its
first occurrence (see ``sevflow.domain.oncall``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    TypeAdapter,
)

from sevflow.domain.errors import InvalidInput
from sevflow.domain.oncall import HandoffKind, Layer, Override, Schedule, local_instant
from sevflow.policy.findings import Finding, PathPart
from sevflow.policy.values import DAYS, ClockTime, Name, StrictDoc, ZoneName, day_name, one_or_many, show

_FULL_DAYS = {day_name(i).lower(): short for i, short in enumerate(DAYS)}


def _handoff(value: object) -> HandoffKind:
    try:
        return HandoffKind(value.strip().lower() if isinstance(value, str) else str(value))
    except ValueError:
        raise ValueError(
            str(InvalidInput.unknown("handoff", value, [k.value for k in HandoffKind]))
        ) from None


def _weekday(value: object) -> str:
    text = value.strip().lower() if isinstance(value, str) else ""
    text = _FULL_DAYS.get(text, text)
    if text not in DAYS:
        raise ValueError(f"{show(value)} is not a day; use one of {', '.join(DAYS)}")
    return text


def _local_or_aware(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(0))
    try:
        return datetime.fromisoformat(value.strip()) if isinstance(value, str) else _no_instant(value)
    except ValueError:
        return _no_instant(value)


def _no_instant(value: object) -> datetime:
    raise ValueError(
        f"{show(value)} is not a date and time; write e.g. 2026-12-21T09:00 (local time in the team's "
        "zone) or 2026-12-21T09:00+01:00"
    )


def _rotation(names: list[str]) -> list[str]:
    if not names:
        raise ValueError("needs at least one member; list the people in rotation order, e.g. [jonas, mei]")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(
            f"{', '.join(twice)} listed more than once; name each member once, in rotation order"
        )
    return names


HandoffName = Annotated[HandoffKind, BeforeValidator(_handoff)]
Weekday = Annotated[str, BeforeValidator(_weekday)]
Instant = Annotated[datetime, BeforeValidator(_local_or_aware)]
Members = Annotated[list[Name], BeforeValidator(one_or_many), AfterValidator(_rotation)]


class LayerDoc(StrictDoc):
    """One rotation: ``members`` in order take over at ``at`` (local time) every day, or every
    week on ``day``; member 0 from ``start`` (a ``day`` for weekly layers)."""

    members: Members
    handoff: HandoffName
    day: Weekday | None = None
    at: ClockTime
    start: date


class OverrideDoc(StrictDoc):
    """``who`` is on call in ``layer`` from ``from`` up to (not including) ``to``; with
    ``replaces`` only during that person's shifts."""

    layer: Name
    who: Name
    from_: Instant = Field(alias="from")
    to: Instant
    reason: str = ""
    replaces: Name | None = None


class OnCallDoc(StrictDoc):
    """One team's schedule: its ``zone``, its ``layers`` in order and their ``overrides``."""

    zone: ZoneName
    layers: Annotated[dict[Name, LayerDoc], Field(min_length=1)]
    overrides: list[OverrideDoc] = []


_SECTION: TypeAdapter[dict[str, OnCallDoc]] = TypeAdapter(dict[Name, OnCallDoc])


def parse_oncall(data: Any) -> dict[str, OnCallDoc]:
    """The ``oncall`` section (team name -> schedule) as written; ``pydantic.ValidationError``
    for a bad single value. ``None`` (an empty section) is no teams."""
    return _SECTION.validate_python({} if data is None else data)


def oncall_problems(docs: Mapping[str, OnCallDoc]) -> list[Finding]:
    """Problems relating two values, in file order, e.g. at ``oncall.payments-l3.overrides[0].layer``:
    ``unknown layer 'primry'; allowed: primary``. Empty when ``to_schedules`` can convert ``docs``."""
    found: list[Finding] = []

    def report(loc: tuple[PathPart, ...], message: str) -> None:
        found.append(Finding(loc, message))

    for team, doc in docs.items():
        for name, layer in doc.layers.items():
            loc: tuple[PathPart, ...] = ("oncall", team, "layers", name)
            if layer.handoff is HandoffKind.WEEKLY and layer.day is None:
                report(
                    (*loc, "day"),
                    f"required for a weekly handoff: the day it happens, one of {', '.join(DAYS)}",
                )
            elif layer.handoff is HandoffKind.DAILY and layer.day is not None:
                report(
                    (*loc, "day"),
                    f"a daily handoff happens every day, so it takes no day (got {layer.day!r}); "
                    "remove day, or set handoff: weekly",
                )
            elif layer.day is not None and layer.start.weekday() != DAYS.index(layer.day):
                weekday = DAYS.index(layer.day)
                earlier = layer.start - timedelta(days=(layer.start.weekday() - weekday) % 7)
                report(
                    (*loc, "start"),
                    f"{layer.start} is a {day_name(layer.start.weekday())}, but the weekly handoff is on "
                    f"{day_name(weekday)} (day: {layer.day}); start on a {day_name(weekday)}, e.g. {earlier}",
                )
        for i, o in enumerate(doc.overrides):
            loc = ("oncall", team, "overrides", i)
            if o.layer not in doc.layers:
                report((*loc, "layer"), str(InvalidInput.unknown("layer", o.layer, doc.layers)))
            if _utc(o.to, doc.zone) <= _utc(o.from_, doc.zone):
                report(
                    (*loc, "to"),
                    f"{_written(o.to)} is not after from ({_written(o.from_)}); an override runs from "
                    "'from' up to (not including) 'to'",
                )
            if o.replaces == o.who:
                report(
                    (*loc, "replaces"),
                    f"{o.who!r} cannot replace themselves; name the person whose shifts {o.who} takes, "
                    "or leave replaces out",
                )
    return found


def to_schedules(docs: Mapping[str, OnCallDoc]) -> dict[str, Schedule]:
    """Domain schedules, keyed by team. Call only when ``oncall_problems(docs)`` is empty
    (``ValueError`` otherwise, from the domain's own checks)."""
    return {team: _schedule(team, doc) for team, doc in docs.items()}


def _schedule(team: str, doc: OnCallDoc) -> Schedule:
    layers = tuple(
        Layer(
            name=name,
            members=tuple(layer.members),
            handoff=layer.handoff,
            at=layer.at,
            day=None if layer.day is None else DAYS.index(layer.day),
            start=layer.start,
            zone=doc.zone,
        )
        for name, layer in doc.layers.items()
    )
    overrides = tuple(
        Override(
            layer=o.layer,
            who=o.who,
            start_at=_utc(o.from_, doc.zone),
            end_at=_utc(o.to, doc.zone),
            reason=o.reason.strip(),
            replaces=o.replaces,
        )
        for o in doc.overrides
    )
    return Schedule(team=team, zone=doc.zone, layers=layers, overrides=overrides)


def _utc(value: datetime, zone: str) -> datetime:
    """An instant as written: with an offset it is that instant, without one a local time in ``zone``."""
    return local_instant(value, zone) if value.utcoffset() is None else value.astimezone(UTC)


def _written(value: datetime) -> str:
    return value.isoformat(timespec="minutes" if not (value.second or value.microsecond) else "auto")
