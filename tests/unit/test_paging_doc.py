"""The policy file's ``paging`` section: read into the domain's paging chain, with defaults, and
refused with the field's path when a value is not allowed."""

from __future__ import annotations

from sevflow.domain.paging_policy import PageStep, PageTarget, PagingPolicy
from sevflow.domain.severity import Severity
from sevflow.policy.loader import load_policy_text
from tests.unit.test_policy_checks import MINIMAL, problems_of


def with_paging(section: str) -> str:
    return MINIMAL + "\npaging:\n" + section


def test_a_paging_section_becomes_the_policys_chain_with_per_step_minutes() -> None:
    text = with_paging(
        """  severity: [Sev1, Sev2]
  events: [created, sla_breached]
  ack_within: 10m
  chain: [primary, {to: tier lead, ack_within: 1h}, manager]
  repeat: 2
"""
    )
    assert load_policy_text(text, "p.yaml").paging == PagingPolicy(
        severities=frozenset({Severity.SEV1, Severity.SEV2}),
        events=frozenset({"created", "sla_breached"}),
        steps=(
            PageStep(PageTarget.PRIMARY, 10),
            PageStep(PageTarget.TIER_LEAD, 60),
            PageStep(PageTarget.MANAGER, 10),
        ),
        repeat=2,
    )


def test_an_empty_paging_section_pages_sev1_through_the_whole_chain_five_minutes_apart() -> None:
    policy = load_policy_text(with_paging("  repeat: 0\n"), "p.yaml")
    assert policy.paging == PagingPolicy(
        severities=frozenset({Severity.SEV1}),
        events=frozenset({"created", "severity_changed", "escalated", "sla_breached"}),
        steps=tuple(PageStep(t, 5) for t in PageTarget),
        repeat=0,
    )


def test_without_a_paging_section_nobody_is_paged_and_the_version_is_unchanged() -> None:
    plain = load_policy_text(MINIMAL, "p.yaml")
    assert plain.paging is None
    assert load_policy_text(with_paging("  repeat: 1\n"), "p.yaml").version != plain.version


def test_bad_paging_values_are_refused_with_their_paths_and_what_is_allowed() -> None:
    found = problems_of(
        with_paging(
            """  events: [created, paged]
  chain: [primary, boss]
  repeat: 11
  ack_within: 0
"""
        )
    )
    messages = dict(found)
    assert list(messages) == ["paging.events[1]", "paging.chain[1].to", "paging.repeat", "paging.ack_within"]
    assert messages["paging.events[1]"].startswith(
        "unknown event that opens a page 'paged'; allowed: assigned,"
    )
    assert "sla_breached" in messages["paging.events[1]"]
    assert "page_acknowledged" not in messages["paging.events[1]"]
    assert messages["paging.chain[1].to"] == (
        "unknown paging step 'boss'; allowed: manager, primary, secondary, tier_lead"
    )
    assert messages["paging.repeat"] == "must be at most 10, got 11"
    assert messages["paging.ack_within"].startswith("0 is not a positive duration")
