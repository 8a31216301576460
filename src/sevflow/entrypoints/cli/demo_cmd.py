"""``sevflow demo``: a realistic run of the real engine on an accelerated (fake) clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sevflow.adapters.clock import ShiftedClock
from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.domain.events import EventKind
from sevflow.entrypoints.cli import render
from sevflow.entrypoints.cli.runtime import cli_errors, out
from sevflow.entrypoints.cli.serve_cmd import run_server
from sevflow.policy.loader import load_policy_text
from sevflow.policy.starter import starter_policy_text
from sevflow.services import accounts
from sevflow.services.actors import Actor
from sevflow.services.policies import activate_policy
from sevflow.simulation.demo import DemoReport, DemoScenario, Happening
from sevflow.testing import FakeClock

DEMO_START = datetime(2026, 3, 23, 6, 0, tzinfo=UTC)  # Monday 07:00 in Berlin, 02:00 in New York


@cli_errors
def demo(
    tickets: Annotated[int, typer.Option(min=1, max=5000, help="How many tickets arrive.")] = 300,
    days: Annotated[int, typer.Option(min=1, max=30, help="Simulated days to run.")] = 4,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same run).")] = 7,
    database: Annotated[Path, typer.Option("--db", help="SQLite file to (re)create.")] = Path(
        "sevflow-demo.db"
    ),
    policy: Annotated[Path | None, typer.Option(help="Policy file (default: the starter policy).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Only print the summary.")] = False,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Then serve the dashboard over the demo's tickets, its clock running on in real time "
            "from where the simulated days ended (sign in as demo, password sevflow-demo).",
        ),
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port for --serve (on 127.0.0.1).")] = 8000,
) -> None:
    """Seed a few hundred tickets over several service lines, tiers and severities on a fresh
    embedded database, then run the real timer engine on an accelerated clock, printing
    escalations, warnings and breaches as they happen, and a summary at the end."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    text = policy.read_text(encoding="utf-8") if policy else starter_policy_text()
    loaded = load_policy_text(text, str(policy or "starter policy"))
    clock = FakeClock(DEMO_START)
    box = build_container(Settings(database_url=f"sqlite:///{database}"), clock=clock)
    try:
        activate_policy(box.uow_factory(), clock=clock, policy=loaded, source_text=text)
        out.print(
            f"[bold]sevflow demo[/] — policy [cyan]{loaded.name}[/] ({loaded.version}), {tickets} tickets "
            f"arriving over {min(days, 2) * 24} h, {days} simulated days from {DEMO_START:%a %Y-%m-%d %H:%M} UTC",
            markup=True,
        )

        def show(h: Happening) -> None:
            if not quiet and (h.severity in ("Sev1", "Sev2") or h.event.kind is not EventKind.SLA_WARNING):
                out.print(render.fired_line(h.ticket_id, h.event, severity=h.severity, context=h.title[:40]))

        scenario = DemoScenario(box.uow_factory, clock, loaded, seed=seed, on_happening=show)
        scenario.seed(start=DEMO_START, count=tickets, arrival_hours=min(days, 2) * 24)
        started = time.perf_counter()
        report = scenario.run(DEMO_START + timedelta(days=days))
        elapsed = time.perf_counter() - started
    finally:
        box.close()
    out.print(summary_table(report))
    span = timedelta(days=days).total_seconds()
    out.print(
        f"{report.timers_fired} timers fired, {report.events_fired} events recorded; "
        f"{days} simulated days in {elapsed:.1f} s (×{span / max(elapsed, 1e-9):,.0f}). "
        f"Inspect it: SEVFLOW_DATABASE_URL=sqlite:///{database} sevflow ticket list --open"
    )
    if serve:
        serve_demo(database, DEMO_START + timedelta(days=days), port=port)


DEMO_USER = "demo"
DEMO_PASSWORD = "sevflow-demo"  # a local demo on 127.0.0.1 only; passwords need 12 characters


def serve_demo(database: Path, resume_at: datetime, *, port: int) -> None:
    """The dashboard over the demo database on 127.0.0.1 only, the timer worker running, the
    clock carrying on from ``resume_at``; a lead (and incident commander) ``demo`` to sign in
    with (password ``DEMO_PASSWORD``)."""
    box = build_container(
        Settings(database_url=f"sqlite:///{database}", cookie_secure=False), clock=ShiftedClock(resume_at)
    )
    try:
        with box.read_uow_factory() as uow:
            known = uow.users.find(DEMO_USER) is not None
        if not known:
            accounts.create_user(
                box.uow_factory(),
                clock=box.clock,
                hasher=box.hasher,
                actor=Actor("demo-setup"),
                name=DEMO_USER,
                role="lead",
                duties=["incident_commander"],
                password=DEMO_PASSWORD,
            )
        out.print(
            f"Sign in at http://127.0.0.1:{port}/ as [bold]{DEMO_USER}[/], password [bold]{DEMO_PASSWORD}[/]; Ctrl-C stops.",
            markup=True,
        )
        run_server(box, host="127.0.0.1", port=port, worker=True, log_level="warning")
    finally:
        box.close()


def summary_table(report: DemoReport) -> Table:
    columns = [
        ("warn", "sla_warning"),
        ("breach", "sla_breached"),
        ("escal", "escalated"),
        ("re-sev", "severity_changed"),
        ("handoff", "handoff_timed_out"),
        ("gate", "gate_timed_out"),
    ]
    table = Table(
        title="What the engine did, by severity at the time",
        caption="events per severity; gate = undecided gate re-escalated; done = resolved",
    )
    table.add_column("sev")
    table.add_column("opened", justify="right")
    for title, _ in columns:
        table.add_column(title, justify="right")
    table.add_column("done", justify="right")
    for sev in ("Sev1", "Sev2", "Sev3", "Sev4"):
        table.add_row(
            sev,
            str(report.by_severity[sev]),
            *(str(report.counts[(sev, kind)]) for _, kind in columns),
            str(report.resolved[sev]),
        )
    table.add_row(
        "all",
        str(report.tickets),
        *(str(sum(v for (s, k), v in report.counts.items() if k == kind)) for _, kind in columns),
        str(sum(report.resolved.values())),
        style="bold",
    )
    return table
