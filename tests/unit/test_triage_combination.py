"""Intake combines the policy's rules with a severity model's opinion (``domain.triage``)."""

from dataclasses import replace

import pytest

from sevflow.domain.errors import InvalidInput
from sevflow.domain.events import EventKind
from sevflow.domain.policy import Policy, Role, SeverityRule
from sevflow.domain.severity import Severity
from sevflow.domain.tickets import Ticket
from sevflow.domain.triage_policy import ModelOpinion, Push, TriagePolicy
from tests.unit.policy_builder import SEV1_GATE, make_policy, utc

NOW = utc(2026, 1, 5, 9)
S1, S2, S3, S4 = Severity.SEV1, Severity.SEV2, Severity.SEV3, Severity.SEV4


def opinion(p1: float, p2: float, p3: float, p4: float) -> ModelOpinion:
    pushes = {
        S1: (Push("outage", 0.9), Push("line: payments", 0.4), Push("checkout", 0.2)),
        S2: (Push("slow", 0.5),),
        S3: (Push("question", 0.3),),
        S4: (),
    }
    return ModelOpinion({S1: p1, S2: p2, S3: p3, S4: p4}, pushes, "abc123", ("HTML stripped from the body",))


def with_triage(policy: Policy, **kwargs: object) -> Policy:
    return replace(policy, triage=TriagePolicy(**kwargs))  # type: ignore[arg-type]


def open_with(policy: Policy, model: ModelOpinion | None, **kwargs: object) -> Ticket:
    fields: dict[str, object] = {
        "now": NOW,
        "actor": "ana",
        "title": "Checkout outage",
        "service_line": "payments",
        "customer": "Globex",
        "customer_tier": "enterprise",
        "opinion": model,
    }
    fields.update(kwargs)
    return Ticket.open(policy, **fields)  # type: ignore[arg-type]


def test_the_model_proposes_sev1_once_its_probability_reaches_the_threshold_though_sev2_is_likelier() -> None:
    ticket = open_with(with_triage(make_policy(), thresholds={S1: 0.3}), opinion(0.31, 0.49, 0.15, 0.05))
    created = ticket.pending[0]
    assert (ticket.severity, ticket.severity_source) == (S1, "model")
    assert created.reason == (
        "The model proposes Sev1 (P(Sev1) = 0.31 reaches its threshold 0.30; pushed by outage, "
        "line: payments, checkout)"
    )
    assert created.data["model"] == {
        "version": "abc123",
        "severity": "Sev1",
        "probabilities": {"Sev1": 0.31, "Sev2": 0.49, "Sev3": 0.15, "Sev4": 0.05},
        "pushes": [
            {"feature": "outage", "weight": 0.9},
            {"feature": "line: payments", "weight": 0.4},
            {"feature": "checkout", "weight": 0.2},
        ],
        "notes": ["HTML stripped from the body"],
    }
    assert (created.data["rules_severity"], created.data["triage_source"]) == (None, "model")


def test_below_every_threshold_the_model_proposes_its_most_probable_severity() -> None:
    ticket = open_with(with_triage(make_policy(), thresholds={S1: 0.3}), opinion(0.2, 0.5, 0.2, 0.1))
    assert (ticket.severity, ticket.severity_source) == (S2, "model")
    assert (
        ticket.pending[0].reason == "The model proposes Sev2 (most probable: P(Sev2) = 0.50; pushed by slow)"
    )


def test_a_gate_confirms_a_model_proposed_sev1_and_a_rejection_lowers_it() -> None:
    policy = with_triage(make_policy(gates=(SEV1_GATE,)), thresholds={S1: 0.3})
    ticket = open_with(policy, opinion(0.4, 0.4, 0.1, 0.1))
    assert ticket.gate is not None
    assert (ticket.gate.name, ticket.gate.severity) == ("sev1-confirmation", S1)
    ticket.decide_gate(
        approved=False, now=NOW, actor="ivy", actor_roles=[Role.INCIDENT_COMMANDER], note="one shop only"
    )
    assert ticket.severity is S2
    assert ticket.pending[-1].kind is EventKind.SEVERITY_CHANGED


def test_intake_rules_are_a_floor_the_model_cannot_lower() -> None:
    policy = with_triage(
        make_policy(severity_rules=(SeverityRule("checkout-down", S2, keywords=("checkout",)),)),
        thresholds={S1: 0.5},
    )
    ticket = open_with(policy, opinion(0.05, 0.15, 0.6, 0.2))
    assert (ticket.severity, ticket.severity_source) == (S2, "rules")
    assert ticket.pending[0].reason == (
        "Sev2 proposed by intake rule(s): checkout-down, a floor the model does not raise; "
        "the model proposes Sev3 (most probable: P(Sev3) = 0.60; pushed by question)"
    )
    assert ticket.pending[0].data["rules_severity"] == "Sev2"


def test_the_model_may_raise_a_ticket_above_the_rules_floor() -> None:
    policy = with_triage(
        make_policy(severity_rules=(SeverityRule("checkout", S3, keywords=("checkout",)),)),
        thresholds={S1: 0.3},
    )
    ticket = open_with(policy, opinion(0.7, 0.2, 0.05, 0.05))
    assert (ticket.severity, ticket.severity_source) == (S1, "model")
    assert ticket.pending[0].reason is not None
    assert ticket.pending[0].reason.endswith("; intake rule(s) checkout set the floor Sev3")


def test_a_forcing_rule_fixes_the_severity_whatever_the_model_says() -> None:
    policy = with_triage(
        make_policy(
            severity_rules=(
                SeverityRule("checkout", S2, keywords=("checkout",), force=True),
                SeverityRule("outage", S1, keywords=("outage",)),
            )
        ),
        thresholds={S1: 0.3},
    )
    ticket = open_with(policy, opinion(0.9, 0.05, 0.03, 0.02))
    assert (ticket.severity, ticket.severity_source) == (S2, "forced")
    assert ticket.pending[0].reason == "Sev2 forced by intake rule(s): checkout"


def test_without_a_triage_section_or_with_the_model_off_the_opinion_is_ignored() -> None:
    for policy in (make_policy(), with_triage(make_policy(), use_model=False)):
        ticket = open_with(policy, opinion(0.9, 0.05, 0.03, 0.02))
        assert (ticket.severity, ticket.severity_source) == (S3, "default")
        assert "model" not in ticket.pending[0].data


def test_declaring_a_severity_other_than_the_models_proposal_is_an_override_needing_a_reason() -> None:
    policy = with_triage(make_policy(), thresholds={S1: 0.3})
    with pytest.raises(InvalidInput, match="declaring Sev3 when the policy proposes Sev1 needs a reason"):
        open_with(policy, opinion(0.6, 0.2, 0.1, 0.1), severity=S3)
    ticket = open_with(policy, opinion(0.6, 0.2, 0.1, 0.1), severity=S3, severity_reason="a test shop")
    assert (ticket.severity, ticket.severity_source, ticket.proposed_severity) == (S3, "declared", S1)
