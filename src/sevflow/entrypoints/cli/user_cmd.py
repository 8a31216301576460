"""``sevflow user create|list``: people who sign in to the API and the dashboard."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from sevflow.domain.errors import InvalidInput
from sevflow.entrypoints.cli.runtime import cli_errors, container, out, print_json
from sevflow.entrypoints.cli.token_cmd import OPERATOR
from sevflow.services import accounts

app = typer.Typer(help="Users: create and list.", no_args_is_help=True)


@app.command("create")
@cli_errors
def create(
    name: Annotated[str, typer.Argument(help="User name; use the names your policy's teams use.")],
    role: Annotated[str, typer.Option("--role", help="viewer, agent, lead, manager, admin or customer.")],
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="Customers only: the organisation they belong to.")
    ] = None,
    duty: Annotated[
        list[str] | None,
        typer.Option(
            "--duty", help="Extra policy role: incident_commander, senior_engineer, on_call (repeatable)."
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (first line).")
    ] = False,
) -> None:
    """Create a user. Without --password-stdin you are asked for the password (twice); a
    password is never taken on the command line, where other users could see it."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        raise InvalidInput("no terminal to ask for a password: pipe it in with --password-stdin")
    with container() as box:
        user = accounts.create_user(
            box.uow_factory(),
            clock=box.clock,
            hasher=box.hasher,
            actor=OPERATOR,
            name=name,
            role=role,
            password=password,
            duties=duty or [],
            organisation=organisation,
        )
    out.print(f"user {user.name} created ({user.role.value})")


@app.command("list")
@cli_errors
def list_(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    with container() as box:
        users = accounts.list_users(box.read_uow_factory(), actor=OPERATOR)
    if as_json:
        print_json(
            [
                {
                    "name": u.name,
                    "role": u.role.value,
                    "duties": sorted(d.value for d in u.duties),
                    "organisation": u.organisation,
                    "active": u.active,
                }
                for u in users
            ]
        )
        return
    table = Table(title=f"{len(users)} user(s)")
    for col in ("name", "role", "duties", "organisation"):
        table.add_column(col)
    for u in users:
        table.add_row(
            u.name, u.role.value, ", ".join(sorted(d.value for d in u.duties)), u.organisation or ""
        )
    out.print(table)
