"""``sevflow ticket import FILE``: open many tickets from a JSON Lines or CSV file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from sevflow.entrypoints.bulk_import import import_tickets
from sevflow.entrypoints.cli.runtime import cli_errors, container, out, print_json
from sevflow.entrypoints.process import settle_heap
from sevflow.entrypoints.ticket_files import TicketFileError, read_ticket_file
from sevflow.services.actors import Actor
from sevflow.services.tickets import plan_import


@cli_errors
def import_file(
    file: Annotated[Path, typer.Argument(help="A .jsonl / .ndjson (one JSON object per line) or .csv file.")],
    as_: Annotated[str, typer.Option("--as", help="Who is importing (recorded on every ticket).")] = "import",
    jobs: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Processes working in parallel (default: the number of CPUs, at most 4)."
        ),
    ] = min(4, os.cpu_count() or 1),
    batch: Annotated[int, typer.Option(min=1, max=5_000, help="Tickets per transaction.")] = 500,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file against the policy; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Open every ticket in FILE under the active policy, as `ticket create` would.

    The whole file is checked first (fields, service lines, tiers, services, a declared
    severity's reason); if anything is wrong, every problem is listed with its line number and
    nothing is imported. Tickets whose external_id is already stored are skipped, so an
    interrupted import can simply be run again. Fields: title, service_line, customer,
    customer_tier (required); description, services, users_affected, severity,
    severity_reason, channel, external_id.
    """
    read = read_ticket_file(file)
    rows = read.rows
    requests = [row.ticket for row in rows]
    with container() as box:
        plan = plan_import(box.read_uow_factory(), requests)
        settings = box.settings
    problems = read.problems + [(rows[n].line, message) for n, message in plan.problems]
    if problems:
        raise TicketFileError(file, sorted(problems))
    todo = [requests[n] for n in plan.to_open]
    outcome: dict[str, object] = {
        "file": str(file),
        "tickets": len(rows),
        "already_stored": len(plan.already_stored),
        "opened": 0,
        "seconds": 0.0,
        "jobs": 0,
        "dry_run": dry_run,
    }
    result = None
    if todo and not dry_run:
        settle_heap()
        result = import_tickets(settings, todo, actor=Actor(as_), jobs=jobs, batch=batch)
        outcome.update(opened=result.opened, seconds=round(result.seconds, 3), jobs=result.jobs)
    if as_json:
        print_json(outcome)
        return
    skipped = (
        f"; {len(plan.already_stored)} already stored (same external_id), skipped"
        if plan.already_stored
        else ""
    )
    if dry_run:
        out.print(f"{file}: {len(rows)} tickets, all valid; {len(todo)} would be opened{skipped}")
    elif result is not None:
        rate = result.opened / max(result.seconds, 1e-9)
        out.print(
            f"{file}: opened {result.opened} tickets in {result.seconds:.1f} s "
            f"({rate:,.0f}/s, {result.jobs} processes){skipped}"
        )
    else:
        out.print(f"{file}: nothing to open{skipped}")
