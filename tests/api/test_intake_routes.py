"""Tickets pushed by other systems, through the real app on SQLite and PostgreSQL: real Zendesk,
Jira and e-mail deliveries (tests/fixtures/intake/) and sevflow's own webhook, each signed the way
its sender signs it. A first delivery opens a ticket (201) placed by the policy; a repeat or a
later event about the same ticket updates it (200) and never opens a second one. Deliveries that
are unsigned, badly signed, stale, from the future or tampered with are refused (401) before
anything is read; the refusals are about signatures, not databases, so they run on SQLite only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.deliveries import (
    body_of,
    fixture_bytes,
    fixture_json,
    jira_headers,
    jira_now,
    post_email,
    post_jira,
    post_webhook,
    post_zendesk,
    sevflow_headers,
    zendesk_event,
    zendesk_headers,
)
from tests.api.world import ApiWorld, build_world

UNAUTHENTICATED = "urn:sevflow:problem:unauthenticated"
TOLERANCE = timedelta(seconds=300)


def ticket(world: ApiWorld, ticket_id: int, as_: str = "ana") -> dict[str, Any]:
    response = world.request("GET", f"/api/tickets/{ticket_id}", as_=as_)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def all_tickets(world: ApiWorld) -> list[dict[str, Any]]:
    response = world.request("GET", "/api/tickets", as_="ana")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def received(response: httpx.Response, status: int) -> int:
    """The ticket id of an accepted delivery, after checking its status and body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["created"] is (status == 201)
    assert response.headers["location"] == f"/api/tickets/{body['ticket_id']}"
    ticket_id: int = body["ticket_id"]
    return ticket_id


def comments(view: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """(author, public, text) of each comment in a ticket's timeline."""
    return [
        (e["actor"], e["data"]["public"], e["data"]["body"])
        for e in view["timeline"]
        if e["kind"] == "commented"
    ]


def globex_mail(name: str) -> bytes:
    """An e-mail fixture as if its sender wrote from globex.com (a registered customer's domain)."""
    return (
        fixture_bytes(name)
        .replace(b"Example-CRM.com", b"globex.com")
        .replace(b"example-crm.com", b"globex.com")
    )


# -- Zendesk ------------------------------------------------------------------------------------


def checkout_down() -> dict[str, Any]:
    """A Zendesk ticket.created event whose subject and tag hit the starter policy's severity rule
    ``checkout-down`` (keywords "checkout down", service checkout: at least Sev2)."""
    return zendesk_event(
        "zendesk_ticket_created.json",
        subject="Checkout down for all EU card payments",
        tags=["checkout", "eu"],
    )


def test_a_zendesk_ticket_created_event_opens_a_ticket_placed_by_the_policys_rules(api: ApiWorld) -> None:
    ticket_id = received(post_zendesk(api, checkout_down()), 201)
    view = ticket(api, ticket_id)
    assert {
        k: view[k] for k in ("title", "severity", "service_line", "services", "channel", "external_id")
    } == {
        "title": "Checkout down for all EU card payments",
        "severity": "Sev2",
        "service_line": "payments",
        "services": ["checkout"],
        "channel": "zendesk",
        "external_id": "zendesk:35436",
    }
    # nobody named an organisation: a customer called after the source, on the lowest tier
    assert (view["customer"], view["customer_tier"]) == ("unknown", "standard")
    # the Sev2 primary owner of payments takes it
    assert (view["owner"], view["tier"]) == ("omar", "L1")
    created = view["timeline"][0]
    assert (created["kind"], created["actor"], created["data"]["matched_rules"]) == (
        "created",
        "intake:zendesk",
        ["checkout-down"],
    )


def test_the_same_zendesk_delivery_twice_answers_200_and_opens_no_second_ticket(api: ApiWorld) -> None:
    body = body_of(checkout_down())
    headers = zendesk_headers(body, at=api.clock.now())
    first = received(api.client.post("/api/intake/zendesk", content=body, headers=headers), 201)
    version = ticket(api, first)["version"]
    api.clock.advance(seconds=30)  # a retry, still within the signature's 5 minutes
    again = received(api.client.post("/api/intake/zendesk", content=body, headers=headers), 200)
    assert again == first
    assert [t["id"] for t in all_tickets(api)] == [first]
    assert ticket(api, first)["version"] == version  # nothing new to record


def test_later_zendesk_events_update_the_same_ticket(api: ApiWorld) -> None:
    ticket_id = received(post_zendesk(api, checkout_down()), 201)

    api.clock.advance(minutes=20)
    pending = zendesk_event("zendesk_status_changed.json", subject="Checkout down for all EU card payments")
    assert received(post_zendesk(api, pending), 200) == ticket_id
    assert ticket(api, ticket_id)["status"] == "waiting_on_customer"

    api.clock.advance(minutes=20)
    note = zendesk_event("zendesk_comment_added.json", subject="Checkout down for all EU card payments")
    assert received(post_zendesk(api, note), 200) == ticket_id
    view = ticket(api, ticket_id)
    # an agent's internal note in Zendesk stays internal; status "open" again means in progress
    assert comments(view) == [
        (
            "intake:zendesk",
            False,
            "Checked the IdP metadata: the signing certificate rotated at 08:00 UTC. Escalating to identity team.",
        )
    ]
    assert view["status"] == "in_progress"
    assert [t["id"] for t in all_tickets(api)] == [ticket_id]


def test_an_update_seen_before_its_ticket_opens_it_with_its_comment_and_status(api: ApiWorld) -> None:
    """Zendesk does not promise order, and a ticket may predate the connection: the first event
    sevflow hears about a ticket may be an update. Its comment and status are kept, not dropped."""
    note = zendesk_event("zendesk_comment_added.json")
    ticket_id = received(post_zendesk(api, note), 201)
    view = ticket(api, ticket_id)
    assert (view["title"], view["external_id"], view["status"]) == (
        "Admin console login fails with SSO error",
        "zendesk:35436",
        "in_progress",
    )
    assert comments(view) == [
        (
            "intake:zendesk",
            False,
            "Checked the IdP metadata: the signing certificate rotated at 08:00 UTC. Escalating to identity team.",
        )
    ]


def test_an_update_without_a_title_about_a_ticket_never_seen_is_refused_saying_why(
    sqlite_api: ApiWorld,
) -> None:
    response = post_webhook(sqlite_api, fixture_json("generic_updated.json"))
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "no ticket is stored under webhook:INC-20240603-0042, and this updated delivery has no title to "
        "open one with: send the ticket's creation first, or a title with the update"
    )
    assert all_tickets(sqlite_api) == []


