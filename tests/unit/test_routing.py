"""Routing by urgency (``domain.routing``) and the policy's ``notifications`` section: which
channels a notice reaches, with which template, when digests leave, and the errors a bad
section gets (with the field's path)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sevflow.domain.errors import PolicyError
from sevflow.domain.policy import Role
from sevflow.domain.routing import About, Delivery, Digest, Routing, Template
from sevflow.domain.severity import Severity
from sevflow.policy.loader import load_policy_text
from sevflow.policy.starter import starter_policy_text

SECTION = """
notifications:
  channels:
    pager: {type: pagerduty, routing_key_env: PD_KEY}
    chat: {type: slack, url: "https://hooks.example/x"}
    mail: {type: email, host: smtp.example, sender: sevflow@acme.example}
    status: {type: webhook, url: "https://status.example/in", secret_env: S, audience: customer}
    drills: {type: slack, url: "https://hooks.example/d", drill: true}
  routes:
    - {name: sev1-page, when: {severity: Sev1, urgent: true}, to: [pager, chat]}
    - {name: sev1-mail, when: {severity: Sev1}, to: [mail], digest: hourly}
    - {name: sev1-mail-now, when: {severity: Sev1, event: escalated}, to: [mail]}
    - {name: low, when: {severity: Sev4}, to: [mail], digest: daily}
    - {name: customers, when: {role: customer}, to: [status]}
  default: [chat]
  digests: {zone: Europe/Berlin, daily_at: "08:00"}
"""


def routing(extra: str = SECTION) -> Routing:
    return load_policy_text(starter_policy_text() + extra, "test").routing


def about(severity: Severity, *, event: str = "sla_breached", urgent: bool = False, **kw: object) -> About:
    roles = kw.pop("roles", (Role.OWNER,))
    return About(event, severity, urgent, "payments", "enterprise", roles, **kw)  # type: ignore[arg-type]


def test_an_urgent_sev1_reaches_every_matching_routes_channels_at_once() -> None:
    assert routing().deliveries(about(Severity.SEV1, urgent=True)) == (
        Delivery("pager", Template.PAGE),
        Delivery("chat", Template.INTERNAL_UPDATE),
        Delivery("mail", Template.INTERNAL_UPDATE, Digest.HOURLY),
    )


def test_a_channel_reached_both_at_once_and_in_a_digest_is_used_once_at_once() -> None:
    assert routing().deliveries(about(Severity.SEV1, event="escalated")) == (
        Delivery("mail", Template.INTERNAL_UPDATE),
    )


def test_a_notice_no_route_matches_goes_to_the_default_channels() -> None:
    assert routing().deliveries(about(Severity.SEV3)) == (Delivery("chat", Template.INTERNAL_UPDATE),)


def test_a_notice_to_the_customer_reaches_only_customer_channels_with_the_customer_template() -> None:
    assert routing().deliveries(about(Severity.SEV1, event="commented", roles=(Role.CUSTOMER,))) == (
        Delivery("status", Template.CUSTOMER_UPDATE),
    )


def test_a_drill_reaches_only_the_drill_channels_whatever_the_routes_say() -> None:
    assert routing().deliveries(about(Severity.SEV1, urgent=True, drill=True)) == (
        Delivery("drills", Template.INTERNAL_UPDATE),
    )


def test_a_resolution_is_written_as_a_resolution_notice() -> None:
    assert routing().deliveries(about(Severity.SEV3, event="status_changed"), status="resolved") == (
        Delivery("chat", Template.RESOLUTION_NOTICE),
    )


def test_without_a_notifications_section_everything_goes_to_the_log() -> None:
    assert routing("").deliveries(about(Severity.SEV1, urgent=True)) == (
        Delivery("log", Template.INTERNAL_UPDATE),
    )


def test_an_hourly_digest_leaves_at_the_next_full_hour() -> None:
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert routing().digest_due_at(Digest.HOURLY, at) == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_a_daily_digest_leaves_at_the_local_time_across_a_summer_time_change() -> None:
    r = routing()
    # Berlin 08:00 is 07:00 UTC in winter, 06:00 UTC from 29 March 2026
    assert r.digest_due_at(Digest.DAILY, datetime(2026, 3, 28, 7, 0, tzinfo=UTC)) == datetime(
        2026, 3, 29, 6, 0, tzinfo=UTC
    )
    assert r.digest_due_at(Digest.DAILY, datetime(2026, 3, 28, 6, 59, tzinfo=UTC)) == datetime(
        2026, 3, 28, 7, 0, tzinfo=UTC
    )


def problems(extra: str) -> list[tuple[str, str]]:
    with pytest.raises(PolicyError) as caught:
        load_policy_text(starter_policy_text() + extra, "test")
    return [(p.path, p.message) for p in caught.value.problems]


def test_a_route_naming_an_unknown_channel_is_refused_with_its_path() -> None:
    assert problems(
        """
notifications:
  channels:
    chat: {type: slack, url: "https://hooks.example/x"}
  routes:
    - {name: r, when: {service_line: paymnets}, to: [chat, pager]}
"""
    ) == [
        ("notifications.routes[0].to[1]", "unknown channel 'pager'; allowed: chat, log"),
        (
            "notifications.routes[0].when.service_line[0]",
            "unknown service line 'paymnets'; allowed: mobile, payments, platform",
        ),
    ]


def test_a_drill_list_naming_a_channel_not_meant_for_drills_is_refused() -> None:
    assert problems(
        """
notifications:
  channels:
    chat: {type: slack, url: "https://hooks.example/x"}
  drills: [chat]
"""
    ) == [
        (
            "notifications.drills[0]",
            "channel 'chat' is not marked `drill: true`; drills go only to channels meant for them",
        )
    ]
