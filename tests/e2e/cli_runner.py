"""Driving the ``sevflow`` command in-process, the way a user types it: ``CliRunner`` on the Typer
app, settings only through ``SEVFLOW_*`` environment variables, a working directory set up by
``sevflow init``."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import Result
from typer.testing import CliRunner

from sevflow.entrypoints.cli.app import app

DATABASE = "sevflow.db"
POLICY = "sevflow-policy.yaml"
MODEL = "sevflow-model.npz"


@dataclass
class Cli:
    """A working directory with ``sevflow.db`` and ``sevflow-policy.yaml``, and the environment
    that points the command at them (set for each invocation only)."""

    directory: Path
    env: dict[str, str | None] = field(init=False)

    def __post_init__(self) -> None:
        self.env = {
            "SEVFLOW_DATABASE_URL": f"sqlite:///{self.directory / DATABASE}",
            "SEVFLOW_POLICY_PATH": str(self.directory / POLICY),
            "SEVFLOW_MODEL_PATH": str(self.directory / MODEL),
            "SEVFLOW_TZ": None,
            "SEVFLOW_DEBUG": None,
            "FORCE_COLOR": None,
        }

    @classmethod
    def initialised(cls, directory: Path) -> Cli:
        """``sevflow init`` in ``directory``."""
        cli = cls(directory)
        cli.ok("init", "--dir", str(directory))
        return cli

    def copy_to(self, directory: Path) -> Cli:
        """The same database and policy in another directory (cheaper than doing it all again)."""
        for name in (DATABASE, f"{DATABASE}-wal", POLICY):
            if (self.directory / name).exists():
                shutil.copyfile(self.directory / name, directory / name)
        return Cli(directory)

    # -- running ----------------------------------------------------------------------------

    def run(self, *args: str) -> Result:
        result = CliRunner().invoke(app, list(args), env=self.env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert (result.exit_code, result.stderr) == (0, ""), (args, result.stdout)
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def fails(self, *args: str) -> tuple[int, str]:
        """Exit code and stderr of a command that must fail and print nothing on stdout."""
        result = self.run(*args)
        assert result.exit_code != 0, (args, result.stdout)
        assert result.stdout == "", (args, result.stdout)
        return result.exit_code, result.stderr

    # -- looking ----------------------------------------------------------------------------

    def stored(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table of the database: what a command may have written."""
        with closing(sqlite3.connect(self.directory / DATABASE)) as db:
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {name: sorted(db.execute(f'SELECT * FROM "{name}"'), key=repr) for name in sorted(names)}

    def versions(self) -> dict[int, tuple[int, int]]:
        """Each ticket's stored ``(version, number of events)``."""
        with closing(sqlite3.connect(self.directory / DATABASE)) as db:
            return {
                ticket: (version, events)
                for ticket, version, events in db.execute(
                    "SELECT t.id, t.version, (SELECT count(*) FROM ticket_events e WHERE e.ticket_id = t.id) "
                    "FROM tickets t ORDER BY t.id"
                )
            }
