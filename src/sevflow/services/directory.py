"""Who works where: teams, agents and service lines as the active policy defines them, with each
agent's current load and presence; and the customer organisations sevflow knows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sevflow.domain.access import Action
from sevflow.domain.accounts import Customer
from sevflow.domain.errors import InvalidInput, NotFound, NotPermitted
from sevflow.domain.policy import Policy, ServiceLine
from sevflow.domain.text import text_field
from sevflow.services.actors import Actor
from sevflow.services.ports import Clock, UnitOfWork


@dataclass(frozen=True)
class TeamView:
    name: str
    service_line: str
    tier: str
    lead: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class AgentView:
    name: str
    teams: tuple[str, ...]
    leads: tuple[str, ...]
    open_tickets: int
    away: bool


def _teams(policy: Policy) -> list[TeamView]:
    return [
        TeamView(team.name, line.name, tier, team.lead, team.members)
        for line in policy.service_lines.values()
        for tier, team in line.teams.items()
    ]


def list_teams(uow: UnitOfWork, *, actor: Actor) -> list[TeamView]:
    actor.require(Action.DIRECTORY_READ)
    with uow:
        return _teams(uow.policies.active())


def list_service_lines(uow: UnitOfWork, *, actor: Actor) -> list[ServiceLine]:
    actor.require(Action.DIRECTORY_READ)
    with uow:
        return list(uow.policies.active().service_lines.values())


def people(policy: Policy) -> set[str]:
    """Everyone ``policy`` names: team members and leads, owners, managers."""
    names: set[str] = set()
    for team in _teams(policy):
        names |= {team.lead, *team.members}
    for line in policy.service_lines.values():
        names.add(line.manager)
        names |= {p for pair in line.owners.values() for p in (pair.primary, pair.secondary)}
    return names


def list_agents(uow: UnitOfWork, *, actor: Actor) -> list[AgentView]:
    """Everyone the active policy names (team members, leads, owners, managers), by name."""
    actor.require(Action.DIRECTORY_READ)
    with uow:
        policy = uow.policies.active()
        teams: dict[str, list[str]] = {}
        leads: dict[str, list[str]] = {}
        for team in _teams(policy):
            for member in team.members:
                teams.setdefault(member, []).append(team.name)
            leads.setdefault(team.lead, []).append(team.name)
        names = people(policy)
        staffing = uow.agents.staffing(sorted(names))
    return [
        AgentView(
            n,
            tuple(teams.get(n, ())),
            tuple(leads.get(n, ())),
            staffing.load.get(n, 0),
            n in staffing.away,
        )
        for n in sorted(names)
    ]


def list_customers(uow: UnitOfWork, *, actor: Actor) -> list[Customer]:
    actor.require(Action.CUSTOMER_READ)
    with uow:
        return uow.customers.list()


def _domains(domains: Iterable[str]) -> tuple[str, ...]:
    cleaned = []
    for d in domains:
        d = d.strip().lower()
        if not d or "@" in d or " " in d or "." not in d:
            raise InvalidInput(f"e-mail domain {d!r} is not a domain name like example.com")
        cleaned.append(d)
    return tuple(dict.fromkeys(cleaned))


def put_customer(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    name: str,
    tier: str,
    email_domains: Iterable[str] = (),
) -> Customer:
    """Create or update a customer organisation: its tier (one of the active policy's customer
    tiers) and the e-mail domains its people write from. A domain already claimed by another
    customer is refused."""
    actor.require(Action.CUSTOMER_MANAGE)
    now: datetime = clock.now()
    name = text_field(name, "customer name", required=True)
    domains = _domains(email_domains)
    with uow:
        uow.policies.active().customer_tier(tier)
        for d in domains:
            other = uow.customers.by_email_domain(d)
            if other is not None and other.name != name:
                raise InvalidInput(f"e-mail domain {d} already belongs to customer {other.name}")
        existing = uow.customers.find(name)
        customer = Customer(name, tier, existing.created_at if existing else now, domains)
        uow.customers.put(customer)
        uow.commit()
    return customer


def get_customer(uow: UnitOfWork, *, actor: Actor, name: str) -> Customer:
    actor.require(Action.CUSTOMER_READ)
    with uow:
        found = uow.customers.find(name)
    if found is None:
        raise NotFound(f"no customer called {name!r}")
    return found


def ticket_customer(*, actor: Actor, customer: str | None, tier: str | None) -> str:
    """The customer a new ticket is for. Customers open tickets for their own organisation
    (naming another, or a tier, is refused); anyone else must name one. A tier left out is the
    registered customer's, looked up when the ticket is opened (see ``opening.NewTicket``)."""
    if actor.is_customer and actor.account is not None:
        own = actor.organisation or ""
        if customer is not None and customer != own:
            raise NotPermitted(
                f"{actor.name} may open tickets only for their own organisation ({own or 'none set'})",
                action=Action.TICKET_CREATE.value,
            )
        if tier is not None:
            raise NotPermitted(
                f"{actor.name} is a customer; the customer tier comes from the organisation's record",
                action=Action.TICKET_CREATE.value,
            )
        customer = own
    if not customer:
        raise InvalidInput("customer is required: the organisation the ticket is for")
    return customer
