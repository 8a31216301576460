"""Paging with acknowledgement: page the chain one step at a time until somebody acknowledges.

An event the policy's ``paging`` section names (e.g. a Sev1 created or breached) opens a page
on a ticket that has none open: ``PAGED`` goes to the chain's first step, with a timer at
``ack_due_at``. When that passes unacknowledged the engine (``domain.escalation``) calls
``page_next``: the next step is paged (a step whose person is unknown, or who was just paged,
is skipped), then the chain starts over for ``repeat`` more rounds, then the page is
``PAGE_EXHAUSTED`` and the manager is told. ``acknowledge`` ends the page; so does anybody
accepting ownership of the ticket, and the ticket being resolved or closed (the fold). Every
step is an event on the timeline, and the people paged are recorded on the page.

Timer keys: ``page:{number}`` opens page N, ``page:{number}:{round}:{step}`` is the timeout of
that step of that round (it pages the next step, or gives up).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sevflow.domain.errors import IllegalTransition, InvalidInput
from sevflow.domain.events import SYSTEM, Event, EventKind
from sevflow.domain.paging_policy import PageStep, PageTarget, PagingPolicy
from sevflow.domain.policy import Role

if TYPE_CHECKING:
    from sevflow.domain.tickets import Ticket

ROLE_OF = {
    PageTarget.PRIMARY: Role.ON_CALL,
    PageTarget.SECONDARY: Role.SECONDARY,
    PageTarget.TIER_LEAD: Role.TIER_LEAD,
    PageTarget.MANAGER: Role.MANAGER,
}
"""The policy role a page to each step is routed as (``notifications.routes`` can match it)."""

VIAS = ("api", "dashboard", "link", "cli", "ownership")
"""How an acknowledgement arrived."""


@dataclass(frozen=True)
class PageState:
    """The open page of a ticket: page ``number`` is at ``step`` of ``round`` (both from 0),
    paged ``to`` at ``paged_at``; unacknowledged at ``ack_due_at`` it moves on. ``paged`` lists
    everyone paged so far, in order."""

    number: int
    round: int
    step: int
    to: str
    target: PageTarget
    paged_at: datetime
    ack_due_at: datetime
    trigger: str
    paged: tuple[str, ...]
    opened_at: datetime

    @property
    def timeout_key(self) -> str:
        return f"page:{self.number}:{self.round}:{self.step}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "round": self.round,
            "step": self.step,
            "to": self.to,
            "target": self.target.value,
            "paged_at": self.paged_at.isoformat(),
            "ack_due_at": self.ack_due_at.isoformat(),
            "trigger": self.trigger,
            "paged": list(self.paged),
            "opened_at": self.opened_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageState:
        return cls(
            number=int(data["number"]),
            round=int(data["round"]),
            step=int(data["step"]),
            to=str(data["to"]),
            target=PageTarget(data["target"]),
            paged_at=datetime.fromisoformat(data["paged_at"]),
            ack_due_at=datetime.fromisoformat(data["ack_due_at"]),
            trigger=str(data["trigger"]),
            paged=tuple(data["paged"]),
            opened_at=datetime.fromisoformat(data["opened_at"]),
        )


def person_for(t: Ticket, target: PageTarget, at: datetime) -> str | None:
    """Who ``target`` is for ``t`` at ``at`` (see ``PageTarget``)."""
    line = t.policy.service_lines[t.service_line]
    schedule = t.policy.oncall.schedules.get(t.team)
    oncall = None if schedule is None else schedule.who(at)
    if target is PageTarget.PRIMARY:
        if oncall is not None and oncall.primary is not None:
            return oncall.primary
        return t.owner or line.owners[t.severity].primary
    if target is PageTarget.SECONDARY:
        if oncall is not None and oncall.secondary is not None:
            return oncall.secondary
        return line.owners[t.severity].secondary
    if target is PageTarget.TIER_LEAD:
        team = next((x for x in line.teams.values() if x.name == t.team), line.teams[t.tier])
        return team.lead
    return line.manager


def after_event(t: Ticket, event: Event) -> None:
    """React to an event just recorded on ``t``: open a page, or end one on ownership."""
    paging = t.policy.paging
    if paging is None:
        return
    if t.page is not None:
        if event.kind is EventKind.OWNERSHIP_ACCEPTED:
            _acknowledged(t, now=event.at, actor=event.actor, via="ownership", note=None)
        return
    if t.status.is_open and paging.opens_on(event.kind.value, t.severity):
        number = t.pages_opened + 1
        what = event.kind.value.replace("_", " ")
        _page(t, paging, number=number, round_=0, first=0, now=event.at, key=f"page:{number}", why=what)


def page_next(t: Ticket, *, now: datetime, key: str) -> None:
    """The open page's step timed out: page the next step, start the next round, or give up."""
    page, paging = t.page, t.policy.paging
    assert page is not None
    assert paging is not None
    why = f"{page.to} did not acknowledge within {paging.steps[page.step].ack_within_minutes} minutes"
    if page.step + 1 < len(paging.steps):
        _page(
            t, paging, number=page.number, round_=page.round, first=page.step + 1, now=now, key=key, why=why
        )
    elif page.round < paging.repeat:
        _page(t, paging, number=page.number, round_=page.round + 1, first=0, now=now, key=key, why=why)
    else:
        _exhaust(t, now=now, key=key, why=why)


