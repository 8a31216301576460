from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sevflow.domain.errors import PolicyError
from sevflow.domain.policy import Action, ActionKind, ClockKind, OwnerPair, Role, SlaTarget, Trigger
from sevflow.domain.severity import Severity
from sevflow.policy.loader import load_policy, load_policy_text
from sevflow.policy.starter import load_starter_policy, starter_policy_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
MINIMAL = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
BERLIN = ZoneInfo("Europe/Berlin")


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(PolicyError) as err:
        load_policy_text(text, "test.yaml")
    assert err.value.source == "test.yaml"
    return [(p.path, p.message) for p in err.value.problems]


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def test_the_starter_policy_loads_with_the_documented_sla_matrix() -> None:
    policy = load_starter_policy()

    assert policy.name == "Acme support escalation policy"
    assert policy.tiers == ("L1", "L2", "L3", "engineering", "management")
    assert set(policy.customer_tiers) == {"enterprise", "business", "standard"}
    assert set(policy.service_lines) == {"payments", "platform", "mobile"}
    assert len(policy.sla) == 12
    assert policy.target(Severity.SEV1, "enterprise") == SlaTarget(15, 30, 240, "24x7")
    assert policy.target(Severity.SEV1, "standard") == SlaTarget(60, 60, 480, "24x7")
    assert policy.target(Severity.SEV2, "business") == SlaTarget(60, 120, 960, "berlin-office")
    assert policy.target(Severity.SEV3, "enterprise") == SlaTarget(120, 480, 1440, "berlin-office")
    assert policy.target(Severity.SEV4, "standard") == SlaTarget(1440, 4800, 9600, "berlin-office")
    assert policy.pause_statuses == frozenset({"waiting_on_customer"})
    assert policy.default_severity is Severity.SEV3
    assert (len(policy.rules), len(policy.severity_rules), len(policy.gates)) == (14, 6, 1)
    assert policy.gate_for(Severity.SEV1) is policy.gate("sev1-confirmation")
    assert policy.manual.customer_after_minutes == {"enterprise": 120, "business": 240}


def test_the_starter_policy_has_a_warning_and_a_breach_rule_for_every_clock() -> None:
    policy = load_starter_policy()

    timed = {(r.when.clock, r.when.consumed_percent) for r in policy.rules if r.when.clock is not None}

    assert timed == {(clock, percent) for clock in ClockKind for percent in (75, 100)}


def test_the_starter_policy_escalates_a_sev1_left_at_l1_for_15_minutes() -> None:
    rule = load_starter_policy().rule("sev1-stuck-at-l1")

    assert rule.when == Trigger(
        minutes_at_tier=15, severities=frozenset({Severity.SEV1}), tiers=frozenset({"L1"})
    )
    assert rule.then == (Action(ActionKind.ESCALATE), Action(ActionKind.NOTIFY, roles=(Role.MANAGER,)))


def test_every_team_of_the_starter_policy_is_named_once() -> None:
    policy = load_starter_policy()

    names = [team.name for line in policy.service_lines.values() for team in line.teams.values()]

    assert len(names) == len(set(names)) == 15


@pytest.mark.parametrize(
    ("written", "minutes"),
    [("15m", 15), ("4h", 240), ("2d", 2880), ("1h30m", 90), ("1d2h", 1560), ("90", 90), ("'90'", 90)],
)
def test_durations_parse_into_minutes(written: str, minutes: int) -> None:
    text = MINIMAL.replace("accept_within: 15m", f"accept_within: {written}")

    assert load_policy_text(text, "test.yaml").handoff.accept_within_minutes == minutes


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("0m", "'0m' is not a positive duration; write e.g. 15m, 4h, 2d, 1h30m or a whole number of minutes"),
        ("-5", "-5 is not a positive duration; write e.g. 15m, 4h, 2d, 1h30m or a whole number of minutes"),
        ("1.5h", "'1.5h' is not a duration; write e.g. 15m, 4h, 2d, 1h30m or a whole number of minutes"),
        (
            "15 minutes",
            "'15 minutes' is not a duration; write e.g. 15m, 4h, 2d, 1h30m or a whole number of minutes",
        ),
        ("true", "expected a duration, got True; write e.g. 15m, 4h, 2d, 1h30m or a whole number of minutes"),
    ],
)
def test_a_malformed_or_non_positive_duration_is_refused_with_the_accepted_forms(
    written: str, message: str
) -> None:
    text = MINIMAL.replace("accept_within: 15m", f"accept_within: {written}")

    assert problems_of(text) == [("handoff.accept_within", message)]


