"""Folded cases as ``HistoricCase`` records, ready to be stored as closed tickets
(``services.history``): names translated to the policy's by the mapping's ``policy_names``, and
what the history lacks filled from the caller's defaults."""

from __future__ import annotations

import polars as pl

from sevflow.analytics.mapping import HistoryMapping
from sevflow.domain.errors import InvalidInput
from sevflow.domain.history import HistoricCase
from sevflow.domain.policy import Policy
from sevflow.domain.severity import Severity


def historic_cases(
    cases: pl.DataFrame,
    policy: Policy,
    mapping: HistoryMapping,
    *,
    service_line: str | None = None,
    customer: str = "history",
    customer_tier: str | None = None,
) -> list[HistoricCase]:
    """One record per case. A case's service line and tier are its own when the policy knows
    them (directly or through ``policy_names``), else ``service_line`` / ``customer_tier``;
    without either, ``InvalidInput`` names the history's values the policy does not know."""
    if service_line is not None:
        policy.service_line(service_line)
    tier_default = customer_tier or next(iter(policy.customer_tiers))
    policy.customer_tier(tier_default)
    lines = mapping.policy_names.get("service_line", {})
    tiers = mapping.policy_names.get("customer_tier", {})
    have = set(cases.columns)
    out: list[HistoricCase] = []
    unknown: set[str] = set()
    for row in cases.iter_rows(named=True):
        raw_line = row.get("service_line")
        line = lines.get(raw_line, raw_line) if raw_line is not None else None
        if line not in policy.service_lines:
            if service_line is None:
                unknown.add(str(raw_line))
                continue
            line = service_line
        raw_tier = row.get("customer_tier")
        tier = tiers.get(raw_tier, raw_tier) if raw_tier is not None else None
        severity = row.get("severity")
        out.append(
            HistoricCase(
                external_id=str(row["id"]),
                title=str(row.get("title") or row.get("category") or f"Imported case {row['id']}"),
                service_line=str(line),
                customer=customer,
                customer_tier=str(tier) if tier in policy.customer_tiers else tier_default,
                severity=Severity(severity) if severity else policy.default_severity,
                created_at=row["created"],
                first_response_at=row.get("first_response") if "first_response" in have else None,
                escalated_at=row.get("escalated_at"),
                resolved_at=row.get("resolved"),
                closed_at=row.get("closed"),
            )
        )
    if unknown:
        shown = ", ".join(sorted(unknown)[:10]) + (" ..." if len(unknown) > 10 else "")
        raise InvalidInput(
            f"{len(unknown)} service line(s) of the history are not in the policy ({shown}); name them in "
            f"the mapping's policy_names, or give --service-line for all of them "
            f"(the policy's: {', '.join(policy.service_lines)})"
        )
    return out