def _page(
    t: Ticket,
    paging: PagingPolicy,
    *,
    number: int,
    round_: int,
    first: int,
    now: datetime,
    key: str,
    why: str,
) -> None:
    # within a round nobody is paged twice in a row; a new round starts over with everyone
    previous = t.page.to if t.page is not None and t.page.round == round_ else None
    for index in range(first, len(paging.steps)):
        step = paging.steps[index]
        person = person_for(t, step.to, now)
        if person is None or person == previous:
            continue
        _record_page(
            t, step, number=number, round_=round_, index=index, person=person, now=now, key=key, why=why
        )
        return
    if round_ < paging.repeat:  # nobody left in this round: the next one starts at once
        _page(t, paging, number=number, round_=round_ + 1, first=0, now=now, key=key, why=why)
    else:
        _exhaust(t, now=now, key=key, why=why)


def _record_page(
    t: Ticket,
    step: PageStep,
    *,
    number: int,
    round_: int,
    index: int,
    person: str,
    now: datetime,
    key: str,
    why: str,
) -> None:
    ack_due_at = now + timedelta(minutes=step.ack_within_minutes)
    trigger = why if t.page is None else t.page.trigger
    paged = (*t.page.paged, person) if t.page is not None else (person,)
    opened_at = now if t.page is None else t.page.opened_at
    event = Event(
        EventKind.PAGED,
        now,
        SYSTEM,
        {
            "page": number,
            "round": round_,
            "step": index,
            "to": person,
            "target": step.to.value,
            "ack_due_at": ack_due_at.isoformat(),
            "trigger": trigger,
            "paged": list(dict.fromkeys(paged)),
            "opened_at": opened_at.isoformat(),
        },
        reason=f"{why}: paging {person} ({step.to.value.replace('_', ' ')}), "
        f"to acknowledge within {step.ack_within_minutes} minutes",
        key=key,
    )
    t.record(event)
    t.notify(event, [ROLE_OF[step.to]], urgent=True, recipients=(person,))


def _exhaust(t: Ticket, *, now: datetime, key: str, why: str) -> None:
    """Give up: everyone was paged and nobody acknowledged (or nobody could be paged at all,
    when the page is only opening: ``key`` is then the opening key)."""
    page = t.page
    number = page.number if page is not None else t.pages_opened + 1
    paged = list(page.paged) if page is not None else []
    event = Event(
        EventKind.PAGE_EXHAUSTED,
        now,
        SYSTEM,
        {"page": number, "paged": paged},
        reason=f"{why}; nobody acknowledged page {number}",
        key=key,
    )
    t.record(event)
    t.notify(event, [Role.MANAGER], urgent=True)


def acknowledge(
    t: Ticket, *, now: datetime, actor: str, via: str, page: int | None = None, note: str | None = None
) -> bool:
    """``actor`` acknowledges the open page (page number ``page``, if given: a link names the
    page it was sent for). ``False`` when that page is already over (acknowledged, exhausted,
    or the ticket closed): acknowledging twice is harmless. ``IllegalTransition`` when the
    ticket has no open page and none is named."""
    if via not in VIAS:
        raise InvalidInput.unknown("acknowledgement channel", via, VIAS)
    current = t.page
    if current is None or (page is not None and page != current.number):
        if page is not None:
            return False
        raise IllegalTransition("the ticket has no open page to acknowledge")
    _acknowledged(t, now=now, actor=actor, via=via, note=note)
    return True


def _acknowledged(t: Ticket, *, now: datetime, actor: str, via: str, note: str | None) -> None:
    page = t.page
    assert page is not None
    minutes = (now - page.paged_at).total_seconds() / 60
    event = Event(
        EventKind.PAGE_ACKNOWLEDGED,
        now,
        actor,
        {
            "page": page.number,
            "round": page.round,
            "step": page.step,
            "paged": list(page.paged),
            "via": via,
            "after_seconds": round((now - page.opened_at).total_seconds()),
        },
        reason=note or f"acknowledged by {actor} via {via}, {minutes:.0f} min after the last page",
    )
    t.record(event)
    others = tuple(p for p in page.paged if p != actor)
    if others:
        t.notify(event, [Role.ON_CALL], recipients=others)
