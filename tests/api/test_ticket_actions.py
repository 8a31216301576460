"""What people do to a ticket over HTTP: comments, status, severity, tiers and ownership, on
SQLite and PostgreSQL; the clock is the world's fake clock (Monday 2026-03-02 09:30 UTC)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.expect import forbidden, illegal, invalid, problem
from tests.api.world import ApiWorld

ANY = {"If-Match": "*"}


def act(
    api: ApiWorld, as_: str, action: str, body: Any = None, *, ticket: int = 1, **headers: str
) -> httpx.Response:
    return api.request("POST", f"/api/tickets/{ticket}/{action}", as_=as_, json=body, headers=headers)


def events(api: ApiWorld, ticket: int = 1) -> list[tuple[str, str, str | None]]:
    trail = api.request("GET", f"/api/tickets/{ticket}/audit", as_="ana").json()
    return [(e["kind"], e["actor"], e["reason"]) for e in trail["events"]]


def test_public_comments_reach_the_customer_and_internal_ones_do_not(api: ApiWorld) -> None:
    api.open_ticket()
    public = act(api, "ana", "comments", {"body": "We are looking into it"})
    assert (public.status_code, public.headers["etag"], public.json()["version"]) == (201, '"2"', 2)
    assert act(api, "ana", "comments", {"body": "acquirer bug?", "public": False}).status_code == 201
    assert act(api, "cora", "comments", {"body": "Thanks!"}).status_code == 201

    trail = api.request("GET", "/api/tickets/1/audit", as_="ana").json()["events"]
    assert [(e["kind"], e["actor"], e["data"]) for e in trail[2:]] == [
        ("commented", "ana", {"body": "We are looking into it", "public": True, "from_customer": False}),
        ("commented", "ana", {"body": "acquirer bug?", "public": False, "from_customer": False}),
        ("commented", "cora", {"body": "Thanks!", "public": True, "from_customer": True}),
    ]
    seen = api.request("GET", "/api/tickets/1", as_="cora").json()["timeline"]
    assert [(e["kind"], e["data"].get("body")) for e in seen] == [
        ("created", None),
        ("commented", "We are looking into it"),
        ("commented", "Thanks!"),
    ]


def test_a_public_agent_comment_is_the_first_response(api: ApiWorld) -> None:
    api.open_ticket()
    api.clock.advance(minutes=10)
    act(api, "ana", "comments", {"body": "We are looking into it"})
    clock = api.request("GET", "/api/tickets/1", as_="ana").json()["clocks"][0]
    assert (clock["clock"], clock["met"], clock["elapsed_seconds"]) == ("first_response", True, 600)


def test_customers_and_viewers_cannot_write_internal_comments_or_comment_at_all(api: ApiWorld) -> None:
    api.open_ticket()
    forbidden(
        act(api, "cora", "comments", {"body": "psst", "public": False}),
        "cora is a customer; customers write public comments only",
    )
    forbidden(
        act(api, "vic", "comments", {"body": "hello"}),
        "ticket.comment needs one of the roles: agent, lead, manager, admin, customer; vic is viewer",
    )
    forbidden(
        act(api, "carl", "comments", {"body": "hello"}),
        "carl may act only on tickets of their own organisation (Initech)",
    )
    assert [kind for kind, _, _ in events(api)] == ["created", "assigned"]


def test_status_follows_the_state_machine_and_an_illegal_move_is_409_illegal_transition(
    api: ApiWorld,
) -> None:
    api.open_ticket()
    illegal(
        act(api, "ana", "status", {"status": "closed"}, **ANY),
        "a ticket cannot go from new to closed; from new it may go to: in_progress, resolved, triaged, "
        "waiting_on_customer",
    )
    for status in ("triaged", "in_progress", "waiting_on_customer", "resolved", "closed"):
        response = act(api, "ana", "status", {"status": status, "reason": f"now {status}"}, **ANY)
        assert (response.status_code, response.json()["status"]) == (200, status)
    illegal(
        act(api, "ana", "status", {"status": "in_progress"}, **ANY),
        "a ticket cannot go from closed to in_progress; from closed it may go to: none (closed is final)",
    )
    trail = api.request("GET", "/api/tickets/1/audit", as_="ana").json()["events"]
    assert [(e["data"]["from"], e["data"]["to"], e["reason"]) for e in trail[2:]] == [
        ("new", "triaged", "now triaged"),
        ("triaged", "in_progress", "now in_progress"),
        ("in_progress", "waiting_on_customer", "now waiting_on_customer"),
        ("waiting_on_customer", "resolved", "now resolved"),
        ("resolved", "closed", "now closed"),
    ]


def test_a_customer_reply_puts_a_ticket_waiting_on_them_back_in_progress(api: ApiWorld) -> None:
    api.open_ticket()
    act(api, "ana", "status", {"status": "waiting_on_customer"}, **ANY)
    assert act(api, "cora", "comments", {"body": "Logs attached"}).json()["status"] == "in_progress"
    assert events(api)[-2:] == [("commented", "cora", None), ("status_changed", "cora", "customer replied")]


def test_overriding_the_severity_needs_a_reason_and_a_different_severity(api: ApiWorld) -> None:
    api.open_ticket()
    missing = act(api, "ana", "severity", {"severity": "Sev2"}, **ANY)
    assert missing.json() == problem(
        422,
        "validation",
        "Invalid request",
        "1 field(s) are invalid: body.reason; see errors for each one",
        "/api/tickets/1/severity",
        errors=[{"field": "body.reason", "message": "Field required"}],
    )
    invalid(
        act(api, "ana", "severity", {"severity": "Sev2", "reason": "  "}, **ANY),
        "a severity override needs a reason; give one (it is recorded in the audit trail)",
    )
    invalid(
        act(api, "ana", "severity", {"severity": "Sev3", "reason": "same"}, **ANY),
        "the ticket is already Sev3; choose another severity",
    )
    done = act(api, "ana", "severity", {"severity": "Sev2", "reason": "checkout affected"}, **ANY)
    assert (done.status_code, done.json()["severity"], done.json()["version"]) == (200, "Sev2", 2)
    assert events(api)[2:] == [("severity_changed", "ana", "checkout affected")]


def test_agents_escalate_with_a_reason_and_leads_deescalate_within_the_tier_chain(api: ApiWorld) -> None:
    api.open_ticket()
    invalid(
        act(api, "ana", "escalate", {"reason": " "}),
        "an escalation needs a reason; give one (it is recorded in the audit trail)",
    )
    assert act(api, "ana", "escalate", {"reason": "needs L2"}).json()["tier"] == "L2"
    assert act(api, "ana", "escalate", {"reason": "a code bug", "to_tier": "engineering"}).json()["tier"] == (
        "engineering"
    )
    illegal(
        act(api, "ana", "escalate", {"reason": "back", "to_tier": "L3"}),
        "cannot escalate from engineering to L3; tiers above engineering: management",
    )
    forbidden(
        act(api, "ana", "deescalate", {"reason": "fixed"}),
        "ticket.deescalate needs one of the roles: lead, manager, admin; ana is agent",
    )
    assert act(api, "lena", "deescalate", {"reason": "a config issue"}).json()["tier"] == "L3"
    assert act(api, "lena", "deescalate", {"reason": "routine", "to_tier": "L1"}).json()["tier"] == "L1"
    illegal(
        act(api, "lena", "deescalate", {"reason": "lower"}),
        "the ticket is at the first tier (L1); it cannot be de-escalated",
    )
    trail = api.request("GET", "/api/tickets/1/audit", as_="ana").json()["events"]
    moves = [e for e in trail if e["kind"] in ("escalated", "deescalated")]
    assert [(e["kind"], e["actor"], e["data"]["from"], e["data"]["to"], e["reason"]) for e in moves] == [
        ("escalated", "ana", "L1", "L2", "needs L2"),
        ("escalated", "ana", "L2", "engineering", "a code bug"),
        ("deescalated", "lena", "engineering", "L3", "a config issue"),
        ("deescalated", "lena", "L3", "L1", "routine"),
    ]


def test_a_customer_may_escalate_only_after_their_tiers_waiting_time(api: ApiWorld) -> None:
    api.open_ticket(customer="Globex")  # enterprise: 2h
    api.open_ticket(customer="Initech")  # business: 4h
    for ticket in (1, 2):
        act(api, "ana", "comments", {"body": "On it"}, ticket=ticket)
    api.clock.advance(minutes=119)
    forbidden(
        act(api, "cora", "escalate", {"reason": "still broken"}),
        "customers on the enterprise tier may request escalation 120 minutes after opening; 1 minute to go",
    )
    forbidden(
        act(api, "carl", "escalate", {"reason": "still broken"}, ticket=2),
        "customers on the business tier may request escalation 240 minutes after opening; 121 minutes to go",
    )
    api.clock.advance(minutes=1)
    assert act(api, "cora", "escalate", {"reason": "still broken"}).status_code == 200
    assert events(api)[3:] == [
        ("escalated", "cora", "still broken"),
        ("assigned", "sevflow", "escalated to L2"),
    ]
    api.clock.advance(minutes=119)
    assert act(api, "carl", "escalate", {"reason": "still broken"}, ticket=2).status_code == 403
    api.clock.advance(minutes=1)
    assert act(api, "carl", "escalate", {"reason": "still broken"}, ticket=2).status_code == 200


def test_customers_of_a_tier_the_policy_does_not_list_may_not_escalate(api: ApiWorld) -> None:
    api.request("PUT", "/api/customers/Hooli", as_="maria", json={"tier": "standard"})
    user = {"name": "hank", "role": "customer", "organisation": "Hooli"}
    assert api.request("POST", "/api/users", as_="root", json=user).status_code == 201
    issued = api.request("POST", "/api/tokens", as_="root", json={"label": "portal", "user": "hank"}).json()
    api.tokens["hank"] = issued["token"]
    api.open_ticket(customer="Hooli")
    api.clock.advance(hours=24)
    forbidden(
        act(api, "hank", "escalate", {"reason": "please"}),
        "customers on the standard tier cannot request escalation; tiers that can: business, enterprise",
    )


def test_only_the_assigned_owner_acknowledges_and_only_once(api: ApiWorld) -> None:
    api.open_ticket()
    forbidden(act(api, "ana", "acknowledge"), "only the assigned owner (lena) can accept ownership, not ana")
    done = act(api, "lena", "acknowledge")
    assert (done.status_code, done.json()["owner"], done.json()["owner_accepted"]) == (200, "lena", True)
    illegal(act(api, "lena", "acknowledge"), "lena has already accepted this ticket")
    assert events(api)[2:] == [("ownership_accepted", "lena", None)]


def test_taking_ownership_makes_the_taker_the_accepted_owner(api: ApiWorld) -> None:
    api.open_ticket()
    done = act(api, "ana", "take")
    assert (done.json()["owner"], done.json()["owner_accepted"]) == ("ana", True)
    assert events(api)[2:] == [("assigned", "ana", "took ownership"), ("ownership_accepted", "ana", None)]
    forbidden(
        act(api, "vic", "take"),
        "ticket.take needs one of the roles: agent, lead, manager, admin; vic is viewer",
    )
