"""Opening and showing tickets through the HTTP API, on SQLite and PostgreSQL (listing:
test_ticket_lists.py).

The world's clock starts on Monday 2026-03-02 09:30 UTC (10:30 in Berlin, whose office calendar
the starter policy uses for Sev3 targets: 09:00-12:00 and 13:00-18:00)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.expect import problem
from tests.api.world import ApiWorld

POLICY = "7fa59219ece8"
"""The starter policy's version."""


def ticket(**fields: Any) -> dict[str, Any]:
    """The response body of the standard ticket (Globex, payments, Sev3, lena), with ``fields``."""
    body: dict[str, Any] = {
        "id": 1,
        "version": 1,
        "title": "Refunds fail for some cards",
        "description": "",
        "status": "new",
        "severity": "Sev3",
        "sla_state": "ok",
        "service_line": "payments",
        "customer": "Globex",
        "customer_tier": "enterprise",
        "services": [],
        "users_affected": 0,
        "channel": "api",
        "external_id": None,
        "created_at": "2026-03-02T09:30:00Z",
        "updated_at": "2026-03-02T09:30:00Z",
        "next_deadline_at": "2026-03-02T12:30:00Z",
        "proposed_severity": "Sev3",
        "tier": "L1",
        "team": "payments-l1",
        "owner": "lena",
        "owner_accepted": False,
        "gate": None,
        "page": None,
        "policy_version": POLICY,
    }
    body.update(fields)
    return body


def post(api: ApiWorld, as_: str, **fields: Any) -> httpx.Response:
    return api.request("POST", "/api/tickets", as_=as_, json=fields)


def timeline(api: ApiWorld, ticket_id: int, as_: str = "ana") -> list[tuple[str, str, str | None]]:
    body = api.request("GET", f"/api/tickets/{ticket_id}", as_=as_).json()
    return [(e["kind"], e["actor"], e["reason"]) for e in body["timeline"]]


# --- creating --------------------------------------------------------------------------------------


def test_a_created_ticket_is_answered_with_201_its_location_its_etag_and_the_whole_ticket(
    api: ApiWorld,
) -> None:
    response = post(
        api, "ana", title="Refunds fail for some cards", service_line="payments", customer="Globex"
    )
    assert response.status_code == 201
    assert response.headers["location"] == "/api/tickets/1"
    assert response.headers["etag"] == '"1"'
    assert response.json() == ticket()


def test_the_policy_severity_rules_set_the_severity_and_a_sev1_opens_its_gate_with_the_sev1_owner(
    api: ApiWorld,
) -> None:
    response = post(
        api, "ana", title="Data loss in billing exports", service_line="payments", customer="Initech"
    )
    assert response.status_code == 201
    assert response.json() == ticket(
        title="Data loss in billing exports",
        customer="Initech",
        customer_tier="business",
        severity="Sev1",
        proposed_severity="Sev1",
        owner="ingrid",
        gate="sev1-confirmation",
        next_deadline_at="2026-03-02T10:00:00Z",  # Sev1 business: first response 30m, 24x7
    )
    created = api.request("GET", "/api/tickets/1", as_="ana").json()["timeline"][0]
    assert created["reason"] == "Sev1 proposed by intake rule(s): data-loss"
    assert created["data"]["severity_source"] == "rules"
    assert created["data"]["matched_rules"] == ["data-loss"]
    assert timeline(api, 1) == [
        ("created", "ana", "Sev1 proposed by intake rule(s): data-loss"),
        ("assigned", "sevflow", "primary owner for Sev1 on payments"),
        ("gate_opened", "sevflow", "Sev1 must be confirmed within 15 minutes"),
    ]


def test_a_ticket_no_severity_rule_matches_gets_the_policy_default_severity(api: ApiWorld) -> None:
    body = post(api, "ana", title="Webhooks arrive late", service_line="platform", customer="Initech").json()
    assert (body["severity"], body["proposed_severity"], body["owner"]) == ("Sev3", "Sev3", "nora")
    created = api.request("GET", "/api/tickets/1", as_="ana").json()["timeline"][0]
    assert (created["reason"], created["data"]["severity_source"]) == (None, "default")