def test_owners_default_covers_every_severity_not_listed() -> None:
    shop = load_policy_text(MINIMAL, "test.yaml").service_line("shop")

    assert shop.owners == {
        Severity.SEV1: OwnerPair("omar", "lena"),
        Severity.SEV2: OwnerPair("lena", "ana"),
        Severity.SEV3: OwnerPair("lena", "ana"),
        Severity.SEV4: OwnerPair("lena", "ana"),
    }


def test_a_public_holiday_of_the_country_is_not_a_working_day() -> None:
    calendar = load_policy_text(MINIMAL, "test.yaml").calendar("berlin")

    assert calendar.is_open(berlin(2026, 4, 2, 10, 0))  # Maundy Thursday: a working day
    assert not calendar.is_open(berlin(2026, 4, 3, 10, 0))  # Good Friday
    assert not calendar.is_open(berlin(2026, 4, 6, 10, 0))  # Easter Monday


def test_a_holiday_of_the_subdivision_only_is_not_a_working_day_there() -> None:
    calendar = load_policy_text(MINIMAL, "test.yaml").calendar("berlin")

    assert not calendar.is_open(berlin(2027, 3, 8, 10, 0))  # Women's Day: a holiday in Berlin only


def test_an_extra_closed_date_is_not_a_working_day() -> None:
    calendar = load_policy_text(MINIMAL, "test.yaml").calendar("berlin")

    assert calendar.is_open(berlin(2026, 12, 23, 10, 0))
    assert not calendar.is_open(berlin(2026, 12, 24, 10, 0))


def test_business_time_skips_the_easter_holidays() -> None:
    calendar = load_policy_text(MINIMAL, "test.yaml").calendar("berlin")

    deadline = calendar.add(berlin(2026, 4, 2, 17, 30), 60 * 60)

    assert deadline == berlin(2026, 4, 7, 9, 30)


def test_a_range_may_end_at_24_00_meaning_midnight() -> None:
    text = MINIMAL.replace(
        'mon-fri: ["09:00-12:00", "13:00-18:00"]', 'sun: ["20:00-24:00"], mon: ["00:00-02:00"]'
    )
    calendar = load_policy_text(text, "test.yaml").calendar("berlin")

    assert calendar.is_open(berlin(2026, 3, 22, 23, 59))
    assert calendar.add(berlin(2026, 3, 22, 23, 0), 2 * 3600) == berlin(2026, 3, 23, 1, 0)


def test_touching_opening_hours_count_as_one_window() -> None:
    text = MINIMAL.replace('"09:00-12:00", "13:00-18:00"', '"09:00-12:00", "12:00-18:00"')
    calendar = load_policy_text(text, "test.yaml").calendar("berlin")

    assert calendar.business_seconds(berlin(2026, 3, 23, 0, 0), berlin(2026, 3, 24, 0, 0)) == 9 * 3600


def test_a_country_code_like_no_stays_text_and_is_not_read_as_false() -> None:
    text = MINIMAL.replace("country: DE, subdivision: BE", "country: NO")
    calendar = load_policy_text(text, "test.yaml").calendar("berlin")

    assert not calendar.is_open(berlin(2028, 5, 17, 10, 0))  # Constitution Day in Norway, a Wednesday


