"""``sevflow oncall ...``: who is on call for a team, and the coming handoffs, from the rotations
of the active policy (its ``oncall`` section). Times are shown in the team's time zone.

Exit codes as every command (see ``runtime``): 2 for a bad time or --days, 1 for a team without
an on-call rotation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from sevflow.domain.errors import InvalidInput
from sevflow.domain.oncall import LayerShift, local_instant
from sevflow.entrypoints.cli.runtime import cli_errors, container, out
from sevflow.services import oncall
from sevflow.services.actors import Actor

app = typer.Typer(
    help="On-call rotations: who is on call for a team, and when it changes.", no_args_is_help=True
)

OPERATOR = Actor("cli")

TeamArg = Annotated[
    str, typer.Argument(help="Team name, as in the policy's oncall section.", show_default=False)
]
WHEN_HELP = (
    "ISO 8601, e.g. 2026-03-27T16:30 (the team's time zone), 2026-03-27T16:30+01:00 or "
    "2026-03-27T15:30Z. Default: now."
)


def _instant(text: str | None, zone: str, option: str) -> datetime | None:
    """``text`` as an instant; without an offset, a wall time in ``zone`` (a time in the
    spring-forward gap is the first instant after it, an ambiguous one its first occurrence)."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{option} {text!r} is not a date and time; write e.g. 2026-03-27T16:30 (in the team's "
            "time zone), 2026-03-27T16:30+01:00 or 2026-03-27T15:30Z"
        ) from None
    if value.utcoffset() is not None:
        return value
    return local_instant(value.replace(tzinfo=None), zone)


def _local(at: datetime | None, zone: ZoneInfo) -> str:
    return "—" if at is None else at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def _override(shift: LayerShift) -> str:
    o = shift.override
    if o is None:
        return ""
    reason = o.reason or "override"
    return reason if o.replaces is None else f"{reason} (instead of {o.replaces})"


@app.command("who")
@cli_errors
def who(
    team: TeamArg,
    at: Annotated[
        str | None, typer.Option("--at", metavar="TIME", help=WHEN_HELP, show_default=False)
    ] = None,
) -> None:
    """Who is on call for TEAM at a time: per layer (the first is the primary) the person, since
    and until when they stay on call, and the reason of an override that put them there."""
    with container() as box:
        zone = ZoneInfo(oncall.oncall_zone(box.read_uow_factory(), actor=OPERATOR, team=team))
        found = oncall.who_is_on_call(
            box.read_uow_factory(),
            clock=box.clock,
            actor=OPERATOR,
            team=team,
            at=_instant(at, zone.key, "--at"),
        )
    out.print(f"{found.team} on call at {_local(found.at, zone)} ({zone.key})")
    table = Table()
    for column in ("layer", "person", "since", "until", "override"):
        table.add_column(column)
    for shift in found.layers:
        table.add_row(
            shift.layer,
            shift.person or "nobody",
            _local(shift.since_at, zone),
            _local(shift.until_at, zone),
            _override(shift),
        )
    out.print(table)


@app.command("handoffs")
@cli_errors
def handoffs(
    team: TeamArg,
    start: Annotated[
        str | None, typer.Option("--from", metavar="TIME", help=WHEN_HELP, show_default=False)
    ] = None,
    days: Annotated[
        int, typer.Option("--days", metavar="N", help=f"How many days (1..{oncall.MAX_DAYS}).")
    ] = 7,
) -> None:
    """Every change of person in TEAM's layers from a time for N days: rotation handoffs and the
    starts and ends of overrides, at the team's wall time (also across a DST change)."""
    with container() as box:
        zone_name = oncall.oncall_zone(box.read_uow_factory(), actor=OPERATOR, team=team)
        found = oncall.handoffs(
            box.read_uow_factory(),
            clock=box.clock,
            actor=OPERATOR,
            team=team,
            start_at=_instant(start, zone_name, "--from"),
            days=days,
        )
    zone = ZoneInfo(found.zone)
    span = f"from {_local(found.start_at, zone)} until {_local(found.end_at, zone)} ({found.zone})"
    if not found.items:
        out.print(f"{found.team}: no handoffs {span}")
        return
    out.print(f"{found.team} handoffs {span}")
    table = Table()
    for column in ("when", "layer", "from", "to"):
        table.add_column(column)
    for h in found.items:
        table.add_row(_local(h.at, zone), h.layer, h.previous or "nobody", h.person or "nobody")
    out.print(table)
