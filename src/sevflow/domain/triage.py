"""Severity triage at intake: the policy's rules and a learned model's opinion -> one severity,
with the reason.

- Intake rules are a floor: the model may propose a more urgent severity, never a less urgent
  one. A rule with ``force`` fixes the severity whatever the model says.
- The model proposes with cost-sensitive thresholds from the policy: the most urgent severity
  whose probability reaches its threshold (``Sev1: 0.35`` proposes Sev1 at P(Sev1) >= 0.35,
  because missing a Sev1 costs far more than a false alarm); with none reached, the most probable.
- Without a model opinion (no model installed, or it failed), the rules decide alone, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from sevflow.domain.intake import Proposal
from sevflow.domain.severity import Severity
from sevflow.domain.triage_policy import ModelOpinion, TriagePolicy


@dataclass(frozen=True)
class Triage:
    """The severity a new ticket opens with, where it came from and why."""

    severity: Severity
    source: str
    """``forced`` (a forcing rule), ``rules`` (the rules' floor), ``model``, or ``default``."""
    reason: str
    rules: Proposal
    model: Severity | None = None
    opinion: ModelOpinion | None = None


def triage(
    rules: Proposal,
    forced: tuple[str, ...],
    *,
    policy: TriagePolicy | None,
    opinion: ModelOpinion | None,
) -> Triage:
    """Combine the rules' proposal (``rules``; ``forced`` names the matched rules that force)
    with the model's opinion under ``policy``. ``opinion`` is ignored without a ``policy`` or
    when the policy turns the model off."""
    if forced:
        reason = f"{rules.severity.value} forced by intake rule(s): {', '.join(forced)}"
        return Triage(rules.severity, "forced", reason, rules, None, opinion)
    if policy is None or not policy.use_model or opinion is None:
        if rules.matched:
            reason = f"{rules.severity.value} proposed by intake rule(s): {', '.join(rules.matched)}"
            return Triage(rules.severity, "rules", reason, rules)
        return Triage(rules.severity, "default", f"{rules.severity.value} is the policy's default", rules)
    proposed, why = policy.model_proposal(opinion)
    words = ", ".join(p.feature for p in opinion.pushes.get(proposed, ())[:3])
    said = f"the model proposes {proposed.value} ({why}{'; pushed by ' + words if words else ''})"
    if rules.matched and not proposed.is_more_urgent_than(rules.severity):
        reason = (
            f"{rules.severity.value} proposed by intake rule(s): {', '.join(rules.matched)}, "
            f"a floor the model does not raise; {said}"
        )
        return Triage(rules.severity, "rules", reason, rules, proposed, opinion)
    floor = (
        f"; intake rule(s) {', '.join(rules.matched)} set the floor {rules.severity.value}"
        if rules.matched
        else ""
    )
    return Triage(proposed, "model", f"{said[0].upper()}{said[1:]}{floor}", rules, proposed, opinion)
