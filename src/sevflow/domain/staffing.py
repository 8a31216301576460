"""Choosing an owner: primary unless away or at the WIP limit, then secondary, then the lead."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Staffing:
    """What the owner choice needs to know about people right now.

    ``load`` maps agent name -> open tickets they own (missing = 0). ``away`` holds agents who
    are absent. Services build it from the agents table; tests build it by hand.
    """

    load: Mapping[str, int] = field(default_factory=dict)
    away: frozenset[str] = frozenset()

    def available(self, agent: str, wip_limit: int) -> bool:
        return agent not in self.away and self.load.get(agent, 0) < wip_limit


NOBODY = Staffing()


def choose_owner(
    candidates: Sequence[tuple[str, str]], staffing: Staffing, wip_limit: int
) -> tuple[str, str]:
    """The first ``(agent, role)`` in ``candidates`` who is present and under the WIP limit.

    If everybody is away or overloaded, the **last** candidate (the lead, by convention) takes
    it anyway: a ticket is never left without an owner.
    """
    if not candidates:
        raise ValueError("choose_owner needs at least one candidate")
    for agent, role in candidates:
        if staffing.available(agent, wip_limit):
            return agent, role
    return candidates[-1]
