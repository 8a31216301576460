"""`sevflow sla ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="sla commands.", no_args_is_help=True)
