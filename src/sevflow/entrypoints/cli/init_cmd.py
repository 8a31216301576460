"""``sevflow init``: set up a working directory: the policy file and the database.

Exit codes: 0 written; 1 refused (the file exists and --force was not given) or not writable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.entrypoints.cli.runtime import cli_errors
from sevflow.policy.starter import POLICY_FILE_NAME, write_starter_policy


def init(
    directory: Annotated[
        Path,
        typer.Option(
            "--dir", metavar="DIR", help="Directory to set up (created if missing).", file_okay=False
        ),
    ] = Path("."),
    force: Annotated[
        bool, typer.Option("--force", help=f"Overwrite an existing {POLICY_FILE_NAME}.")
    ] = False,
) -> None:
    """Write the documented starter policy to DIR/sevflow-policy.yaml and create the database
    (SEVFLOW_DATABASE_URL, or DIR/sevflow.db, an embedded SQLite file) with that policy active.

    The starter defines Sev1-Sev4, three customer tiers, three service lines
    with a team at every tier, 24x7 and office calendars, an SLA matrix,
    warning, breach and escalation rules, severity rules, a Sev1 approval gate
    and manual escalation rules. Every line is commented.

    Edit it to fit your team, then run `sevflow policy check`.
    An existing file is never overwritten without --force.
    """
    try:
        written = write_starter_policy(directory, force=force)
    except FileExistsError:
        typer.echo(
            f"error: {directory / POLICY_FILE_NAME} already exists; it was left unchanged "
            "(pass --force to overwrite it with the starter policy)",
            err=True,
        )
        raise typer.Exit(1) from None
    except OSError as err:
        typer.echo(f"error: cannot write {directory / POLICY_FILE_NAME}: {err.strerror}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Wrote the starter policy to {written}")
    url = os.environ.get("SEVFLOW_DATABASE_URL") or f"sqlite:///{directory / 'sevflow.db'}"
    _create_database(url, written)
    typer.echo(f"Created the database {url} with that policy active")
    typer.echo(f"Next: edit the policy, check it with `sevflow policy check {written}`, then")
    typer.echo(
        '      `sevflow ticket create --title "..." --service-line payments --customer ACME --tier enterprise`'
    )
    typer.echo("      and run the engine with `sevflow worker`.")


@cli_errors
def _create_database(url: str, policy_path: Path) -> None:
    box = build_container(Settings(database_url=url, policy_path=policy_path))
    try:
        box.sync_policy()
    finally:
        box.close()
