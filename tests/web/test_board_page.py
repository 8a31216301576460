"""The SLA board page: counts per severity and SLA state, the groups' lists, filters, what each
role sees. Starter policy, T0 = Monday 2026-03-02 09:30 UTC (tests/api/world.py)."""

from __future__ import annotations

import re

from sevflow.services import tickets as service
from sevflow.services.actors import Actor
from tests.api.world import ApiWorld
from tests.web.conftest import browser


def matrix(html: str) -> dict[str, list[str]]:
    """Severity -> the four counts (breached, at risk, on track, paused) as the page shows them."""
    table = html[html.index('<table class="matrix">') : html.index("</table>")]
    rows = re.findall(r'<span class="sev sev-sev\d">(Sev\d)</span></th>(.*?)</tr>', table, re.S)
    return {sev: re.findall(r">(\d+)<", cells) for sev, cells in rows}


def listed(html: str, group: str) -> list[int]:
    """Ticket ids listed in a group's section, in order."""
    start = html.index(f'<section class="group" id="{group}"')
    section = html[start : html.index("</section>", start)]
    return [int(n) for n in re.findall(r'data-ticket="(\d+)"', section)]


def test_the_board_counts_and_lists_open_tickets_by_sla_state_most_urgent_first(web: ApiWorld) -> None:
    sev2 = web.open_ticket(title="Checkout down for all EU customers", services=["checkout"])["id"]
    sev1 = web.open_ticket(title="Data loss in the refunds ledger")["id"]
    plain = web.open_ticket(title="Refund totals look wrong")["id"]
    other = web.open_ticket(title="Export slow", service_line="platform", customer="Initech")["id"]
    waiting = web.open_ticket(title="Receipt shows old logo")["id"]
    lena = Actor("lena")
    service.add_comment(
        web.box.uow_factory(), clock=web.clock, actor=lena, ticket_id=waiting, body="Which one?"
    )
    service.change_status(
        web.box.uow_factory(),
        clock=web.clock,
        actor=lena,
        ticket_id=waiting,
        status=service.Status.WAITING_ON_CUSTOMER,
    )
    # first response, enterprise: Sev1 15m, Sev2 30m (24x7; 75 % at 22m30s), Sev3 2h (office hours)
    web.clock.advance(minutes=23)
    page = browser(web, "lena").get("/")
    assert page.status_code == 200
    assert matrix(page.text) == {
        "Sev1": ["1", "0", "0", "0"],
        "Sev2": ["0", "1", "0", "0"],
        "Sev3": ["0", "0", "2", "1"],
        "Sev4": ["0", "0", "0", "0"],
    }
    assert listed(page.text, "breached") == [sev1]
    assert listed(page.text, "at_risk") == [sev2]
    assert listed(page.text, "on_track") == [plain, other]
    assert listed(page.text, "paused") == [waiting]
    assert "<strong>5</strong> open tickets" in page.text
    assert "overdue 8m 0s" in page.text  # the Sev1, 8 minutes past its 15-minute first response


def test_filters_narrow_the_board_and_an_unknown_value_is_named_next_to_its_field(
    sqlite_web: ApiWorld,
) -> None:
    web = sqlite_web
    mine = web.open_ticket(title="Refund totals look wrong")["id"]
    web.open_ticket(title="Export slow", service_line="platform", customer="Initech")
    lena = browser(web, "lena")
    narrowed = lena.get("/?service_line=payments")
    assert listed(narrowed.text, "on_track") == [mine]
    assert '<option value="payments" selected>' in narrowed.text
    wrong = lena.get("/?service_line=billing")
    assert wrong.status_code == 200
    assert (
        'id="e-service_line">unknown: &#39;billing&#39;; choose one of mobile, payments, platform</p>'
        in wrong.text
    )
    assert len(listed(wrong.text, "on_track")) == 2  # the unknown filter is left out


def test_a_customer_sees_only_their_organisations_tickets(sqlite_web: ApiWorld) -> None:
    web = sqlite_web
    theirs = web.open_ticket(title="Refund totals look wrong")["id"]
    web.open_ticket(title="Export slow", service_line="platform", customer="Initech")
    page = browser(web, "cora").get("/")
    assert listed(page.text, "on_track") == [theirs]
    assert re.search(r"<strong>1</strong> open ticket\s", page.text)


def test_show_more_lists_the_next_tickets_of_a_group(sqlite_web: ApiWorld) -> None:
    web = sqlite_web
    ids = [web.open_ticket(title=f"Refund totals look wrong {n}")["id"] for n in range(3)]
    lena = browser(web, "lena")
    page = lena.get("/?shown=2")
    assert listed(page.text, "on_track") == ids[:2]
    assert 'href="?shown=52#on_track">Show 1 more of 1</a>' in page.text
    assert listed(lena.get("/?shown=52").text, "on_track") == ids


def test_the_live_fragment_is_the_board_body_alone(sqlite_web: ApiWorld) -> None:
    web = sqlite_web
    ticket = web.open_ticket(title="Refund totals look wrong")["id"]
    live = browser(web, "lena").get("/board/live?owner=lena")
    assert live.text.startswith('<div id="board-body"')
    assert 'hx-get="/board/live?owner=lena"' in live.text
    assert listed(live.text, "on_track") == [ticket]
