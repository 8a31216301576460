"""Listing tickets through the HTTP API, on SQLite and PostgreSQL: every filter, the SLA state
as the fake clock moves (Monday 2026-03-02 09:30 UTC; Sev3 targets count Berlin office hours,
09:00-12:00 and 13:00-18:00), and cursor paging."""

from __future__ import annotations

from tests.api.expect import problem
from tests.api.world import ApiWorld


def ids(api: ApiWorld, query: str, as_: str = "ana") -> list[int]:
    response = api.request("GET", f"/api/tickets?{query}", as_=as_)
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["items"]]


def test_each_list_filter_keeps_exactly_the_matching_tickets(api: ApiWorld) -> None:
    api.open_ticket(title="Refunds fail for some cards")  # 1: Globex Sev3, lena
    api.open_ticket(title="Data loss in billing exports", customer="Initech")  # 2: Sev1, ingrid
    api.open_ticket(title="Webhooks arrive late", service_line="platform", customer="Initech")  # 3: nora
    api.open_ticket(
        title="Checkout is slow", severity="Sev2", severity_reason="every checkout takes 40 s"
    )  # 4
    escalated = api.request("POST", "/api/tickets/1/escalate", as_="ana", json={"reason": "needs L2"}).json()
    assert (escalated["tier"], escalated["owner"]) == ("L2", "priya")
    star = {"If-Match": "*"}
    api.request("POST", "/api/tickets/3/status", as_="ana", headers=star, json={"status": "triaged"})
    api.request("POST", "/api/tickets/4/status", as_="ana", headers=star, json={"status": "resolved"})

    expected = {
        "": [1, 2, 3, 4],
        "status=new": [1, 2],
        "status=triaged": [3],
        "status=resolved": [4],
        "status=closed": [],
        "severity=Sev1": [2],
        "severity=Sev2": [4],
        "severity=Sev3": [1, 3],
        "tier=L2": [1],
        "tier=L1": [2, 3, 4],
        "service_line=platform": [3],
        "service_line=payments": [1, 2, 4],
        "customer=Initech": [2, 3],
        "customer=Globex": [1, 4],
        "customer_tier=enterprise": [1, 4],
        "customer_tier=business": [2, 3],
        "owner=nora": [3],
        "owner=priya": [1],
        "owner=omar": [4],
        "open=true": [1, 2, 3],
        "open=false": [1, 2, 3, 4],
        "customer=Initech&severity=Sev3": [3],
        "service_line=payments&open=true&customer_tier=enterprise": [1],
    }
    assert {query: ids(api, query) for query in expected} == expected


def test_a_customers_listing_holds_their_own_organisations_tickets_whatever_they_filter(
    api: ApiWorld,
) -> None:
    api.open_ticket(customer="Globex")
    api.open_ticket(customer="Initech")
    api.open_ticket(customer="Globex")
    assert ids(api, "", as_="cora") == [1, 3]
    assert ids(api, "customer=Initech", as_="cora") == [1, 3]
    assert ids(api, "", as_="carl") == [2]


def test_an_invalid_filter_value_is_refused_with_422_naming_the_parameter(api: ApiWorld) -> None:
    response = api.request("GET", "/api/tickets?status=open&limit=0", as_="ana")
    assert response.status_code == 422
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["query.status", "query.limit"]
    assert body["detail"] == "2 field(s) are invalid: query.status, query.limit; see errors for each one"


def sla(api: ApiWorld) -> dict[str, list[int]]:
    return {state: ids(api, f"sla={state}") for state in ("ok", "at_risk", "breached")}


def test_the_sla_filter_follows_the_clocks_to_at_risk_at_75_percent_and_breached_at_100(
    api: ApiWorld,
) -> None:
    api.open_ticket(title="Data loss in billing exports")  # 1: Sev1 enterprise, first response 15m (24x7)
    api.open_ticket(title="Refunds fail for some cards")  # 2: Sev3 enterprise, first response 2h office
    api.open_ticket(title="Refunds fail for some cards", customer="Initech")  # 3: Sev3 business, 4h office
    assert sla(api) == {"ok": [1, 2, 3], "at_risk": [], "breached": []}

    api.clock.advance(minutes=89)  # 11:59 Berlin: ticket 2 has used 89 of 120 office minutes
    assert sla(api) == {"ok": [2, 3], "at_risk": [], "breached": [1]}

    api.clock.advance(minutes=1)  # 12:00 Berlin: 90 of 120 minutes, exactly 75%
    assert sla(api) == {"ok": [3], "at_risk": [2], "breached": [1]}
    listed = api.request("GET", "/api/tickets", as_="ana").json()["items"]
    assert [t["sla_state"] for t in listed] == ["breached", "at_risk", "ok"]

    api.clock.advance(minutes=60)  # the lunch hour counts nothing
    assert sla(api) == {"ok": [3], "at_risk": [2], "breached": [1]}

    api.clock.advance(minutes=30)  # 13:30 Berlin: 120 of 120 minutes; ticket 3 at 120 of 240
    assert sla(api) == {"ok": [3], "at_risk": [], "breached": [1, 2]}


def test_cursor_paging_walks_every_ticket_once_in_id_order(api: ApiWorld) -> None:
    for customer in ("Globex", "Initech", "Globex", "Initech", "Globex"):
        api.open_ticket(customer=customer)

    def pages(query: str) -> list[list[int]]:
        seen, cursor = [], None
        while True:
            suffix = f"&cursor={cursor}" if cursor else ""
            body = api.request("GET", f"/api/tickets?{query}{suffix}", as_="ana").json()
            seen.append([t["id"] for t in body["items"]])
            cursor = body["next_cursor"]
            if cursor is None:
                return seen

    assert pages("limit=2") == [[1, 2], [3, 4], [5]]
    assert pages("limit=5") == [[1, 2, 3, 4, 5]]
    assert pages("limit=1&customer=Globex") == [[1], [3], [5]]
    assert pages("limit=2&customer=Initech") == [[2, 4]]
    assert pages("limit=2&customer=Nobody") == [[]]


def test_a_cursor_the_api_did_not_hand_out_is_refused_with_422(api: ApiWorld) -> None:
    bad = problem(
        422,
        "bad-cursor",
        "Invalid cursor",
        "cursor is not one this API handed out; use next_cursor as given",
        "/api/tickets",
    )
    for cursor in ("not-a-cursor", "YWZ0ZXI6eA", "YmVmb3JlOjM", "%FF"):  # ..., after:x, before:3, a bad byte
        response = api.request("GET", f"/api/tickets?cursor={cursor}", as_="ana")
        assert (response.status_code, response.json()) == (422, bad), cursor
