"""The ticket aggregate.

Commands (``open``, ``change_status``, ``escalate``, ...) check the rules, then *record* events;
``apply`` is the only code that changes state, so a ticket rebuilt from its events with
``Ticket.replay`` equals the live one. Recorded events wait in ``pending`` (and notification
intents in ``outbox``) until a service persists them in one transaction.

The ticket runs under the policy it was opened with (``policy_version``); ``policy`` is that
version's object, supplied by whoever loads the ticket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sevflow.domain import addressing, handoff, notifying, paging, ticket_fold, ticket_snapshot
from sevflow.domain.calendar import BusinessCalendar
from sevflow.domain.errors import IllegalTransition, InvalidInput, NotPermitted
from sevflow.domain.events import SYSTEM, Event, EventKind
from sevflow.domain.gates import GateState
from sevflow.domain.notifications import Notification
from sevflow.domain.paging import PageState
from sevflow.domain.policy import ClockKind, Policy, Role, SlaTarget
from sevflow.domain.severity import Severity
from sevflow.domain.sla import SlaClock
from sevflow.domain.staffing import NOBODY, Staffing, choose_owner
from sevflow.domain.status import Status, check_transition
from sevflow.domain.text import check_storable, reason_text, text_field
from sevflow.domain.triage_policy import ModelOpinion

DRILL_CHANNEL = "drill"
"""The intake channel of a drill ticket (see ``Ticket.is_drill``)."""

_REMEMBERED_INSTANTS = 256
"""Calendar answers a ticket keeps (a long simulation changes its clocks many times)."""

_UNSET_STOPWATCH = SlaClock.stopwatch("", datetime.min.replace(tzinfo=UTC), paused=True)


class Ticket:
    """A support ticket driven through its policy. See the module docstring."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.id: int | None = None
        self.version = 0
        self.policy_version = policy.version
        self.external_id: str | None = None
        self.channel = "api"
        self.title = ""
        self.description = ""
        self.service_line = ""
        self.customer = ""
        self.customer_tier = ""
        self.services: tuple[str, ...] = ()
        self.users_affected = 0
        self.severity = policy.default_severity
        self.severity_source = "default"
        self.proposed_severity = policy.default_severity
        self.status = Status.NEW
        self.tier = policy.tiers[0]
        self.team = ""
        self.owner: str | None = None
        self.owner_role = ""
        self.owner_accepted = False
        self.owner_assigned_at: datetime | None = None
        self.assignments = 0
        self.tier_entered_at: datetime | None = None
        self.tier_visits = 0
        # business time at the current tier, paused with the SLA clocks (time-at-tier rules)
        self.tier_clock = _UNSET_STOPWATCH  # set at creation
        self.reopen_count = 0
        self.escalation_count = 0
        self.escalations_on_time = 0
        """Escalations made before any of the ticket's SLA targets was missed."""
        self.created_at: datetime | None = None
        self.updated_at: datetime | None = None
        self.first_responded_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.clocks: dict[ClockKind, SlaClock] = {}
        self.fired: set[str] = set()
        self.gate: GateState | None = None
        self.gates_opened = 0
        self.page: PageState | None = None
        """The open page (``domain.paging``): who was paged and when the next step is due."""
        self.pages_opened = 0
        self.pending: list[Event] = []
        self.outbox: list[tuple[Event, Notification]] = []
        self._instants: dict[tuple[int, object], tuple[SlaClock, datetime | None]] = {}

    # == reading ===========================================================================

    @property
    def sla_target(self) -> SlaTarget:
        return self.policy.target(self.severity, self.customer_tier)

    def calendar_of(self, kind: ClockKind) -> BusinessCalendar:
        return self.policy.calendar(self.clocks[kind].calendar)

    def next_deadline_at(self) -> datetime | None:
        """The nearest deadline among running clocks (for sorting queues), or ``None``."""
        deadlines = [
            d
            for clock in self.clocks.values()
            if (d := clock.deadline_at(self.policy.calendar(clock.calendar))) is not None
        ]
        return min(deadlines) if deadlines else None

    def instant_at_percent(self, clock: SlaClock, percent: int) -> datetime | None:
        """``clock.instant_at_percent`` on the clock's calendar, remembered (see ``_remember``):
        the engine's breach and rule moments and the board's SLA marks share the answers."""
        hit = self._instants.get((id(clock), percent))
        if hit is not None and hit[0] is clock:
            return hit[1]
        at = clock.instant_at_percent(self.policy.calendar(clock.calendar), percent)
        return self._remember(clock, percent, at)

    def instant_at_elapsed(self, clock: SlaClock, seconds: int) -> datetime | None:
        """``clock.instant_at_elapsed`` on the clock's calendar, remembered like
        ``instant_at_percent`` (for the tier stopwatch)."""
        what = ("elapsed", seconds)
        hit = self._instants.get((id(clock), what))
        if hit is not None and hit[0] is clock:
            return hit[1]
        at = clock.instant_at_elapsed(self.policy.calendar(clock.calendar), seconds)
        return self._remember(clock, what, at)

    def _remember(self, clock: SlaClock, what: object, at: datetime | None) -> datetime | None:
        # A clock is an immutable value and a calendar a pure function, so the same clock object
        # always has the same answer. Keyed by identity (a value hash costs as much as the
        # calendar); the entry holds the clock, so its id stays taken while it is remembered.
        if len(self._instants) >= _REMEMBERED_INSTANTS:
            self._instants.clear()
        self._instants[id(clock), what] = (clock, at)
        return at

    def breached(self, kind: ClockKind) -> bool:
        clock = self.clocks[kind]
        return f"breach:{kind.value}:{clock.epoch}" in self.fired

    # == opening ===========================================================================

    @classmethod
    def open(
        cls,
        policy: Policy,
        *,
        now: datetime,
        actor: str,
        title: str,
        service_line: str,
        customer: str,
        customer_tier: str,
        description: str = "",
        services: Iterable[str] = (),
        users_affected: int = 0,
        severity: Severity | None = None,
        severity_reason: str | None = None,
        staffing: Staffing = NOBODY,
        channel: str = "api",
        external_id: str | None = None,
        opinion: ModelOpinion | None = None,
    ) -> Ticket:
        """Open a ticket: propose a severity by the policy's intake rules (and a severity
        model's ``opinion``, if the policy has a ``triage`` section), start the SLA clocks,
        assign the owner and open a decision gate if the severity needs one.

        A declared ``severity`` that differs from the policy's proposal is an override and needs
        ``severity_reason``.
        """
        from sevflow.domain.ticket_intake import open_ticket

        return open_ticket(
            cls(policy),
            now=now,
            actor=actor,
            title=title,
            service_line=service_line,
            customer=customer,
            customer_tier=customer_tier,
            description=description,
            services=services,
            users_affected=users_affected,
            severity=severity,
            severity_reason=severity_reason,
            staffing=staffing,
            channel=channel,
            external_id=external_id,
            opinion=opinion,
        )

    # == commands ==========================================================================

    def change_status(self, target: Status, *, now: datetime, actor: str, reason: str | None = None) -> None:
        check_transition(self.status, target)
        self._record(
            Event(
                EventKind.STATUS_CHANGED,
                now,
                actor,
                {"from": self.status.value, "to": target.value},
                reason=check_storable((reason or "").strip(), "the reason") or None,
            )
        )

    def comment(
        self, body: str, *, now: datetime, author: str, public: bool = True, from_customer: bool = False
    ) -> None:
        """A comment. A public agent comment counts as the first response and as a status
        update (it restarts the update-cadence clock). A customer reply to a ticket waiting on
        the customer puts it back in progress. A public agent comment is sent to the customer
        as a status update (``Role.CUSTOMER``); an internal one never leaves sevflow."""
        body = text_field(body, "comment", required=True)
        event = Event(
            EventKind.COMMENTED,
            now,
            author,
            {"body": body, "public": public, "from_customer": from_customer},
        )
        self._record(event)
        if public and not from_customer:
            self.notify(event, [Role.CUSTOMER])  # the customer's status update
        if from_customer and self.status is Status.WAITING_ON_CUSTOMER:
            self.change_status(Status.IN_PROGRESS, now=now, actor=author, reason="customer replied")

    def override_severity(self, target: Severity, *, now: datetime, actor: str, reason: str | None) -> None:
        """An agent overrides the severity; the reason is mandatory and recorded."""
        why = reason_text(reason, "a severity override")
        if target is self.severity:
            raise InvalidInput(f"the ticket is already {target.value}; choose another severity")
        self._change_severity(target, now=now, actor=actor, reason=why, source="override", rule=None)

    def escalate(
        self,
        *,
        now: datetime,
        actor: str,
        reason: str | None,
        to_tier: str | None = None,
        rule: str | None = None,
        staffing: Staffing = NOBODY,
    ) -> None:
        """Move the ticket up the chain (to the next tier, or to ``to_tier`` above the current)."""
        why = reason_text(reason, "an escalation")
        target = to_tier if to_tier is not None else self.policy.next_tier(self.tier)
        if target is None:
            raise IllegalTransition(
                f"the ticket is already at the top tier ({self.tier}); it cannot be escalated further"
            )
        if self.policy.tier_index(target) <= self.policy.tier_index(self.tier):
            above = self.policy.tiers[self.policy.tier_index(self.tier) + 1 :]
            raise IllegalTransition(
                f"cannot escalate from {self.tier} to {target}; tiers above {self.tier}: {', '.join(above)}"
            )
        if not self.status.is_open:
            raise IllegalTransition(f"a {self.status.value} ticket cannot be escalated; reopen it first")
        self._move_tier(
            EventKind.ESCALATED, target, now=now, actor=actor, reason=why, rule=rule, staffing=staffing
        )

    def deescalate(
        self,
        *,
        now: datetime,
        actor: str,
        reason: str | None,
        to_tier: str | None = None,
        staffing: Staffing = NOBODY,
    ) -> None:
        why = reason_text(reason, "a de-escalation")
        index = self.policy.tier_index(self.tier)
        if index == 0:
            raise IllegalTransition(
                f"the ticket is at the first tier ({self.tier}); it cannot be de-escalated"
            )
        target = to_tier if to_tier is not None else self.policy.tiers[index - 1]
        if self.policy.tier_index(target) >= index:
            raise IllegalTransition(
                f"cannot de-escalate from {self.tier} to {target}; "
                f"tiers below {self.tier}: {', '.join(self.policy.tiers[:index])}"
            )
        self._move_tier(
            EventKind.DEESCALATED, target, now=now, actor=actor, reason=why, rule=None, staffing=staffing
        )

    def assign(self, owner: str, *, now: datetime, actor: str, reason: str | None = None) -> None:
        owner = text_field(owner, "owner", required=True)
        self.assign_owner(owner, "assigned", now, actor, reason=reason)

    def accept_ownership(self, *, now: datetime, agent: str) -> None:
        if agent != self.owner:
            raise NotPermitted(f"only the assigned owner ({self.owner}) can accept ownership, not {agent}")
        if self.owner_accepted:
            raise IllegalTransition(f"{agent} has already accepted this ticket")
        self._record(Event(EventKind.OWNERSHIP_ACCEPTED, now, agent, {"owner": agent}))

    def change_customer_tier(self, tier: str, *, now: datetime, actor: str, reason: str | None) -> None:
        """The customer's tier changed (an upgrade, a contract lapse): the clocks are re-targeted
        to the new SLA cell like a severity change, keeping the time already spent."""
        why = reason_text(reason, "changing the customer tier")
        self.policy.customer_tier(tier)
        if tier == self.customer_tier:
            raise InvalidInput(f"the customer is already on the {tier} tier")
        self._record(
            Event(
                EventKind.CUSTOMER_TIER_CHANGED,
                now,
                actor,
                {"from": self.customer_tier, "to": tier},
                reason=why,
            )
        )

    def update_impact(self, users_affected: int, *, now: datetime, actor: str) -> None:
        if users_affected < 0:
            raise InvalidInput(f"users affected must be 0 or more, got {users_affected}")
        self._record(
            Event(EventKind.IMPACT_UPDATED, now, actor, {"from": self.users_affected, "to": users_affected})
        )

    def decide_gate(
        self,
        *,
        approved: bool,
        now: datetime,
        actor: str,
        actor_roles: Iterable[Role],
        note: str | None = None,
        severity_if_rejected: Severity | None = None,
    ) -> None:
        """Approve (keep the gated severity) or reject: the ticket goes to ``severity_if_rejected``,
        by default the severity it had before the gate opened (one level lower for intake)."""
        gate = self.gate
        if gate is None:
            raise IllegalTransition("the ticket has no pending decision gate")
        refusal = self.policy.gate(gate.name).refusal(actor=actor, roles=actor_roles, owner=self.owner)
        if refusal is not None:
            raise NotPermitted(refusal)
        if not approved and not (note or "").strip():
            raise InvalidInput("rejecting a decision gate needs a note saying why")
        self._record(
            Event(
                EventKind.GATE_DECIDED,
                now,
                actor,
                {"gate": gate.name, "approved": approved, "severity": gate.severity.value},
                reason=check_storable((note or "").strip(), "the note") or None,
            )
        )
        fallback = severity_if_rejected or gate.previous
        if not approved and fallback is gate.severity:
            raise InvalidInput(
                f"a rejected {gate.severity.value} gate needs a different severity to fall back to"
            )
        if not approved and fallback is not self.severity:
            self._change_severity(
                fallback, now=now, actor=actor, reason=f"gate {gate.name} rejected", source="gate", rule=None
            )

    # == used by the escalation engine =====================================================

    def record(self, event: Event) -> None:
        """Record an event produced by the escalation engine or a domain module (engine
        firings carry a ``key``)."""
        self._record(event)

    def notify(
        self,
        event: Event,
        roles: Iterable[Role],
        *,
        urgent: bool = False,
        recipients: Iterable[str] | None = None,
    ) -> None:
        """Queue a notification about ``event`` to ``roles`` (resolved to addresses now, unless
        ``recipients`` names them: a page goes to one person), one per channel the policy's
        routing picks (``domain.notifying``)."""
        notifying.queue(self, event, roles, urgent=urgent, recipients=recipients)

    @property
    def is_drill(self) -> bool:
        """A rehearsal ticket (opened through the ``drill`` channel): its notifications are
        marked [DRILL] and go only to the policy's drill channels."""
        return self.channel == DRILL_CHANNEL

    def address_of(self, role: Role) -> str | None:
        """Where a notification to ``role`` goes for this ticket (see ``domain.addressing``)."""
        return addressing.address_of(self, role)

    def change_severity_by_rule(self, target: Severity, *, now: datetime, rule: str) -> None:
        if target is self.severity:
            return
        self._change_severity(
            target, now=now, actor=SYSTEM, reason=f"rule {rule}", source=f"rule:{rule}", rule=rule
        )

    def move_to_tier_by_rule(self, target: str, *, now: datetime, rule: str, staffing: Staffing) -> None:
        self._move_tier(
            EventKind.ESCALATED,
            target,
            now=now,
            actor=SYSTEM,
            reason=f"rule {rule}",
            rule=rule,
            staffing=staffing,
        )

    def reassign_team(self, team: str, *, now: datetime, actor: str, reason: str, rule: str | None) -> None:
        line = self.policy.service_lines[self.service_line]
        names = [t.name for t in line.teams.values()]
        if team not in names:
            raise InvalidInput.unknown(f"team of {self.service_line}", team, names)
        self._record(
            Event(EventKind.REASSIGNED, now, actor, {"from": self.team, "to": team}, reason=reason, rule=rule)
        )

    def reassign_after_handoff_timeout(self, *, now: datetime, key: str, staffing: Staffing) -> None:
        """The owner did not accept in time: pass the ticket on (see ``domain.handoff``)."""
        handoff.pass_on(self, now=now, key=key, staffing=staffing)

    def acknowledge_page(
        self, *, now: datetime, actor: str, via: str, page: int | None = None, note: str | None = None
    ) -> bool:
        """``actor`` acknowledges the open page, which stops the paging chain (see
        ``domain.paging.acknowledge``): ``False`` if page ``page`` is already over."""
        note = check_storable((note or "").strip(), "the note") or None
        return paging.acknowledge(self, now=now, actor=actor, via=via, page=page, note=note)

    def page_next(self, *, now: datetime, key: str) -> None:
        """The open page's step timed out (``domain.paging.page_next``)."""
        paging.page_next(self, now=now, key=key)

    def open_gate_by_rule(self, gate_name: str, *, now: datetime, rule: str) -> None:
        gate = self.policy.gate(gate_name)
        if self.gate is not None:
            return
        severity = Severity.most_urgent(*gate.severities)
        self._open_gate(gate_name, severity, self.severity, now, SYSTEM, rule=rule)

    # == internals =========================================================================

    def _record(self, event: Event) -> None:
        self.apply(event)
        self.pending.append(event)
        paging.after_event(self, event)

    def assign_owner(self, owner: str, role: str, now: datetime, actor: str, *, reason: str | None) -> None:
        """Give the ticket to ``owner`` (who must then accept); notifies them."""
        event = Event(
            EventKind.ASSIGNED,
            now,
            actor,
            {"owner": owner, "role": role, "previous": self.owner},
            reason=reason,
        )
        self._record(event)
        self.notify(event, [Role.OWNER], urgent=self.severity in (Severity.SEV1, Severity.SEV2))

    def _move_tier(
        self,
        kind: EventKind,
        target: str,
        *,
        now: datetime,
        actor: str,
        reason: str,
        rule: str | None,
        staffing: Staffing,
    ) -> None:
        line = self.policy.service_lines[self.service_line]
        team = line.teams[target]
        event = Event(
            kind, now, actor, {"from": self.tier, "to": target, "team": team.name}, reason=reason, rule=rule
        )
        self._record(event)
        candidates = [(m, "member") for m in team.members] + [(team.lead, "tier_lead")]
        owner, role = choose_owner(candidates, staffing, self.policy.handoff.wip_limit)
        self.assign_owner(owner, role, now, SYSTEM, reason=f"{kind.value} to {target}")

    def _change_severity(
        self, target: Severity, *, now: datetime, actor: str, reason: str, source: str, rule: str | None
    ) -> None:
        previous = self.severity
        event = Event(
            EventKind.SEVERITY_CHANGED,
            now,
            actor,
            {"from": previous.value, "to": target.value, "source": source},
            reason=reason,
            rule=rule,
        )
        self._record(event)
        self.notify(event, [Role.OWNER, Role.TIER_LEAD], urgent=target.is_more_urgent_than(previous))
        if source != "gate":
            self._open_gate_if_needed(target, previous, now, actor)

    def _open_gate_if_needed(self, severity: Severity, previous: Severity, now: datetime, actor: str) -> None:
        gate = self.policy.gate_for(severity)
        if gate is None or self.gate is not None:
            return
        self._open_gate(gate.name, severity, previous, now, actor, rule=None)

    def _open_gate(
        self,
        name: str,
        severity: Severity,
        previous: Severity,
        now: datetime,
        actor: str,
        *,
        rule: str | None,
    ) -> None:
        gate = self.policy.gate(name)
        due = now + timedelta(minutes=gate.decide_within_minutes)
        event = Event(
            EventKind.GATE_OPENED,
            now,
            actor,
            {"gate": name, "severity": severity.value, "previous": previous.value, "due_at": due.isoformat()},
            reason=f"{severity.value} must be confirmed within {gate.decide_within_minutes} minutes",
            rule=rule,
        )
        self._record(event)
        self.notify(event, gate.approver_roles, urgent=True)

    # == state changes: the fold ===========================================================

    def apply(self, event: Event) -> None:
        """Change state by one event. The only place state changes."""
        ticket_fold.apply_event(self, event)
        if event.key is not None:
            self.fired.add(event.key)
        if self.created_at is None:
            self.created_at = event.at
        self.updated_at = event.at

    @classmethod
    def replay(cls, policy: Policy, events: Iterable[Event], *, ticket_id: int | None = None) -> Ticket:
        """Rebuild a ticket from its audit trail."""
        ticket = cls(policy)
        ticket.id = ticket_id
        for event in events:
            ticket.apply(event)
        return ticket

    # == snapshot ==========================================================================

    def to_snapshot(self) -> dict[str, Any]:
        """Everything needed to rebuild the ticket without replaying events (JSON-compatible)."""
        return ticket_snapshot.to_snapshot(self)

    @classmethod
    def from_snapshot(cls, policy: Policy, data: Mapping[str, Any]) -> Ticket:
        ticket = cls(policy)
        ticket_snapshot.load_snapshot(ticket, data)
        return ticket

    def state_equals(self, other: Ticket) -> bool:
        """Same state (ignoring id, version and pending work): used to check replay."""
        a, b = self.to_snapshot(), other.to_snapshot()
        for key in ("id", "version"):
            a.pop(key)
            b.pop(key)
        return a == b
