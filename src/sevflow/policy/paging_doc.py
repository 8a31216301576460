"""The ``paging`` section of the policy file: who is paged, in what order, until somebody
acknowledges (the behaviour is in ``sevflow.domain.paging``).

```yaml
paging:
  severity: [Sev1, Sev2]          # tickets of these severities page (default: Sev1)
  events: [created, severity_changed, escalated, sla_breached]   # what opens a page (this default)
  ack_within: 5m                  # each step's time to acknowledge (wall-clock minutes)
  chain:                          # default: primary, secondary, tier_lead, manager
    - primary                     # the team's on-call primary (else the owner)
    - secondary
    - {to: tier_lead, ack_within: 10m}
    - manager
  repeat: 1                       # go round the chain once more before giving up
```
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from sevflow.domain.errors import InvalidInput
from sevflow.domain.events import EventKind
from sevflow.domain.paging_policy import (
    DEFAULT_CHAIN,
    DEFAULT_PAGING_EVENTS,
    PAGING_EVENTS_EXCLUDED,
    PageStep,
    PageTarget,
    PagingPolicy,
)
from sevflow.domain.severity import Severity
from sevflow.policy.values import Duration, SeverityList, StrictDoc, one_or_many

OPENING_EVENTS = tuple(k.value for k in EventKind if k.value not in PAGING_EVENTS_EXCLUDED)


def _target(value: object) -> PageTarget:
    text = value.strip().lower().replace(" ", "_").replace("-", "_") if isinstance(value, str) else ""
    try:
        return PageTarget(text)
    except ValueError:
        raise ValueError(str(InvalidInput.unknown("paging step", value, list(PageTarget)))) from None


def _event(value: object) -> str:
    text = value.strip().lower().replace(" ", "_") if isinstance(value, str) else ""
    if text not in OPENING_EVENTS:
        raise ValueError(str(InvalidInput.unknown("event that opens a page", value, OPENING_EVENTS)))
    return text


def _step(value: Any) -> Any:
    return {"to": value} if isinstance(value, str) else value


Target = Annotated[PageTarget, BeforeValidator(_target)]
OpeningEvent = Annotated[str, BeforeValidator(_event)]


class PageStepDoc(StrictDoc):
    to: Target
    ack_within: Duration | None = None
    """Overrides the section's ``ack_within`` for this step."""


class PagingDoc(StrictDoc):
    severity: SeverityList = [Severity.SEV1]
    events: Annotated[list[OpeningEvent], BeforeValidator(one_or_many), Field(min_length=1)] = list(
        DEFAULT_PAGING_EVENTS
    )
    ack_within: Duration = 5
    chain: Annotated[list[Annotated[PageStepDoc, BeforeValidator(_step)]], Field(min_length=1)] = [
        PageStepDoc(to=target) for target in DEFAULT_CHAIN
    ]
    repeat: Annotated[int, Field(ge=0, le=10)] = 0


def to_paging(doc: PagingDoc | None) -> PagingPolicy | None:
    """The domain's ``PagingPolicy`` of a checked section (``None`` without one)."""
    if doc is None:
        return None
    return PagingPolicy(
        severities=frozenset(doc.severity),
        events=frozenset(doc.events),
        steps=tuple(PageStep(step.to, step.ack_within or doc.ack_within) for step in doc.chain),
        repeat=doc.repeat,
    )
