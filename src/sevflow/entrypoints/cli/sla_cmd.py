"""``sevflow sla ...``: business-time arithmetic on the policy's calendars.

Exit codes: 0 ok; 2 bad input (one line on stderr naming the bad value and what is allowed).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sevflow.adapters.clock import SystemClock
from sevflow.domain.errors import InvalidInput, PolicyError
from sevflow.domain.instants import parse_instant
from sevflow.domain.policy import Policy
from sevflow.domain.severity import Severity
from sevflow.policy.deadline import TARGETS, Deadline, deadline_after, parse_target, target_deadline
from sevflow.policy.durations import format_minutes
from sevflow.policy.loader import load_policy
from sevflow.policy.starter import STARTER_SOURCE, load_starter_policy

app = typer.Typer(help="SLA deadlines in business time.", no_args_is_help=True)

_FORMS = "give --severity, --tier and --target (an SLA target of --policy), or --minutes and --calendar"


@app.command("deadline")
def deadline(
    policy_file: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            metavar="FILE",
            help="Policy file (YAML). Needed with --severity/--tier/--target; with --minutes/--calendar "
            "the calendars of the built-in starter policy are used when it is left out.",
            show_default=False,
        ),
    ] = None,
    severity: Annotated[
        str | None, typer.Option("--severity", metavar="SEV", help="Sev1 .. Sev4.", show_default=False)
    ] = None,
    tier: Annotated[
        str | None,
        typer.Option(
            "--tier",
            metavar="TIER",
            help="Customer tier, as named in the policy (e.g. enterprise).",
            show_default=False,
        ),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target", metavar="TARGET", help=f"Which SLA clock: {', '.join(TARGETS)}.", show_default=False
        ),
    ] = None,
    minutes: Annotated[
        str | None,
        typer.Option(
            "--minutes",
            metavar="N",
            help="Business minutes to add (a whole number >= 0).",
            show_default=False,
        ),
    ] = None,
    calendar: Annotated[
        str | None,
        typer.Option(
            "--calendar",
            metavar="NAME",
            help="Calendar name from the policy (e.g. berlin-office).",
            show_default=False,
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            metavar="INSTANT",
            help="Start instant, ISO 8601 with an offset, e.g. 2026-03-27T16:30:00+01:00 or ...Z. "
            "Default: now.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """When is a deadline due, counting only the open hours of a calendar?

    An SLA target of your policy (on the calendar of its SLA cell):

      sevflow sla deadline --policy FILE --severity Sev2 --tier enterprise
        --target resolution --start 2026-03-27T16:30:00+01:00

    Or any number of business minutes on a calendar of the policy (without
    --policy, the calendars of the built-in starter policy: 24x7,
    berlin-office, new-york-office):

      sevflow sla deadline --minutes 240 --calendar berlin-office

    Prints the deadline in UTC and in the calendar's time zone, the calendar
    and the business minutes counted. Pauses (waiting on the customer) are
    not taken into account. Bad input exits with code 2.
    """
    try:
        result, policy, source = _compute(policy_file, severity, tier, target, minutes, calendar, start)
    except (InvalidInput, PolicyError) as err:
        _fail(_one_line(err))
    if as_json:
        payload = {
            "deadline": _utc(result.deadline_at),
            "deadline_local": result.deadline_local.isoformat(),
            "calendar": result.calendar.name,
            "zone": result.calendar.zone_name,
            "business_minutes": result.business_minutes,
            "start": _utc(result.start_at),
            "wall_clock_minutes": result.wall_clock_minutes,
            "policy": source,
            "policy_version": policy.version,
            "severity": None if severity is None else Severity.parse(severity).value,
            "customer_tier": tier,
            "target": None if target is None else target.strip().lower().replace("-", "_"),
        }
        typer.echo(json.dumps(payload, indent=2))
    else:
        _print(result, policy, source, severity, tier, target)


def _compute(
    policy_file: Path | None,
    severity: str | None,
    tier: str | None,
    target: str | None,
    minutes: str | None,
    calendar: str | None,
    start: str | None,
) -> tuple[Deadline, Policy, str]:
    target_form = {"--severity": severity, "--tier": tier, "--target": target}
    general_form = {"--minutes": minutes, "--calendar": calendar}
    uses_target = any(v is not None for v in target_form.values())
    uses_general = any(v is not None for v in general_form.values())
    if uses_target and uses_general:
        raise InvalidInput(f"{_FORMS}, not both")
    if not uses_target and not uses_general:
        raise InvalidInput(f"nothing to compute; {_FORMS}")
    form = target_form if uses_target else general_form
    missing = [name for name, value in form.items() if value is None]
    if missing:
        raise InvalidInput(f"missing {' and '.join(missing)}; {_FORMS}")
    if uses_target and policy_file is None:
        raise InvalidInput("--severity/--tier/--target need --policy FILE: the SLA targets are your policy's")
    start_at = (
        SystemClock().now().replace(microsecond=0) if start is None else parse_instant(start, "--start")
    )
    policy, source = _policy(policy_file)
    if uses_target:
        assert severity is not None
        assert tier is not None
        assert target is not None
        result = target_deadline(
            policy,
            severity=Severity.parse(severity),
            customer_tier=tier,
            target=parse_target(target),
            start_at=start_at,
        )
    else:
        assert minutes is not None
        assert calendar is not None
        result = deadline_after(policy.calendar(calendar), start_at=start_at, minutes=_whole_minutes(minutes))
    return result, policy, source


def _policy(policy_file: Path | None) -> tuple[Policy, str]:
    if policy_file is None:
        return load_starter_policy(), STARTER_SOURCE
    return load_policy(policy_file), str(policy_file)


def _whole_minutes(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise InvalidInput(f"--minutes expects a whole number of business minutes, got {text!r}") from None
    if value < 0:
        raise InvalidInput(f"--minutes must be 0 or more, got {value}")
    return value


def _one_line(err: InvalidInput | PolicyError) -> str:
    if isinstance(err, PolicyError):
        first = err.problems[0]
        where = f"{first.path}: " if first.path else ""
        if len(err.problems) == 1:
            return f"policy {err.source}: {where}{first.message}"
        return (
            f"policy {err.source} has {len(err.problems)} problems, the first: {where}{first.message}; "
            f"run `sevflow policy check {err.source}` to see all"
        )
    return " ".join(str(err).split())


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _utc(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _local(at: datetime) -> str:
    return f"{at:%a %Y-%m-%d %H:%M:%S} {at.tzname()}"


def _print(
    result: Deadline, policy: Policy, source: str, severity: str | None, tier: str | None, target: str | None
) -> None:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Deadline", Text(f"{_local(result.deadline_local)}  ({result.calendar.zone_name})"))
    grid.add_row("", Text(_utc(result.deadline_at)))
    grid.add_row("Start", Text(f"{_local(result.start_local)}  =  {_utc(result.start_at)}"))
    grid.add_row(
        "Counted",
        Text(
            f"{result.business_minutes} business minutes ({format_minutes(result.business_minutes)}); "
            f"{format_minutes(result.wall_clock_minutes)} of wall-clock time"
        ),
    )
    grid.add_row("Calendar", Text(result.calendar.describe()))
    if severity is not None:
        grid.add_row("Target", Text(f"{Severity.parse(severity).value} / {tier} / {target}"))
    grid.add_row("Policy", Text(f"{policy.name} (version {policy.version}, {source})"))
    Console(highlight=False).print(grid)
