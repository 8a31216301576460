"""Cross-reference checks of escalation rules, severity rules and decision gates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sevflow.domain.severity import Severity
from sevflow.policy.draft import ActionParts, Draft, keys_of
from sevflow.policy.findings import Finding, PathPart, listing, raw_at, unknown
from sevflow.policy.schema import ActionDoc, TriggerDoc
from sevflow.policy.values import NEXT

_ACTIONS = tuple(ActionDoc.model_fields)
_SEVERITY_RULE_CONDITIONS = ("keywords", "services", "service_lines", "customer_tiers", "min_users_affected")


def check_rules(draft: Draft) -> list[Finding]:
    found = _duplicate_names(draft, "rules", "rule")
    for index, rule in enumerate(draft.rules or ()):
        loc: tuple[PathPart, ...] = ("rules", index)
        found += _time_conditions((*loc, "when"), rule.when_keys)
        if rule.when is not None:
            found += _trigger(draft, (*loc, "when"), rule.when)
        for position, action in enumerate(rule.then or ()):
            found += _action(draft, (*loc, "then", position), action)
    return found


def _time_conditions(loc: tuple[PathPart, ...], given: frozenset[str]) -> list[Finding]:
    """Pairing of the time conditions, judged on the fields as written (a misspelt clock name
    is reported by the schema, not again here as "clock missing")."""
    found: list[Finding] = []
    if "clock" in given and "consumed_percent" not in given:
        found.append(
            Finding(
                (*loc, "consumed_percent"),
                "required with clock: the share of the target consumed, e.g. 75 to warn or 100 at the breach",
            )
        )
    if "consumed_percent" in given and "clock" not in given:
        found.append(
            Finding(
                (*loc, "clock"), "required with consumed_percent; allowed: first_response, update, resolution"
            )
        )
    if "minutes_at_tier" in given and ("clock" in given or "consumed_percent" in given):
        found.append(
            Finding(
                loc,
                "two time conditions (clock/consumed_percent and minutes_at_tier); a rule may have one, "
                "so split it into two rules",
            )
        )
    return found


def _trigger(draft: Draft, loc: tuple[PathPart, ...], when: TriggerDoc) -> list[Finding]:
    found: list[Finding] = []
    refs: list[tuple[str, list[str] | None, str, Any]] = [
        ("tier", when.tier, "tier", draft.tiers),
        ("customer_tier", when.customer_tier, "customer tier", draft.customer_tiers),
        ("service_line", when.service_line, "service line", draft.service_lines),
        ("service", when.service, "service", draft.services),
    ]
    for field, values, what, allowed in refs:
        found += _unknown_values((*loc, field), what, values, allowed)
    return found


def _action(draft: Draft, loc: tuple[PathPart, ...], parts: ActionParts) -> list[Finding]:
    if parts.keys is None:
        return []
    given = [name for name in _ACTIONS if name in parts.keys]
    action = parts.doc
    if len(given) != 1 and not (parts.keys - set(_ACTIONS)):
        what = "none" if not given else listing(given)
        return [
            Finding(
                loc,
                f"an action does exactly one thing ({', '.join(_ACTIONS)}); this one has {what}"
                + (": make them separate list items" if given else ""),
            )
        ]
    if action is None:
        return []
    tiers = draft.tiers
    if (
        action.escalate is not None
        and action.escalate != NEXT
        and tiers is not None
        and action.escalate not in tiers
    ):
        return [unknown((*loc, "escalate"), "tier", action.escalate, [NEXT, *tiers])]
    if action.reassign is not None:
        return _unknown_values((*loc, "reassign"), "team", [action.reassign], draft.team_names)
    if action.require_approval is not None:
        return _unknown_values(
            (*loc, "require_approval"), "decision gate", [action.require_approval], draft.gate_names
        )
    return []


def check_severity_rules(draft: Draft) -> list[Finding]:
    found = _duplicate_names(draft, "severity_rules", "severity rule")
    for index, rule in enumerate(draft.severity_rules or ()):
        loc: tuple[PathPart, ...] = ("severity_rules", index)
        if not keys_of(raw_at(draft.raw, loc)) & set(_SEVERITY_RULE_CONDITIONS):
            found.append(
                Finding(
                    loc,
                    f"needs at least one condition ({', '.join(_SEVERITY_RULE_CONDITIONS)}); "
                    "without one it would match every ticket",
                )
            )
        if rule is None:
            continue
        found += _unknown_values((*loc, "services"), "service", rule.services, draft.services)
        found += _unknown_values(
            (*loc, "service_lines"), "service line", rule.service_lines, draft.service_lines
        )
        found += _unknown_values(
            (*loc, "customer_tiers"), "customer tier", rule.customer_tiers, draft.customer_tiers
        )
    return found


def check_gates(draft: Draft) -> list[Finding]:
    found = _duplicate_names(draft, "gates", "gate")
    gated: dict[Severity, int] = {}
    for index, gate in enumerate(draft.gates or ()):
        if gate is None:
            continue
        for severity in gate.severities:
            if severity in gated:
                found.append(
                    Finding(
                        ("gates", index, "severities"),
                        f"{severity.value} already has a gate (gates[{gated[severity]}]); "
                        "a severity may have one decision gate",
                    )
                )
            gated.setdefault(severity, index)
    return found


def _unknown_values(
    loc: tuple[PathPart, ...], what: str, values: list[str] | None, allowed: Any
) -> list[Finding]:
    if values is None or allowed is None:
        return []
    return [unknown(loc, what, value, allowed) for value in values if value not in allowed]


def _duplicate_names(draft: Draft, section: str, what: str) -> list[Finding]:
    items = draft.raw.get(section)
    if not isinstance(items, list):
        return []
    found = []
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        name = item.get("name") if isinstance(item, Mapping) else None
        if not isinstance(name, str):
            continue
        if name in first:
            found.append(
                Finding(
                    (section, index, "name"),
                    f"{name!r} is already the name of {section}[{first[name]}]; {what} names must be unique",
                )
            )
        first.setdefault(name, index)
    return found
