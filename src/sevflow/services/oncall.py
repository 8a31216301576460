"""On call: who is on call for a team at an instant, and the handoffs coming up, from the
rotations of the active policy (its ``oncall`` section; see ``sevflow.domain.oncall``).

Reading on-call is part of the directory (who works where): every staff role may, customers may
not (``Action.DIRECTORY_READ``). A team without a rotation in the active policy is ``NotFound``,
naming the teams that have one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sevflow.domain.access import Action
from sevflow.domain.errors import InvalidInput, NotFound
from sevflow.domain.instants import require_aware
from sevflow.domain.oncall import OnCall, Schedule, local_instant, zone_info
from sevflow.domain.policy import Policy
from sevflow.services.actors import Actor
from sevflow.services.ports import Clock, UnitOfWork

MAX_DAYS = 90
"""The longest window ``handoffs`` lists, in days."""


@dataclass(frozen=True)
class Handoff:
    """At ``at`` (UTC) ``person`` takes over ``layer`` from ``previous`` (``None``: nobody)."""

    at: datetime
    layer: str
    person: str | None
    previous: str | None


@dataclass(frozen=True)
class Handoffs:
    """Every change of person in a team's layers during ``[start_at, end_at)`` (UTC), in time
    order (layer order on equal instants). ``zone`` is the team's IANA zone."""

    team: str
    zone: str
    start_at: datetime
    end_at: datetime
    items: tuple[Handoff, ...]


def _schedule(policy: Policy, team: str) -> Schedule:
    schedule = policy.oncall.schedules.get(team)
    if schedule is None:
        known = ", ".join(sorted(policy.oncall.schedules))
        raise NotFound(
            f"no on-call schedule for team {team!r}; teams with one: {known}"
            if known
            else f"no on-call schedule for team {team!r}; the active policy has no oncall section"
        )
    return schedule


def _active_schedule(uow: UnitOfWork, team: str) -> Schedule:
    with uow:
        policy = uow.policies.active()
    return _schedule(policy, team)


def oncall_zone(uow: UnitOfWork, *, actor: Actor, team: str) -> str:
    """The IANA zone ``team``'s rotation is written in (handoffs happen at its wall time)."""
    actor.require(Action.DIRECTORY_READ)
    return _active_schedule(uow, team).zone


def who_is_on_call(
    uow: UnitOfWork, *, clock: Clock, actor: Actor, team: str, at: datetime | None = None
) -> OnCall:
    """Who is on call for ``team`` at the aware instant ``at`` (default: now), layer by layer,
    with the override in force and since / until when each person stays on call. A naive
    ``at`` is ``InvalidInput`` (it is ambiguous); an unknown team ``NotFound``."""
    actor.require(Action.DIRECTORY_READ)
    now = clock.now()
    at = now if at is None else require_aware(at, "at")
    return _active_schedule(uow, team).who(at)


def handoffs(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    team: str,
    start_at: datetime | None = None,
    days: int = 7,
) -> Handoffs:
    """The changes of person in ``team``'s layers from ``start_at`` (aware; default: now) for
    ``days`` (1..90) calendar days in the team's zone: up to the same local wall time ``days``
    later, so a window over a DST change is an hour shorter or longer than ``days`` x 24 h.
    ``InvalidInput`` for a naive ``start_at`` or ``days`` out of range; ``NotFound`` for an
    unknown team."""
    actor.require(Action.DIRECTORY_READ)
    now = clock.now()
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be a whole number from 1 to {MAX_DAYS}, got {days!r}")
    start_at = now if start_at is None else require_aware(start_at, "start_at")
    schedule = _active_schedule(uow, team)
    local_start = start_at.astimezone(zone_info(schedule.zone)).replace(tzinfo=None)
    end_at = local_instant(local_start + timedelta(days=days), schedule.zone)
    # who held each layer just before the window: the "previous" of its first change
    before = schedule.who(start_at - timedelta(microseconds=1))
    holder = {shift.layer: shift.person for shift in before.layers}
    items = []
    for instant, layer, person in schedule.handoffs(start_at, end_at):
        items.append(Handoff(instant, layer, person, holder[layer]))
        holder[layer] = person
    return Handoffs(schedule.team, schedule.zone, start_at, end_at, tuple(items))
