"""The API's front door: opening a ticket and reading it back, on both databases."""

from __future__ import annotations

from tests.api.world import ApiWorld


def test_an_agent_opens_a_ticket_and_reads_it_back_with_its_clocks(api: ApiWorld) -> None:
    created = api.open_ticket(title="Refunds fail for some cards")
    assert created["id"] == 1
    assert created["version"] == 1
    response = api.request("GET", "/api/tickets/1", as_="ana")
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    body = response.json()
    assert body["title"] == "Refunds fail for some cards"
    assert body["customer_tier"] == "enterprise"
    assert [c["clock"] for c in body["clocks"]] == ["first_response", "next_update", "resolution"]
