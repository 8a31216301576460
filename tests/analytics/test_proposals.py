"""Proposed rules: a driver that held on later cases and fits a policy condition becomes a rule in
sevflow's format with its held-out figures, and the policy with the rules appended loads; a
driver the policy cannot express is a finding."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl

from sevflow.analytics.drivers import find_drivers
from sevflow.analytics.proposals import merged_policy_text, propose
from sevflow.policy.loader import load_policy_text
from tests.analytics.test_drivers import START

MINIMAL = (Path(__file__).resolve().parents[1] / "fixtures" / "policies" / "minimal.yaml").read_text(
    encoding="utf-8"
)


def history() -> pl.DataFrame:
    """Two cases a day for 100 days: web-shop cases (service line "Web") by e-mail escalate
    except every fifth day, two hours after opening; phone cases of "Other" only every fifth day."""
    rows = []
    for day in range(100):
        for line, channel in (("Other", "Phone"), ("Web", "Email")):
            escalated = (day % 5 != 0) if line == "Web" else (day % 5 == 0)
            created = START + timedelta(days=day)
            rows.append(
                {
                    "created": created,
                    "service_line": line,
                    "channel": channel,
                    "escalated": escalated,
                    "escalated_at": created + timedelta(hours=2) if escalated else None,
                }
            )
    return pl.DataFrame(rows)


def test_a_driver_the_policy_can_express_becomes_a_rule_that_loads() -> None:
    cases = history()
    report = find_drivers(cases, "escalated")
    policy = load_policy_text(MINIMAL, "minimal")
    proposals = propose([report], policy, cases=cases, values={"service_line": {"Web": "shop"}})
    assert [p.rule for p in proposals.rules] == [
        {
            "name": "history-escalated-service-line-shop",
            "description": "Tickets with service_line Web ended up escalated 4.0x as often, typically after 120 "
            "minutes. On the 50 later cases it would have caught 20 of their escalated cases (recall 80%), "
            "with precision 80%, and 5 extra escalation(s).",
            "when": {"service_line": "shop", "minutes_at_tier": "120m"},
            "then": [{"escalate": "next"}],
        }
    ]
    # the channel drives escalations as strongly, but no policy condition names a channel
    assert [(o, d.attribute, d.value) for o, d in proposals.findings] == [("escalated", "channel", "Email")]
    merged = load_policy_text(merged_policy_text(MINIMAL, proposals), "merged")
    rule = merged.rule("history-escalated-service-line-shop")
    assert (rule.when.service_lines, rule.when.minutes_at_tier) == (frozenset({"shop"}), 120)
    assert "# escalated: service_line = Web: risk ratio 4.00" in proposals.fragment()


def test_without_a_translation_an_unknown_service_line_is_only_a_finding() -> None:
    cases = history()
    proposals = propose([find_drivers(cases, "escalated")], load_policy_text(MINIMAL, "minimal"), cases=cases)
    assert proposals.rules == []
    assert sorted((d.attribute, d.value) for _, d in proposals.findings) == [
        ("channel", "Email"),
        ("service_line", "Web"),
    ]
    assert proposals.fragment().startswith("rules: []")


def test_a_word_in_the_title_that_drives_missed_slas_becomes_a_keyword_rule() -> None:
    rows = []
    for day in range(100):
        for title, missed in (("Refund stuck at the bank", day % 5 != 0), ("Password reset", day % 5 == 0)):
            rows.append({"created": START + timedelta(days=day), "title": title, "breached": missed})
    cases = pl.DataFrame(rows)
    report = find_drivers(cases, "breached")
    assert [(d.attribute, d.value) for d in report.drivers[:3]] == [
        ("keyword", "bank"),
        ("keyword", "refund"),
        ("keyword", "stuck"),
    ]
    proposals = propose([report], load_policy_text(MINIMAL, "minimal"), per_outcome=1)
    assert [p.rule["when"] for p in proposals.rules] == [
        {"keywords": ["bank"], "clock": "resolution", "consumed_percent": 50}
    ]
    merged = load_policy_text(merged_policy_text(MINIMAL, proposals), "merged")
    assert merged.rule("history-breached-keyword-bank").when.keywords == ("bank",)
