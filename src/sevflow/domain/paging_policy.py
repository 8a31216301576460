"""The policy's paging chain: which tickets page someone, whom, and how long each may take to
acknowledge before the next person is paged (the policy's ``paging`` section).

A page goes to the chain's first step; if nobody acknowledges it within that step's
``ack_within_minutes`` (wall-clock minutes: a page does not wait for office hours), the next
step is paged, and so on; after the last step the chain starts over ``repeat`` more times, then
the page is given up as exhausted and the manager is told. The behaviour is in
``domain.paging``; this module is the policy's part only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sevflow.domain.severity import Severity


class PageTarget(StrEnum):
    """Who a step of the chain pages, resolved for the ticket at the moment of paging."""

    PRIMARY = "primary"
    """The team's on-call primary; without a rotation, the ticket's owner, else the severity's
    primary owner of the service line."""
    SECONDARY = "secondary"
    """The team's on-call secondary; without a second layer, the severity's secondary owner."""
    TIER_LEAD = "tier_lead"
    """The lead of the ticket's team."""
    MANAGER = "manager"
    """The service line's manager."""


@dataclass(frozen=True)
class PageStep:
    to: PageTarget
    ack_within_minutes: int


PAGING_EVENTS_EXCLUDED = frozenset({"paged", "page_acknowledged", "page_exhausted", "commented"})
"""Event kinds that cannot open a page (paging's own events, and comments)."""


@dataclass(frozen=True)
class PagingPolicy:
    """Tickets of ``severities`` open a page when one of ``events`` (event kind values) happens
    to them while no page is open; ``steps`` in order, ``repeat`` more rounds after the first."""

    severities: frozenset[Severity]
    events: frozenset[str]
    steps: tuple[PageStep, ...]
    repeat: int = 0

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a paging chain needs at least one step")
        if self.repeat < 0:
            raise ValueError(f"repeat must be 0 or more, got {self.repeat}")
        if any(step.ack_within_minutes < 1 for step in self.steps):
            raise ValueError("every paging step needs at least one minute to acknowledge")
        if excluded := sorted(self.events & PAGING_EVENTS_EXCLUDED):
            raise ValueError(f"these events cannot open a page: {', '.join(excluded)}")

    def opens_on(self, event_kind: str, severity: Severity) -> bool:
        return event_kind in self.events and severity in self.severities


DEFAULT_PAGING_EVENTS = ("created", "severity_changed", "escalated", "sla_breached")
DEFAULT_CHAIN = (PageTarget.PRIMARY, PageTarget.SECONDARY, PageTarget.TIER_LEAD, PageTarget.MANAGER)
