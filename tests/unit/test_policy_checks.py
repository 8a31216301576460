"""Cross-reference and consistency checks of the policy file, one problem at a time (the full
"every problem at once" case is in test_policy_loader)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sevflow.domain.errors import PolicyError
from sevflow.domain.severity import Severity
from sevflow.policy.loader import load_policy_text

MINIMAL = (Path(__file__).resolve().parents[1] / "fixtures" / "policies" / "minimal.yaml").read_text(
    encoding="utf-8"
)
SECOND_LINE = """
  app:
    queue: app
    manager: grace
    services: [checkout]
    teams:
      L1: {name: shop-l1, lead: yusuf}
      L2: {name: app-l2, lead: amara}
    owners:
      default: {primary: yusuf, secondary: amara}
sla:"""


def edited(old: str, new: str) -> str:
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(PolicyError) as err:
        load_policy_text(text, "test.yaml")
    return [(p.path, p.message) for p in err.value.problems]


def test_the_minimal_fixture_is_valid() -> None:
    assert load_policy_text(MINIMAL, "test.yaml").name == "Test policy"


def test_an_entry_with_nothing_under_it_is_an_empty_entry() -> None:
    policy = load_policy_text(edited("  silver: {}\n", "  silver:\n"), "test.yaml")

    assert policy.customer_tier("silver").description == ""


def test_a_field_with_nothing_after_it_counts_as_left_out() -> None:
    assert problems_of(edited("    zone: Europe/Berlin\n", "    zone:\n")) == [
        (
            "calendars.berlin.zone",
            "required for a calendar with opening hours; an IANA name such as Europe/Berlin",
        )
    ]


def test_an_unknown_section_is_named_with_the_allowed_ones() -> None:
    assert problems_of(edited("tiers: [L1, L2]", "tiers: [L1, L2]\nescalation_rules: []")) == [
        (
            "escalation_rules",
            "unknown field 'escalation_rules'; allowed here: name, description, severities, customer_tiers, "
            "calendars, tiers, service_lines, sla, default_severity, pause_statuses, handoff, rules, "
            "severity_rules, gates, manual_escalation, notifications, oncall, paging, triage",
        )
    ]


def test_a_misspelt_field_in_a_customer_tier_does_not_make_its_sla_cells_unknown() -> None:
    assert problems_of(edited("  silver: {}", "  silver: {descripton: x}")) == [
        ("customer_tiers.silver.descripton", "unknown field 'descripton'; allowed here: description")
    ]


def test_rule_conditions_naming_unknown_things_are_each_reported() -> None:
    text = edited(
        "{severity: [Sev1], tier: [L1], minutes_at_tier: 15}",
        "{severity: Sev1, tier: [L1, L7], minutes_at_tier: 15, customer_tier: bronze, service: chekout}",
    )

    assert problems_of(text) == [
        ("rules[1].when.tier", "unknown tier 'L7'; allowed: L1, L2"),
        ("rules[1].when.customer_tier", "unknown customer tier 'bronze'; allowed: gold, silver"),
        ("rules[1].when.service", "unknown service 'chekout'; allowed: checkout"),
    ]


def test_escalating_to_an_unknown_tier_lists_next_and_the_tiers() -> None:
    assert problems_of(edited("{escalate: next}", "{escalate: L3}")) == [
        ("rules[1].then[0].escalate", "unknown tier 'L3'; allowed: L1, L2, next")
    ]


def test_reassigning_to_an_unknown_team_lists_the_teams() -> None:
    assert problems_of(edited("{escalate: next}", "{reassign: shop-l3}")) == [
        ("rules[1].then[0].reassign", "unknown team 'shop-l3'; allowed: shop-l1, shop-l2")
    ]


def test_an_action_that_is_not_a_mapping_is_reported_once() -> None:
    assert problems_of(edited("{escalate: next}", "escalate")) == [
        ("rules[1].then[0]", "expected a mapping (indented 'key: value' lines), got 'escalate'")
    ]


def test_a_clock_condition_needs_a_percentage_and_a_percentage_needs_a_clock() -> None:
    text = edited("{clock: resolution, consumed_percent: 75}", "{consumed_percent: 75}")

    assert problems_of(text) == [
        ("rules[0].when.clock", "required with consumed_percent; allowed: first_response, update, resolution")
    ]


def test_a_team_name_and_a_service_used_by_two_service_lines_are_reported() -> None:
    assert problems_of(edited("\nsla:", SECOND_LINE)) == [
        (
            "service_lines.app.services[0]",
            "service 'checkout' already belongs to service line shop; a service belongs to one service line",
        ),
        (
            "service_lines.app.teams.L1.name",
            "team name 'shop-l1' is already used at service_lines.shop.teams.L1.name; "
            "team names must be unique (rules reassign by team name)",
        ),
    ]


def test_a_severity_may_have_only_one_gate() -> None:
    second_gate = "  - {name: second, severities: [Sev2, Sev1], approvers: [lead], decide_within: 1h, escalate_to: [manager]}\n"

    assert problems_of(edited("manual_escalation:", second_gate + "manual_escalation:")) == [
        ("gates[1].severities", "Sev1 already has a gate (gates[0]); a severity may have one decision gate")
    ]


def test_a_tier_listed_twice_is_reported() -> None:
    assert problems_of(edited("tiers: [L1, L2]", "tiers: [L1, L2, L1]")) == [
        ("tiers[2]", "'L1' is already tiers[0]; each tier appears once in the escalation chain")
    ]


def test_days_are_fine_on_an_always_open_calendar() -> None:
    policy = load_policy_text(edited("resolution: 8h, calendar: 24x7", "resolution: 1d, calendar: 24x7"), "t")

    assert policy.target(Severity.SEV1, "silver").resolution_minutes == 1440


def test_a_resolution_shorter_than_the_first_response_is_reported() -> None:
    assert problems_of(
        edited(
            "first_response: 2h, update_every: 4h, resolution: 16h",
            "first_response: 2h, update_every: 4h, resolution: 1h",
        )
    ) == [
        (
            "sla.Sev2.silver.resolution",
            "1h is shorter than first_response 2h; resolution includes the first response",
        )
    ]


def test_a_shift_past_midnight_is_refused_with_how_to_split_it() -> None:
    assert problems_of(edited('"13:00-18:00"', '"22:00-06:00"')) == [
        (
            "calendars.berlin.hours.mon-fri[1]",
            "'22:00-06:00' ends before it starts; split a shift past midnight into two days, "
            "e.g. 22:00-24:00 and 00:00-06:00",
        )
    ]


def test_an_always_open_calendar_takes_no_hours() -> None:
    text = edited("24x7: {always_open: true}", '24x7: {always_open: true, hours: {mon: ["09:00-17:00"]}}')

    assert problems_of(text) == [
        (
            "calendars.24x7.hours",
            "an always-open calendar counts every minute, so it takes no hours; remove it, or set always_open: false",
        )
    ]


def test_a_subdivision_needs_a_country() -> None:
    assert problems_of(edited("country: DE, subdivision: BE", "subdivision: BE")) == [
        (
            "calendars.berlin.holidays.subdivision",
            "needs a country as well, e.g. country: DE with subdivision: BE",
        )
    ]


def test_an_unknown_day_key_lists_the_days() -> None:
    assert problems_of(edited("mon-fri:", "mon-fry:")) == [
        (
            "calendars.berlin.hours.mon-fry",
            "'mon-fry' is not a day or day range; use mon, tue, wed, thu, fri, sat, sun or a range such as mon-fri",
        )
    ]


def test_customer_escalation_for_an_unknown_customer_tier_is_reported() -> None:
    assert problems_of(edited("customer_after: {gold: 2h}", "customer_after: {gold: 2h, bronze: 1h}")) == [
        ("manual_escalation.customer_after.bronze", "unknown customer tier 'bronze'; allowed: gold, silver")
    ]
