"""The ticket page: clocks, the timeline with the notifications each event queued, and its
forms — each posting to the same services as the API, with errors next to their fields and a
stale form applying nothing. Starter policy, T0 = Monday 2026-03-02 09:30 UTC."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from sevflow.domain.delivery import Attempt, Outcome
from sevflow.services import tickets as service
from sevflow.services.actors import Actor
from tests.api.world import ApiWorld
from tests.web.conftest import browser, csrf_of

CHECKOUT = {"title": "Checkout down for all EU customers", "services": ["checkout"]}  # Sev2, omar


def timeline(html: str) -> list[tuple[str, str]]:
    """(kind, actor) of each timeline entry, newest first, as the page lists them."""
    part = html[html.index('<ol class="timeline"') : html.index("</ol>")]
    found = re.findall(
        r'data-kind="(\w+)">\s*<div class="when"><time[^>]*>[^<]*</time> · ([^<]+)</div>', part
    )
    return [(kind, who.strip()) for kind, who in found]


def forms(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="/tickets/\d+/(\w+)"', html)


def post(client: TestClient, path: str, page: str, **fields: str) -> object:
    version = re.search(r'name="version" value="(\d+)"', page)
    seen = re.search(r'name="seen" value="(\d+)"', page)
    assert version is not None
    assert seen is not None
    data = {"csrf_token": csrf_of(page), "version": version.group(1), "seen": seen.group(1), **fields}
    return client.post(path, data=data)


def test_the_page_shows_the_ticket_its_clocks_and_a_timeline_with_the_notifications_sent(
    web: ApiWorld,
) -> None:
    tid = web.open_ticket(**CHECKOUT)["id"]
    page = browser(web, "lena").get(f"/tickets/{tid}")
    assert page.status_code == 200
    assert f"<h1>#{tid} Checkout down for all EU customers</h1>" in page.text
    assert timeline(page.text) == [("assigned", "sevflow"), ("created", "ana")]
    assert "Notified omar (urgent) · pending" in page.text
    assert re.findall(r"<h3>(first response|next update|resolution)</h3>", page.text) == [
        "first response",
        "next update",
        "resolution",
    ]
    assert "0.0 % of 30m 0s (24x7) · running" in page.text


def test_escalating_with_a_reason_adds_the_entry_to_the_timeline(web: ApiWorld) -> None:
    tid = web.open_ticket(**CHECKOUT)["id"]
    lena = browser(web, "lena")
    page = lena.get(f"/tickets/{tid}").text
    done = post(
        lena, f"/tickets/{tid}/escalate", page, to_tier="L2", reason="Card processor confirms an outage"
    )
    assert (done.status_code, done.headers["location"]) == (303, f"/tickets/{tid}#timeline")  # type: ignore[attr-defined]
    after = lena.get(f"/tickets/{tid}").text
    # the L2 team's owner takes over at once
    assert timeline(after)[:2] == [("assigned", "sevflow"), ("escalated", "lena")]
    assert "L1 → L2 (payments-l2)" in after
    assert "Why: Card processor confirms an outage" in after


def test_a_missing_reason_is_named_next_to_its_field_and_nothing_is_written(web: ApiWorld) -> None:
    tid = web.open_ticket(**CHECKOUT)["id"]
    lena = browser(web, "lena")
    page = lena.get(f"/tickets/{tid}").text
    refused = post(lena, f"/tickets/{tid}/escalate", page, to_tier="L2", reason="  ")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    text = refused.text  # type: ignore[attr-defined]
    assert 'aria-invalid="true" aria-describedby="err-escalate-reason"' in text
    assert '<p class="error" id="err-escalate-reason">a reason is required</p>' in text
    assert timeline(text) == [("assigned", "sevflow"), ("created", "ana")]


def test_a_stale_form_applies_nothing_and_shows_what_changed_keeping_what_was_typed(web: ApiWorld) -> None:
    tid = web.open_ticket(**CHECKOUT)["id"]
    lena = browser(web, "lena")
    page = lena.get(f"/tickets/{tid}").text
    service.add_comment(
        web.box.uow_factory(),
        clock=web.clock,
        actor=Actor("omar"),
        ticket_id=tid,
        body="Rolling back the deploy",
    )
    stale = post(lena, f"/tickets/{tid}/severity", page, severity="Sev1", reason="Every EU customer is down")
    assert stale.status_code == 409  # type: ignore[attr-defined]
    text = stale.text  # type: ignore[attr-defined]
    assert "This ticket changed while you were looking" in text
    assert "2026-03-02 09:30 UTC · omar · commented" in text
    assert ">Every EU customer is down</textarea>" in text
    assert '<option value="Sev1" selected>Sev1</option>' in text
    assert timeline(text)[0] == ("commented", "omar")  # and no severity change


def test_a_viewer_sees_the_ticket_but_no_action_forms(web: ApiWorld) -> None:
    tid = web.open_ticket(**CHECKOUT)["id"]
    page = browser(web, "vic").get(f"/tickets/{tid}").text
    assert forms(page) == []
    assert "Your role can look at this ticket but not act on it." in page


def test_each_role_is_offered_the_forms_its_role_may_use(sqlite_web: ApiWorld) -> None:
    tid = sqlite_web.open_ticket(**CHECKOUT)["id"]
    offered = {
        user: forms(browser(sqlite_web, user).get(f"/tickets/{tid}").text)
        for user in ("ana", "lena", "omar", "cora")
    }
    assert offered == {
        "ana": ["comment", "escalate", "status", "severity", "take"],
        "lena": ["comment", "escalate", "status", "severity", "take"],
        "omar": ["comment", "escalate", "status", "severity", "accept"],
        "cora": ["comment", "escalate"],
    }


def test_a_customer_sees_no_internal_comment_and_no_notifications(sqlite_web: ApiWorld) -> None:
    tid = sqlite_web.open_ticket(**CHECKOUT)["id"]
    service.add_comment(
        sqlite_web.box.uow_factory(),
        clock=sqlite_web.clock,
        actor=Actor("omar"),
        ticket_id=tid,
        body="Suspect the EU card gateway",
        public=False,
    )
    page = browser(sqlite_web, "cora").get(f"/tickets/{tid}").text
    assert "Suspect the EU card gateway" not in page
    assert "Notified" not in page
    assert "staff only (internal)" not in page
    assert timeline(page) == [("created", "ana")]


def test_a_viewer_posting_a_form_anyway_is_refused_and_the_refusal_audited(sqlite_web: ApiWorld) -> None:
    tid = sqlite_web.open_ticket(**CHECKOUT)["id"]
    vic = browser(sqlite_web, "vic")
    page = vic.get(f"/tickets/{tid}").text  # no forms: the sign-out form's token, a made-up version
    refused = vic.post(
        f"/tickets/{tid}/comment",
        data={"csrf_token": csrf_of(page), "version": "1", "seen": "2", "body": "hello"},
    )
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "ticket.comment needs one of the roles" in refused.text  # type: ignore[attr-defined]
    trail = sqlite_web.request("GET", f"/api/tickets/{tid}/audit", as_="lena").json()
    assert [(r["actor"], r["action"], r["outcome"]) for r in trail["refused"]] == [
        ("vic", "ticket.comment", "denied")
    ]


def test_an_unknown_ticket_is_a_404_page(sqlite_web: ApiWorld) -> None:
    missing = browser(sqlite_web, "lena").get("/tickets/999")
    assert missing.status_code == 404
    assert "there is no ticket #999" in missing.text


def test_the_timeline_says_how_each_notification_was_delivered(sqlite_web: ApiWorld) -> None:
    tid = sqlite_web.open_ticket(**CHECKOUT)["id"]
    with sqlite_web.box.uow_factory() as uow:
        [message] = uow.outbox.claim(sqlite_web.clock.now(), 10, lease=timedelta(minutes=2))
        failed = Attempt(sqlite_web.clock.now(), "webhook", "hooks.example/x", Outcome.FAILED, 20.0, 503)
        uow.outbox.record_attempt(message, failed, retry_at=sqlite_web.clock.now())
        uow.commit()
    with sqlite_web.box.uow_factory() as uow:
        [message] = uow.outbox.claim(sqlite_web.clock.now(), 10, lease=timedelta(minutes=2))
        ok = Attempt(sqlite_web.clock.now(), "webhook", "hooks.example/x", Outcome.DELIVERED, 9.0, 200)
        uow.outbox.record_attempt(message, ok, retry_at=None)
        uow.commit()
    page = browser(sqlite_web, "lena").get(f"/tickets/{tid}").text
    assert "Notified omar (urgent) · sent after 2 attempts" in page


PAGING = "\npaging:\n  events: [created]\n  ack_within: 5m\n"


def test_a_paged_ticket_says_who_is_paged_and_acknowledging_from_the_page_stops_the_chain(
    web: ApiWorld,
) -> None:
    text = web.box.settings.policy_path.read_text(encoding="utf-8") + PAGING
    uploaded = web.request(
        "POST", "/api/policy", as_="root", content=text.encode(), headers={"Content-Type": "application/yaml"}
    )
    assert uploaded.status_code == 201, uploaded.text
    tid = web.open_ticket(title="Checkout down", severity="Sev1", severity_reason="outage")["id"]
    omar = browser(web, "omar")
    page = omar.get(f"/tickets/{tid}").text
    assert "<strong>Paging ingrid</strong> (primary, page 1):" in page
    assert "the next in the chain is paged at" in page
    assert "ack" in forms(page)
    form = page[page.index(f'action="/tickets/{tid}/ack"') :]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form[: form.index("</form>")]))
    assert fields["page"] == "1"
    done = omar.post(f"/tickets/{tid}/ack", data=fields)
    assert done.status_code == 303
    after = omar.get(f"/tickets/{tid}").text
    assert "Paging ingrid" not in after
    assert "ack" not in forms(after)
    assert timeline(after)[0] == ("page_acknowledged", "omar")
    assert "page 1 via dashboard" in after
