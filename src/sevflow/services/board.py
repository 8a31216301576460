"""The SLA board and the queues: open tickets grouped by SLA state and severity, read from the
stored SLA marks (``domain.sla_marks``), so thousands of tickets are grouped without loading one;
queues are in the order of ``sla_marks.urgency``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from sevflow.domain.access import Action
from sevflow.domain.records import BoardQuery, TicketRow
from sevflow.domain.severity import Severity
from sevflow.domain.sla_marks import BoardGroup, group_of, seconds_left, urgency
from sevflow.services.actors import Actor
from sevflow.services.ports import UnitOfWork

GROUP_ORDER = (BoardGroup.BREACHED, BoardGroup.AT_RISK, BoardGroup.ON_TRACK, BoardGroup.PAUSED)
SEVERITIES = tuple(Severity)


@dataclass(frozen=True)
class BoardItem:
    row: TicketRow
    group: BoardGroup
    stalled: bool
    seconds_left: float | None
    """Wall-clock seconds to the nearest deadline (negative: overdue); ``None``: no clock runs."""
    owner_load: int | None = None
    """Open tickets the owner holds (queues only)."""

    @property
    def severity(self) -> Severity:
        return Severity(self.row.severity)


@dataclass(frozen=True)
class BoardSection:
    group: BoardGroup
    count: int
    items: tuple[BoardItem, ...]
    """The first ones, most urgent first; ``count`` is how many there are in all."""


@dataclass(frozen=True)
class Board:
    now: datetime
    query: BoardQuery
    total: int
    counts: dict[tuple[Severity, BoardGroup], int]
    sections: tuple[BoardSection, ...]
    stalled: int
    """How many of the board's tickets are stalled."""

    def count(self, severity: Severity, group: BoardGroup) -> int:
        return self.counts.get((severity, group), 0)


def _item(row: TicketRow, now: datetime) -> BoardItem:
    marks = row.marks
    return BoardItem(row, marks.group_at(now), marks.stalled(now), seconds_left(marks.deadline_at, now))


def _visible_query(actor: Actor, query: BoardQuery) -> BoardQuery:
    actor.require(Action.TICKET_READ)
    if actor.is_customer and actor.account is not None:
        return replace(query, customer=actor.organisation or "")
    return query


def sla_board(
    uow: UnitOfWork,
    *,
    now: datetime,
    actor: Actor,
    query: BoardQuery,
    shown: int = 50,
    severity: Severity | None = None,
) -> Board:
    """The open tickets matching ``query`` (a customer sees their organisation's only), counted
    per severity and group at ``now``; each group lists its ``shown`` most urgent (only those of
    ``severity`` if given: the counts stay whole). Every ticket is grouped from its marks alone;
    only the listed ones are read whole."""
    query = _visible_query(actor, query)
    counts: Counter[tuple[Severity, BoardGroup]] = Counter()
    members: dict[BoardGroup, list[tuple[tuple[int, float, int], int]]] = {g: [] for g in GROUP_ORDER}
    stalled = 0
    with uow:
        for m in uow.tickets.board_marks(query):
            sev = Severity(m.severity)
            group = group_of(m.breached, m.deadline_at, m.at_risk_at, m.paused, now)
            counts[sev, group] += 1
            if m.stalled_at is not None and m.stalled_at <= now:
                stalled += 1
            if severity is None or sev is severity:
                key = urgency(seconds_left(m.deadline_at, now), sev, m.id)
                members[group].append((key, m.id))
        listed = {g: [i for _, i in sorted(ms)[: max(0, shown)]] for g, ms in members.items()}
        rows = {r.id: r for r in uow.tickets.rows_by_id([i for ids in listed.values() for i in ids])}
    sections = tuple(
        BoardSection(g, len(members[g]), tuple(_item(rows[i], now) for i in listed[g] if i in rows))
        for g in GROUP_ORDER
    )
    return Board(
        now=now,
        query=query,
        total=sum(counts.values()),
        counts=dict(counts),
        sections=sections,
        stalled=stalled,
    )


@dataclass(frozen=True)
class Queue:
    """One service line's queue, or one team's: its open tickets by urgency, with loads."""

    name: str
    kind: str
    """``service_line`` or ``team``."""
    total: int
    items: tuple[BoardItem, ...]
    loads: dict[str, int] = field(default_factory=dict)
    """Open tickets (across all queues) per owner of the tickets shown."""


