"""The policy file's ``triage`` section and forcing severity rules."""

from __future__ import annotations

from sevflow.domain.severity import Severity
from sevflow.domain.triage_policy import RelatedPolicy, TriagePolicy
from sevflow.policy.loader import load_policy_text
from tests.unit.test_policy_checks import MINIMAL, problems_of


def with_triage(section: str) -> str:
    return MINIMAL + "\ntriage:\n" + section


def test_a_triage_section_sets_the_thresholds_and_how_related_incidents_are_found() -> None:
    text = with_triage(
        """  thresholds: {sev1: 0.2, Sev2: 0.5}
  related: {recent: 7d, window: 30m, near_duplicate: 0.7, min_score: 0.25, limit: 3}
"""
    )
    assert load_policy_text(text, "p.yaml").triage == TriagePolicy(
        thresholds={Severity.SEV1: 0.2, Severity.SEV2: 0.5},
        use_model=True,
        related=RelatedPolicy(7 * 24 * 60, 30, 0.7, 0.25, 3),
    )


def test_the_defaults_propose_sev1_from_p_035_and_without_the_section_the_rules_decide_alone() -> None:
    plain = load_policy_text(MINIMAL, "p.yaml")
    assert plain.triage is None
    defaults = load_policy_text(with_triage("  model: true\n"), "p.yaml")
    assert defaults.triage == TriagePolicy({Severity.SEV1: 0.35}, True, RelatedPolicy())
    assert defaults.version != plain.version


def test_a_threshold_outside_zero_to_one_or_an_unknown_severity_is_refused_with_its_path() -> None:
    assert problems_of(with_triage("  thresholds: {Sev1: 1.5, Sev9: 0.2}\n")) == [
        ("triage.thresholds.Sev1", "must be at most 1.0, got 1.5"),
        ("triage.thresholds.Sev9", "unknown severity 'Sev9'; allowed: Sev1, Sev2, Sev3, Sev4"),
    ]