def test_a_deliberately_broken_policy_reports_every_problem_with_its_path() -> None:
    with pytest.raises(PolicyError) as err:
        load_policy(FIXTURES / "many-problems.yaml")

    assert err.value.source == str(FIXTURES / "many-problems.yaml")
    assert [(p.path, p.message) for p in err.value.problems] == [
        (
            "severities",
            "Sev4 is not defined; define each of Sev1, Sev2, Sev3, Sev4 with a title and a definition",
        ),
        ("severities.Sev3.definition", "required, but missing"),
        ("severities.Sev3.definiton", "unknown field 'definiton'; allowed here: title, definition"),
        (
            "calendars.24x7.zone",
            "an always-open calendar counts every minute, so it takes no zone; remove it, or set always_open: false",
        ),
        (
            "calendars.berlin.zone",
            "unknown time zone 'Europe/Berln'; use an IANA name such as Europe/Berlin or America/New_York",
        ),
        (
            "calendars.berlin.hours.sat[0]",
            "'10:00-25:00' is not an opening-hours range; write e.g. 09:00-17:30 (24:00 = midnight)",
        ),
        (
            "calendars.berlin.holidays.country",
            "no public holidays known for country 'XX'; use an ISO 3166 country code such as DE, US, GB or FR",
        ),
        (
            "calendars.support-desk.hours",
            "09:00-12:00 and 11:30-13:00 overlap on Monday; opening hours of a day must not overlap",
        ),
        (
            "calendars.support-desk.holidays.subdivision",
            "unknown subdivision 'ZZ' of US; allowed: AK, AL, AR, AS, AZ, CA, CO, CT, DC, DE, FL, GA, GU, HI, "
            "IA, ID, IL, IN, KS, KY, LA, MA, MD, ME, MI, MN, MO, MP, MS, MT, NC, ND, NE, NH, NJ, NM, NV, NY, "
            "OH, OK, OR, PA, PR, RI, SC, SD, TN, TX, UM, UT, VA, VI, VT, WA, WI, WV, WY",
        ),
        ("service_lines.shop.teams", "no team for L2; a service line needs a team for every tier: L1, L2"),
        (
            "service_lines.shop.owners",
            "no owners for Sev2, Sev3 and Sev4; list them or add a 'default' entry",
        ),
        (
            "service_lines.shop.owners.Sev1.secondary",
            "'omar' is also the primary owner; the secondary must be someone else "
            "(a ticket moves to the secondary when the primary does not accept it)",
        ),
        (
            "sla.Sev4",
            "no targets for Sev4; give first_response, update_every, resolution and calendar "
            "for each customer tier: gold, silver",
        ),
        (
            "sla.Sev1.silver.first_response",
            "'0m' is not a positive duration; write e.g. 15m, 4h, 2d, 1h30m or a whole number of minutes",
        ),
        (
            "sla.Sev2.gold.resolution",
            "'2d' would count 48h of opening hours on berlin, not working days; "
            "write the opening hours instead (e.g. 24h for three 8-hour days)",
        ),
        ("sla.Sev2.silver.calendar", "unknown calendar 'berlin-office'; allowed: 24x7, berlin, support-desk"),
        (
            "sla.Sev3.silver",
            "missing; every severity needs first_response, update_every, resolution and calendar "
            "for every customer tier",
        ),
        (
            "pause_statuses[1]",
            "unknown status 'on_hold'; allowed: closed, in_progress, new, resolved, triaged, waiting_on_customer",
        ),
        (
            "rules[1].when",
            "two time conditions (clock/consumed_percent and minutes_at_tier); a rule may have one, "
            "so split it into two rules",
        ),
        ("rules[1].when.tier", "unknown tier 'L3'; allowed: L1, L2"),
        (
            "rules[1].then[0]",
            "an action does exactly one thing (escalate, reassign, raise_severity, notify, require_approval); "
            "this one has escalate and notify: make them separate list items",
        ),
        ("rules[2].name", "'resolution-at-risk' is already the name of rules[0]; rule names must be unique"),
        ("rules[2].when.clock", "unknown clock 'resolutoin'; allowed: first_response, update, resolution"),
        ("rules[2].then[0].require_approval", "unknown decision gate 'sev1-gate'; allowed: (none defined)"),
        (
            "manual_escalation.agents[2]",
            "unknown role 'boss'; allowed: admin, agent, customer, incident_commander, lead, manager, on_call, "
            "owner, secondary, senior_engineer, tier_lead",
        ),
        (
            "manual_escalation.customer_after.platinum",
            "unknown customer tier 'platinum'; allowed: gold, silver",
        ),
    ]


def test_a_yaml_syntax_error_reports_its_line_and_column() -> None:
    text = MINIMAL.replace("tiers: [L1, L2]", "tiers: [L1, L2")

    assert problems_of(text) == [
        (
            "",
            "YAML syntax error at line 18, column 14: expected ',' or ']', but got ':' (while parsing a flow sequence)",
        )
    ]


