"""Severity rules at intake: keywords, services, user impact and customer tier -> a proposed severity."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sevflow.domain.policy import Policy, SeverityRule
from sevflow.domain.severity import Severity


@dataclass(frozen=True)
class Proposal:
    """The severity the policy proposes and the rules that matched (most urgent wins). When
    rules that force matched (``forced``), the most urgent of those is the severity."""

    severity: Severity
    matched: tuple[str, ...]
    forced: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntakeFacts:
    title: str
    description: str
    service_line: str
    customer_tier: str
    services: tuple[str, ...] = ()
    users_affected: int = 0


@lru_cache(maxsize=1024)
def _keywords_pattern(keywords: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a rule's keywords: any of them as whole words, the words of a phrase
    separated by any whitespace; matched against lower-cased text."""
    phrases = (r"\s+".join(re.escape(w) for w in k.lower().split()) for k in keywords)
    return re.compile(r"(?<!\w)(?:" + "|".join(p for p in phrases if p) + r")(?!\w)")


def matches_keywords(lowered: str, keywords: tuple[str, ...]) -> bool:
    """True if any keyword or phrase occurs in ``lowered`` (text already lower-cased) as whole
    words. No keywords never match."""
    return bool(keywords) and _keywords_pattern(keywords).search(lowered) is not None


def searchable_text(title: str, description: str) -> str:
    """What keywords are matched against: title and description, lower-cased."""
    return f"{title}\n{description}".lower()


def rule_matches(rule: SeverityRule, facts: IntakeFacts, lowered: str | None = None) -> bool:
    """Whether ``rule`` matches; ``lowered`` is ``searchable_text`` of the facts if known."""
    if rule.services is not None and not rule.services.intersection(facts.services):
        return False
    if rule.service_lines is not None and facts.service_line not in rule.service_lines:
        return False
    if rule.min_users_affected is not None and facts.users_affected < rule.min_users_affected:
        return False
    if rule.customer_tiers is not None and facts.customer_tier not in rule.customer_tiers:
        return False
    if not rule.keywords:
        return True
    if lowered is None:
        lowered = searchable_text(facts.title, facts.description)
    return matches_keywords(lowered, rule.keywords)


def propose_severity(policy: Policy, facts: IntakeFacts) -> Proposal:
    """The most urgent severity among matching rules, or the policy's default if none match;
    if rules that force matched, the most urgent of those alone."""
    lowered = searchable_text(facts.title, facts.description)
    matched = [r for r in policy.severity_rules if rule_matches(r, facts, lowered)]
    if not matched:
        return Proposal(policy.default_severity, ())
    forcing = [r for r in matched if r.force]
    severity = Severity.most_urgent(*(r.severity for r in (forcing or matched)))
    return Proposal(severity, tuple(r.name for r in matched), tuple(r.name for r in forcing))
