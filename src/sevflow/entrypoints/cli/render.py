"""Turning tickets and views into rich tables and JSON for the CLI. Instants are shown in the
viewer's zone (``--tz``, default UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.table import Table
from rich.text import Text

from sevflow.domain.events import Event
from sevflow.domain.tickets import Ticket
from sevflow.entrypoints.views import clock_json
from sevflow.services.queries import TicketView

SEVERITY_STYLE = {"Sev1": "bold white on red", "Sev2": "bold red", "Sev3": "yellow", "Sev4": "cyan"}


def when(value: datetime | None, zone: ZoneInfo) -> str:
    return "—" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def duration(seconds: int) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes or not parts else []
    return sign + " ".join(parts)


def ticket_summary(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "version": t.version,
        "title": t.title,
        "status": t.status.value,
        "severity": t.severity.value,
        "proposed_severity": t.proposed_severity.value,
        "service_line": t.service_line,
        "customer": t.customer,
        "customer_tier": t.customer_tier,
        "tier": t.tier,
        "team": t.team,
        "owner": t.owner,
        "owner_accepted": t.owner_accepted,
        "gate": t.gate.name if t.gate else None,
        "policy_version": t.policy_version,
        "created_at": t.created_at,
        "next_deadline_at": t.next_deadline_at(),
    }


def view_json(view: TicketView) -> dict[str, Any]:
    return {
        **ticket_summary(view.ticket),
        "clocks": [clock_json(c) for c in view.clocks],
        "plan": [
            {"key": d.key, "kind": d.kind.value, "due_at": d.at, "rule": d.rule} for d in view.plan.upcoming
        ],
        "timeline": [
            {
                "seq": s.seq,
                "at": s.event.at,
                "kind": s.event.kind.value,
                "actor": s.event.actor,
                "reason": s.event.reason,
                "rule": s.event.rule,
                "data": dict(s.event.data),
                "policy_version": s.policy_version,
            }
            for s in view.events
        ],
    }


def tickets_table(tickets: list[Ticket], zone: ZoneInfo) -> Table:
    table = Table(title=f"{len(tickets)} ticket(s)")
    for col in ("id", "sev", "status", "tier", "owner", "customer", "next deadline", "title"):
        table.add_column(col)
    for t in tickets:
        table.add_row(
            str(t.id),
            Text(t.severity.value, style=SEVERITY_STYLE[t.severity.value]),
            t.status.value,
            t.tier,
            t.owner or "—",
            f"{t.customer} ({t.customer_tier})",
            when(t.next_deadline_at(), zone),
            t.title[:60],
        )
    return table


def ticket_view(view: TicketView, zone: ZoneInfo) -> Group:
    t = view.ticket
    head = Text.assemble(
        (f"#{t.id} ", "bold"),
        (f" {t.severity.value} ", SEVERITY_STYLE[t.severity.value]),
        f"  {t.title}\n",
        f"status {t.status.value} · tier {t.tier} ({t.team}) · owner {t.owner or '—'}"
        f"{'' if t.owner_accepted else ' (not accepted yet)'} · {t.customer} ({t.customer_tier}) · "
        f"{t.service_line} · policy {t.policy_version}",
    )
    if t.gate:
        head.append(
            f"\ngate {t.gate.name} pending: decide by {when(t.gate.due_at, zone)}", style="bold magenta"
        )
    clocks = Table(title="SLA clocks")
    for col in ("clock", "state", "target", "elapsed", "remaining", "%", "deadline"):
        clocks.add_column(col)
    for c in view.clocks:
        style = "red" if c.breached else ("yellow" if c.percent >= 75 else "")
        clocks.add_row(
            c.kind.value,
            c.state.value + (" (breached)" if c.breached else ""),
            duration(c.target_seconds),
            duration(c.elapsed_seconds),
            duration(c.remaining_seconds),
            f"{c.percent:.0f}",
            when(c.deadline_at, zone),
            style=style,
        )
    plan = Table(title="If nobody acts (the engine run forward)")
    for col in ("at", "event", "why", "tier after", "owner after"):
        plan.add_column(col)
    for step in view.projection[:15]:
        e = step.event
        plan.add_row(when(e.at, zone), e.kind.value, e.reason or "", step.tier, step.owner or "—")
    timeline = Table(title="Timeline")
    for col in ("#", "at", "event", "by", "why"):
        timeline.add_column(col)
    for s in view.events:
        why = s.event.reason or ""
        if s.event.rule:
            why = f"{why} [rule {s.event.rule}]"
        timeline.add_row(str(s.seq), when(s.event.at, zone), s.event.kind.value, s.event.actor, why)
    return Group(head, clocks, plan, timeline)


EVENT_STYLE = {
    "sla_breached": "bold red",
    "sla_warning": "yellow",
    "escalated": "bold magenta",
    "severity_changed": "bold",
    "handoff_timed_out": "cyan",
    "gate_timed_out": "bold cyan",
    "rule_fired": "green",
    "paged": "bold red",
    "page_acknowledged": "green",
    "page_exhausted": "bold red",
    "likely_shared": "bold yellow",
}


def fired_line(ticket_id: int, event: Event, *, severity: str = "", context: str = "") -> Text:
    """One line for an event the engine fired: ``Tue 10:15:00  #12 Sev2  escalated  why``."""
    line = Text(event.at.strftime("%a %H:%M:%S "), style="dim")
    line.append(f"#{ticket_id:<5}")
    if severity:
        line.append(f" {severity} ", style=SEVERITY_STYLE.get(severity, ""))
    line.append(f" {event.kind.value:<18}", style=EVENT_STYLE.get(event.kind.value, ""))
    detail = event.reason or ""
    if event.kind.value in ("escalated", "deescalated"):
        detail = f"{event.data.get('from')} → {event.data.get('to')}  ({detail})"
    line.append(f" {detail}")
    if context:
        line.append(f"  {context}", style="dim")
    return line
