"""Queues: per service line and per team, most urgent first, with the owners' loads."""

from __future__ import annotations

import re

from tests.api.world import ApiWorld
from tests.web.conftest import browser


def queue_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-ticket="(\d+)"', html)]


def test_a_queue_lists_its_tickets_by_time_left_over_the_severitys_weight(web: ApiWorld) -> None:
    sev3 = web.open_ticket(title="Refund totals look wrong")["id"]  # Sev3: first response 2h (office)
    sev2 = web.open_ticket(title="Checkout down for all EU customers", services=["checkout"])["id"]  # 30m
    web.clock.advance(minutes=10)
    sev1 = web.open_ticket(title="Data loss in the refunds ledger")["id"]  # 15m, opened 10 minutes later
    web.open_ticket(title="Export slow", service_line="platform", customer="Initech")
    page = browser(web, "lena").get("/queues/line/payments")
    assert page.status_code == 200
    # left / weight: Sev1 15m/8, Sev2 20m/4, Sev3 110m/2
    assert queue_ids(page.text) == [sev1, sev2, sev3]
    assert "<strong>3</strong> open tickets" in page.text
    assert '<span class="badge">ingrid: 1 open</span>' in page.text


def test_the_overview_counts_every_line_and_team_empty_ones_too(sqlite_web: ApiWorld) -> None:
    web = sqlite_web
    web.open_ticket(title="Checkout down for all EU customers", services=["checkout"])
    web.clock.advance(minutes=31)
    page = browser(web, "lena").get("/queues").text
    lines = re.findall(
        r'<tr data-queue="(\w[\w-]*)">\s*<td><a href="/queues/line/[^"]+">[^<]+</a></td>\s*<td>(\d+)</td>\s*<td[^>]*>(\d+)</td>',
        page,
    )
    assert lines == [("mobile", "0", "0"), ("payments", "1", "1"), ("platform", "0", "0")]
    assert 'href="/queues/team/payments-l1"' in page


def test_an_unknown_queue_is_a_404_page_naming_the_known_ones(sqlite_web: ApiWorld) -> None:
    missing = browser(sqlite_web, "lena").get("/queues/line/billing")
    assert missing.status_code == 404
    assert (
        "there is no service line &#39;billing&#39;; the service lines are mobile, payments, platform"
        in missing.text
    )