# -- Jira ---------------------------------------------------------------------------------------


def test_a_jira_issue_is_opened_then_resolved_by_its_done_update(api: ApiWorld) -> None:
    created = jira_now(api, fixture_json("jira_issue_created_v2.json"))
    ticket_id = received(post_jira(api, created), 201)
    view = ticket(api, ticket_id)
    assert {
        k: view[k] for k in ("title", "external_id", "channel", "service_line", "services", "status")
    } == {
        "title": "Webhooks to our CRM stopped arriving",
        "external_id": "jira:SUP-12",
        "channel": "jira",
        "service_line": "platform",  # the label "webhooks" is a platform service
        "services": ["webhooks"],
        "status": "new",
    }
    # the reporter's domain is not a registered customer's: a customer named after it
    assert (view["customer"], view["customer_tier"], view["severity"]) == (
        "example-crm.com",
        "standard",
        "Sev3",
    )

    api.clock.advance(hours=1)
    resolved = jira_now(api, fixture_json("jira_issue_resolved.json"))
    assert received(post_jira(api, resolved), 200) == ticket_id
    view = ticket(api, ticket_id)
    assert view["status"] == "resolved"
    moves = [(e["actor"], e["data"], e["reason"]) for e in view["timeline"] if e["kind"] == "status_changed"]
    assert moves == [("intake:jira", {"from": "new", "to": "resolved"}, "jira update")]
    assert [t["id"] for t in all_tickets(api)] == [ticket_id]


# -- e-mail -------------------------------------------------------------------------------------


def test_a_new_email_opens_a_ticket_for_the_customer_of_the_senders_domain_and_a_reply_comments_on_it(
    api: ApiWorld,
) -> None:
    ticket_id = received(post_email(api, globex_mail("email_new_plain.eml")), 201)
    view = ticket(api, ticket_id)
    assert {
        k: view[k] for k in ("title", "customer", "customer_tier", "channel", "external_id", "severity")
    } == {
        "title": "Webhooks to our CRM stopped arriving",
        "customer": "Globex",
        "customer_tier": "enterprise",
        "channel": "email",
        "external_id": "email:CAF=k3q9XbV2oLx7u_5d1Q@mail.globex.com",
        "severity": "Sev3",  # enterprise tickets start at Sev3 at the lowest
    }
    assert view["description"].startswith("Hello,\n\nsince 08:40 UTC today no webhook has reached our CRM.")

    api.clock.advance(hours=2)
    assert received(post_email(api, globex_mail("email_reply_quoted.eml")), 200) == ticket_id
    reply = (
        "ana.souza@globex.com",
        True,
        "Thanks, deliveries are arriving again since 10:58.\n"
        "We still miss the ones between 08:40 and 10:58 - can you replay them?",
    )
    assert comments(ticket(api, ticket_id)) == [reply]
    commented = [e for e in ticket(api, ticket_id)["timeline"] if e["kind"] == "commented"]
    assert commented[0]["data"]["from_customer"] is True
    # Globex's own user sees the reply on the portal
    assert comments(ticket(api, ticket_id, as_="cora")) == [reply]
    assert [t["id"] for t in all_tickets(api)] == [ticket_id]


