"""``sevflow agent ...``: mark people away or back, see their load."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sevflow.entrypoints.cli.runtime import cli_errors, container, out
from sevflow.services import agents

app = typer.Typer(help="People: absence and load (the owner choice skips the away and the overloaded).")


@app.command("away")
@cli_errors
def away(name: Annotated[str, typer.Argument(help="Agent name as used in the policy.")]) -> None:
    """Mark an agent away: new tickets and handoffs pass them over."""
    with container(sync_policy=False) as box:
        agents.set_away(box.uow_factory(), agent=name, away=True)
    out.print(f"{name} is away")


@app.command("back")
@cli_errors
def back(name: Annotated[str, typer.Argument(help="Agent name as used in the policy.")]) -> None:
    """Mark an agent back at work."""
    with container(sync_policy=False) as box:
        agents.set_away(box.uow_factory(), agent=name, away=False)
    out.print(f"{name} is back")


@app.command("status")
@cli_errors
def status(names: Annotated[list[str], typer.Argument(help="Agent names.")]) -> None:
    """Open tickets owned and presence, per agent."""
    with container(sync_policy=False) as box:
        staffing = agents.staffing_of(box.read_uow_factory(), names)
    table = Table()
    for col in ("agent", "open tickets", "present"):
        table.add_column(col)
    for name in names:
        table.add_row(name, str(staffing.load.get(name, 0)), "no" if name in staffing.away else "yes")
    out.print(table)
