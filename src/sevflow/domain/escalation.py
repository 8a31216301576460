"""The one interpreter of the policy: ``decide`` what falls due, ``run_due`` to act on it.

``decide(ticket, now)`` is pure. It lists every *due moment* of an open ticket -- SLA breaches,
time-based rules (percent of a clock consumed, time at the current tier), condition rules,
ownership-handoff timeouts, decision-gate timeouts, unacknowledged pages -- each with the
instant it falls due and a
``key`` unique per ticket that makes it fire at most once. Those at or before ``now`` are
``due_now``; the rest are ``upcoming``, in order, and the first of them becomes the ticket's
one timer row (when it fires, the engine decides afresh and stores the next).

Live running, plan previews, drills and simulation all call this same function, the last two
with a fake clock that jumps from one ``next_due_at`` to the next.

Key scheme (stable; stored in events and timers):
  ``breach:{clock}:{epoch}``               a clock reached 100 % of its target
  ``rule:{name}:{clock}:{epoch}``          a consumed-percent rule, once per clock target
  ``rule:{name}:tier{visit}``              a time-at-tier rule, once per visit of a tier
  ``rule:{name}``                          a condition rule, once per ticket
  ``handoff:{assignment}``                 the owner of assignment N did not accept in time
  ``gate:{name}:{number}:{round}``         gate N undecided at the end of round R
  ``page:{number}:{round}:{step}``         page N unacknowledged at the end of a step
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from sevflow.domain.events import SYSTEM, Event, EventKind
from sevflow.domain.intake import matches_keywords, searchable_text
from sevflow.domain.policy import ActionKind, Rule, Trigger
from sevflow.domain.staffing import NOBODY, Staffing
from sevflow.domain.tickets import Ticket


class DueKind(StrEnum):
    BREACH = "breach"
    RULE = "rule"
    HANDOFF = "handoff"
    GATE = "gate"
    PAGE = "page"


class Due(NamedTuple):
    """One moment at which something happens to a ticket unless the ticket changes first.
    (A named tuple: ``decide`` makes several per ticket, and a tuple is cheap to build.)"""

    key: str
    kind: DueKind
    at: datetime
    rule: str | None = None


@dataclass(frozen=True)
class Decision:
    due_now: tuple[Due, ...]
    upcoming: tuple[Due, ...]

    @property
    def next_due_at(self) -> datetime | None:
        return min((d.at for d in self.upcoming), default=None)


_ORDER = {DueKind.BREACH: 0, DueKind.RULE: 1, DueKind.HANDOFF: 2, DueKind.GATE: 3, DueKind.PAGE: 4}


def _other_conditions_hold(when: Trigger, t: Ticket) -> bool:
    """The non-time conditions of a trigger that ``Policy.rules_for`` has not already checked
    (severity, customer tier, service line, tier), evaluated on the ticket as it is now."""
    if when.min_users_affected is not None and t.users_affected < when.min_users_affected:
        return False
    if when.min_reopens is not None and t.reopen_count < when.min_reopens:
        return False
    if when.services is not None and not when.services.intersection(t.services):
        return False
    return not when.keywords or matches_keywords(searchable_text(t.title, t.description), when.keywords)


def _rule_due(rule: Rule, t: Ticket, now: datetime) -> Due | None:
    when = rule.when
    if not _other_conditions_hold(when, t):
        return None
    if when.consumed_percent is not None and when.clock is not None:
        clock = t.clocks[when.clock]
        key = f"rule:{rule.name}:{when.clock}:{clock.epoch}"
        if key in t.fired:
            return None
        at = t.instant_at_percent(clock, when.consumed_percent)
        return None if at is None else Due(key, DueKind.RULE, at, rule.name)
    if when.minutes_at_tier is not None:
        key = f"rule:{rule.name}:tier{t.tier_visits}"
        if key in t.fired:
            return None
        # the tier stopwatch counts business time and pauses with the ticket: no escalation for
        # a ticket that waits on the customer
        at = t.instant_at_elapsed(t.tier_clock, when.minutes_at_tier * 60)
        return None if at is None else Due(key, DueKind.RULE, at, rule.name)
    key = f"rule:{rule.name}"
    return None if key in t.fired else Due(key, DueKind.RULE, now, rule.name)


def decide(ticket: Ticket, now: datetime) -> Decision:
    """Everything that falls due for ``ticket`` under its policy, split at ``now``.

    Resolved and closed tickets have nothing due. ``now`` is an aware UTC instant. Pure: the
    same ticket and instant always give the same decision.
    """
    return _decide(ticket, now)


def _decide(t: Ticket, now: datetime) -> Decision:
    if not t.status.is_open:
        return Decision((), ())
    dues: list[Due] = []
    for kind, clock in t.clocks.items():
        key = f"breach:{kind}:{clock.epoch}"
        if key not in t.fired:
            at = t.instant_at_percent(clock, 100)  # = clock.deadline_at(its calendar)
            if at is not None:
                dues.append(Due(key, DueKind.BREACH, at))
    for rule in t.policy.rules_for(t.severity, t.customer_tier, t.service_line, t.tier):
        due = _rule_due(rule, t, now)
        if due is not None:
            dues.append(due)
    if t.owner is not None and not t.owner_accepted and t.owner_assigned_at is not None:
        key = f"handoff:{t.assignments}"
        if key not in t.fired:
            # counted on the ticket's SLA calendar: an office-hours ticket is not passed along
            # the whole chain overnight, a 24x7 one is
            limit = t.policy.handoff.accept_within_minutes * 60
            dues.append(
                Due(
                    key,
                    DueKind.HANDOFF,
                    t.policy.calendar(t.sla_target.calendar).add(t.owner_assigned_at, limit),
                )
            )
    if t.gate is not None:
        key = f"gate:{t.gate.name}:{t.gate.number}:{t.gate.round}"
        dues.append(Due(key, DueKind.GATE, t.gate.due_at))
    if t.page is not None:
        dues.append(Due(t.page.timeout_key, DueKind.PAGE, t.page.ack_due_at))
    dues.sort(key=lambda d: (d.at, _ORDER[d.kind], d.key))
    return Decision(
        tuple(d for d in dues if d.at <= now),
        tuple(d for d in dues if d.at > now),
    )


MAX_FIRINGS = 200
"""A ticket whose rules keep triggering each other stops after this many firings per call."""


def run_due(ticket: Ticket, now: datetime, staffing: Staffing = NOBODY) -> Decision:
    """Fire everything due at ``now``, earliest first, each once -- deciding afresh after every
    single firing, because an action (an escalation, a new owner, a severity change) can make
    other due moments stale or create new ones. Records the events and notifications on the
    ticket; returns the final decision, whose first ``upcoming`` is the timer to store."""
    for _ in range(MAX_FIRINGS):
        decision = _decide(ticket, now)
        if not decision.due_now:
            return decision
        _fire(ticket, decision.due_now[0], now, staffing)
    return _decide(ticket, now)


def _fire(t: Ticket, due: Due, now: datetime, staffing: Staffing) -> None:
    if due.kind is DueKind.BREACH:
        kind = due.key.split(":")[1]
        event = Event(
            EventKind.SLA_BREACHED,
            now,
            SYSTEM,
            {"clock": kind, "deadline_at": due.at.isoformat()},
            reason=f"{kind.replace('_', ' ')} target missed",
            key=due.key,
        )
        t.record(event)
    elif due.kind is DueKind.RULE:
        assert due.rule is not None
        _fire_rule(t, t.policy.rule(due.rule), due, now, staffing)
    elif due.kind is DueKind.HANDOFF:
        t.reassign_after_handoff_timeout(now=now, key=due.key, staffing=staffing)
    elif due.kind is DueKind.GATE:
        _fire_gate_timeout(t, due, now)
    else:
        t.page_next(now=now, key=due.key)


def _fire_rule(t: Ticket, rule: Rule, due: Due, now: datetime, staffing: Staffing) -> None:
    when = rule.when
    data: dict[str, object] = {"rule": rule.name, "due_at": due.at.isoformat()}
    if when.clock is not None and when.consumed_percent is not None:
        data.update(clock=when.clock.value, percent=when.consumed_percent)
        kind = EventKind.SLA_WARNING if when.consumed_percent < 100 else EventKind.RULE_FIRED
        reason = f"{when.clock.value.replace('_', ' ')} {when.consumed_percent}% consumed"
    elif when.minutes_at_tier is not None:
        data.update(tier=t.tier, minutes=when.minutes_at_tier)
        kind, reason = EventKind.RULE_FIRED, f"{when.minutes_at_tier} minutes at {t.tier}"
    else:
        kind, reason = EventKind.RULE_FIRED, "conditions met"
    event = Event(kind, now, SYSTEM, data, reason=f"{rule.name}: {reason}", rule=rule.name, key=due.key)
    t.record(event)
    for action in rule.then:
        if action.kind is ActionKind.NOTIFY:
            t.notify(event, action.roles, urgent=t.severity.rank <= 2)
        elif action.kind is ActionKind.ESCALATE:
            target = action.tier or t.policy.next_tier(t.tier)
            if target is not None and t.policy.tier_index(target) > t.policy.tier_index(t.tier):
                t.move_to_tier_by_rule(target, now=now, rule=rule.name, staffing=staffing)
        elif action.kind is ActionKind.RAISE_SEVERITY:
            t.change_severity_by_rule(action.severity or t.severity.raised(), now=now, rule=rule.name)
        elif action.kind is ActionKind.REASSIGN:
            assert action.team is not None
            if action.team != t.team:
                t.reassign_team(
                    action.team, now=now, actor=SYSTEM, reason=f"rule {rule.name}", rule=rule.name
                )
        elif action.kind is ActionKind.REQUIRE_APPROVAL:
            assert action.gate is not None
            t.open_gate_by_rule(action.gate, now=now, rule=rule.name)


def _fire_gate_timeout(t: Ticket, due: Due, now: datetime) -> None:
    assert t.gate is not None
    gate = t.policy.gate(t.gate.name)
    period = timedelta(minutes=gate.decide_within_minutes)
    # keep the rhythm from when it was due; a worker that was down skips the rounds it missed
    # rather than sending them all at once
    next_due = due.at + period if due.at + period > now else now + period
    event = Event(
        EventKind.GATE_TIMED_OUT,
        now,
        SYSTEM,
        {"gate": gate.name, "round": t.gate.round, "next_due_at": next_due.isoformat()},
        reason=f"nobody decided {gate.name} within {gate.decide_within_minutes} minutes",
        key=due.key,
    )
    t.record(event)
    t.notify(event, gate.escalate_to + gate.approver_roles, urgent=True)
