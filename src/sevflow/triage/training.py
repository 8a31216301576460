"""Training a severity model for intake: measure it on a time-ordered held-out split, then fit
it on every example (plus people's corrections, counted more) and describe both in the
artifact's summary."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sevflow.domain.severity import Severity
from sevflow.domain.triage_policy import TriagePolicy
from sevflow.domain.triage_record import TriageRecord
from sevflow.triage.evaluation import as_intake_decides, scores
from sevflow.triage.examples import Examples, time_split
from sevflow.triage.features import TicketText, intake_ticket
from sevflow.triage.model import TriageModel

CORRECTION_WEIGHT = 3.0
"""How much more a person's correction counts than a history example: it is recent, and it is
exactly the judgement the model got wrong."""


@dataclass(frozen=True)
class Corrections:
    """People's corrections of intake's severity (labelled examples from the database)."""

    tickets: Sequence[TicketText]
    labels: Sequence[Severity]

    @classmethod
    def of(cls, records: Sequence[TriageRecord]) -> Corrections:
        """The corrected records as examples, labelled with the severity people set."""
        tickets, labels = [], []
        for r in records:
            if r.correction is None:
                continue
            tickets.append(
                intake_ticket(
                    title=r.title,
                    description=r.description,
                    service_line=r.service_line,
                    customer_tier=r.customer_tier,
                    channel=r.channel,
                    services=r.services,
                    users_affected=r.users_affected,
                )
            )
            labels.append(r.correction.severity)
        return cls(tickets, labels)


@dataclass(frozen=True)
class Trained:
    model: TriageModel
    summary: dict[str, Any]


def train(
    examples: Examples,
    *,
    policy: TriagePolicy,
    now: datetime,
    policy_version: str | None,
    held_out: float = 0.2,
    corrections: Corrections | None = None,
    progress: Callable[[str], None] | None = None,
) -> Trained:
    """A model fitted on every example and correction, with the figures it got on the latest
    ``held_out`` share when fitted on the rest (corrections always train, never test: they are
    few, and chosen because the model was wrong)."""
    tell = progress or (lambda what: None)
    started = time.perf_counter()
    train_rows, test_rows = time_split(examples, held_out)
    extra_tickets = list(corrections.tickets) if corrections else []
    extra_labels = [s.value for s in corrections.labels] if corrections else []

    def fitted(rows: Sequence[int]) -> TriageModel:
        tickets = [examples.tickets[n] for n in rows] + extra_tickets
        labels = [examples.labels[n].value for n in rows] + extra_labels
        weights = [1.0] * len(rows) + [CORRECTION_WEIGHT] * len(extra_labels)
        return TriageModel.fit(tickets, labels, weights=weights if extra_labels else None)

    tell(f"measuring on the latest {held_out:.0%} ({len(test_rows):,} examples)")
    measured = fitted(train_rows)
    probs = measured.probabilities([examples.tickets[n] for n in test_rows])
    truth = [examples.labels[n].value for n in test_rows]
    decided = as_intake_decides(policy, measured.classes, probs)
    result = scores("sevflow", truth, decided, measured.classes)
    tell(f"fitting on all {len(examples) + len(extra_labels):,} examples")
    model = fitted(range(len(examples)))
    summary = {
        "trained_at": now.isoformat(),
        "policy_version": policy_version,
        "thresholds": {s.value: t for s, t in sorted(policy.thresholds.items())},
        "training": {
            "files": examples.files,
            "examples": len(examples),
            "per_severity": examples.counts(),
            "skipped": dict(examples.skipped),
            "corrections": len(extra_labels),
            "correction_weight": CORRECTION_WEIGHT,
            "held_out": held_out,
        },
        "metrics": {**result.to_dict(), "train": len(train_rows), "test": len(test_rows)},
        "seconds": round(time.perf_counter() - started, 1),
    }
    return Trained(model, summary)