def test_a_key_given_twice_is_reported_instead_of_silently_keeping_the_last() -> None:
    text = MINIMAL.replace("  silver: {}\n", "  silver: {}\n  gold: {description: Again}\n")

    assert problems_of(text) == [("customer_tiers.gold", "'gold' is given twice (lines 9 and 11); keep one")]


def test_the_same_severity_spelt_twice_is_reported() -> None:
    text = MINIMAL.replace(
        "  Sev4: {title: Minor", "  sev1: {title: Again, definition: x}\n  Sev4: {title: Minor"
    )

    assert problems_of(text) == [("severities.sev1", "'sev1' and 'Sev1' are the same severity; keep one")]


def test_an_empty_file_is_reported() -> None:
    assert problems_of("# nothing yet\n") == [
        ("", "the file is empty; `sevflow init` writes a starter policy")
    ]


def test_a_missing_file_is_reported_as_a_policy_problem(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as err:
        load_policy(tmp_path / "nope.yaml")

    assert [(p.path, p.message) for p in err.value.problems] == [
        ("", "no such file; `sevflow init` writes a starter policy")
    ]


def test_a_rule_must_give_consumed_percent_with_its_clock() -> None:
    text = MINIMAL.replace("{clock: resolution, consumed_percent: 75}", "{clock: resolution}")

    assert problems_of(text) == [
        (
            "rules[0].when.consumed_percent",
            "required with clock: the share of the target consumed, e.g. 75 to warn or 100 at the breach",
        )
    ]


def test_a_severity_rule_without_any_condition_is_refused() -> None:
    text = MINIMAL.replace('keywords: ["checkout down"], services: [checkout]', "description: everything")

    assert problems_of(text) == [
        (
            "severity_rules[0]",
            "needs at least one condition (keywords, services, service_lines, customer_tiers, "
            "min_users_affected); without one it would match every ticket",
        )
    ]


def test_a_single_value_stands_for_a_one_item_list() -> None:
    text = MINIMAL.replace("{severity: [Sev1], tier: [L1],", "{severity: sev1, tier: L1,")

    policy = load_policy_text(text, "test.yaml")

    assert policy.rule("sev1-stuck-at-l1").when.severities == frozenset({Severity.SEV1})
    assert policy.version == load_policy_text(MINIMAL, "test.yaml").version


def test_the_version_ignores_comments_spacing_and_equivalent_spellings() -> None:
    edited = ("# a new comment\n" + MINIMAL).replace("resolution: 4h,", "resolution:   240 ,  ")

    assert load_policy_text(edited, "a.yaml").version == load_policy_text(MINIMAL, "b.yaml").version


def test_the_version_changes_when_a_target_changes() -> None:
    edited = MINIMAL.replace("resolution: 4h,", "resolution: 5h,")

    original = load_policy_text(MINIMAL, "test.yaml").version
    changed = load_policy_text(edited, "test.yaml").version

    assert changed != original
    assert len(changed) == len(original) == 12
    assert all(c in "0123456789abcdef" for c in changed)


def test_a_loaded_policy_cannot_be_changed() -> None:
    policy = load_policy_text(MINIMAL, "test.yaml")

    with pytest.raises(TypeError):
        policy.sla[(Severity.SEV1, "gold")] = SlaTarget(1, 1, 1, "24x7")  # type: ignore[index]


def test_the_starter_text_is_documented_for_a_support_manager() -> None:
    text = starter_policy_text()

    assert text.count("\n#") > 40
    assert "sevflow policy check" in text


def test_the_starters_commented_optional_sections_load_once_uncommented() -> None:
    text = starter_policy_text()
    tail = text[text.index("# Optional sections") :]
    yaml_lines = [
        line[2:]
        for line in tail.splitlines()
        if re.match(r"^# (paging|oncall|notifications|triage):|^#   ", line)
    ]
    policy = load_policy_text(text + "\n" + "\n".join(yaml_lines) + "\n", "starter, uncommented")
    assert policy.paging is not None
    assert [s.ack_within_minutes for s in policy.paging.steps] == [5, 5, 5, 5]
    assert list(policy.oncall.schedules) == ["payments-l3"]
    assert sorted(policy.routing.channels) == ["incident-chat", "log", "pager"]
    assert policy.triage is not None
    assert (dict(policy.triage.thresholds), policy.triage.related.window_minutes) == (
        {Severity.SEV1: 0.35},
        120,
    )
