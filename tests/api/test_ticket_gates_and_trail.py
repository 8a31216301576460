"""Decision gates, customer tier and impact changes over HTTP, and the ticket's audit trail with
the attempts that were refused. On SQLite and PostgreSQL, with the world's fake clock."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.expect import forbidden, illegal, invalid
from tests.api.world import ApiWorld

ANY = {"If-Match": "*"}


def act(
    api: ApiWorld, as_: str, action: str, body: Any = None, *, ticket: int = 1, **headers: str
) -> httpx.Response:
    return api.request("POST", f"/api/tickets/{ticket}/{action}", as_=as_, json=body, headers=headers)


def events(api: ApiWorld, ticket: int = 1) -> list[tuple[str, str, str | None]]:
    trail = api.request("GET", f"/api/tickets/{ticket}/audit", as_="ana").json()
    return [(e["kind"], e["actor"], e["reason"]) for e in trail["events"]]


def sev1(api: ApiWorld) -> None:
    """Ticket 1: a Sev1 for Initech with its gate pending, owned by ingrid (senior engineer)."""
    body = api.open_ticket(title="Data loss in billing exports", customer="Initech")
    assert (body["severity"], body["gate"], body["owner"]) == ("Sev1", "sev1-confirmation", "ingrid")


def test_a_gate_is_approved_by_an_approver_who_does_not_own_the_ticket(api: ApiWorld) -> None:
    sev1(api)
    approve = {"decision": "approve"}
    forbidden(act(api, "ingrid", "gate", approve), "ingrid owns this ticket and cannot approve its own gate")
    forbidden(
        act(api, "ana", "gate", approve),
        "gate sev1-confirmation must be decided by one of: incident_commander, senior_engineer; "
        "ana has roles: agent",
    )
    act(api, "omar", "take")
    done = act(api, "ingrid", "gate", approve)
    assert (done.status_code, done.json()["severity"], done.json()["gate"]) == (200, "Sev1", None)
    trail = api.request("GET", "/api/tickets/1/audit", as_="ana").json()["events"]
    assert (trail[-1]["kind"], trail[-1]["actor"], trail[-1]["data"]) == (
        "gate_decided",
        "ingrid",
        {"gate": "sev1-confirmation", "approved": True, "severity": "Sev1"},
    )
    illegal(act(api, "ingrid", "gate", approve), "the ticket has no pending decision gate")


def test_rejecting_a_gate_needs_a_note_and_lowers_the_severity(api: ApiWorld) -> None:
    sev1(api)
    act(api, "omar", "take")
    invalid(
        act(api, "ingrid", "gate", {"decision": "reject"}),
        "rejecting a decision gate needs a note saying why",
    )
    done = act(api, "ingrid", "gate", {"decision": "reject", "note": "one report, no data lost"})
    assert (done.json()["severity"], done.json()["gate"]) == ("Sev2", None)
    assert events(api)[-2:] == [
        ("gate_decided", "ingrid", "one report, no data lost"),
        ("severity_changed", "ingrid", "gate sev1-confirmation rejected"),
    ]


def test_a_rejected_gate_falls_back_to_the_severity_asked_for(api: ApiWorld) -> None:
    sev1(api)
    act(api, "omar", "take")
    body = {"decision": "reject", "note": "cosmetic", "severity_if_rejected": "Sev4"}
    assert act(api, "ingrid", "gate", body).json()["severity"] == "Sev4"


def test_leads_change_the_customer_tier_with_a_reason(api: ApiWorld) -> None:
    api.open_ticket()
    forbidden(
        act(api, "ana", "customer-tier", {"customer_tier": "business", "reason": "downgrade"}, **ANY),
        "ticket.customer_tier needs one of the roles: lead, manager, admin; ana is agent",
    )
    invalid(
        act(api, "lena", "customer-tier", {"customer_tier": "gold", "reason": "upgrade"}, **ANY),
        "unknown customer tier 'gold'; allowed: business, enterprise, standard",
    )
    invalid(
        act(api, "lena", "customer-tier", {"customer_tier": "enterprise", "reason": "same"}, **ANY),
        "the customer is already on the enterprise tier",
    )
    done = act(
        api, "lena", "customer-tier", {"customer_tier": "business", "reason": "contract lapsed"}, **ANY
    )
    assert (done.status_code, done.json()["customer_tier"]) == (200, "business")
    trail = api.request("GET", "/api/tickets/1/audit", as_="ana").json()["events"]
    assert (trail[-1]["kind"], trail[-1]["data"], trail[-1]["reason"]) == (
        "customer_tier_changed",
        {"from": "enterprise", "to": "business"},
        "contract lapsed",
    )


def test_a_wide_impact_update_raises_the_severity_by_the_policy_rule(api: ApiWorld) -> None:
    api.open_ticket(customer="Initech")
    done = act(api, "ana", "impact", {"users_affected": 1500}, **ANY)
    assert (done.json()["users_affected"], done.json()["severity"], done.json()["gate"]) == (
        1500,
        "Sev1",
        "sev1-confirmation",
    )
    assert events(api)[2:] == [
        ("impact_updated", "ana", None),
        ("rule_fired", "sevflow", "wide-impact: conditions met"),
        ("severity_changed", "sevflow", "rule wide-impact"),
        ("gate_opened", "sevflow", "Sev1 must be confirmed within 15 minutes"),
    ]
    negative = act(api, "ana", "impact", {"users_affected": -1}, **ANY)
    assert [e["field"] for e in negative.json()["errors"]] == ["body.users_affected"]


def test_the_ticket_trail_lists_every_refused_attempt_under_its_action(api: ApiWorld) -> None:
    api.open_ticket()
    act(api, "vic", "take")
    act(api, "cora", "escalate", {"reason": "now please"})
    act(api, "ana", "acknowledge")
    act(api, "cora", "comments", {"body": "psst", "public": False})
    act(api, "ana", "comments", {"body": "fine"})  # allowed: not in the refused list
    trail = api.request("GET", "/api/tickets/1/audit", as_="lena").json()
    assert [(e["kind"], e["actor"]) for e in trail["events"]] == [
        ("created", "ana"),
        ("assigned", "sevflow"),
        ("commented", "ana"),
    ]
    assert [(r["actor"], r["action"], r["outcome"], r["ticket_id"], r["at"]) for r in trail["refused"]] == [
        ("vic", "ticket.take", "denied", 1, "2026-03-02T09:30:00Z"),
        ("cora", "ticket.escalate", "denied", 1, "2026-03-02T09:30:00Z"),
        ("ana", "ticket.acknowledge", "denied", 1, "2026-03-02T09:30:00Z"),
        ("cora", "ticket.comment_internal", "denied", 1, "2026-03-02T09:30:00Z"),
    ]
    assert trail["refused"][1]["reason"] == (
        "customers on the enterprise tier may request escalation 120 minutes after opening; 120 minutes to go"
    )
    forbidden(
        api.request("GET", "/api/tickets/1/audit", as_="cora"),
        "ticket.audit needs one of the roles: viewer, agent, lead, manager, admin; cora is customer",
    )
