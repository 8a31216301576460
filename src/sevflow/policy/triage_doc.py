"""The ``triage`` section of the policy file: how a learned severity model joins the intake
rules, and how related incidents are found (the behaviour is in ``sevflow.domain.triage``).

```yaml
triage:
  model: true                  # consult the installed severity model (false: rules alone)
  thresholds:                  # propose a severity once its probability reaches this,
    Sev1: 0.35                 #   checked from the most urgent (default: Sev1 0.35)
    Sev2: 0.5
  related:
    recent: 30d                # closed tickets opened this recently are shown too
    window: 2h                 # open near-duplicates on the same line within this: shared incident
    near_duplicate: 0.6        # similarity (0-1) from which a ticket is a near-duplicate
    min_score: 0.2             # less similar tickets are not shown
    limit: 5
```
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sevflow.domain.severity import Severity
from sevflow.domain.triage_policy import RelatedPolicy, TriagePolicy
from sevflow.policy.values import Duration, SeverityName, StrictDoc

Probability = Annotated[float, Field(gt=0, le=1)]
Similarity = Annotated[float, Field(ge=0, le=1)]


class RelatedDoc(StrictDoc):
    recent: Annotated[Duration, Field(ge=0)] = 30 * 24 * 60
    window: Annotated[Duration, Field(ge=1)] = 120
    near_duplicate: Similarity = 0.6
    min_score: Similarity = 0.2
    limit: Annotated[int, Field(ge=1, le=50)] = 5


class TriageDoc(StrictDoc):
    model: bool = True
    thresholds: dict[SeverityName, Probability] = Field(default_factory=lambda: {Severity.SEV1: 0.35})
    related: RelatedDoc = RelatedDoc()


def to_triage(doc: TriageDoc | None) -> TriagePolicy | None:
    """The domain's triage policy (``None`` when the section is absent: the rules alone)."""
    if doc is None:
        return None
    r = doc.related
    return TriagePolicy(
        thresholds=dict(doc.thresholds),
        use_model=doc.model,
        related=RelatedPolicy(r.recent, r.window, r.near_duplicate, r.min_score, r.limit),
    )
