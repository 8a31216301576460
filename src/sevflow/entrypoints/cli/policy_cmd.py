"""``sevflow policy ...``: check a policy file and show what it says.

Exit codes: 0 the policy is valid; 1 it has problems (all are listed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sevflow.domain.errors import PolicyError
from sevflow.domain.policy import Policy
from sevflow.domain.severity import Severity
from sevflow.policy.durations import format_minutes
from sevflow.policy.loader import load_policy
from sevflow.policy.starter import POLICY_FILE_NAME
from sevflow.policy.summary import policy_summary

app = typer.Typer(help="Check the escalation policy file.", no_args_is_help=True)


@app.command("check")
def check(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help=f"The policy file (YAML). Default: ./{POLICY_FILE_NAME}, as written by `sevflow init`.",
            show_default=False,
        ),
    ] = Path(POLICY_FILE_NAME),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a machine-readable summary (or the problems) as JSON.")
    ] = False,
) -> None:
    """Check a policy file and list every problem in it at once.

    A valid policy prints its SLA matrix, escalation tiers, service lines with
    their teams, the number of rules and gates, and its version (exit code 0).

    An invalid one prints each problem as FILE: PATH: MESSAGE, where PATH is
    the field as you would read it (sla.Sev2.enterprise.resolution, rules[3].when)
    and MESSAGE says what is wrong and what is allowed (exit code 1).
    """
    try:
        policy = load_policy(file)
    except PolicyError as err:
        if as_json:
            problems = [{"path": p.path, "message": p.message} for p in err.problems]
            typer.echo(json.dumps({"ok": False, "source": err.source, "problems": problems}, indent=2))
        else:
            _print_problems(err)
        raise typer.Exit(1) from None
    if as_json:
        summary: dict[str, Any] = {"ok": True, "source": str(file), **policy_summary(policy)}
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _print_summary(policy, str(file))


def _print_problems(err: PolicyError) -> None:
    count = len(err.problems)
    console = Console(highlight=False, soft_wrap=True)
    console.print(Text(f"{err.source}: {count} problem{'s' if count != 1 else ''}", style="bold red"))
    for problem in err.problems:
        line = Text(f"{err.source}: ")
        line.append(problem.path or "(file)", style="bold")
        line.append(f": {problem.message}")
        console.print(line)


def _print_summary(policy: Policy, source: str) -> None:
    console = Console(highlight=False)
    title = Text("✓ ", style="bold green")
    title.append(policy.name, style="bold")
    title.append(f" -- valid, version {policy.version}  ({source})")
    console.print(title)
    console.print()
    console.print(_sla_table(policy))
    console.print()
    console.print(Text("Escalation tiers: ", style="bold") + Text(" → ".join(policy.tiers)))
    console.print()
    console.print(_service_line_table(policy))
    console.print()
    console.print(Text("Calendars", style="bold"))
    for calendar in policy.calendars.values():
        console.print(Text(f"  {calendar.describe()}"))
    console.print()
    counts = (
        f"{len(policy.rules)} escalation rules, {len(policy.severity_rules)} severity rules, "
        f"{len(policy.gates)} decision gate{'s' if len(policy.gates) != 1 else ''}; "
        f"default severity {policy.default_severity.value}; "
        f"SLA clocks pause in: {', '.join(sorted(policy.pause_statuses)) or '(nothing)'}"
    )
    console.print(Text(counts))


def _sla_table(policy: Policy) -> Table:
    table = Table(
        title="SLA targets: first response / update every / resolution",
        caption="Business time on the calendar named under each cell.",
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("Severity")
    for tier in policy.customer_tiers:
        table.add_column(tier)
    for severity in Severity:
        label = Text(severity.value, style="bold")
        definition = policy.severities.get(severity)
        if definition is not None:
            label.append(f"\n{definition.title}", style="dim")
        cells: list[Text] = [label]
        for tier in policy.customer_tiers:
            target = policy.target(severity, tier)
            cell = Text(
                f"{format_minutes(target.first_response_minutes)} / {format_minutes(target.update_minutes)}"
                f" / {format_minutes(target.resolution_minutes)}"
            )
            cell.append(f"\n{target.calendar}", style="dim")
            cells.append(cell)
        table.add_row(*cells)
    return table


def _service_line_table(policy: Policy) -> Table:
    table = Table(
        title="Service lines: the team at each tier, its lead (+ other members)", title_justify="left"
    )
    table.add_column("Service line")
    for tier in policy.tiers:
        table.add_column(tier)
    for name, line in policy.service_lines.items():
        label = Text(name, style="bold")
        label.append(f"\nqueue {line.queue}, manager {line.manager}", style="dim")
        if line.services:
            label.append(f"\n{', '.join(line.services)}", style="dim")
        cells = [label]
        for tier in policy.tiers:
            team = line.teams[tier]
            others = f" (+{len(team.members)})" if team.members else ""
            cells.append(Text(f"{team.name}\n{team.lead}{others}"))
        table.add_row(*cells)
    return table
