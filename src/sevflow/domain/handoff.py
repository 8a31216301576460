"""Ownership handoff: when an owner does not accept in time, the next in line gets the ticket."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sevflow.domain.events import SYSTEM, Event, EventKind
from sevflow.domain.policy import Role
from sevflow.domain.staffing import Staffing, choose_owner

if TYPE_CHECKING:
    from sevflow.domain.tickets import Ticket


def handoff_chain(t: Ticket) -> list[tuple[str, str]]:
    """Who gets the ticket, in order, when owners do not accept: at the first tier the
    severity's primary and secondary owner, at higher tiers that team's members; then the tier
    lead, then the service line's manager. Pairs of ``(agent, role)``."""
    line = t.policy.service_lines[t.service_line]
    team = line.teams[t.tier]
    if t.tier == t.policy.tiers[0]:
        pair = line.owners[t.severity]
        first = [(pair.primary, "primary"), (pair.secondary, "secondary")]
    else:
        first = [(m, "member") for m in team.members]
    return [*first, (team.lead, "tier_lead"), (line.manager, "manager")]


def pass_on(t: Ticket, *, now: datetime, key: str, staffing: Staffing) -> None:
    """Record that the owner did not accept in time and give the ticket to the next person in
    the chain who has not had it yet (present and under the WIP limit, else the last of them).
    At the end of the line the manager is told and the ticket stays where it is."""
    chain = handoff_chain(t)
    position = next((i for i, (a, r) in enumerate(chain) if a == t.owner and r == t.owner_role), -1)
    # everybody up to the current owner already had their chance
    had_it = {a for a, _ in chain[: position + 1]} | {t.owner}
    later = [(a, r) for a, r in chain[position + 1 :] if a not in had_it]
    limit = t.policy.handoff.accept_within_minutes
    event = Event(
        EventKind.HANDOFF_TIMED_OUT,
        now,
        SYSTEM,
        {"owner": t.owner, "role": t.owner_role, "next": later[0][0] if later else None},
        reason=f"{t.owner} did not accept within {limit} minutes",
        key=key,
    )
    t.record(event)
    if not later:
        t.notify(event, [Role.MANAGER], urgent=True)
        return
    owner, role = choose_owner(later, staffing, t.policy.handoff.wip_limit)
    t.assign_owner(owner, role, now, SYSTEM, reason=f"handoff: {event.reason}")
