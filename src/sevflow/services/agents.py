"""People: who is away (their tickets go to the next in line) and how loaded they are."""

from __future__ import annotations

from collections.abc import Sequence

from sevflow.domain.access import Action
from sevflow.domain.errors import NotFound
from sevflow.domain.staffing import Staffing
from sevflow.domain.text import text_field
from sevflow.services.actors import Actor
from sevflow.services.directory import people
from sevflow.services.ports import UnitOfWork


def set_away(uow: UnitOfWork, *, agent: str, away: bool, actor: Actor | None = None) -> None:
    """Mark ``agent`` away (new tickets and handoffs skip them) or back. Staff may set
    themselves; setting someone else needs ``AGENT_AWAY`` (leads, managers, admins).
    ``NotFound`` for a name the active policy does not know (a typo would mark nobody away)."""
    name = text_field(agent, "agent", required=True)
    if actor is not None:
        actor.require(Action.AGENT_AWAY if name != actor.name else Action.AGENT_AWAY_SELF)
    with uow:
        if name not in people(uow.policies.active()):
            raise NotFound(
                f"the active policy names nobody called {name!r} (in a team, as an owner or manager)"
            )
        uow.agents.set_away(name, away)
        uow.commit()


def staffing_of(uow: UnitOfWork, agents: Sequence[str]) -> Staffing:
    with uow:
        return uow.agents.staffing(agents)