def test_declaring_a_severity_other_than_the_proposed_one_needs_a_reason(api: ApiWorld) -> None:
    fields = {
        "title": "Checkout is slow",
        "service_line": "payments",
        "customer": "Globex",
        "severity": "Sev2",
    }
    refused = post(api, "ana", **fields)
    assert refused.status_code == 422
    assert refused.json() == problem(
        422,
        "invalid-input",
        "Invalid input",
        "declaring Sev2 when the policy proposes Sev3 needs a reason; give one (it is recorded in the audit trail)",
        "/api/tickets",
    )
    assert post(api, "ana", **fields, severity_reason="   ").status_code == 422
    assert api.request("GET", "/api/tickets", as_="ana").json()["items"] == []

    accepted = post(api, "ana", **fields, severity_reason="every checkout takes 40 s")
    assert accepted.status_code == 201
    body = accepted.json()
    assert (body["id"], body["severity"], body["proposed_severity"], body["owner"]) == (
        1,
        "Sev2",
        "Sev3",
        "omar",
    )
    created = api.request("GET", "/api/tickets/1", as_="ana").json()["timeline"][0]
    assert (created["reason"], created["data"]["severity_source"]) == (
        "every checkout takes 40 s",
        "declared",
    )


def test_declaring_the_severity_the_policy_proposes_needs_no_reason(api: ApiWorld) -> None:
    response = post(
        api, "ana", title="Refunds fail", service_line="payments", customer="Globex", severity="Sev3"
    )
    assert response.status_code == 201
    assert response.json()["severity"] == "Sev3"


def test_the_customer_tier_defaults_to_the_registered_customers_and_may_be_given_by_staff(
    api: ApiWorld,
) -> None:
    initech = post(api, "ana", title="Refunds fail", service_line="payments", customer="Initech").json()
    assert (initech["customer"], initech["customer_tier"]) == ("Initech", "business")
    given = post(
        api, "ana", title="Refunds fail", service_line="payments", customer="Globex", customer_tier="standard"
    ).json()
    assert (given["customer"], given["customer_tier"]) == ("Globex", "standard")
    new_customer = post(
        api, "ana", title="Refunds fail", service_line="payments", customer="Hooli", customer_tier="standard"
    ).json()
    assert (new_customer["customer"], new_customer["customer_tier"]) == ("Hooli", "standard")


def test_a_customer_opens_tickets_for_their_own_organisation_at_its_registered_tier(api: ApiWorld) -> None:
    response = post(api, "cora", title="Card payments are declined", service_line="payments")
    assert response.status_code == 201
    assert response.json() == ticket(
        title="Card payments are declined",
        channel="portal",
        proposed_severity=None,
        tier=None,
        team=None,
        owner=None,
        owner_accepted=None,
        policy_version=None,
    )
    staff_view = api.request("GET", "/api/tickets/1", as_="ana").json()
    assert (staff_view["customer"], staff_view["customer_tier"], staff_view["owner"]) == (
        "Globex",
        "enterprise",
        "lena",
    )


def test_customer_fields_that_cannot_be_defaulted_or_are_not_the_callers_are_refused(api: ApiWorld) -> None:
    base = {"title": "Refunds fail", "service_line": "payments"}
    cases = [
        (
            "ana",
            {"customer": "Hooli"},
            422,
            "invalid-input",
            "Invalid input",
            "customer_tier is required: customer 'Hooli' is not registered "
            "(register it with PUT /api/customers/{name}, or give customer_tier)",
        ),
        (
            "ana",
            {},
            422,
            "invalid-input",
            "Invalid input",
            "customer is required: the organisation the ticket is for",
        ),
        (
            "carl",
            {"customer": "Globex"},
            403,
            "forbidden",
            "Not permitted",
            "carl may open tickets only for their own organisation (Initech)",
        ),
        (
            "carl",
            {"customer_tier": "enterprise"},
            403,
            "forbidden",
            "Not permitted",
            "carl is a customer; the customer tier comes from the organisation's record",
        ),
        (
            "ana",
            {"customer": "Globex", "customer_tier": "platinum"},
            422,
            "invalid-input",
            "Invalid input",
            "unknown customer tier 'platinum'; allowed: business, enterprise, standard",
        ),
        (
            "vic",
            {"customer": "Globex"},
            403,
            "forbidden",
            "Not permitted",
            "ticket.create needs one of the roles: agent, lead, manager, admin, customer; vic is viewer",
        ),
    ]
    for user, extra, status, slug, title, detail in cases:
        response = post(api, user, **base, **extra)
        assert response.json() == problem(status, slug, title, detail, "/api/tickets"), extra
    assert api.request("GET", "/api/tickets", as_="ana").json()["items"] == []


# --- showing -----------------------------------------------------------------------------------------


