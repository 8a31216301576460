"""The ``sevflow`` command: assembles the command groups."""

from __future__ import annotations

import typer

from sevflow.entrypoints.cli import (
    agent_cmd,
    analyze_cmd,
    demo_cmd,
    dispatcher_cmd,
    history_cmd,
    init_cmd,
    oncall_cmd,
    policy_cmd,
    serve_cmd,
    sla_cmd,
    ticket_cmd,
    token_cmd,
    triage_cmd,
    user_cmd,
    worker_cmd,
)

app = typer.Typer(
    name="sevflow",
    help=(
        "Severity-based support-ticket escalation: policy as code, SLA clocks, timers to the second.\n\n"
        "Settings come from the environment: SEVFLOW_DATABASE_URL (default sqlite:///sevflow.db) and "
        "SEVFLOW_POLICY_PATH (default sevflow-policy.yaml). Start with `sevflow init`, or see it work "
        "with `sevflow demo`."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("init")(init_cmd.init)
app.add_typer(policy_cmd.app, name="policy")
app.add_typer(sla_cmd.app, name="sla")
app.add_typer(ticket_cmd.app, name="ticket")
app.add_typer(agent_cmd.app, name="agent")
app.add_typer(oncall_cmd.app, name="oncall")
app.command("worker")(worker_cmd.worker)
app.command("dispatcher")(dispatcher_cmd.dispatcher)
app.command("serve")(serve_cmd.serve)
app.add_typer(token_cmd.app, name="token")
app.add_typer(user_cmd.app, name="user")
app.command("demo")(demo_cmd.demo)
app.command("analyze")(analyze_cmd.analyze_history)
app.add_typer(history_cmd.app, name="history")
app.add_typer(triage_cmd.app, name="triage")


def main() -> None:
    app()
