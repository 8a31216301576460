"""What every CLI command shares: settings, the container, and turning errors into one clear line.

Exit codes: 0 ok; 1 the action was refused (illegal transition, not permitted, conflict, not
found); 2 bad input (unknown value, malformed timestamp, invalid policy); 3 infrastructure
(database unreachable, another worker running); 70 a bug in sevflow. No traceback reaches the
user unless ``SEVFLOW_DEBUG=1``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from sevflow.bootstrap import Container, build_container
from sevflow.config import Settings
from sevflow.domain.errors import DomainError, InfrastructureError, InvalidInput, PolicyError

P = ParamSpec("P")
R = TypeVar("R")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(code)


def cli_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Map sevflow's error tree onto one line on stderr and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (InvalidInput, PolicyError) as exc:
            fail(str(exc), 2)
        except DomainError as exc:
            fail(str(exc), 1)
        except InfrastructureError as exc:
            fail(str(exc), 3)
        except SQLAlchemyError as exc:
            fail(f"database error: {type(exc).__name__}: {str(exc).splitlines()[0]}", 3)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug: say so in one line, keep the traceback for debugging
            if os.environ.get("SEVFLOW_DEBUG") == "1":
                raise
            fail(
                f"unexpected error (a bug in sevflow): {type(exc).__name__}: {exc}; set SEVFLOW_DEBUG=1 for details",
                70,
            )

    return wrapper


@contextlib.contextmanager
def container(*, sync_policy: bool = True) -> Iterator[Container]:
    """Build the container from ``SEVFLOW_*`` settings. If the policy file exists and its
    version is new, it is activated first (the file is the source of truth)."""
    settings = Settings()
    box = build_container(settings)
    try:
        if sync_policy and settings.policy_path.exists():
            box.sync_policy()
        yield box
    finally:
        box.close()


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
