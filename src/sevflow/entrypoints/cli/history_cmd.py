"""``sevflow history import FILE``: store another system's closed tickets, for the metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sevflow.analytics.importing import import_history
from sevflow.analytics.mapping import PRESETS, chosen_mapping
from sevflow.analytics.metrics import derive
from sevflow.analytics.recording import historic_cases
from sevflow.entrypoints.cli.runtime import cli_errors, container, err, out
from sevflow.services.actors import Actor
from sevflow.services.history import record_history

app = typer.Typer(help="Another system's ticket history in sevflow's database.", no_args_is_help=True)


@app.command("import")
@cli_errors
def import_closed(
    file: Annotated[Path, typer.Argument(help="The history: a CSV or JSON Lines export.")],
    preset_name: Annotated[
        str | None, typer.Option("--preset", help=f"One of: {', '.join(PRESETS)}.")
    ] = None,
    mapping_file: Annotated[Path | None, typer.Option("--mapping", help="A mapping file (YAML).")] = None,
    service_line: Annotated[
        str | None,
        typer.Option("--service-line", help="For cases whose service line the policy does not know."),
    ] = None,
    customer: Annotated[
        str, typer.Option(help="The customer name recorded on every imported ticket.")
    ] = "history",
    tier: Annotated[
        str | None, typer.Option("--tier", help="For cases whose customer tier the policy does not know.")
    ] = None,
    as_: Annotated[
        str, typer.Option("--as", help="Who is importing (the actor of every event).")
    ] = "history",
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Store the history's resolved and closed cases as closed tickets (channel `history`), with
    their events at the recorded instants and their outcomes, so the dashboard's metrics cover
    them. Cases already stored (same external id) are skipped; open ones are left out."""
    mapping = chosen_mapping(preset_name, mapping_file)
    history = import_history(file, mapping)
    with container() as box:
        with box.read_uow_factory() as uow:
            policy = uow.policies.active()
        cases = historic_cases(
            derive(history.cases),
            policy,
            mapping,
            service_line=service_line,
            customer=customer,
            customer_tier=tier,
        )
        columns = (TextColumn("storing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err, disable=quiet) as bar:
            task = bar.add_task("storing", total=len(cases))
            done = record_history(
                box.uow_factory,
                clock=box.clock,
                actor=Actor(as_),
                cases=cases,
                progress=lambda stored, total: bar.update(task, completed=stored, total=total),
            )
    r = history.report
    out.print(
        f"{r.rows_read} rows, {r.cases} cases ({len(r.rejected)} rows rejected): {done.recorded} stored as closed "
        f"tickets, {done.already_stored} already stored, {done.still_open} still open (left out)"
    )
