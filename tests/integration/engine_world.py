"""A small world for engine tests: the starter policy active in a store, a fake clock, and the
ways to look at what the engine stored (audit trail, timers, outbox) -- all through the public
services and ports, so the same test runs on the in-memory store, SQLite and PostgreSQL.

Times: ``T0`` is Monday 2026-03-02 09:30 UTC = 10:30 in Berlin (CET, UTC+1 until 29 March),
inside the starter policy's ``berlin-office`` hours (Mon-Fri 09:00-12:00 and 13:00-18:00).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sevflow.domain.escalation import decide
from sevflow.domain.policy import Role
from sevflow.domain.records import OutboxMessage, StoredEvent, TimerRow
from sevflow.domain.severity import Severity
from sevflow.domain.tickets import Ticket
from sevflow.policy.starter import load_starter_policy, starter_policy_text
from sevflow.services import tickets as service
from sevflow.services.policies import activate_policy
from sevflow.services.ports import UnitOfWorkFactory
from sevflow.services.timers import tick
from sevflow.simulation.driver import Simulation
from sevflow.testing import FakeClock

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def actor(name: str, *roles: Role) -> service.Actor:
    return service.Actor(name, frozenset(roles or (Role.AGENT,)))


@dataclass
class World:
    uow_factory: UnitOfWorkFactory
    clock: FakeClock

    @classmethod
    def starting(cls, uow_factory: UnitOfWorkFactory, at: datetime = T0) -> World:
        """The starter policy stored and active, the clock at ``at``."""
        clock = FakeClock(at)
        activate_policy(
            uow_factory(), clock=clock, policy=load_starter_policy(), source_text=starter_policy_text()
        )
        return cls(uow_factory, clock)

    # -- acting ---------------------------------------------------------------------------

    def open(
        self,
        title: str,
        *,
        customer_tier: str = "enterprise",
        service_line: str = "payments",
        services: tuple[str, ...] = (),
        users: int = 0,
        severity: Severity | None = None,
        reason: str | None = None,
        accept: bool = False,
    ) -> int:
        """Open a ticket now (as ``ana``); with ``accept`` its first owner accepts at once."""
        ticket = service.open_ticket(
            self.uow_factory(),
            clock=self.clock,
            actor=actor("ana"),
            request=service.NewTicket(
                title=title,
                service_line=service_line,
                customer="Globex",
                customer_tier=customer_tier,
                services=services,
                users_affected=users,
                severity=severity,
                severity_reason=reason,
            ),
        )
        assert ticket.id is not None
        if accept:
            assert ticket.owner is not None
            service.accept_ownership(
                self.uow_factory(), clock=self.clock, actor=actor(ticket.owner), ticket_id=ticket.id
            )
        return ticket.id

    def fire_at(self, instant: datetime) -> list[tuple[str, str | None]]:
        """Set the clock to ``instant`` and tick until nothing is due; what fired, in order."""
        self.clock.set(instant)
        fired: list[tuple[str, str | None]] = []
        while True:
            result = tick(self.uow_factory, clock=self.clock, limit=50)
            fired += [(event.kind.value, event.key) for _, event in result.fired]
            if result.claimed < 50:
                return fired

    def run_until(self, end: datetime) -> None:
        """Jump from due moment to due moment (the engine's own) up to and including ``end``."""
        Simulation(self.uow_factory, self.clock).run_until(end)

    # -- looking --------------------------------------------------------------------------

    def ticket(self, ticket_id: int) -> Ticket:
        with self.uow_factory() as uow:
            return uow.tickets.get(ticket_id)

    def trail(self, ticket_id: int) -> list[StoredEvent]:
        with self.uow_factory() as uow:
            return uow.events.for_ticket(ticket_id)

    def fired(self, ticket_id: int, since: datetime | None = None) -> list[tuple[datetime, str, str]]:
        """The stored events the engine recorded once per key: ``(at, kind, key)`` in order."""
        return [
            (s.event.at, s.event.kind.value, s.event.key)
            for s in self.trail(ticket_id)
            if s.event.key is not None and (since is None or s.event.at >= since)
        ]

    def kinds(self, ticket_id: int, at: datetime) -> list[str]:
        """Kinds of every stored event at exactly ``at``, in order."""
        return [s.event.kind.value for s in self.trail(ticket_id) if s.event.at == at]

    def timers(self, ticket_id: int) -> dict[str, datetime]:
        """The ticket's upcoming due moments as the engine plans them now, after checking that
        the timer table holds exactly one row for it: the earliest of them."""
        with self.uow_factory() as uow:
            stored = uow.timers.for_ticket(ticket_id)
            ticket = uow.tickets.get(ticket_id)
        plan = decide(ticket, self.clock.now()).upcoming
        assert stored == [TimerRow(ticket_id, due.key, due.at) for due in plan[:1]]
        return {due.key: due.at for due in plan}

    def outbox(self, ticket_id: int) -> list[OutboxMessage]:
        with self.uow_factory() as uow:
            return [m for m in uow.outbox.pending(10_000) if m.ticket_id == ticket_id]

    def next_due_at(self) -> datetime | None:
        with self.uow_factory() as uow:
            return uow.timers.next_due_at()
