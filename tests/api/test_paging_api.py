"""Paging chains over HTTP, on SQLite and PostgreSQL: a Sev1 pages the owner, then the chain
moves on every five minutes; acknowledging through the API or the signed one-click link stops
it, and each step is on the ticket's trail. The starter policy plus a ``paging`` section; the
world's fake clock stands at Monday 2026-03-02 09:30 UTC."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from sevflow.services import timers
from tests.api.conftest import DATABASES
from tests.api.expect import forbidden, illegal
from tests.api.world import ApiWorld, build_world

LINK_SECRET = "link-secret-for-the-tests"
PAGING = """
paging:
  severity: [Sev1]
  events: [created, severity_changed]
  ack_within: 5m
  chain: [primary, secondary, tier_lead, manager]
"""
YAML = {"Content-Type": "application/yaml"}


def upload_paging(w: ApiWorld) -> None:
    text = w.box.settings.policy_path.read_text(encoding="utf-8") + PAGING
    uploaded = w.request("POST", "/api/policy", as_="root", content=text.encode(), headers=YAML)
    assert uploaded.status_code == 201, uploaded.text


@pytest.fixture(params=DATABASES)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ApiWorld]:
    url = request.getfixturevalue(f"{request.param}_url")
    for w in build_world(
        url, tmp_path, link_secret=SecretStr(LINK_SECRET), public_url="https://sevflow.test"
    ):
        upload_paging(w)
        yield w


def sev1(w: ApiWorld) -> int:
    body = w.open_ticket(title="Checkout down for everyone", severity="Sev1", severity_reason="outage")
    ticket_id: int = body["id"]
    return ticket_id


def get(w: ApiWorld, ticket_id: int, as_: str = "ana") -> Any:
    response = w.request("GET", f"/api/tickets/{ticket_id}", as_=as_)
    assert response.status_code == 200, response.text
    return response.json()


def trail(w: ApiWorld, ticket_id: int) -> list[tuple[str, str, Any]]:
    events = w.request("GET", f"/api/tickets/{ticket_id}/audit", as_="ana").json()["events"]
    return [
        (e["kind"], e["actor"], e["data"].get("to") or e["data"].get("via"))
        for e in events
        if e["kind"].startswith("page")
    ]


def later(w: ApiWorld, minutes: int) -> None:
    w.clock.advance(minutes=minutes)
    timers.tick(w.box.uow_factory, clock=w.clock)


def ack(w: ApiWorld, ticket_id: int, as_: str, body: Any = None) -> Any:
    return w.request("POST", f"/api/tickets/{ticket_id}/page/ack", as_=as_, json=body or {})


def test_a_sev1_pages_its_owner_and_the_chain_moves_on_every_five_minutes(world: ApiWorld) -> None:
    ticket_id = sev1(world)
    page = get(world, ticket_id)["page"]
    assert page == {
        "number": 1,
        "round": 0,
        "step": 0,
        "to": "ingrid",
        "target": "primary",
        "paged_at": "2026-03-02T09:30:00Z",
        "ack_due_at": "2026-03-02T09:35:00Z",
        "opened_at": "2026-03-02T09:30:00Z",
        "trigger": "created",
        "paged": ["ingrid"],
    }
    later(world, 5)
    later(world, 5)
    assert get(world, ticket_id)["page"]["paged"] == ["ingrid", "omar", "lena"]
    assert trail(world, ticket_id) == [
        ("paged", "sevflow", "ingrid"),
        ("paged", "sevflow", "omar"),
        ("paged", "sevflow", "lena"),
    ]


def test_acknowledging_through_the_api_stops_the_chain_and_is_on_the_trail(world: ApiWorld) -> None:
    ticket_id = sev1(world)
    later(world, 5)
    response = ack(world, ticket_id, "omar", {"page": 1, "note": "on it"})
    assert response.status_code == 200, response.text
    assert response.json()["page"] is None
    later(world, 60)
    assert trail(world, ticket_id) == [
        ("paged", "sevflow", "ingrid"),
        ("paged", "sevflow", "omar"),
        ("page_acknowledged", "omar", "api"),
    ]


def test_acknowledging_a_page_that_is_over_changes_nothing_and_without_a_page_is_refused(
    world: ApiWorld,
) -> None:
    ticket_id = sev1(world)
    first = ack(world, ticket_id, "ingrid", {"page": 1})
    again = ack(world, ticket_id, "ingrid", {"page": 1})
    assert again.status_code == 200
    assert again.json()["version"] == first.json()["version"]
    illegal(ack(world, ticket_id, "ingrid"), "the ticket has no open page to acknowledge")


def test_customers_and_viewers_cannot_acknowledge_pages_and_customers_do_not_see_them(
    world: ApiWorld,
) -> None:
    ticket_id = sev1(world)
    needs = "ticket.acknowledge needs one of the roles: agent, lead, manager, admin"
    forbidden(ack(world, ticket_id, "vic"), f"{needs}; vic is viewer")
    forbidden(ack(world, ticket_id, "cora"), f"{needs}; cora is customer")
    assert get(world, ticket_id, as_="cora")["page"] is None
    assert get(world, ticket_id, as_="vic")["page"]["to"] == "ingrid"


def link(w: ApiWorld, ticket_id: int, page: int = 1, to: str = "omar") -> str:
    links = w.box.page_links()
    assert links is not None
    return f"/ack/{links.token(ticket_id=ticket_id, page=page, to=to)}"


def test_the_link_shows_a_confirmation_and_only_its_post_acknowledges(world: ApiWorld) -> None:
    ticket_id = sev1(world)
    later(world, 5)
    url = link(world, ticket_id)
    shown = world.client.get(url)
    assert shown.status_code == 200
    assert "Acknowledge as omar" in shown.text
    assert get(world, ticket_id)["page"]["to"] == "omar"  # looking acknowledged nothing

    done = world.client.post(url)
    assert done.status_code == 200
    assert "Acknowledged — thank you. Page 1 was acknowledged by" in done.text
    assert get(world, ticket_id)["page"] is None
    assert trail(world, ticket_id)[-1] == ("page_acknowledged", "omar", "link")
    assert "was acknowledged by\n     <strong>omar</strong>" in world.client.get(url).text


def test_an_altered_or_expired_link_acknowledges_nothing(world: ApiWorld) -> None:
    ticket_id = sev1(world)
    url = link(world, ticket_id)
    altered = world.client.post(url[:-2] + ("AA" if not url.endswith("AA") else "BB"))
    assert altered.status_code == 403
    assert "this acknowledgement link is not valid" in altered.text
    world.clock.advance(hours=24, seconds=1)
    expired = world.client.post(url)
    assert expired.status_code == 410
    assert "this acknowledgement link has expired" in expired.text
    assert trail(world, ticket_id)[-1][0] == "paged"


def test_without_a_link_secret_there_are_no_links(sqlite_url: str, tmp_path: Path) -> None:
    for w in build_world(sqlite_url, tmp_path):
        assert w.box.page_links() is None
        response = w.client.get("/ack/" + "x" * 40)
        assert response.status_code == 404
