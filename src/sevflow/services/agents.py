"""People: who is away (their tickets go to the next in line) and how loaded they are."""

from __future__ import annotations

from collections.abc import Sequence

from sevflow.domain.staffing import Staffing
from sevflow.domain.text import text_field
from sevflow.services.ports import UnitOfWork


def set_away(uow: UnitOfWork, *, agent: str, away: bool) -> None:
    """Mark ``agent`` away (new tickets and handoffs skip them) or back."""
    name = text_field(agent, "agent", required=True)
    with uow:
        uow.agents.set_away(name, away)
        uow.commit()


def staffing_of(uow: UnitOfWork, agents: Sequence[str]) -> Staffing:
    with uow:
        return uow.agents.staffing(agents)
