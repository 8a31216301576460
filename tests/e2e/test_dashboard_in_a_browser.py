"""A lead's morning in the dashboard, in a real Chromium: sign in, find the breached ticket on
the board, open it, escalate it with a reason and watch the timeline entry appear, approve a
Sev1 gate as incident commander — and a viewer, who sees the same ticket without one button.

Starter policy; the fake clock starts Monday 2026-03-02 09:30 UTC (tests/api/world.py)."""

from __future__ import annotations

from typing import Any

from sevflow.domain.status import Status
from sevflow.services import accounts
from sevflow.services import tickets as service
from sevflow.services.actors import Actor
from tests.api.world import OPERATOR, PASSWORD
from tests.e2e.conftest import LiveSite, screenshot


def sign_in(page: Any, site: LiveSite, user: str) -> None:
    page.goto(site.url("/"))
    assert page.url.startswith(site.url("/login"))  # sent to sign in first
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site.url("/"))


def test_a_lead_escalates_a_breached_ticket_and_approves_a_gate_and_a_viewer_only_looks(
    site: LiveSite, chromium: Any
) -> None:
    world = site.world
    accounts.create_user(
        world.box.uow_factory(),
        clock=world.clock,
        hasher=world.box.hasher,
        actor=OPERATOR,
        name="ivan",
        role="lead",
        duties=["incident_commander"],
        password=PASSWORD,
    )
    breached = world.open_ticket(title="Checkout down for all EU customers", services=["checkout"])["id"]
    answered = world.open_ticket(title="Refund totals look wrong")["id"]
    world.clock.advance(minutes=31)
    lena = Actor("lena")
    service.add_comment(
        world.box.uow_factory(), clock=world.clock, actor=lena, ticket_id=answered, body="Fixed"
    )
    service.change_status(
        world.box.uow_factory(), clock=world.clock, actor=lena, ticket_id=answered, status=Status.RESOLVED
    )  # the Sev2's 30-minute first response has passed
    gated = world.open_ticket(title="Data loss in the refunds ledger")["id"]  # Sev1: gate opens

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, site, "ivan")

    breached_row = page.locator(f'#breached tr[data-ticket="{breached}"]')
    assert breached_row.count() == 1
    assert "overdue 1m" in breached_row.locator("time.countdown").inner_text()
    screenshot(page, "board")

    breached_row.get_by_role("link", name=f"#{breached}").click()
    page.wait_for_url(site.url(f"/tickets/{breached}"))
    escalate = page.locator("#form-escalate")
    escalate.get_by_label("To tier").select_option("L2")
    escalate.get_by_label("Reason").fill("Card processor confirms an EU-wide outage")
    escalate.get_by_role("button", name="Escalate").click()
    page.wait_for_url(site.url(f"/tickets/{breached}#timeline"))
    entry = page.locator('#timeline li[data-kind="escalated"]')
    assert entry.count() == 1
    assert "L1 → L2" in entry.inner_text()
    assert "Why: Card processor confirms an EU-wide outage" in entry.inner_text()
    screenshot(page, "ticket")

    page.get_by_role("link", name="Approvals").click()
    page.wait_for_url(site.url("/approvals"))
    page.locator(f'tr[data-ticket="{gated}"]').get_by_role("link", name="decide").click()
    gate = page.locator("#form-gate")
    gate.get_by_label("approve Sev1").check()
    gate.get_by_role("button", name="Decide").click()
    page.wait_for_url(site.url(f"/tickets/{gated}#timeline"))
    assert (
        "sev1-confirmation: approved" in page.locator('#timeline li[data-kind="gate_decided"]').inner_text()
    )
    assert page.locator("#gate").count() == 0  # the gate notice is gone

    page.get_by_role("link", name="Metrics").click()
    page.wait_for_url(site.url("/metrics"))
    assert page.locator('tr[data-value="Sev3"] td').first.inner_text() == "1"
    drawn = "id => Chart.getChart(document.getElementById(id)) !== undefined"
    assert page.evaluate(drawn, "chart-within")
    assert page.evaluate(drawn, "chart-daily")
    screenshot(page, "metrics")
    context.close()

    viewer = chromium.new_context(viewport={"width": 390, "height": 844})  # a phone-width screen
    page = viewer.new_page()
    sign_in(page, site, "vic")
    screenshot(page, "board-phone")
    page.goto(site.url(f"/tickets/{breached}"))
    assert page.locator("#actions form").count() == 0
    assert page.get_by_role("button").all_inner_texts() == ["Sign out"]
    assert page.get_by_text("Your role can look at this ticket but not act on it.").is_visible()
    viewer.close()
