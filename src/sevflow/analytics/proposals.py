"""Proposed escalation criteria, in sevflow's own policy format, grounded in the drivers.

A driver becomes a proposed rule when the policy can express its condition -- a keyword of the
title or text, or a severity, a customer tier or a service line the policy knows (history values are translated by the
mapping's ``policy_names``, or used as they are when the policy has that name) -- and it held on the later cases: a risk ratio whose lower bound is above
``min_ci_low``, at least ``min_test_cases`` later cases with it, and a precision on them at
least ``min_lift`` times the later cases' base rate.

- A driver of **missed SLAs** proposes escalating those tickets earlier: at ``early_percent``
  of the resolution clock, notify the tier lead and escalate to the next tier.
- A driver of **escalations** proposes escalating at once what ends up escalated anyway: after
  the median wall-clock time the history's cases with it took to change team (rounded up),
  escalate to the next tier. The rule counts that time as time at the tier (business time),
  so on an office-hours calendar it fires no earlier than the history did.

Each rule's description says what it would have done on the later cases: how many of their
outcomes it would have caught, its precision, and the extra escalations it would cause.
Drivers the policy cannot express (impact, urgency, channel, arrival time, categories it does
not know) are returned as ``findings`` for a person to read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import yaml

from sevflow.analytics.drivers import Driver, DriverReport
from sevflow.analytics.targets import round_up_minutes
from sevflow.domain.policy import Policy
from sevflow.domain.severity import Severity

EXPRESSIBLE = ("severity", "customer_tier", "service_line", "keyword")


@dataclass(frozen=True)
class Proposal:
    rule: dict[str, Any]
    """The rule as the policy file writes it (``name``, ``description``, ``when``, ``then``)."""
    driver: Driver
    outcome: str


@dataclass(frozen=True)
class Proposals:
    rules: list[Proposal]
    findings: list[tuple[str, Driver]]
    """(outcome, driver) pairs that held up but that the policy cannot express."""

    def fragment(self) -> str:
        """The proposed rules as a YAML ``rules:`` list, each preceded by a comment with its
        held-out figures (paste them into the policy's ``rules``)."""
        if not self.rules:
            return "rules: []  # no driver both held on the later cases and fits a policy condition\n"
        out = ["rules:"]
        for p in self.rules:
            d = p.driver
            out.append(
                f"  # {p.outcome}: {d.attribute} = {d.value}: risk ratio {d.risk_ratio:.2f} "
                f"(95% CI {d.ci_low:.2f}-{d.ci_high:.2f}) on {d.train_cases} earlier cases"
            )
            block = yaml.safe_dump([p.rule], sort_keys=False, allow_unicode=True, width=100)
            out += ["  " + line for line in block.rstrip("\n").splitlines()]
        return "\n".join(out) + "\n"


def _translate(
    attribute: str, value: str, policy: Policy, values: Mapping[str, Mapping[str, str]]
) -> str | None:
    translated = values.get(attribute, {}).get(value, value)
    if attribute == "severity":
        return translated if translated in {s.value for s in Severity} else None
    if attribute == "customer_tier":
        return translated if translated in policy.customer_tiers else None
    if attribute == "service_line":
        return translated if translated in policy.service_lines else None
    if attribute == "keyword":
        return translated
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "value"


def propose(
    reports: Sequence[DriverReport],
    policy: Policy,
    *,
    cases: pl.DataFrame | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
    min_ci_low: float = 1.25,
    min_test_cases: int = 10,
    min_lift: float = 1.25,
    early_percent: int = 50,
    per_outcome: int = 5,
) -> Proposals:
    """Rules for the drivers in ``reports`` (outcomes ``breached`` and ``escalated``) that hold
    up and fit a policy condition; ``cases`` (derived, with ``escalated_at``) supplies the time
    to escalation of escalation drivers."""
    values = values or {}
    rules: list[Proposal] = []
    findings: list[tuple[str, Driver]] = []
    names: set[str] = {r.name for r in policy.rules}
    for report in reports:
        taken = 0
        for d in report.drivers:
            held = (
                d.ci_low > min_ci_low
                and d.test_cases >= min_test_cases
                and d.test_precision is not None
                and d.test_precision >= min_lift * report.test_rate
            )
            if not held:
                continue
            condition = (
                _translate(d.attribute, d.value, policy, values) if d.attribute in EXPRESSIBLE else None
            )
            if condition is None:
                findings.append((report.outcome, d))
                continue
            if taken >= per_outcome:
                continue
            name = f"history-{report.outcome}-{_slug(d.attribute)}-{_slug(condition)}"
            if name in names:
                continue
            rule = _rule(report, d, condition, name, cases=cases, early_percent=early_percent)
            if rule is None:
                findings.append((report.outcome, d))
                continue
            names.add(name)
            rules.append(Proposal(rule, d, report.outcome))
            taken += 1
    return Proposals(rules, findings)


def _rule(
    report: DriverReport,
    d: Driver,
    condition: str,
    name: str,
    *,
    cases: pl.DataFrame | None,
    early_percent: int,
) -> dict[str, Any] | None:
    figures = (
        f"On the {report.test_cases} later cases it would have caught {d.test_caught} of their "
        f"{report.outcome} cases (recall {_pct(d.test_recall)}), with precision {_pct(d.test_precision)}, "
        f"and {d.test_extra} extra escalation(s)."
    )
    when: dict[str, Any] = {"keywords": [condition]} if d.attribute == "keyword" else {d.attribute: condition}
    if report.outcome == "breached":
        when.update(clock="resolution", consumed_percent=early_percent)
        what = f"Tickets with {d.attribute} {d.value} missed their SLA {d.risk_ratio:.1f}x as often"
        then: list[dict[str, Any]] = [{"notify": ["tier_lead"]}, {"escalate": "next"}]
    else:
        minutes = _minutes_to_escalation(cases, d)
        if minutes is None:
            return None
        when.update(minutes_at_tier=f"{minutes}m")
        what = (
            f"Tickets with {d.attribute} {d.value} ended up escalated {d.risk_ratio:.1f}x as often, "
            f"typically after {minutes} minutes"
        )
        then = [{"escalate": "next"}]
    return {"name": name, "description": f"{what}. {figures}", "when": when, "then": then}


def _minutes_to_escalation(cases: pl.DataFrame | None, d: Driver) -> int | None:
    if cases is None or d.attribute not in cases.columns or "escalated_at" not in cases.columns:
        return None
    waited = (
        cases.filter((pl.col(d.attribute).cast(pl.String) == d.value) & pl.col("escalated_at").is_not_null())
        .select(((pl.col("escalated_at") - pl.col("created")).dt.total_seconds() / 60).alias("m"))["m"]
        .median()
    )
    if waited is None:
        return None
    return round_up_minutes(max(1.0, float(waited)))  # type: ignore[arg-type]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def merged_policy_text(policy_text: str, proposals: Proposals) -> str:
    """``policy_text`` with the proposed rules appended to its ``rules`` (written anew: comments
    are not kept; the fragment keeps them)."""
    data = yaml.safe_load(policy_text)
    data.setdefault("rules", [])
    data["rules"] = [*(data["rules"] or []), *(p.rule for p in proposals.rules)]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
