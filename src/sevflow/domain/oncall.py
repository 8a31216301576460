"""On-call schedules: who is on call for a team at an instant, layer by layer, with overrides.

CONTRACT (other modules rely on exactly this):

- ``Layer(name, members, handoff, at, day, start, zone)`` is one rotation. Member 0 is on call
  from the first handoff -- local date ``start`` at local wall time ``at`` in the IANA ``zone``
  -- and at every later handoff (every day, or every week on weekday ``day``, 0=Monday) the next
  member takes over, cyclically. A weekly layer's ``start`` falls on ``day``; a daily layer has
  no ``day``. Before the first handoff nobody is on call in the layer (``None``).
- ``Override(layer, who, start_at, end_at, reason="", replaces=None)``: during
  ``[start_at, end_at)`` ``who`` is on call in ``layer`` instead of the scheduled person; with
  ``replaces`` only while ``replaces`` is the scheduled person (one person's shifts are swapped
  out). Of several overrides in force the one that started latest wins; on equal starts, the
  later in ``Schedule.overrides``. An override in force before a layer's first handoff (and
  without ``replaces``) puts ``who`` on call there too.
- ``Schedule.who(at)`` -> ``OnCall``: per layer the person on call, the override in force and
  the piece of time around ``at`` during which that person stays on call (``since_at``,
  ``until_at``: the previous and next *change of person*, from a handoff or an override
  boundary; ``None`` when there is none, e.g. a one-member layer never hands off).
- ``Schedule.handoffs(start_at, end_at)``: every change of person in ``[start_at, end_at)``.
- ``Schedule.away(at)`` / ``OnCallBook.away(at)``: scheduled people an override replaces.

Time. Every instant is an aware datetime, returned in UTC; naive ones raise ``InvalidInput``
(queries) or ``ValueError`` (constructors). Handoffs happen at local wall time, so across a
DST change the real length of a shift shifts with it: a weekly shift over a change is 167 or
169 hours, a daily one 23 or 25. A handoff time that does not exist locally (the spring-forward
gap: 02:30 on 2026-03-08 in New York) happens at the first instant after the gap (03:00 EDT,
the moment the clocks jump); an ambiguous one (the autumn fall-back) at its first occurrence
(fold=0). Note the gap rule differs from the business calendar's (which shifts a gap time by
the size of the gap): a handoff never happens later than the wall time asked for.

Cost. The scheduled person is arithmetic on local dates (a division, then at most a step or
two to correct for the time of day and DST), independent of how many shifts passed since
``start``; only the handoff instants themselves go through zoneinfo. Overrides of a layer are
kept sorted by start; finding the one in force visits only overrides that could still run.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sevflow.domain.errors import InvalidInput
from sevflow.domain.instants import require_aware

_US = timedelta(microseconds=1)  # instants have microsecond resolution: c - _US is "just before c"
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class HandoffKind(StrEnum):
    """How often a layer hands over to its next member."""

    DAILY = "daily"
    WEEKLY = "weekly"

    @property
    def days(self) -> int:
        """Local calendar days between two handoffs."""
        return 1 if self is HandoffKind.DAILY else 7


def zone_info(zone: str) -> ZoneInfo:
    """The ``ZoneInfo`` of an IANA name; ``ValueError`` naming the zone otherwise."""
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise ValueError(
            f"unknown time zone {zone!r}; use an IANA name such as Europe/Berlin or America/New_York"
        ) from None


def local_instant(wall: datetime, zone: str) -> datetime:
    """The UTC instant of the naive local ``wall`` time in ``zone``, by the on-call rules: a time
    in a spring-forward gap is the first instant after the gap, an ambiguous time its first
    occurrence. ``wall.fold`` is ignored; ``ValueError`` for an aware ``wall`` or unknown zone."""
    if wall.tzinfo is not None:
        raise ValueError(f"local time {wall.isoformat()} must not carry an offset")
    return _resolve(wall, zone_info(zone))


def _resolve(wall: datetime, tz: ZoneInfo) -> datetime:
    naive = wall.replace(fold=0)
    first = naive.replace(tzinfo=tz).astimezone(UTC)  # fold=0: before a gap's change, first of two
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first  # the wall time exists (an ambiguous one resolves to its first occurrence)
    # In a gap: the clocks jump at some instant in (fold=1 answer, fold=0 answer]. Find it to the
    # microsecond by bisection (a few dozen steps, only for handoffs that fall into a gap).
    lo = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    before = lo.astimezone(tz).utcoffset()
    if lo >= first or first.astimezone(tz).utcoffset() == before:
        return first  # not a plain forward jump: keep zoneinfo's answer
    low, high = 0, (first - lo) // _US
    while high - low > 1:
        mid = (low + high) // 2
        if (lo + mid * _US).astimezone(tz).utcoffset() == before:
            low = mid
        else:
            high = mid
    return lo + high * _US


@dataclass(frozen=True)
class Layer:
    """One rotation; see the module contract. ``at`` is a naive local time (its fold is ignored),
    ``day`` a weekday 0=Monday..6=Sunday for weekly layers and ``None`` for daily ones. Members
    are distinct, non-empty names. ``ValueError`` for anything else."""

    name: str
    members: tuple[str, ...]
    handoff: HandoffKind
    at: time
    day: int | None
    start: date
    zone: str
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = f"on-call layer {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"an on-call layer needs a non-empty name, got {self.name!r}")
        members = tuple(self.members)
        if not members or not all(isinstance(m, str) and m for m in members):
            raise ValueError(f"{where}: members must be a non-empty list of names, got {self.members!r}")
        twice = sorted({m for m in members if members.count(m) > 1})
        if twice:
            raise ValueError(f"{where}: {', '.join(twice)} listed more than once; name each member once")
        try:
            handoff = HandoffKind(self.handoff)
        except ValueError:
            raise ValueError(f"{where}: unknown handoff {self.handoff!r}; allowed: daily, weekly") from None
        if not isinstance(self.at, time) or self.at.tzinfo is not None:
            raise ValueError(f"{where}: the handoff time must be a local time without zone, got {self.at!r}")
        if isinstance(self.start, datetime) or not isinstance(self.start, date):
            raise ValueError(f"{where}: start must be a date, got {self.start!r}")
        if handoff is HandoffKind.WEEKLY:
            if isinstance(self.day, bool) or not isinstance(self.day, int) or not 0 <= self.day <= 6:
                raise ValueError(
                    f"{where}: a weekly handoff needs a day 0 (Monday) .. 6 (Sunday), got {self.day!r}"
                )
            if self.start.weekday() != self.day:
                raise ValueError(
                    f"{where}: start {self.start} is a {_DAY_NAMES[self.start.weekday()]}, but the weekly "
                    f"handoff is on {_DAY_NAMES[self.day]}; start on a {_DAY_NAMES[self.day]}"
                )
        elif self.day is not None:
            raise ValueError(f"{where}: a daily handoff takes no day, got {self.day!r}")
        try:
            tz = zone_info(self.zone)
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None
        object.__setattr__(self, "members", members)
        object.__setattr__(self, "handoff", handoff)
        object.__setattr__(self, "at", self.at.replace(fold=0))
        object.__setattr__(self, "_tz", tz)

    def handoff_at(self, index: int) -> datetime:
        """The UTC instant of handoff ``index`` (0 = the first, on ``start``; member
        ``index % len(members)`` takes over then): local time ``at`` on ``start`` plus ``index``
        days or weeks, resolved by the module's DST rules. ``ValueError`` for ``index < 0``."""
        if index < 0:
            raise ValueError(f"handoff index must be >= 0, got {index}")
        day = self.start + timedelta(days=index * self.handoff.days)
        return _resolve(datetime.combine(day, self.at), self._tz)

    def shift_index(self, at: datetime) -> int:
        """The shift running at the aware instant ``at``: the number of handoffs at or before
        ``at`` minus one (a handoff instant belongs to the new shift); -1 before the first."""
        at = require_aware(at, "at")
        days = (at.astimezone(self._tz).date() - self.start).days
        index = max(days // self.handoff.days, 0)  # a first guess, corrected for the time of day and DST
        while self.handoff_at(index) > at:
            if index == 0:
                return -1
            index -= 1
        while self.handoff_at(index + 1) <= at:
            index += 1
        return index

    def scheduled(self, at: datetime) -> str | None:
        """The member the rotation puts on call at ``at`` (overrides not considered); ``None``
        before the first handoff."""
        index = self.shift_index(at)
        return None if index < 0 else self.members[index % len(self.members)]


@dataclass(frozen=True)
class Override:
    """``who`` is on call in ``layer`` during ``[start_at, end_at)`` instead of the scheduled
    person -- only while ``replaces`` is scheduled, if given. Instants must be aware (stored in
    UTC) with ``end_at > start_at``; ``replaces`` must differ from ``who``; else ``ValueError``."""

    layer: str
    who: str
    start_at: datetime
    end_at: datetime
    reason: str = ""
    replaces: str | None = None

    def __post_init__(self) -> None:
        where = f"override of on-call layer {self.layer!r} by {self.who!r}"
        if not isinstance(self.layer, str) or not self.layer or not isinstance(self.who, str) or not self.who:
            raise ValueError(f"{where}: layer and who must be non-empty names")
        for name in ("start_at", "end_at"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise ValueError(
                    f"{where}: {name} {value!r} must be an aware datetime, e.g. 2026-12-21T09:00:00+01:00"
                )
            object.__setattr__(self, name, value.astimezone(UTC))
        if self.end_at <= self.start_at:
            raise ValueError(
                f"{where}: end_at {self.end_at.isoformat()} is not after start_at "
                f"{self.start_at.isoformat()}; an override covers [start_at, end_at)"
            )
        if self.replaces is not None and (not isinstance(self.replaces, str) or not self.replaces):
            raise ValueError(f"{where}: replaces must be a name or None, got {self.replaces!r}")
        if self.replaces == self.who:
            raise ValueError(
                f"{where}: replaces names {self.who!r} too; name the person whose shift is taken"
            )


@dataclass(frozen=True)
class LayerShift:
    """One layer at an instant: ``person`` (``None``: nobody) is on call from ``since_at`` until
    ``until_at`` (UTC; ``None``: no change of person before / after), through ``override`` if
    one is in force."""

    layer: str
    person: str | None
    since_at: datetime | None
    until_at: datetime | None
    override: Override | None = None


@dataclass(frozen=True)
class OnCall:
    """Who is on call for ``team`` at ``at`` (UTC): one ``LayerShift`` per layer, in layer order."""

    team: str
    at: datetime
    layers: tuple[LayerShift, ...]

    @property
    def primary(self) -> str | None:
        """The first layer's person."""
        return self.layers[0].person if self.layers else None

    @property
    def secondary(self) -> str | None:
        """The second layer's person; ``None`` without a second layer."""
        return self.layers[1].person if len(self.layers) > 1 else None

    def shift(self, layer: str) -> LayerShift:
        """The shift of the layer called ``layer``; ``InvalidInput`` for an unknown name."""
        for shift in self.layers:
            if shift.layer == layer:
                return shift
        raise InvalidInput.unknown(
            f"on-call layer of team {self.team!r}", layer, [s.layer for s in self.layers]
        )


class _State(NamedTuple):
    person: str | None
    scheduled: str | None
    shift_index: int  # the rotation's shift (-1 before the first handoff)
    override: Override | None
    fixed: bool  # the override holds whoever is scheduled, until the next override boundary


class _Timeline:
    """One layer with its overrides, indexed for questions about instants."""

    def __init__(self, layer: Layer, overrides: Iterable[tuple[int, Override]]) -> None:
        ranked = sorted(overrides, key=lambda item: (item[1].start_at, item[0]))  # by rank: later wins
        self.layer = layer
        self.ranked = [o for _, o in ranked]
        self.starts = [o.start_at for o in self.ranked]
        self.reach: list[datetime] = []  # reach[i]: latest end_at among ranked[: i + 1]
        for o in self.ranked:
            self.reach.append(max(o.end_at, self.reach[-1]) if self.reach else o.end_at)
        self.bounds = sorted({o.start_at for o in self.ranked} | {o.end_at for o in self.ranked})

    def state(self, at: datetime) -> _State:
        layer = self.layer
        index = layer.shift_index(at)
        scheduled = None if index < 0 else layer.members[index % len(layer.members)]
        outranked_by_swap = False
        i = bisect_right(self.starts, at) - 1
        while i >= 0 and self.reach[i] > at:  # from the latest start down; stop once none can run
            o = self.ranked[i]
            if o.end_at > at:
                if o.replaces is None or o.replaces == scheduled:
                    fixed = o.replaces is None and not outranked_by_swap
                    return _State(o.who, scheduled, index, o, fixed)
                outranked_by_swap = True  # it would win from the handoff that schedules `replaces`
            i -= 1
        return _State(scheduled, scheduled, index, None, False)

    def _next_handoff(self, index: int) -> datetime | None:
        """The next handoff that changes the scheduled person (one-member layers: only the first)."""
        if index < 0:
            return self.layer.handoff_at(0)
        return self.layer.handoff_at(index + 1) if len(self.layer.members) > 1 else None

    def _last_handoff(self, index: int) -> datetime | None:
        """The latest handoff at or before shift ``index`` that changed the scheduled person."""
        if index < 0:
            return None
        return self.layer.handoff_at(index if len(self.layer.members) > 1 else 0)

    def until(self, at: datetime, state: _State) -> datetime | None:
        """The first instant after ``at`` with another person than ``state.person``."""
        while True:
            j = bisect_right(self.bounds, at)
            options = [self.bounds[j]] if j < len(self.bounds) else []
            if not state.fixed:
                handoff = self._next_handoff(state.shift_index)
                if handoff is not None:
                    options.append(handoff)
            if not options:
                return None
            nxt = min(options)
            following = self.state(nxt)
            if following.person != state.person:
                return nxt
            at, state = nxt, following

    def since(self, at: datetime, state: _State) -> datetime | None:
        """The instant from which ``state.person`` has been on call without a break up to ``at``."""
        while True:
            j = bisect_right(self.bounds, at) - 1
            options = [self.bounds[j]] if j >= 0 else []
            if not state.fixed:
                handoff = self._last_handoff(state.shift_index)
                if handoff is not None:
                    options.append(handoff)
            if not options:
                return None
            change = max(options)
            before = self.state(change - _US)
            if before.person != state.person:
                return change
            at, state = change - _US, before

    def changes(self, start_at: datetime, end_at: datetime) -> list[tuple[datetime, str | None]]:
        """Every ``(instant, new person)`` in ``[start_at, end_at)`` where the person changes."""
        layer = self.layer
        options = {b for b in self.bounds if start_at <= b < end_at}
        index = max(layer.shift_index(start_at), 0)
        last = 0 if len(layer.members) == 1 else None  # one member: only the first handoff counts
        while last is None or index <= last:
            handoff = layer.handoff_at(index)
            if handoff >= end_at:
                break
            if handoff >= start_at:
                options.add(handoff)
            index += 1
        person = self.state(start_at - _US).person
        found: list[tuple[datetime, str | None]] = []
        for instant in sorted(options):
            now_person = self.state(instant).person
            if now_person != person:
                found.append((instant, now_person))
                person = now_person
        return found


@dataclass(frozen=True)
class Schedule:
    """A team's on-call layers (at least one, distinct names; the first is the primary) and the
    overrides of them (each naming one of the layers). ``zone`` is the team's IANA zone, in
    which people read the schedule. ``ValueError`` for anything else."""

    team: str
    zone: str
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()
    _timelines: tuple[_Timeline, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = f"on-call schedule {self.team!r}"
        try:
            zone_info(self.zone)
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None
        layers, overrides = tuple(self.layers), tuple(self.overrides)
        if not layers:
            raise ValueError(f"{where}: needs at least one layer")
        names = [layer.name for layer in layers]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"{where}: layer {', '.join(twice)} defined more than once")
        for o in overrides:
            if o.layer not in names:
                raise ValueError(f"{where}: {InvalidInput.unknown('layer', o.layer, names)}")
        by_layer: dict[str, list[tuple[int, Override]]] = {n: [] for n in names}
        for i, o in enumerate(overrides):
            by_layer[o.layer].append((i, o))
        object.__setattr__(self, "layers", layers)
        object.__setattr__(self, "overrides", overrides)
        object.__setattr__(self, "_timelines", tuple(_Timeline(la, by_layer[la.name]) for la in layers))

    def who(self, at: datetime) -> OnCall:
        """Who is on call at the aware instant ``at``, per layer in order, with overrides applied
        and the bounds of each person's time on call (see ``LayerShift``)."""
        at = require_aware(at, "at")
        shifts = []
        for timeline in self._timelines:
            state = timeline.state(at)
            shifts.append(
                LayerShift(
                    layer=timeline.layer.name,
                    person=state.person,
                    since_at=timeline.since(at, state),
                    until_at=timeline.until(at, state),
                    override=state.override,
                )
            )
        return OnCall(self.team, at, tuple(shifts))

    def handoffs(self, start_at: datetime, end_at: datetime) -> list[tuple[datetime, str, str | None]]:
        """Every change of person in ``[start_at, end_at)``, from handoffs and override
        boundaries, as ``(instant in UTC, layer name, new person or None)`` in time order (layer
        order on equal instants). A handoff to the same person is no change. Empty if
        ``end_at <= start_at``."""
        start_at, end_at = require_aware(start_at, "start_at"), require_aware(end_at, "end_at")
        if end_at <= start_at:
            return []
        found = [
            (instant, position, timeline.layer.name, person)
            for position, timeline in enumerate(self._timelines)
            for instant, person in timeline.changes(start_at, end_at)
        ]
        found.sort(key=lambda item: (item[0], item[1]))
        return [(instant, name, person) for instant, _, name, person in found]

    def away(self, at: datetime) -> frozenset[str]:
        """People scheduled at the aware ``at`` in a layer whose override in force puts somebody
        else on call (vacation cover, a swapped shift); empty when no override is in force."""
        at = require_aware(at, "at")
        away: set[str] = set()
        for timeline in self._timelines:
            state = timeline.state(at)
            scheduled = state.scheduled
            if state.override is not None and scheduled is not None and scheduled != state.person:
                away.add(scheduled)
        return frozenset(away)


@dataclass(frozen=True)
class OnCallBook:
    """Every team's schedule, keyed by team name (the key must equal ``Schedule.team``)."""

    schedules: Mapping[str, Schedule]

    def __post_init__(self) -> None:
        schedules = dict(self.schedules)
        for team, schedule in schedules.items():
            if schedule.team != team:
                raise ValueError(f"on-call schedule of team {schedule.team!r} filed under {team!r}")
        object.__setattr__(self, "schedules", MappingProxyType(schedules))

    def who(self, team: str, at: datetime) -> OnCall:
        """``Schedule.who(at)`` of ``team``; ``InvalidInput`` naming the known teams otherwise."""
        schedule = self.schedules.get(team)
        if schedule is None:
            raise InvalidInput.unknown("on-call team", team, self.schedules)
        return schedule.who(at)

    def away(self, at: datetime) -> frozenset[str]:
        """The union of every schedule's ``away(at)``."""
        at = require_aware(at, "at")
        return frozenset().union(*(schedule.away(at) for schedule in self.schedules.values()))


NO_ONCALL = OnCallBook({})
"""A policy without on-call rotations."""