# -- sevflow's own webhook ------------------------------------------------------------------------


def test_a_generic_webhook_opens_a_ticket_as_declared_and_its_update_resolves_it(api: ApiWorld) -> None:
    ticket_id = received(post_webhook(api, fixture_json("generic_created.json")), 201)
    view = ticket(api, ticket_id)
    assert {
        k: view[k]
        for k in (
            "external_id",
            "service_line",
            "customer",
            "customer_tier",
            "severity",
            "users_affected",
            "gate",
        )
    } == {
        "external_id": "webhook:INC-20240603-0042",
        "service_line": "platform",
        "customer": "Example Shop GmbH",
        "customer_tier": "enterprise",
        "severity": "Sev1",  # declared by the sender, with its reason
        "users_affected": 12500,
        "gate": "sev1-confirmation",
    }
    # the labels that name a service of the policy, whatever service line the sender chose
    assert view["services"] == ["checkout"]

    api.clock.advance(minutes=36)
    assert received(post_webhook(api, fixture_json("generic_updated.json")), 200) == ticket_id
    view = ticket(api, ticket_id)
    assert view["status"] == "resolved"
    assert comments(view) == [
        ("intake:webhook", False, "Rolled back the payment gateway to 4.18.2; payments succeed again.")
    ]
    assert [t["id"] for t in all_tickets(api)] == [ticket_id]


def test_unknown_fields_in_a_generic_delivery_are_refused_naming_each_one(sqlite_api: ApiWorld) -> None:
    payload = {"external_id": "INC-1", "title": "Printer on fire", "priority": "high", "assignee": "bob"}
    response = post_webhook(sqlite_api, payload)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:sevflow:problem:invalid-input"
    assert problem["detail"].startswith(
        "sevflow webhook payload: 1 problem(s): unknown field(s) 'assignee', 'priority' (allowed: comment, "
    )
    assert all_tickets(sqlite_api) == []


# -- refusals -------------------------------------------------------------------------------------


def refused(response: httpx.Response, detail: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["type"], problem["detail"]) == (UNAUTHENTICATED, detail)


GENERIC = {"external_id": "INC-7", "title": "Exports fail"}


def test_a_delivery_signed_with_another_secret_is_refused(sqlite_api: ApiWorld) -> None:
    body = body_of(GENERIC)
    headers = sevflow_headers(body, at=sqlite_api.clock.now(), secret="not-the-shared-secret")
    response = sqlite_api.client.post("/api/intake/webhook", content=body, headers=headers)
    refused(response, "X-Sevflow-Signature does not match the body and timestamp")
    assert all_tickets(sqlite_api) == []


def test_a_delivery_signed_more_than_five_minutes_ago_is_refused_as_a_replay(sqlite_api: ApiWorld) -> None:
    late = post_webhook(sqlite_api, GENERIC, at=sqlite_api.clock.now() - TOLERANCE - timedelta(seconds=1))
    refused(
        late,
        "X-Sevflow-Timestamp is too old: signed 301 s ago, the limit is 300 s (a replayed or long-delayed delivery)",
    )
    just_in_time = post_webhook(sqlite_api, GENERIC, at=sqlite_api.clock.now() - TOLERANCE)
    assert just_in_time.status_code == 201, just_in_time.text


def test_a_delivery_signed_in_the_future_is_refused(sqlite_api: ApiWorld) -> None:
    early = post_webhook(sqlite_api, GENERIC, at=sqlite_api.clock.now() + TOLERANCE + timedelta(seconds=1))
    refused(
        early,
        "X-Sevflow-Timestamp is 301 s in the future, beyond the 300 s tolerance (check the sender's clock)",
    )
    assert all_tickets(sqlite_api) == []


def test_a_body_changed_after_signing_is_refused(sqlite_api: ApiWorld) -> None:
    signed = body_of(GENERIC)
    headers = sevflow_headers(signed, at=sqlite_api.clock.now())
    tampered = body_of({**GENERIC, "severity": "Sev1", "severity_reason": "urgent!"})
    response = sqlite_api.client.post("/api/intake/webhook", content=tampered, headers=headers)
    refused(response, "X-Sevflow-Signature does not match the body and timestamp")
    assert all_tickets(sqlite_api) == []


