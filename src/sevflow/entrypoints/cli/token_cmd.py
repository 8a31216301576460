"""``sevflow token create|list|revoke``: API tokens, for programs calling the HTTP API."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from sevflow.domain.errors import InvalidInput
from sevflow.entrypoints.cli.render import when
from sevflow.entrypoints.cli.runtime import cli_errors, container, out, print_json
from sevflow.entrypoints.views import token_json
from sevflow.policy.durations import parse_minutes
from sevflow.services import accounts
from sevflow.services.actors import Actor

app = typer.Typer(help="API tokens: create (shown once), list, revoke.", no_args_is_help=True)

OPERATOR = Actor("cli")
"""Whoever runs the CLI can already write to the database: a trusted operator."""


@app.command("create")
@cli_errors
def create(
    user: Annotated[str, typer.Option("--user", help="Whose token (an existing user).")],
    label: Annotated[str, typer.Option("--label", help="What it is for, e.g. 'zendesk sync'.")],
    expires_in: Annotated[
        str | None, typer.Option("--expires-in", help="Lifetime such as 90d or 12h (default: until revoked).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a token and print it. It is shown this once: only its hash is stored."""
    with container() as box:
        expires_at = None
        if expires_in is not None:
            try:
                minutes = parse_minutes(expires_in)
            except ValueError as error:
                raise InvalidInput(f"--expires-in: {error}") from None
            expires_at = box.clock.now() + timedelta(minutes=minutes)
        issued = accounts.create_token(
            box.uow_factory(), clock=box.clock, actor=OPERATOR, user=user, label=label, expires_at=expires_at
        )
    if as_json:
        print_json({"id": issued.token.id, "user": user, "token": issued.text, "expires_at": expires_at})
        return
    out.print(f"token {issued.token.id} for {user} ({label}); it is shown only now:")
    typer.echo(issued.text)


@app.command("list")
@cli_errors
def list_(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Tokens with their last use and state (never the token text)."""
    with container() as box:
        found = accounts.list_tokens(box.read_uow_factory(), actor=OPERATOR, user=user or "*")
        now = box.clock.now()
    if as_json:
        print_json([token_json(t) for t in found])
        return
    utc = ZoneInfo("UTC")
    table = Table(title=f"{len(found)} token(s)")
    for col in ("id", "user", "label", "created", "last used", "state"):
        table.add_column(col)
    for t in found:
        state = "revoked" if t.revoked_at else ("expired" if not t.usable_at(now) else "active")
        table.add_row(t.id, t.user, t.label, when(t.created_at, utc), when(t.last_used_at, utc), state)
    out.print(table)


@app.command("revoke")
@cli_errors
def revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `sevflow token list`).")],
) -> None:
    """Revoke a token: it stops working at once."""
    with container() as box:
        token = accounts.revoke_token(box.uow_factory(), clock=box.clock, actor=OPERATOR, token_id=token_id)
    out.print(f"token {token.id} of {token.user} revoked")
