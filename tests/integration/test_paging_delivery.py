"""A page travels the whole way: a Sev1 opened over HTTP pages its owner through the pager
webhook (a real receiver on loopback), the message carries the signed one-click link, and
following that link acknowledges the page -- the next step's timer then pages nobody. With an
IP address in the public URL, which redaction would otherwise mask, the link still arrives
whole."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pydantic import SecretStr

from sevflow.services import timers
from sevflow.services.dispatch import DispatchReport
from tests.api.conftest import DATABASES
from tests.api.world import ApiWorld, build_world
from tests.integration.receiver import Receiver, receiving

SECRET = "pager-signing-secret"
PUBLIC_URL = "http://10.20.30.40:8000"


def policy_text(w: ApiWorld, pager: Receiver) -> str:
    return (
        w.box.settings.policy_path.read_text(encoding="utf-8")
        + f"""
paging:
  events: [created]
  ack_within: 5m
notifications:
  channels:
    pager: {{type: webhook, url: "{pager.url}", secret_env: PAGER_SECRET}}
  routes:
    - name: pages
      when: {{event: paged}}
      to: [pager]
  default: [log]
"""
    )


@pytest.fixture
def pager() -> Iterator[Receiver]:
    with receiving(SECRET.encode()) as receiver:
        yield receiver


@pytest.fixture(params=DATABASES)
def world(request: pytest.FixtureRequest, tmp_path: Path, pager: Receiver) -> Iterator[ApiWorld]:
    url = request.getfixturevalue(f"{request.param}_url")
    settings = {"link_secret": SecretStr("a-link-secret-of-some-length"), "public_url": PUBLIC_URL}
    for w in build_world(url, tmp_path, **settings):
        text = policy_text(w, pager)
        response = w.request(
            "POST",
            "/api/policy",
            as_="root",
            content=text.encode(),
            headers={"Content-Type": "application/yaml"},
        )
        assert response.status_code == 201, response.text
        yield w


def deliver(w: ApiWorld) -> DispatchReport:
    async def once() -> DispatchReport:
        delivery = w.box.dispatcher(environ={"PAGER_SECRET": SECRET})
        try:
            return await delivery.dispatcher.run_once()
        finally:
            await delivery.close()

    return asyncio.run(once())


def test_a_page_reaches_the_pager_with_a_link_that_acknowledges_it(world: ApiWorld, pager: Receiver) -> None:
    ticket = world.open_ticket(title="Checkout down for everyone", severity="Sev1", severity_reason="outage")
    deliver(world)
    [page] = pager.received
    assert page.signature_ok
    body = page.body
    assert body["event_kind"] == "paged"
    assert body["recipients"] == ["ingrid"]
    assert body["subject"] == f"PAGE Sev1 #{ticket['id']}: Checkout down for everyone"
    ack_url = body["facts"]["ack_url"]
    assert ack_url.startswith(f"{PUBLIC_URL}/ack/")
    assert f"Acknowledge: {ack_url}\n" in body["summary"]
    assert f"Open the ticket: {PUBLIC_URL}/tickets/{ticket['id']}\n" in body["summary"]
    assert "Page 1 to ingrid (primary): acknowledge by 2026-03-02 09:35" in body["summary"]

    path = urlsplit(ack_url).path
    assert world.client.post(path).status_code == 200
    world.clock.advance(minutes=10)
    timers.tick(world.box.uow_factory, clock=world.clock)
    deliver(world)
    assert len(pager.received) == 1  # nobody else was paged
    events = world.request("GET", f"/api/tickets/{ticket['id']}/audit", as_="ana").json()["events"]
    acks = [(e["actor"], e["data"]["via"]) for e in events if e["kind"] == "page_acknowledged"]
    assert acks == [("ingrid", "link")]


def test_an_unacknowledged_page_reaches_the_next_person_when_its_minutes_are_up(
    world: ApiWorld, pager: Receiver
) -> None:
    world.open_ticket(title="Checkout down for everyone", severity="Sev1", severity_reason="outage")
    deliver(world)
    world.clock.advance(minutes=5)
    timers.tick(world.box.uow_factory, clock=world.clock)
    deliver(world)
    assert [r.body["recipients"] for r in pager.received] == [["ingrid"], ["omar"]]
    second = pager.received[1].body
    assert second["summary"].startswith(
        "ingrid did not acknowledge within 5 minutes: paging omar (secondary), to acknowledge within 5 minutes.\n"
    )
    assert pager.received[0].body["facts"]["ack_url"] != second["facts"]["ack_url"]


def test_the_delivery_log_lists_every_attempt_with_its_outcome_status_and_latency(
    world: ApiWorld, pager: Receiver
) -> None:
    pager.statuses.extend([503])
    ticket = world.open_ticket(title="Checkout down for everyone", severity="Sev1", severity_reason="outage")
    deliver(world)
    ack = world.request("POST", f"/api/tickets/{ticket['id']}/page/ack", as_="ingrid", json={})
    assert ack.status_code == 200
    world.clock.advance(hours=1)  # past any retry's backoff
    deliver(world)

    response = world.request("GET", f"/api/tickets/{ticket['id']}/deliveries", as_="lena")
    assert response.status_code == 200, response.text
    [paged] = [m for m in response.json()["items"] if m["event_kind"] == "paged"]
    target = "http://" + urlsplit(pager.url).netloc + "/hooks/sevflow"  # no query: it may hold a secret
    assert {k: paged[k] for k in ("channel", "template", "recipients", "urgent", "status", "digest")} == {
        "channel": "pager",
        "template": "page",
        "recipients": ["ingrid"],
        "urgent": True,
        "status": "sent",
        "digest": None,
    }
    attempts = [
        (a["number"], a["channel"], a["outcome"], a["status"], a["target"], a["at"])
        for a in paged["attempts"]
    ]
    assert attempts == [
        (1, "pager", "failed", 503, target, "2026-03-02T09:30:00Z"),
        (2, "pager", "delivered", 200, target, "2026-03-02T10:30:00Z"),
    ]
    assert all(a["latency_ms"] >= 0 for a in paged["attempts"])
    assert [r.headers["idempotency-key"] for r in pager.received] == [paged["idempotency_key"]] * 2
    logged = [m for m in response.json()["items"] if m["channel"] == "log"]
    assert logged
    assert all(m["status"] == "sent" for m in logged)

    refused = world.request("GET", f"/api/tickets/{ticket['id']}/deliveries", as_="cora")
    assert refused.status_code == 403
