"""Paging chains: a Sev1 pages the primary, then the secondary, the tier lead and the manager,
each after the step's minutes unless somebody acknowledges -- at exact instants, once each,
every step on the timeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from sevflow.domain.errors import IllegalTransition, InvalidInput
from sevflow.domain.escalation import decide, run_due
from sevflow.domain.oncall import HandoffKind, Layer, OnCallBook, Schedule
from sevflow.domain.paging_policy import DEFAULT_CHAIN, PageStep, PageTarget, PagingPolicy
from sevflow.domain.policy import Policy, Role
from sevflow.domain.projection import project
from sevflow.domain.severity import Severity
from sevflow.domain.status import Status
from sevflow.domain.tickets import Ticket
from tests.unit.policy_builder import make_policy, utc

T0 = utc(2026, 1, 5, 9)  # a Monday
MIN = timedelta(minutes=1)


def paging(
    *steps: PageStep, repeat: int = 0, events: tuple[str, ...] = ("created", "severity_changed")
) -> PagingPolicy:
    chain = steps or tuple(PageStep(target, 5) for target in DEFAULT_CHAIN)
    return PagingPolicy(frozenset({Severity.SEV1}), frozenset(events), chain, repeat)


def policy_with(p: PagingPolicy | None = None, **kwargs: object) -> Policy:
    # owners have ten hours to accept, so no ownership handoff interferes with the pages
    return replace(make_policy(accept_within=600), paging=p or paging(), **kwargs)  # type: ignore[arg-type]


def sev1(policy: Policy, *, now: datetime = T0) -> Ticket:
    return Ticket.open(
        policy,
        now=now,
        actor="ana",
        title="Checkout down for everyone",
        service_line="payments",
        customer="Globex",
        customer_tier="enterprise",
        severity=Severity.SEV1,
        severity_reason="outage",
    )


def pages(t: Ticket) -> list[tuple[str, str | None, str | None]]:
    """(kind, to/by, key) of the paging events recorded since the last call."""
    out = []
    for e in t.pending:
        if e.kind.value.startswith("page"):
            who = e.data.get("to") if e.kind.value == "paged" else e.actor
            out.append((e.kind.value, who, e.key))
    t.pending.clear()
    return out


def page_notices(t: Ticket) -> list[tuple[str, tuple[str, ...], tuple[Role, ...], bool]]:
    out = [
        (n.event_kind, n.recipients, n.roles, n.urgent)
        for _, n in t.outbox
        if n.event_kind.startswith("page")
    ]
    t.outbox.clear()
    return out


def test_a_sev1_pages_primary_secondary_lead_and_manager_five_minutes_apart_then_gives_up() -> None:
    t = sev1(policy_with())
    assert pages(t) == [("paged", "pat", "page:1")]
    assert page_notices(t) == [("paged", ("pat",), (Role.ON_CALL,), True)]
    assert t.page is not None
    assert t.page.ack_due_at == T0 + 5 * MIN

    assert [d.at for d in decide(t, T0).upcoming if d.key.startswith("page")] == [T0 + 5 * MIN]
    run_due(t, T0 + 5 * MIN - timedelta(seconds=1))
    assert pages(t) == []
    run_due(t, T0 + 5 * MIN)
    assert pages(t) == [("paged", "sam", "page:1:0:0")]
    assert page_notices(t) == [("paged", ("sam",), (Role.SECONDARY,), True)]
    run_due(t, T0 + 10 * MIN)
    assert pages(t) == [("paged", "l1-lead", "page:1:0:1")]
    assert page_notices(t) == [("paged", ("l1-lead",), (Role.TIER_LEAD,), True)]
    run_due(t, T0 + 15 * MIN)
    assert pages(t) == [("paged", "maria", "page:1:0:2")]
    assert page_notices(t) == [("paged", ("maria",), (Role.MANAGER,), True)]
    assert t.page is not None
    assert t.page.paged == ("pat", "sam", "l1-lead", "maria")
    run_due(t, T0 + 20 * MIN)
    assert pages(t) == [("page_exhausted", "sevflow", "page:1:0:3")]
    assert page_notices(t) == [("page_exhausted", ("maria",), (Role.MANAGER,), True)]
    assert t.page is None
    assert [d for d in decide(t, T0 + 20 * MIN).upcoming if d.key.startswith("page")] == []


def test_each_page_says_why_and_whom_on_the_timeline() -> None:
    t = sev1(policy_with())
    run_due(t, T0 + 5 * MIN)
    reasons = [e.reason for e in t.pending if e.kind.value == "paged"]
    assert reasons == [
        "created: paging pat (primary), to acknowledge within 5 minutes",
        "pat did not acknowledge within 5 minutes: paging sam (secondary), to acknowledge within 5 minutes",
    ]
    second = [e for e in t.pending if e.kind.value == "paged"][1]
    assert second.data == {
        "page": 1,
        "round": 0,
        "step": 1,
        "to": "sam",
        "target": "secondary",
        "ack_due_at": (T0 + 10 * MIN).isoformat(),
        "trigger": "created",
        "paged": ["pat", "sam"],
        "opened_at": T0.isoformat(),
    }


def test_an_acknowledgement_stops_the_chain_and_tells_those_paged_before() -> None:
    t = sev1(policy_with())
    run_due(t, T0 + 5 * MIN)
    pages(t)
    page_notices(t)
    assert t.acknowledge_page(now=T0 + 7 * MIN, actor="sam", via="link", page=1) is True
    ack = [e for e in t.pending if e.kind.value == "page_acknowledged"]
    assert [(e.actor, e.data["via"], e.data["after_seconds"], e.data["paged"]) for e in ack] == [
        ("sam", "link", 420, ["pat", "sam"])
    ]
    assert page_notices(t) == [("page_acknowledged", ("pat",), (Role.ON_CALL,), False)]
    assert t.page is None
    run_due(t, T0 + 60 * MIN)
    assert pages(t) == [("page_acknowledged", "sam", None)]


def test_acknowledging_a_page_that_is_over_is_harmless_and_without_one_is_refused() -> None:
    t = sev1(policy_with())
    t.acknowledge_page(now=T0 + MIN, actor="pat", via="api")
    assert t.acknowledge_page(now=T0 + 2 * MIN, actor="sam", via="link", page=1) is False
    with pytest.raises(IllegalTransition, match="no open page"):
        t.acknowledge_page(now=T0 + 2 * MIN, actor="sam", via="api")
    with pytest.raises(InvalidInput, match="acknowledgement channel"):
        t.acknowledge_page(now=T0 + 2 * MIN, actor="sam", via="fax")


def test_accepting_ownership_acknowledges_the_page() -> None:
    t = sev1(policy_with())
    pages(t)
    t.accept_ownership(now=T0 + 2 * MIN, agent="pat")
    ack = [e for e in t.pending if e.kind.value == "page_acknowledged"]
    assert [(e.actor, e.data["via"]) for e in ack] == [("pat", "ownership")]
    assert t.page is None


def test_resolving_the_ticket_ends_the_page_without_an_acknowledgement() -> None:
    t = sev1(policy_with())
    t.change_status(Status.IN_PROGRESS, now=T0 + MIN, actor="pat")
    t.change_status(Status.RESOLVED, now=T0 + 2 * MIN, actor="pat")
    assert t.page is None
    run_due(t, T0 + 30 * MIN)
    assert [k for k, _, _ in pages(t)] == ["paged"]


def test_a_second_page_opens_only_after_the_first_is_over() -> None:
    t = sev1(policy_with(paging(events=("created", "impact_updated"))))
    t.update_impact(50, now=T0 + MIN, actor="ana")  # a page is open: no second one
    assert pages(t) == [("paged", "pat", "page:1")]
    t.acknowledge_page(now=T0 + 2 * MIN, actor="pat", via="api")
    t.update_impact(500, now=T0 + 3 * MIN, actor="ana")
    assert pages(t) == [("page_acknowledged", "pat", None), ("paged", "pat", "page:2")]
    assert t.pages_opened == 2


def test_tickets_below_the_paging_severities_page_nobody() -> None:
    t = Ticket.open(
        policy_with(),
        now=T0,
        actor="ana",
        title="Invoice typo",
        service_line="payments",
        customer="Globex",
        customer_tier="standard",
    )
    assert t.severity is Severity.SEV3
    assert pages(t) == []
    t.override_severity(Severity.SEV1, now=T0 + MIN, actor="lena", reason="it is an outage after all")
    assert pages(t) == [("paged", "pat", "page:1")]


def test_the_chain_repeats_and_pages_the_same_person_again_in_a_new_round() -> None:
    p = paging(PageStep(PageTarget.PRIMARY, 3), PageStep(PageTarget.SECONDARY, 4), repeat=1)
    t = sev1(policy_with(p))
    for minute in (3, 7, 10, 14):
        run_due(t, T0 + minute * MIN)
    assert pages(t) == [
        ("paged", "pat", "page:1"),
        ("paged", "sam", "page:1:0:0"),
        ("paged", "pat", "page:1:0:1"),
        ("paged", "sam", "page:1:1:0"),
        ("page_exhausted", "sevflow", "page:1:1:1"),
    ]


def test_a_step_that_would_page_the_person_just_paged_is_skipped() -> None:
    # the primary owner is also the secondary: the chain goes straight to the tier lead
    policy = replace(make_policy(accept_within=600, primary="sam"), paging=paging())
    t = sev1(policy)
    run_due(t, T0 + 5 * MIN)
    assert pages(t) == [("paged", "sam", "page:1"), ("paged", "l1-lead", "page:1:0:0")]
    assert t.page is not None
    assert (t.page.step, t.page.target) == (2, PageTarget.TIER_LEAD)


def test_the_primary_and_secondary_come_from_the_on_call_rotation_at_the_moment_of_paging() -> None:
    daily = Layer("primary", ("jonas", "mei"), HandoffKind.DAILY, time(10), None, date(2026, 1, 5), "UTC")
    second = Layer("secondary", ("ingrid",), HandoffKind.DAILY, time(10), None, date(2026, 1, 5), "UTC")
    book = OnCallBook({"payments-l1": Schedule("payments-l1", "UTC", (daily, second))})
    p = paging(
        PageStep(PageTarget.PRIMARY, 30), PageStep(PageTarget.SECONDARY, 30), PageStep(PageTarget.PRIMARY, 30)
    )
    # opened at 09:40 on Monday: jonas's shift started on Sunday... the rotation starts Monday
    # 10:00, so before it the first layer has nobody and the owner is paged
    t = sev1(policy_with(p, oncall=book), now=utc(2026, 1, 5, 9, 40))
    run_due(t, utc(2026, 1, 5, 10, 10))
    run_due(t, utc(2026, 1, 5, 10, 40))
    assert pages(t) == [
        ("paged", "pat", "page:1"),
        ("paged", "ingrid", "page:1:0:0"),
        ("paged", "jonas", "page:1:0:1"),
    ]


def test_a_replayed_or_reloaded_ticket_has_the_same_open_page() -> None:
    t = sev1(policy_with())
    run_due(t, T0 + 5 * MIN)
    events = list(t.pending)
    replayed = Ticket.replay(t.policy, events)
    assert replayed.state_equals(t)
    reloaded = Ticket.from_snapshot(t.policy, t.to_snapshot())
    assert reloaded.page == t.page
    assert reloaded.pages_opened == 1
    assert decide(reloaded, T0 + 10 * MIN).due_now[0].key == "page:1:0:1"


def test_a_paging_policy_refuses_events_that_cannot_open_a_page_and_empty_chains() -> None:
    with pytest.raises(ValueError, match="cannot open a page: paged"):
        PagingPolicy(frozenset({Severity.SEV1}), frozenset({"paged"}), (PageStep(PageTarget.PRIMARY, 5),))
    with pytest.raises(ValueError, match="at least one step"):
        PagingPolicy(frozenset({Severity.SEV1}), frozenset({"created"}), ())


def test_the_plan_preview_shows_who_will_be_paged_when_if_nobody_acknowledges() -> None:
    t = sev1(policy_with(paging(PageStep(PageTarget.PRIMARY, 5), PageStep(PageTarget.MANAGER, 10))))
    t.pending.clear()
    steps = [
        (s.event.at, s.event.kind.value, s.event.data.get("to"))
        for s in project(t, T0, horizon=timedelta(hours=1))
        if s.event.kind.value.startswith("page")
    ]
    assert steps == [
        (T0 + 5 * MIN, "paged", "maria"),
        (T0 + 15 * MIN, "page_exhausted", None),
    ]
    assert t.page is not None
    assert t.page.to == "pat"  # the preview changed nothing
