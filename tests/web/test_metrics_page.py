"""The metrics page: closed tickets' outcomes over the last 7/30/90 days by severity, service
line or customer tier, as a table and charts, and as CSV. The figures come from the daily sums
written as tickets close (and taken back when one reopens)."""

from __future__ import annotations

import re

from sevflow.domain.status import Status
from sevflow.services import tickets as service
from sevflow.services.actors import Actor
from tests.api.world import ApiWorld
from tests.web.conftest import browser

LENA = Actor("lena")


def close(world: ApiWorld, ticket_id: int, *, respond: bool = True) -> None:
    if respond:
        service.add_comment(
            world.box.uow_factory(), clock=world.clock, actor=LENA, ticket_id=ticket_id, body="On it"
        )
    service.change_status(
        world.box.uow_factory(), clock=world.clock, actor=LENA, ticket_id=ticket_id, status=Status.RESOLVED
    )


def table_row(html: str, value: str) -> list[str]:
    found = re.search(rf'<tr data-value="{value}"><th scope="row">{value}</th>(.*?)</tr>', html, re.S)
    assert found is not None, f"no row for {value}"
    return [c.strip() for c in re.findall(r"<td>([^<]*)</td>", found.group(1))]


def test_closed_tickets_are_measured_by_severity_and_a_reopened_one_is_taken_back_out(web: ApiWorld) -> None:
    sev2 = web.open_ticket(title="Checkout down for all EU customers", services=["checkout"])["id"]
    sev3 = web.open_ticket(title="Refund totals look wrong")["id"]
    reopened = web.open_ticket(title="Invoice PDF shows the wrong VAT")["id"]
    web.clock.advance(minutes=20)
    close(web, sev2)  # first response at 20m of 30m: met; resolved at 20m of 12h: met
    close(web, reopened)
    web.clock.advance(minutes=200)
    # Monday 10:30-14:10 Berlin on the office calendar (lunch 12-13 off): 2h40m of business time,
    # past the 2h first response target
    close(web, sev3)
    service.change_status(
        web.box.uow_factory(), clock=web.clock, actor=LENA, ticket_id=reopened, status=Status.IN_PROGRESS
    )
    page = browser(web, "maria").get("/metrics?days=7&by=severity")
    assert page.status_code == 200
    assert table_row(page.text, "Sev2") == ["1", "20m 0s", "100.0 %", "20m 0s", "100.0 %", "0.0 %", "0", "–"]
    assert table_row(page.text, "Sev3") == ["1", "2h 40m", "0.0 %", "2h 40m", "100.0 %", "0.0 %", "0", "–"]
    assert table_row(page.text, "all")[:3] == ["2", "1h 30m", "50.0 %"]
    assert "<strong>2</strong> tickets closed from 2026-02-24 to 2026-03-02 (UTC)" in page.text


def test_the_table_downloads_as_csv(sqlite_web: ApiWorld) -> None:
    web = sqlite_web
    tid = web.open_ticket(title="Checkout down for all EU customers", services=["checkout"])["id"]
    web.clock.advance(minutes=20)
    close(web, tid)
    download = browser(web, "vic").get("/metrics.csv?days=30&by=service_line")
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"] == (
        'attachment; filename="sevflow-metrics-2026-03-02-30d-by-service_line.csv"'
    )
    assert download.text.splitlines() == [
        "service_line,closed tickets,mean first response (business seconds),first response within target (%),"
        "mean resolution (business seconds),resolution within target (%),escalated (%),escalations,"
        "escalations before a missed target (%)",
        "payments,1,1200,100.0,1200,100.0,0.0,0,",
        "all,1,1200,100.0,1200,100.0,0.0,0,",
    ]


def test_a_bad_period_or_breakdown_is_named_next_to_its_field(sqlite_web: ApiWorld) -> None:
    page = browser(sqlite_web, "maria").get("/metrics?days=14&by=owner")
    assert page.status_code == 422
    assert '<p class="error" id="e-days">&#39;14&#39; is not a period; choose 7, 30, 90 days</p>' in page.text
    assert (
        "&#39;owner&#39; is not a breakdown; choose one of severity, service_line, customer_tier" in page.text
    )
    csv = browser(sqlite_web, "maria").get("/metrics.csv?days=14")
    assert (csv.status_code, csv.text) == (422, "'14' is not a period; choose 7, 30, 90 days\n")
