"""The demo scenario: a few hundred tickets over several days, people who sometimes act late,
and the real engine escalating, warning and breaching on a fake clock.

Everything random comes from one seeded ``random.Random``, so a run is repeatable.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sevflow.domain.errors import DomainError
from sevflow.domain.events import Event, EventKind
from sevflow.domain.policy import Policy, Role
from sevflow.domain.severity import Severity
from sevflow.domain.status import Status
from sevflow.services import tickets as service
from sevflow.services.actors import Actor
from sevflow.services.ports import UnitOfWorkFactory
from sevflow.services.tickets import NewTicket
from sevflow.services.timers import TickResult
from sevflow.simulation.driver import SettableClock, Simulation

CUSTOMERS = {
    "enterprise": ["Globex", "Initech", "Umbrella", "Soylent", "Stark Industries"],
    "business": ["Bluth Company", "Vandelay Industries", "Dunder Mifflin", "Pied Piper"],
    "standard": ["Kwik-E-Mart", "Los Pollos", "Gringotts Café", "Acme Bakery", "Moe's"],
}
# (problem, the severity an agent would give it at triage, or None to let the policy decide)
PROBLEMS: list[tuple[str, Severity | None]] = [
    ("cannot log in to the dashboard", None),
    ("invoice shows the wrong amount", None),
    ("export to CSV times out", None),
    ("slow page loads since this morning", Severity.SEV2),
    ("webhook deliveries delayed", Severity.SEV2),
    ("password reset e-mail never arrives", None),
    ("question about API rate limits", Severity.SEV4),
    ("mobile app crashes on start", None),
    ("report totals do not match", None),
    ("feature request: dark mode", Severity.SEV4),
    ("how do I change my billing address?", Severity.SEV4),
]

NOTABLE = {
    EventKind.SLA_WARNING,
    EventKind.SLA_BREACHED,
    EventKind.ESCALATED,
    EventKind.SEVERITY_CHANGED,
    EventKind.HANDOFF_TIMED_OUT,
    EventKind.GATE_TIMED_OUT,
    EventKind.RULE_FIRED,
}


@dataclass(frozen=True)
class Happening:
    """One notable thing the engine did, for the demo's live output."""

    at: datetime
    ticket_id: int
    severity: str
    service_line: str
    title: str
    event: Event


@dataclass
class DemoReport:
    tickets: int = 0
    by_severity: Counter[str] = field(default_factory=Counter)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (severity, event kind)
    resolved: Counter[str] = field(default_factory=Counter)
    timers_fired: int = 0
    events_fired: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass
class _Known:
    severity: str
    service_line: str
    title: str
    tier: str