def test_a_tampered_zendesk_or_jira_delivery_is_refused(sqlite_api: ApiWorld) -> None:
    zendesk_body = body_of(checkout_down())
    headers = zendesk_headers(zendesk_body, at=sqlite_api.clock.now())
    response = sqlite_api.client.post(
        "/api/intake/zendesk",
        content=zendesk_body.replace(b"Checkout down", b"Checkout slow"),
        headers=headers,
    )
    refused(response, "X-Zendesk-Webhook-Signature does not match the body and timestamp")

    jira_body = body_of(jira_now(sqlite_api, fixture_json("jira_issue_created_v2.json")))
    response = sqlite_api.client.post(
        "/api/intake/jira", content=jira_body.replace(b"SUP-12", b"SUP-13"), headers=jira_headers(jira_body)
    )
    refused(response, "X-Hub-Signature does not match the body")
    assert all_tickets(sqlite_api) == []


def test_a_jira_delivery_older_than_five_minutes_is_refused_as_a_replay(sqlite_api: ApiWorld) -> None:
    old = jira_now(sqlite_api, fixture_json("jira_issue_created_v2.json"))
    sqlite_api.clock.advance(seconds=301)
    refused(
        post_jira(sqlite_api, old),
        "the Jira payload timestamp is too old: signed 301 s ago, the limit is 300 s "
        "(a replayed or long-delayed delivery)",
    )


MISSING = {
    "/api/intake/webhook": ("application/json", "missing X-Sevflow-Timestamp header"),
    "/api/intake/email": ("message/rfc822", "missing X-Sevflow-Timestamp header"),
    "/api/intake/zendesk": ("application/json", "missing X-Zendesk-Webhook-Signature-Timestamp header"),
    "/api/intake/jira": ("application/json", "missing X-Hub-Signature header"),
}


@pytest.mark.parametrize("path", list(MISSING))
def test_a_delivery_without_its_signature_headers_is_refused(sqlite_api: ApiWorld, path: str) -> None:
    content_type, detail = MISSING[path]
    body = fixture_bytes("email_new_plain.eml") if path.endswith("email") else body_of(GENERIC)
    # a user's API token is no substitute for the sender's signature
    response = sqlite_api.request(
        "POST", path, as_="root", content=body, headers={"Content-Type": content_type}
    )
    refused(response, detail)
    assert all_tickets(sqlite_api) == []


def test_the_email_intake_takes_only_raw_messages(sqlite_api: ApiWorld) -> None:
    body = body_of(GENERIC)
    response = sqlite_api.client.post(
        "/api/intake/email", content=body, headers=sevflow_headers(body, at=sqlite_api.clock.now())
    )
    assert response.status_code == 415
    problem = response.json()
    assert (problem["type"], problem["detail"]) == (
        "urn:sevflow:problem:unsupported-media-type",
        "Content-Type 'application/json' is not accepted here; send message/rfc822",
    )


@pytest.fixture
def intake_off(sqlite_url: str, tmp_path: Path) -> Iterator[ApiWorld]:
    """The world without SEVFLOW_INTAKE_SECRET: the generic webhook and e-mail intake are off."""
    yield from build_world(sqlite_url, tmp_path, intake_secret=None)


def test_without_a_secret_the_webhook_and_email_intakes_are_turned_off(intake_off: ApiWorld) -> None:
    body = body_of(GENERIC)
    for path, content_type in (
        ("/api/intake/webhook", "application/json"),
        ("/api/intake/email", "message/rfc822"),
    ):
        # signed as a sender would with the usual test secret: there is nothing to check it against
        headers = sevflow_headers(body, at=intake_off.clock.now(), content_type=content_type)
        response = intake_off.client.post(path, content=body, headers=headers)
        assert response.status_code == 403, response.text
        problem = response.json()
        assert (problem["type"], problem["detail"]) == (
            "urn:sevflow:problem:forbidden",
            "this intake is turned off: set SEVFLOW_INTAKE_SECRET to the shared signing secret",
        )
    # Zendesk has its own secret, still set
    assert post_zendesk(intake_off, checkout_down()).status_code == 201


# -- two deliveries at once -----------------------------------------------------------------------


def race(world: ApiWorld, body: bytes, headers: dict[str, str]) -> list[httpx.Response]:
    """The same delivery posted by two threads released together."""
    start = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def deliver() -> None:
        start.wait()
        answers.append(world.client.post("/api/intake/webhook", content=body, headers=headers))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


@pytest.mark.postgres
def test_two_identical_deliveries_racing_open_exactly_one_ticket(postgres_url: str, tmp_path: Path) -> None:
    worlds = build_world(postgres_url, tmp_path)
    world = next(worlds)
    try:
        for n in range(5):
            body = body_of({"external_id": f"RACE-{n}", "title": "Checkout down for all EU cards"})
            answers = race(world, body, sevflow_headers(body, at=world.clock.now()))
            assert sorted(a.status_code for a in answers) == [200, 201], [a.text for a in answers]
            assert len({a.json()["ticket_id"] for a in answers}) == 1
        assert [t["external_id"] for t in all_tickets(world)] == [f"webhook:RACE-{n}" for n in range(5)]
    finally:
        worlds.close()
