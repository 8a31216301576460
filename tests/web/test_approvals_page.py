"""The approvals inbox: pending decision gates, soonest first, marked where the viewer may
decide; deciding from the ticket page. Starter policy: every Sev1 opens the sev1-confirmation
gate (15 minutes; approvers incident_commander or senior_engineer)."""

from __future__ import annotations

import re

from sevflow.services import accounts
from tests.api.world import OPERATOR, PASSWORD, ApiWorld
from tests.web.conftest import browser, csrf_of

DATA_LOSS = {"title": "Data loss in the refunds ledger"}  # Sev1, owner ingrid


def incident_commander(world: ApiWorld, name: str = "ivan") -> str:
    """A lead who serves as incident commander."""
    accounts.create_user(
        world.box.uow_factory(),
        clock=world.clock,
        hasher=world.box.hasher,
        actor=OPERATOR,
        name=name,
        role="lead",
        duties=["incident_commander"],
        password=PASSWORD,
    )
    return name


def rows(html: str) -> list[tuple[int, str, str]]:
    """(ticket, countdown, what the viewer may do) per row."""
    found = re.findall(
        r'<tr data-ticket="(\d+)">.*?<time class="countdown"[^>]*>([^<]+)</time>.*?<td>(?:<a [^>]*>(decide)</a>|<span class="muted">([^<]+)</span>)</td>\s*</tr>',
        html,
        re.S,
    )
    return [(int(t), left, decide or other) for t, left, decide, other in found]


def test_the_inbox_lists_waiting_gates_soonest_first_and_marks_those_the_viewer_may_decide(
    web: ApiWorld,
) -> None:
    ivan = incident_commander(web)
    first = web.open_ticket(**DATA_LOSS)["id"]
    web.clock.advance(minutes=5)
    second = web.open_ticket(title="Data loss in exports", service_line="platform", customer="Initech")["id"]
    web.open_ticket(title="Refund totals look wrong")  # Sev3: no gate
    page = browser(web, ivan).get("/approvals")
    assert page.status_code == 200
    assert "<strong>2</strong> decision gates waiting · 2 you may decide" in page.text
    assert rows(page.text) == [(first, "10m 0s left", "decide"), (second, "15m 0s left", "decide")]
    as_lena = browser(web, "lena").get("/approvals").text
    assert rows(as_lena) == [
        (first, "10m 0s left", "not an approver"),
        (second, "15m 0s left", "not an approver"),
    ]


def test_a_viewer_may_not_open_the_inbox(sqlite_web: ApiWorld) -> None:
    refused = browser(sqlite_web, "vic").get("/approvals")
    assert refused.status_code == 403
    assert "ticket.gate needs one of the roles" in refused.text


def test_an_incident_commander_approves_from_the_ticket_page_and_the_gate_leaves_the_inbox(
    sqlite_web: ApiWorld,
) -> None:
    web = sqlite_web
    ivan = incident_commander(web)
    tid = web.open_ticket(**DATA_LOSS)["id"]
    client = browser(web, ivan)
    page = client.get(f"/tickets/{tid}").text
    assert 'id="form-gate"' in page
    assert 'id="form-gate"' not in browser(web, "ingrid").get(f"/tickets/{tid}").text  # the owner may not
    version = re.search(r'name="version" value="(\d+)"', page)
    seen = re.search(r'name="seen" value="(\d+)"', page)
    assert version is not None
    assert seen is not None
    done = client.post(
        f"/tickets/{tid}/gate",
        data={
            "csrf_token": csrf_of(page),
            "version": version.group(1),
            "seen": seen.group(1),
            "decision": "approve",
        },
    )
    assert done.status_code == 303
    after = client.get(f"/tickets/{tid}").text
    assert "sev1-confirmation: approved" in after
    assert rows(client.get("/approvals").text) == []
