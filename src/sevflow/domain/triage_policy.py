"""What a severity model says of a new ticket (``ModelOpinion``) and the policy's ``triage``
section (``TriagePolicy``): cost-sensitive thresholds and how related incidents are found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sevflow.domain.severity import Severity


@dataclass(frozen=True)
class Push:
    """A word, phrase or field that pushed the model toward a severity, and by how much (its
    share of that severity's score; the largest pushes come first)."""

    feature: str
    weight: float


@dataclass(frozen=True)
class ModelOpinion:
    """What the severity model thinks of a new ticket.

    ``probabilities`` are calibrated and sum to 1 over the severities the model knows.
    ``pushes`` holds, per severity, the features that pushed toward it most.
    ``notes`` says what was done to the input (truncated, HTML stripped).
    """

    probabilities: Mapping[Severity, float]
    pushes: Mapping[Severity, tuple[Push, ...]]
    model: str
    """The model's version (its artifact's id)."""
    notes: tuple[str, ...] = ()

    def probability(self, severity: Severity) -> float:
        return self.probabilities.get(severity, 0.0)

    def most_probable(self) -> Severity:
        """The most probable severity; ties go to the more urgent."""
        return min(self.probabilities, key=lambda s: (-self.probabilities[s], s.rank))

    def to_dict(self, proposed: Severity) -> dict[str, Any]:
        """As stored on the ticket's created event: the probabilities and the pushes toward the
        proposed severity."""
        return {
            "version": self.model,
            "severity": proposed.value,
            "probabilities": {s.value: round(p, 4) for s, p in sorted(self.probabilities.items())},
            "pushes": [
                {"feature": p.feature, "weight": round(p.weight, 4)} for p in self.pushes.get(proposed, ())
            ],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class RelatedPolicy:
    """How related incidents are found for a new ticket."""

    recent_minutes: int = 30 * 24 * 60
    """Closed tickets opened within this many minutes are candidates too (open ones always are)."""
    window_minutes: int = 120
    """Open near-duplicates on the same service line opened within this window are flagged as a
    likely shared incident."""
    near_duplicate: float = 0.6
    """The similarity (0-1) from which a ticket is a near-duplicate."""
    min_score: float = 0.2
    """Less similar tickets are not shown."""
    limit: int = 5


@dataclass(frozen=True)
class TriagePolicy:
    """The policy's ``triage`` section."""

    thresholds: Mapping[Severity, float] = field(default_factory=lambda: {Severity.SEV1: 0.35})
    """Propose a severity once its probability reaches this (checked from the most urgent)."""
    use_model: bool = True
    related: RelatedPolicy = RelatedPolicy()

    def model_proposal(self, opinion: ModelOpinion) -> tuple[Severity, str]:
        """The severity the model proposes under these thresholds, and why (in words)."""
        for severity in sorted(self.thresholds, key=lambda s: s.rank):
            threshold = self.thresholds[severity]
            p = opinion.probability(severity)
            if p >= threshold:
                return severity, f"P({severity.value}) = {p:.2f} reaches its threshold {threshold:.2f}"
        best = opinion.most_probable()
        return best, f"most probable: P({best.value}) = {opinion.probability(best):.2f}"
