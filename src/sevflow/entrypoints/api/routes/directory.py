"""Teams, agents and service lines (from the active policy, with live load and presence), and
customer organisations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from sevflow.domain.accounts import Customer
from sevflow.entrypoints.api.auth import Box, CallerOf
from sevflow.entrypoints.api.schemas import (
    AgentOut,
    AwayChange,
    CustomerOut,
    CustomerPut,
    ServiceLineOut,
    TeamOut,
)
from sevflow.services import agents, directory

router = APIRouter(prefix="/api", tags=["directory"])

Name = Annotated[str, Path(min_length=1, max_length=200)]


def _customer(c: Customer) -> dict[str, Any]:
    return {
        "name": c.name,
        "tier": c.tier,
        "email_domains": list(c.email_domains),
        "created_at": c.created_at,
    }


@router.get("/teams", response_model=list[TeamOut])
def teams(caller: CallerOf, box: Box) -> list[dict[str, Any]]:
    actor = caller.actor()
    return [
        {
            "name": t.name,
            "service_line": t.service_line,
            "tier": t.tier,
            "lead": t.lead,
            "members": list(t.members),
        }
        for t in directory.list_teams(box.read_uow_factory(), actor=actor)
    ]


@router.get("/agents", response_model=list[AgentOut])
def agent_list(caller: CallerOf, box: Box) -> list[dict[str, Any]]:
    """Everyone the policy names, with their open tickets and whether they are away."""
    actor = caller.actor()
    return [
        {
            "name": a.name,
            "teams": list(a.teams),
            "leads": list(a.leads),
            "open_tickets": a.open_tickets,
            "away": a.away,
        }
        for a in directory.list_agents(box.read_uow_factory(), actor=actor)
    ]


@router.put("/agents/{name}/away", response_model=AgentOut)
def set_away(name: Name, body: AwayChange, caller: CallerOf, box: Box) -> dict[str, Any]:
    """Mark an agent away (new tickets and hand-offs skip them) or back. Agents may set
    themselves; leads, managers and admins anyone."""
    actor = caller.actor()
    agents.set_away(box.uow_factory(), agent=name, away=body.away, actor=actor)
    found = [a for a in directory.list_agents(box.read_uow_factory(), actor=actor) if a.name == name]
    a = found[0] if found else None
    return {
        "name": name,
        "teams": list(a.teams) if a else [],
        "leads": list(a.leads) if a else [],
        "open_tickets": a.open_tickets if a else 0,
        "away": body.away,
    }


@router.get("/service-lines", response_model=list[ServiceLineOut])
def service_lines(caller: CallerOf, box: Box) -> list[dict[str, Any]]:
    actor = caller.actor()
    return [
        {
            "name": line.name,
            "queue": line.queue,
            "manager": line.manager,
            "services": list(line.services),
            "teams": {tier: team.name for tier, team in line.teams.items()},
            "owners": {
                sev.value: {"primary": pair.primary, "secondary": pair.secondary}
                for sev, pair in line.owners.items()
            },
        }
        for line in directory.list_service_lines(box.read_uow_factory(), actor=actor)
    ]


@router.get("/customers", response_model=list[CustomerOut])
def customers(caller: CallerOf, box: Box) -> list[dict[str, Any]]:
    actor = caller.actor()
    return [_customer(c) for c in directory.list_customers(box.read_uow_factory(), actor=actor)]


@router.get("/customers/{name}", response_model=CustomerOut)
def customer(name: Name, caller: CallerOf, box: Box) -> dict[str, Any]:
    actor = caller.actor()
    return _customer(directory.get_customer(box.read_uow_factory(), actor=actor, name=name))


@router.put("/customers/{name}", response_model=CustomerOut)
def put_customer(name: Name, body: CustomerPut, caller: CallerOf, box: Box) -> dict[str, Any]:
    """Register or update a customer organisation: its tier and e-mail domains."""
    actor = caller.actor()
    return _customer(
        directory.put_customer(
            box.uow_factory(),
            clock=box.clock,
            actor=actor,
            name=name,
            tier=body.tier,
            email_domains=body.email_domains,
        )
    )