def test_showing_a_ticket_gives_its_clocks_now_its_timeline_and_what_falls_due_next(api: ApiWorld) -> None:
    api.open_ticket()
    api.clock.advance(minutes=12)
    response = api.request("GET", "/api/tickets/1", as_="ana")
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    body = response.json()
    assert {
        k: v for k, v in body.items() if k not in ("clocks", "timeline", "plan", "projection")
    } == ticket()
    assert body["projection"] == []  # only with ?projection=true

    def clock(name: str, target: int, elapsed: int, percent: float, deadline: str) -> dict[str, Any]:
        return {
            "clock": name,
            "state": "running",
            "calendar": "berlin-office",
            "target_minutes": target,
            "elapsed_seconds": elapsed,
            "remaining_seconds": target * 60 - elapsed,
            "percent": percent,
            "deadline_at": deadline,
            "breached": False,
            "met": None,
        }

    assert body["clocks"] == [
        clock("first_response", 120, 720, 10.0, "2026-03-02T12:30:00Z"),
        clock("next_update", 480, 720, 2.5, "2026-03-03T09:30:00Z"),
        clock("resolution", 1440, 720, 0.8, "2026-03-05T09:30:00Z"),
    ]
    assert [(e["seq"], e["kind"], e["actor"], e["data"].get("owner")) for e in body["timeline"]] == [
        (1, "created", "ana", None),
        (2, "assigned", "sevflow", "lena"),
    ]
    assert body["timeline"][1] == {
        "seq": 2,
        "at": "2026-03-02T09:30:00Z",
        "kind": "assigned",
        "actor": "sevflow",
        "reason": "primary owner for Sev3 on payments",
        "rule": None,
        "data": {"owner": "lena", "role": "primary", "previous": None},
        "policy_version": POLICY,
    }
    assert [(d["key"], d["due_at"]) for d in body["plan"]] == [
        ("handoff:1", "2026-03-02T09:45:00Z"),
        ("rule:first-response-at-risk:first_response:0", "2026-03-02T11:00:00Z"),
        ("breach:first_response:0", "2026-03-02T12:30:00Z"),
        ("rule:first-response-breached:first_response:0", "2026-03-02T12:30:00Z"),
        ("rule:update-due-soon:next_update:0", "2026-03-02T16:30:00Z"),
        ("breach:next_update:0", "2026-03-03T09:30:00Z"),
        ("rule:update-overdue:next_update:0", "2026-03-03T09:30:00Z"),
        ("rule:resolution-at-risk:resolution:0", "2026-03-04T12:30:00Z"),
        ("breach:resolution:0", "2026-03-05T09:30:00Z"),
        ("rule:resolution-breached:resolution:0", "2026-03-05T09:30:00Z"),
    ]
    assert body["plan"][1] == {
        "key": "rule:first-response-at-risk:first_response:0",
        "kind": "rule",
        "due_at": "2026-03-02T11:00:00Z",
        "rule": "first-response-at-risk",
    }


def test_a_customer_sees_only_what_was_said_to_them_without_internal_handling(api: ApiWorld) -> None:
    api.open_ticket(title="Data loss in billing exports")
    api.request("POST", "/api/tickets/1/comments", as_="ana", json={"body": "looking into it"})
    api.request("POST", "/api/tickets/1/comments", as_="ana", json={"body": "db team?", "public": False})
    body = api.request("GET", "/api/tickets/1", as_="cora").json()
    assert (body["owner"], body["tier"], body["gate"], body["policy_version"], body["plan"]) == (
        None,
        None,
        None,
        None,
        [],
    )
    assert [(e["kind"], e["reason"], e["rule"]) for e in body["timeline"]] == [
        ("created", None, None),
        ("commented", None, None),
    ]
    assert body["timeline"][0]["data"] == {
        "title": "Data loss in billing exports",
        "description": "",
        "service_line": "payments",
        "customer": "Globex",
        "customer_tier": "enterprise",
        "services": [],
        "users_affected": 0,
        "severity": "Sev1",
        "channel": "api",
        "external_id": None,
    }
    assert body["timeline"][1]["data"] == {"body": "looking into it", "public": True, "from_customer": False}


def test_a_missing_ticket_is_404_problem_json_for_reading_and_for_its_trail(api: ApiWorld) -> None:
    for path in ("/api/tickets/99", "/api/tickets/99/audit"):
        response = api.request("GET", path, as_="ana")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json() == problem(404, "not-found", "Not found", "there is no ticket #99", path)


def test_a_customer_cannot_read_another_organisations_ticket(api: ApiWorld) -> None:
    api.open_ticket(customer="Globex")
    response = api.request("GET", "/api/tickets/1", as_="carl")
    assert response.json() == problem(
        403,
        "forbidden",
        "Not permitted",
        "carl may act only on tickets of their own organisation (Initech)",
        "/api/tickets/1",
    )