def queue(
    uow: UnitOfWork,
    *,
    now: datetime,
    actor: Actor,
    service_line: str | None = None,
    team: str | None = None,
    shown: int = 100,
) -> Queue:
    """The queue of one service line or one team (exactly one of them), most urgent first, each
    ticket with its owner's current load."""
    if (service_line is None) == (team is None):
        raise ValueError("a queue is one service line's or one team's: give exactly one")
    query = _visible_query(actor, BoardQuery(service_line=service_line, team=team))
    with uow:
        marks = uow.tickets.board_marks(query)
        order = sorted(
            marks,
            key=lambda m: urgency(seconds_left(m.deadline_at, now), Severity(m.severity), m.id),
        )
        rows = uow.tickets.rows_by_id([m.id for m in order[: max(0, shown)]])
        owners = sorted({r.owner for r in rows if r.owner is not None})
        loads = dict(uow.agents.staffing(owners).load) if owners else {}
    shown_items = tuple(
        replace(_item(r, now), owner_load=None if r.owner is None else loads.get(r.owner, 0)) for r in rows
    )
    return Queue(
        name=service_line or team or "",
        kind="service_line" if service_line is not None else "team",
        total=len(marks),
        items=shown_items,
        loads=loads,
    )


@dataclass(frozen=True)
class BoardChoices:
    """What a board can be filtered by, from the active policy."""

    service_lines: tuple[str, ...]
    teams: tuple[str, ...]
    tiers: tuple[str, ...]
    customer_tiers: tuple[str, ...]
    people: tuple[str, ...]
    """Everyone the policy names as a team lead or member or an owner."""


def board_choices(uow: UnitOfWork) -> BoardChoices:
    with uow:
        policy = uow.policies.active()
    lines = policy.service_lines.values()
    teams = {team.name for line in lines for team in line.teams.values()}
    people = {p for line in lines for team in line.teams.values() for p in (team.lead, *team.members)}
    people |= {p for line in lines for pair in line.owners.values() for p in (pair.primary, pair.secondary)}
    return BoardChoices(
        service_lines=tuple(sorted(policy.service_lines)),
        teams=tuple(sorted(teams)),
        tiers=policy.tiers,
        customer_tiers=tuple(policy.customer_tiers),
        people=tuple(sorted(people)),
    )


@dataclass(frozen=True)
class PendingGate:
    """A decision gate waiting for a decision, and whether the one asking may decide it."""

    item: BoardItem
    gate: str
    due_at: datetime
    seconds_left: float
    approvers: tuple[str, ...]
    may_decide: bool
    """The actor may decide it (``Gate.refusal``: an approver role, not the ticket's owner)."""


def pending_gates(uow: UnitOfWork, *, now: datetime, actor: Actor) -> list[PendingGate]:
    """Every open ticket's pending decision gate, the soonest due first (the approvals inbox)."""
    actor.require(Action.TICKET_GATE)
    with uow:
        rows = [r for r in uow.tickets.board_rows(BoardQuery()) if r.marks.gate is not None]
        policies = {v: uow.policies.get(v) for v in {r.policy_version for r in rows}}
    found = []
    for row in rows:
        assert row.marks.gate is not None
        assert row.marks.gate_due_at is not None
        gate = policies[row.policy_version].gate(row.marks.gate)
        found.append(
            PendingGate(
                item=_item(row, now),
                gate=row.marks.gate,
                due_at=row.marks.gate_due_at,
                seconds_left=(row.marks.gate_due_at - now).total_seconds(),
                approvers=tuple(r.value for r in gate.approver_roles),
                may_decide=gate.refusal(actor=actor.name, roles=actor.roles, owner=row.owner) is None,
            )
        )
    return sorted(found, key=lambda g: (g.due_at, g.item.row.id))


@dataclass(frozen=True)
class QueueSummary:
    name: str
    kind: str
    """``service_line`` or ``team``."""
    open: int
    breached: int
    at_risk: int
    stalled: int


def queue_overview(uow: UnitOfWork, *, now: datetime, actor: Actor) -> list[QueueSummary]:
    """Every service line's and team's queue with its counts at ``now`` (lines first, by name;
    every line and team of the active policy, empty ones too)."""
    query = _visible_query(actor, BoardQuery())
    with uow:
        policy = uow.policies.active()
        rows = uow.tickets.board_rows(query)
    items = [_item(r, now) for r in rows]
    lines = sorted(policy.service_lines)
    teams = sorted({t.name for line in policy.service_lines.values() for t in line.teams.values()})
    counts: Counter[tuple[str, str, str]] = Counter()
    for i in items:
        for kind, name in (("service_line", i.row.service_line), ("team", i.row.team)):
            counts[kind, name, "open"] += 1
            counts[kind, name, i.group.value] += 1
            counts[kind, name, "stalled"] += i.stalled
    return [
        QueueSummary(
            name,
            kind,
            counts[kind, name, "open"],
            counts[kind, name, BoardGroup.BREACHED.value],
            counts[kind, name, BoardGroup.AT_RISK.value],
            counts[kind, name, "stalled"],
        )
        for kind, names in (("service_line", lines), ("team", teams))
        for name in names
    ]
