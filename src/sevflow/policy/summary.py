"""A plain-data summary of a loaded policy (for ``sevflow policy check --json`` and displays)."""

from __future__ import annotations

from typing import Any

from sevflow.domain.policy import Policy
from sevflow.domain.severity import Severity


def policy_summary(policy: Policy) -> dict[str, Any]:
    """JSON-ready description: name, version, severities, tiers, calendars, the SLA matrix
    (minutes), service lines with their teams and owners, and rule counts."""
    return {
        "name": policy.name,
        "version": policy.version,
        "severities": {
            sev.value: {"title": d.title, "definition": d.definition} for sev, d in policy.severities.items()
        },
        "default_severity": policy.default_severity.value,
        "customer_tiers": list(policy.customer_tiers),
        "tiers": list(policy.tiers),
        "calendars": {name: cal.describe() for name, cal in policy.calendars.items()},
        "sla": [
            {
                "severity": severity.value,
                "customer_tier": tier,
                "first_response_minutes": target.first_response_minutes,
                "update_minutes": target.update_minutes,
                "resolution_minutes": target.resolution_minutes,
                "calendar": target.calendar,
            }
            for severity in Severity
            for tier in policy.customer_tiers
            for target in [policy.target(severity, tier)]
        ],
        "service_lines": {
            name: {
                "queue": line.queue,
                "manager": line.manager,
                "services": list(line.services),
                "teams": {
                    tier: {"name": team.name, "lead": team.lead, "members": list(team.members)}
                    for tier, team in line.teams.items()
                },
                "owners": {
                    sev.value: {"primary": pair.primary, "secondary": pair.secondary}
                    for sev, pair in line.owners.items()
                },
            }
            for name, line in policy.service_lines.items()
        },
        "pause_statuses": sorted(policy.pause_statuses),
        "handoff": {
            "accept_within_minutes": policy.handoff.accept_within_minutes,
            "wip_limit": policy.handoff.wip_limit,
        },
        "counts": {
            "rules": len(policy.rules),
            "severity_rules": len(policy.severity_rules),
            "gates": len(policy.gates),
        },
    }
