"""Severity rules at intake: keywords, services, user impact and customer tier -> a proposed severity."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sevflow.domain.policy import Policy, SeverityRule
from sevflow.domain.severity import Severity


@dataclass(frozen=True)
class Proposal:
    """The severity the policy proposes and the rules that matched (most urgent wins)."""

    severity: Severity
    matched: tuple[str, ...]


@dataclass(frozen=True)
class IntakeFacts:
    title: str
    description: str
    service_line: str
    customer_tier: str
    services: tuple[str, ...] = ()
    users_affected: int = 0


@lru_cache(maxsize=4096)
def _phrase_pattern(keyword: str) -> tuple[tuple[str, ...], re.Pattern[str]]:
    words = tuple(keyword.lower().split())
    return words, re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)")


def matches_keywords(text: str, keywords: Iterable[str]) -> bool:
    """True if any keyword or phrase occurs in ``text`` as whole words, case-insensitively."""
    lowered = text.lower()
    for keyword in keywords:
        words, pattern = _phrase_pattern(keyword)
        # the pattern needs every word literally: a cheap substring test rules most keywords out
        if all(w in lowered for w in words) and pattern.search(lowered):
            return True
    return False


def rule_matches(rule: SeverityRule, facts: IntakeFacts) -> bool:
    if rule.keywords and not matches_keywords(f"{facts.title}\n{facts.description}", rule.keywords):
        return False
    if rule.services is not None and not rule.services.intersection(facts.services):
        return False
    if rule.service_lines is not None and facts.service_line not in rule.service_lines:
        return False
    if rule.min_users_affected is not None and facts.users_affected < rule.min_users_affected:
        return False
    return rule.customer_tiers is None or facts.customer_tier in rule.customer_tiers


def propose_severity(policy: Policy, facts: IntakeFacts) -> Proposal:
    """The most urgent severity among matching rules, or the policy's default if none match."""
    matched = [r for r in policy.severity_rules if rule_matches(r, facts)]
    if not matched:
        return Proposal(policy.default_severity, ())
    severity = Severity.most_urgent(*(r.severity for r in matched))
    return Proposal(severity, tuple(r.name for r in matched))