class DemoScenario:
    """Seed ``count`` tickets arriving over ``arrival_hours`` from ``start`` and script what
    people do with them; run with ``run(until)``."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: SettableClock,
        policy: Policy,
        *,
        seed: int = 7,
        on_happening: Callable[[Happening], None] = lambda h: None,
    ) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.policy = policy
        self.rng = random.Random(seed)
        self.on_happening = on_happening
        self.report = DemoReport()
        self.known: dict[int, _Known] = {}
        self.sim = Simulation(uow_factory, clock, on_tick=self._ticked)

    # -- the script ---------------------------------------------------------------------

    def seed(self, *, start: datetime, count: int, arrival_hours: int) -> None:
        self.report.started_at = start
        self.clock.set(start)
        for _ in range(count):
            at = start + timedelta(seconds=self.rng.uniform(0, arrival_hours * 3600))
            self.sim.at(at, self._arrival)

    def run(self, until: datetime) -> DemoReport:
        self.sim.run_until(until)
        self.report.ended_at = until
        return self.report

    def _arrival(self) -> None:
        rng = self.rng
        line = rng.choice(sorted(self.policy.service_lines))
        tiers = sorted(self.policy.customer_tiers)
        tier = rng.choices(tiers, weights=[3 if t == "standard" else 2 for t in tiers])[0]
        customer = rng.choice(CUSTOMERS.get(tier, ["Example Co"]))
        services = self.policy.service_lines[line].services
        title, users, picked, triaged = self._problem(line, services)
        request = NewTicket(
            title=title,
            service_line=line,
            customer=customer,
            customer_tier=tier,
            description=f"Reported by {customer} via the portal.",
            services=picked,
            users_affected=users,
            severity=triaged,
            severity_reason="triaged by the first-line agent" if triaged else None,
            channel="demo",
        )
        ticket = service.open_ticket(
            self.uow_factory(), clock=self.clock, actor=Actor("portal"), request=request
        )
        assert ticket.id is not None
        self.known[ticket.id] = _Known(ticket.severity.value, line, title, ticket.tier)
        self.report.tickets += 1
        self.report.by_severity[ticket.severity.value] += 1
        self._script_people(ticket.id, ticket.severity, tier)

    def _problem(
        self, line: str, services: tuple[str, ...]
    ) -> tuple[str, int, tuple[str, ...], Severity | None]:
        rng = self.rng
        roll = rng.random()
        keyword_rules = [r for r in self.policy.severity_rules if r.keywords]
        if roll < 0.08 and keyword_rules:
            rule = rng.choice(keyword_rules)
            svc = tuple(sorted(rule.services))[:1] if rule.services else ()
            users = rng.choice([50, 400, 2500])
            return f"{rule.keywords[0].capitalize()} for several customers", users, svc, None
        svc = (rng.choice(services),) if services and rng.random() < 0.6 else ()
        users = int(rng.paretovariate(1.3)) if rng.random() < 0.5 else 1
        problem, triaged = rng.choice(PROBLEMS)
        return problem.capitalize(), users, svc, triaged

    def _script_people(self, ticket_id: int, severity: Severity, tier: str) -> None:
        """What the humans will do, and when (relative to now). Some of it never happens."""
        rng, now = self.rng, self.clock.now()
        urgency = {Severity.SEV1: 0.2, Severity.SEV2: 0.5, Severity.SEV3: 1.5, Severity.SEV4: 3.0}[severity]
        if rng.random() < 0.8:
            self.sim.at(now + timedelta(minutes=rng.uniform(1, 22)), lambda: self._accept(ticket_id))
        if rng.random() < 0.85:
            respond = now + timedelta(hours=rng.expovariate(1 / urgency))
            self.sim.at(respond, lambda: self._comment(ticket_id, "Thanks, we are looking into it."))
        # the incident commander looks in on every ticket (only a pending gate makes it an action)
        if rng.random() < 0.7:
            self.sim.at(now + timedelta(minutes=rng.uniform(3, 14)), lambda: self._approve(ticket_id))
        self.sim.at(now + timedelta(hours=rng.uniform(1, 3)), lambda: self._approve(ticket_id))
        if rng.random() < 0.25:
            wait_at = now + timedelta(hours=rng.uniform(0.5, 3) * urgency)
            self.sim.at(wait_at, lambda: self._status(ticket_id, Status.WAITING_ON_CUSTOMER))
            self.sim.at(
                wait_at + timedelta(hours=rng.uniform(1, 20)), lambda: self._customer_reply(ticket_id)
            )
        if rng.random() < 0.8:
            resolve_at = now + timedelta(hours=rng.lognormvariate(0, 0.8) * urgency * 6)
            self.sim.at(resolve_at, lambda: self._status(ticket_id, Status.RESOLVED))

    # -- people's actions (a refused action is a person changing their mind) ------------

    def _owner(self, ticket_id: int) -> str:
        with self.uow_factory() as uow:
            return uow.tickets.get(ticket_id).owner or "nobody"

    def _attempt(self, action: Callable[[], object]) -> None:
        with contextlib.suppress(DomainError):
            action()

    def _accept(self, ticket_id: int) -> None:
        actor = Actor(self._owner(ticket_id))
        self._attempt(
            lambda: service.accept_ownership(
                self.uow_factory(), clock=self.clock, actor=actor, ticket_id=ticket_id
            )
        )

    def _comment(self, ticket_id: int, body: str) -> None:
        actor = Actor(self._owner(ticket_id))
        self._attempt(
            lambda: service.add_comment(
                self.uow_factory(), clock=self.clock, actor=actor, ticket_id=ticket_id, body=body
            )
        )

    def _customer_reply(self, ticket_id: int) -> None:
        actor = Actor("customer", frozenset({Role.CUSTOMER}))
        self._attempt(
            lambda: service.add_comment(
                self.uow_factory(),
                clock=self.clock,
                actor=actor,
                ticket_id=ticket_id,
                body="Here is what you asked.",
            )
        )

    def _status(self, ticket_id: int, status: Status) -> None:
        actor = Actor(self._owner(ticket_id))
        self._attempt(
            lambda: service.change_status(
                self.uow_factory(), clock=self.clock, actor=actor, ticket_id=ticket_id, status=status
            )
        )
        if status is Status.RESOLVED and ticket_id in self.known:
            self.report.resolved[self.known[ticket_id].severity] += 1

    def _approve(self, ticket_id: int) -> None:
        gate_roles = {r for g in self.policy.gates for r in g.approver_roles}
        actor = Actor("ines-ic", frozenset(gate_roles))
        self._attempt(
            lambda: service.decide_gate(
                self.uow_factory(),
                clock=self.clock,
                actor=actor,
                ticket_id=ticket_id,
                approved=True,
                note="confirmed",
            )
        )

    # -- what the engine did --------------------------------------------------------------

    def _ticked(self, result: TickResult) -> None:
        self.report.timers_fired += result.claimed
        self.report.events_fired += result.events
        for ticket_id, event in result.fired:
            known = self.known.get(ticket_id)
            if known is None:
                continue
            if event.kind is EventKind.SEVERITY_CHANGED:
                known.severity = str(event.data["to"])
            if event.kind in NOTABLE:
                self.report.counts[(known.severity, event.kind.value)] += 1
                self.on_happening(
                    Happening(event.at, ticket_id, known.severity, known.service_line, known.title, event)
                )
