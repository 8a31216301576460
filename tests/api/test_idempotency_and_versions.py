"""Retries and concurrent edits over HTTP: ``Idempotency-Key`` makes a retried create or escalate
act once; ``If-Match`` (the ticket's ETag) keeps a stale copy from overwriting a newer one.
On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.expect import problem
from tests.api.world import ApiWorld

TICKET = {"title": "Refunds fail", "service_line": "payments", "customer": "Globex"}


def create(api: ApiWorld, key: str, as_: str = "ana", **fields: Any) -> httpx.Response:
    return api.request(
        "POST", "/api/tickets", as_=as_, json={**TICKET, **fields}, headers={"Idempotency-Key": key}
    )


def listed(api: ApiWorld) -> list[tuple[int, str]]:
    return [(t["id"], t["title"]) for t in api.request("GET", "/api/tickets", as_="ana").json()["items"]]


def kinds(api: ApiWorld, ticket: int = 1) -> list[tuple[str, str]]:
    trail = api.request("GET", f"/api/tickets/{ticket}/audit", as_="ana").json()["events"]
    return [(e["kind"], e["actor"]) for e in trail]


# --- Idempotency-Key ---------------------------------------------------------------------------------


def test_the_same_key_and_body_twice_open_one_ticket_and_the_retry_says_it_was_replayed(
    api: ApiWorld,
) -> None:
    first = create(api, "order-4711")
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert first.json()["customer_tier"] == "enterprise"  # the registered customer's
    api.clock.advance(minutes=5)
    again = create(api, "order-4711")
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert (again.headers["location"], again.headers["etag"]) == ("/api/tickets/1", '"1"')
    assert again.json() == first.json()
    assert listed(api) == [(1, "Refunds fail")]
    assert kinds(api) == [("created", "ana"), ("assigned", "sevflow")]


def test_the_same_key_with_a_different_body_is_refused_with_422_and_opens_nothing(api: ApiWorld) -> None:
    create(api, "order-4711")
    response = create(api, "order-4711", title="Something else")
    assert response.json() == problem(
        422,
        "invalid-input",
        "Invalid input",
        "Idempotency-Key 'order-4711' was already used for a different request (ticket.create on ticket 1); "
        "use a new key for a new request",
        "/api/tickets",
    )
    assert listed(api) == [(1, "Refunds fail")]


def test_keys_are_per_user(api: ApiWorld) -> None:
    assert create(api, "k-1", as_="ana").json()["id"] == 1
    other = create(api, "k-1", as_="omar")
    assert (other.status_code, other.json()["id"], "idempotent-replayed" in other.headers) == (201, 2, False)
    assert create(api, "k-1", as_="omar").json()["id"] == 2
    assert [t for t, _ in listed(api)] == [1, 2]


def test_a_key_is_remembered_for_24_hours(api: ApiWorld) -> None:
    create(api, "daily")
    api.clock.advance(hours=23, minutes=59)
    assert create(api, "daily").headers.get("idempotent-replayed") == "true"
    api.clock.advance(minutes=2)
    fresh = create(api, "daily")
    assert (fresh.json()["id"], "idempotent-replayed" in fresh.headers) == (2, False)


def test_a_key_that_is_not_visible_ascii_is_refused(api: ApiWorld) -> None:
    response = create(api, "two words")
    assert response.json() == problem(
        422,
        "invalid-input",
        "Invalid input",
        "Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces); got U+0020 at position 3",
        "/api/tickets",
    )
    assert create(api, "k" * 256).status_code == 422
    assert listed(api) == []


def test_the_same_key_on_escalate_escalates_once(api: ApiWorld) -> None:
    api.open_ticket()
    key = {"Idempotency-Key": "esc-1"}
    body = {"reason": "needs L2"}
    first = api.request("POST", "/api/tickets/1/escalate", as_="ana", json=body, headers=key)
    assert (first.status_code, first.json()["tier"], first.headers["etag"]) == (200, "L2", '"2"')
    again = api.request("POST", "/api/tickets/1/escalate", as_="ana", json=body, headers=key)
    assert (again.status_code, again.headers["idempotent-replayed"]) == (200, "true")
    assert (again.json()["tier"], again.json()["version"]) == ("L2", 2)
    assert kinds(api) == [
        ("created", "ana"),
        ("assigned", "sevflow"),
        ("escalated", "ana"),
        ("assigned", "sevflow"),
    ]

    other = api.request("POST", "/api/tickets/1/escalate", as_="ana", json={"reason": "L3 now"}, headers=key)
    assert other.json()["detail"] == (
        "Idempotency-Key 'esc-1' was already used for a different request (ticket.escalate on ticket 1); "
        "use a new key for a new request"
    )
    reused_for_create = create(api, "esc-1")
    assert reused_for_create.status_code == 422
    assert [k for k, _ in kinds(api)].count("escalated") == 1


# --- If-Match ----------------------------------------------------------------------------------------


def change_status(api: ApiWorld, status: str, **headers: str) -> httpx.Response:
    return api.request("POST", "/api/tickets/1/status", as_="ana", json={"status": status}, headers=headers)


def test_a_field_overwriting_write_without_if_match_is_refused_with_428(api: ApiWorld) -> None:
    api.open_ticket()
    required = problem(
        428,
        "precondition-required",
        "If-Match required",
        "this change overwrites a field: send If-Match with the ticket's ETag (from GET) so a concurrent "
        "change is not silently overwritten",
        "",
    )
    writes = {
        "status": {"status": "triaged"},
        "severity": {"severity": "Sev2", "reason": "checkout"},
        "customer-tier": {"customer_tier": "business", "reason": "lapsed"},
        "impact": {"users_affected": 10},
    }
    for action, body in writes.items():
        path = f"/api/tickets/1/{action}"
        response = api.request("POST", path, as_="lena", json=body)
        assert (response.status_code, response.json()) == (428, {**required, "instance": path}), action
    assert api.request("GET", "/api/tickets/1", as_="ana").json()["version"] == 1


def test_a_current_if_match_is_accepted_in_either_etag_form(api: ApiWorld) -> None:
    api.open_ticket()
    etag = api.request("GET", "/api/tickets/1", as_="ana").headers["etag"]
    done = change_status(api, "triaged", **{"If-Match": etag})
    assert (done.status_code, done.headers["etag"]) == (200, '"2"')
    assert change_status(api, "in_progress", **{"If-Match": 'W/"2"'}).headers["etag"] == '"3"'


def test_a_stale_if_match_is_refused_with_412_and_changes_nothing(api: ApiWorld) -> None:
    api.open_ticket()
    api.request("POST", "/api/tickets/1/comments", as_="lena", json={"body": "On it"})  # version 2
    before = api.request("GET", "/api/tickets/1", as_="ana").json()
    stale = {"If-Match": '"1"'}
    attempts = [
        change_status(api, "resolved", **stale),
        api.request(
            "POST",
            "/api/tickets/1/severity",
            as_="ana",
            json={"severity": "Sev1", "reason": "x"},
            headers=stale,
        ),
        api.request("POST", "/api/tickets/1/escalate", as_="ana", json={"reason": "x"}, headers=stale),
        api.request("POST", "/api/tickets/1/comments", as_="ana", json={"body": "late"}, headers=stale),
        api.request("POST", "/api/tickets/1/take", as_="ana", headers=stale),
        api.request("POST", "/api/tickets/1/impact", as_="ana", json={"users_affected": 5}, headers=stale),
    ]
    for response in attempts:
        path = response.request.url.path
        assert (response.status_code, response.json()) == (
            412,
            problem(
                412,
                "precondition-failed",
                "Precondition failed",
                "ticket 1 is at version 2, not 1: somebody changed it meanwhile; reload it and try again",
                path,
            ),
        ), path
    assert api.request("GET", "/api/tickets/1", as_="ana").json() == before
    assert [k for k, _ in kinds(api)] == ["created", "assigned", "commented"]


def test_if_match_star_accepts_any_version(api: ApiWorld) -> None:
    api.open_ticket()
    api.request("POST", "/api/tickets/1/comments", as_="lena", json={"body": "On it"})
    assert change_status(api, "triaged", **{"If-Match": "*"}).json()["status"] == "triaged"


def test_a_malformed_if_match_is_400_and_changes_nothing(api: ApiWorld) -> None:
    api.open_ticket()
    for header in ("abc", '"v1"', '"-1"', ""):
        response = change_status(api, "triaged", **{"If-Match": header})
        assert response.json() == problem(
            400,
            "bad-header",
            "Malformed If-Match",
            f'If-Match must be a ticket ETag such as "7", not {header!r}',
            "/api/tickets/1/status",
        ), header
    assert api.request("GET", "/api/tickets/1", as_="ana").json()["status"] == "new"


def test_every_successful_write_answers_with_the_new_etag(api: ApiWorld) -> None:
    api.open_ticket()
    etags = []
    for action, body in (("comments", {"body": "hi"}), ("take", None), ("escalate", {"reason": "L2"})):
        response = api.request("POST", f"/api/tickets/1/{action}", as_="ana", json=body)
        etags.append(response.headers["etag"])
        assert response.json()["version"] == int(response.headers["etag"].strip('"'))
    assert etags == ['"2"', '"3"', '"4"']
    assert api.request("GET", "/api/tickets/1", as_="ana").headers["etag"] == '"4"'
