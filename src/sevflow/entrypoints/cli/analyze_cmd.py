"""``sevflow analyze FILE``: measure a ticket history and propose criteria and targets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sevflow.analytics import report_html
from sevflow.analytics.analysis import analyze, to_json
from sevflow.analytics.mapping import PRESETS, chosen_mapping
from sevflow.domain.errors import InvalidInput
from sevflow.entrypoints.cli.runtime import cli_errors, err, out
from sevflow.policy.loader import load_policy, load_policy_text
from sevflow.policy.starter import starter_policy_text

POLICY_FILE = Path("sevflow-policy.yaml")


@cli_errors
def analyze_history(
    file: Annotated[Path, typer.Argument(help="The history: a CSV or JSON Lines export.")],
    preset_name: Annotated[
        str | None, typer.Option("--preset", help=f"A shipped mapping: {', '.join(PRESETS)}.")
    ] = None,
    mapping_file: Annotated[
        Path | None, typer.Option("--mapping", help="A mapping file (YAML) for any other export.")
    ] = None,
    policy_file: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="The policy to measure against (default: ./sevflow-policy.yaml, else the starter).",
        ),
    ] = None,
    tier: Annotated[
        str | None, typer.Option("--tier", help="Customer tier of cases whose tier the policy does not know.")
    ] = None,
    shares: Annotated[
        list[float] | None, typer.Option("--share", help="Shares of cases suggested targets should meet.")
    ] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the HTML report here.")] = None,
    json_file: Annotated[
        Path | None,
        typer.Option("--json", help="Write the same numbers as JSON here ('-': standard output)."),
    ] = None,
    propose_file: Annotated[
        Path | None, typer.Option("--propose", help="Write the policy with the proposed rules added here.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Import a ticket history, measure it (volumes, response and resolution times, escalations,
    reopens, ping-pong, SLA attainment, backlog), rank what drives escalations and missed SLAs
    (checked on the later months), and propose rules and SLA targets grounded in it."""
    mapping = chosen_mapping(preset_name, mapping_file)
    if policy_file is None and POLICY_FILE.exists():
        policy_file = POLICY_FILE
    if policy_file is not None:
        policy, text = load_policy(policy_file), policy_file.read_text(encoding="utf-8")
    else:
        text = starter_policy_text()
        policy = load_policy_text(text, "the starter policy")
    if out_file is None and json_file is None:
        raise InvalidInput("say where the results go: --out report.html and/or --json results.json")
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err, disable=quiet
    ) as bar:
        task = bar.add_task("reading", total=3)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        analysis = analyze(
            file,
            mapping,
            policy,
            policy_text=text,
            default_tier=tier,
            shares=tuple(shares or (0.8, 0.9)),
            progress=progress,
        )
    if out_file is not None:
        report_html.write(analysis, out_file)
        out.print(f"report: {out_file}")
    if json_file is not None:
        data = json.dumps(to_json(analysis), ensure_ascii=False, indent=1)
        if str(json_file) == "-":
            out.print(data, markup=False, highlight=False)
        else:
            json_file.write_text(data, encoding="utf-8")
            out.print(f"json: {json_file}")
    if propose_file is not None:
        if analysis.merged_policy is None:
            out.print("no rule to propose: nothing written to --propose")
        else:
            propose_file.write_text(analysis.merged_policy, encoding="utf-8")
            out.print(f"proposed policy: {propose_file} ({len(analysis.proposals.rules)} rule(s) added)")
    r = analysis.report
    out.print(
        f"{r.rows_read} rows, {r.cases} cases, {len(r.rejected)} rejected, {len(r.problems)} unreadable cell(s)"
    )
