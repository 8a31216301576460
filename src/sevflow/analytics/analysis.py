"""One analysis of a history: import, measure, find drivers, propose rules and targets.

``analyze(path, mapping, policy, ...)`` runs every step (``importing``, ``metrics``, ``targets``,
``drivers``, ``proposals``) and returns an ``Analysis``; ``to_json`` gives the same numbers as
JSON values (the HTML report, ``report_html``, is written from them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from sevflow.analytics import metrics, targets
from sevflow.analytics.drivers import DriverReport, find_drivers, outcomes
from sevflow.analytics.importing import ImportReport, Progress, import_history
from sevflow.analytics.mapping import HistoryMapping
from sevflow.analytics.proposals import Proposals, merged_policy_text, propose
from sevflow.domain.policy import Policy

GROUPS = {
    "severity": ["severity"],
    "service_line": ["service_line"],
    "team": ["team_first"],
    "customer_tier": ["customer_tier"],
    "week": ["week"],
}


@dataclass(frozen=True)
class Analysis:
    source: str
    policy_name: str
    policy_version: str
    default_tier: str
    report: ImportReport
    overall: dict[str, Any]
    groups: dict[str, pl.DataFrame]
    backlog: pl.DataFrame
    time_at_team: pl.DataFrame
    attainment: pl.DataFrame
    suggestions: pl.DataFrame
    drivers: list[DriverReport]
    proposals: Proposals
    merged_policy: str | None


def analyze(
    path: Path,
    mapping: HistoryMapping,
    policy: Policy,
    *,
    policy_text: str | None = None,
    default_tier: str | None = None,
    shares: Sequence[float] = (0.8, 0.9),
    progress: Progress | None = None,
) -> Analysis:
    """Everything the report shows (see the module docstring). ``default_tier``: the customer
    tier of cases whose tier the policy does not know (default: the policy's first tier)."""
    tier = default_tier or next(iter(policy.customer_tiers))
    history = import_history(path, mapping, progress=progress)
    cases = outcomes(metrics.derive(history.cases))
    groups = {
        name: metrics.by_group(cases, by)
        for name, by in GROUPS.items()
        if all(column in cases.columns for column in by)
    }
    overall = metrics.by_group(cases.with_columns(pl.lit("all").alias("__all")), ["__all"]).drop("__all")
    reports = [find_drivers(cases, o) for o in ("breached", "escalated") if cases[o].drop_nulls().len() >= 2]
    names = {str(attribute): values for attribute, values in mapping.policy_names.items()}
    proposals = propose(reports, policy, cases=cases, values=names)
    return Analysis(
        source=str(path),
        policy_name=policy.name,
        policy_version=policy.version,
        default_tier=tier,
        report=history.report,
        overall=overall.row(0, named=True) if overall.height else {},
        groups=groups,
        backlog=metrics.backlog(cases),
        time_at_team=metrics.time_at_team(cases),
        attainment=targets.attainment(cases, policy, tier),
        suggestions=targets.suggestions(cases, policy, tier, shares),
        drivers=reports,
        proposals=proposals,
        merged_policy=merged_policy_text(policy_text, proposals) if policy_text and proposals.rules else None,
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [{k: _json_value(v) for k, v in r.items()} for r in frame.iter_rows(named=True)]


def to_json(a: Analysis) -> dict[str, Any]:
    """The analysis as JSON values (instants as ISO 8601, hours and shares as numbers)."""
    return {
        "source": a.source,
        "policy": {"name": a.policy_name, "version": a.policy_version, "default_tier": a.default_tier},
        "import": a.report.to_dict(),
        "overall": {k: _json_value(v) for k, v in a.overall.items()},
        "by": {name: rows(frame) for name, frame in a.groups.items()},
        "backlog": rows(a.backlog),
        "time_at_team": rows(a.time_at_team),
        "sla_attainment": rows(a.attainment),
        "sla_suggestions": rows(a.suggestions),
        "drivers": [
            {
                "outcome": r.outcome,
                "split_at": r.split_at.isoformat(),
                "train_cases": r.train_cases,
                "test_cases": r.test_cases,
                "train_rate": round(r.train_rate, 6),
                "test_rate": round(r.test_rate, 6),
                "ranked": [
                    {
                        "attribute": d.attribute,
                        "value": d.value,
                        "train_cases": d.train_cases,
                        "rate": round(d.train_rate, 6),
                        "rate_ci95": [round(d.rate_ci[0], 6), round(d.rate_ci[1], 6)],
                        "rate_without": round(d.rate_without, 6),
                        "risk_ratio": round(d.risk_ratio, 6),
                        "ci95": [round(d.ci_low, 6), round(d.ci_high, 6)],
                        "test_cases": d.test_cases,
                        "test_precision": None if d.test_precision is None else round(d.test_precision, 6),
                        "test_caught": d.test_caught,
                        "test_recall": None if d.test_recall is None else round(d.test_recall, 6),
                        "test_extra": d.test_extra,
                    }
                    for d in r.drivers[:50]
                ],
            }
            for r in a.drivers
        ],
        "proposed_rules": [{"outcome": p.outcome, **p.rule} for p in a.proposals.rules],
        "findings": [
            {"outcome": o, "attribute": d.attribute, "value": d.value, "risk_ratio": round(d.risk_ratio, 6)}
            for o, d in a.proposals.findings
        ],
    }
