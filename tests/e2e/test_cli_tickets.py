"""The ``sevflow`` command from outside: a ticket's whole life by hand, and every kind of bad input
answered with one line on stderr, the documented exit code and nothing written.

Exit codes (entrypoints/cli/runtime.py): 1 refused, 2 bad input, 3 infrastructure.

The CLI runs on the wall clock, so instants are checked against the ticket's own stored
``created_at``: every target below runs on the 24x7 calendar, where a deadline is exactly the
start plus the target.
"""

from __future__ import annotations

import os
import re
import signal
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sevflow.adapters.db.locks import WorkerLock
from sevflow.policy.loader import load_policy
from tests.e2e.cli_runner import Cli

MINUTE = timedelta(minutes=1)
CHECKOUT_DOWN = ["--title", "Checkout down for EU cards", "--service-line", "payments"]
CREATE_SEV2 = ["ticket", "create", *CHECKOUT_DOWN, "--customer", "Globex", "--tier", "enterprise"]
CREATE_SEV2 += ["--service", "checkout", "--as", "ana"]
CREATE_SEV1 = ["ticket", "create", "--title", "Data loss in the refunds ledger", "--service-line", "payments"]
CREATE_SEV1 += ["--customer", "Globex", "--tier", "enterprise", "--as", "ana"]


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli.initialised(tmp_path_factory.mktemp("initialised"))


@pytest.fixture
def cli(initialised: Cli, tmp_path: Path) -> Cli:
    """A directory as ``sevflow init`` leaves it: the starter policy, an empty database."""
    return initialised.copy_to(tmp_path)


def instant(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


def clocks(view: dict[str, Any]) -> dict[str, tuple[str, str, int, str | None, bool, bool | None]]:
    """Each clock as (state, calendar, target minutes, deadline, breached, met)."""
    for c in view["clocks"]:
        assert c["elapsed_seconds"] + c["remaining_seconds"] == c["target_minutes"] * 60
    return {
        c["clock"]: (
            c["state"],
            c["calendar"],
            c["target_minutes"],
            c["deadline_at"],
            c["breached"],
            c["met"],
        )
        for c in view["clocks"]
    }


def timeline(view: dict[str, Any]) -> list[tuple[int, str, str]]:
    return [(e["seq"], e["kind"], e["actor"]) for e in view["timeline"]]


# == a ticket's life ===========================================================================


def test_a_ticket_goes_from_creation_through_pause_escalation_override_and_gate_to_closed(cli: Cli) -> None:
    created = cli.json(*CREATE_SEV2)
    start = instant(created["created_at"])
    assert {k: v for k, v in created.items() if k not in ("clocks", "plan", "timeline", "created_at")} == {
        "id": 1,
        "version": 1,
        "title": "Checkout down for EU cards",
        "status": "new",
        "severity": "Sev2",
        "proposed_severity": "Sev2",
        "service_line": "payments",
        "customer": "Globex",
        "customer_tier": "enterprise",
        "tier": "L1",
        "team": "payments-l1",
        "owner": "omar",
        "owner_accepted": False,
        "gate": None,
        "policy_version": load_policy(cli.directory / "sevflow-policy.yaml").version,
        "next_deadline_at": str(start + 30 * MINUTE),
    }
    assert clocks(created) == {
        "first_response": ("running", "24x7", 30, str(start + 30 * MINUTE), False, None),
        "next_update": ("running", "24x7", 60, str(start + 60 * MINUTE), False, None),
        "resolution": ("running", "24x7", 720, str(start + 720 * MINUTE), False, None),
    }
    assert [(p["key"], p["kind"], p["rule"], instant(p["due_at"]) - start) for p in created["plan"]] == [
        ("handoff:1", "handoff", None, 15 * MINUTE),
        ("rule:first-response-at-risk:first_response:0", "rule", "first-response-at-risk", 22.5 * MINUTE),
        ("breach:first_response:0", "breach", None, 30 * MINUTE),
        ("rule:first-response-breached:first_response:0", "rule", "first-response-breached", 30 * MINUTE),
        ("rule:update-due-soon:next_update:0", "rule", "update-due-soon", 45 * MINUTE),
        ("breach:next_update:0", "breach", None, 60 * MINUTE),
        ("rule:sev2-stuck-at-l1:tier1", "rule", "sev2-stuck-at-l1", 60 * MINUTE),
        ("rule:update-overdue:next_update:0", "rule", "update-overdue", 60 * MINUTE),
        ("rule:resolution-at-risk:resolution:0", "rule", "resolution-at-risk", 540 * MINUTE),
        ("breach:resolution:0", "breach", None, 720 * MINUTE),
        ("rule:resolution-breached:resolution:0", "rule", "resolution-breached", 720 * MINUTE),
    ]
    assert timeline(created) == [(1, "created", "ana"), (2, "assigned", "sevflow")]
    assert created["timeline"][0]["data"]["matched_rules"] == ["checkout-down", "enterprise-never-sev4"]

    # the first public reply: first response met, the update clock starts again (epoch 1)
    commented = cli.json("ticket", "comment", "1", "We are on it", "--as", "omar")
    replied = instant(commented["timeline"][-1]["at"])
    assert (commented["version"], commented["timeline"][-1]["kind"]) == (2, "commented")
    assert commented["timeline"][-1]["data"] == {
        "body": "We are on it",
        "public": True,
        "from_customer": False,
    }
    assert clocks(commented)["first_response"][::4] == ("stopped", False)
    assert clocks(commented)["first_response"][5] is True
    assert clocks(commented)["next_update"][3] == str(replied + 60 * MINUTE)
    assert "breach:next_update:1" in [p["key"] for p in commented["plan"]]

    waiting = cli.json("ticket", "status", "1", "waiting_on_customer", "--as", "omar")
    assert (waiting["version"], waiting["status"]) == (3, "waiting_on_customer")
    assert {k: v[0] for k, v in clocks(waiting).items()} == {
        "first_response": "stopped",
        "next_update": "paused",
        "resolution": "paused",
    }
    # paused clocks and the time at L1 schedule nothing; accepting ownership is still due
    assert [p["key"] for p in waiting["plan"]] == ["handoff:1"]

    working = cli.json("ticket", "status", "1", "in_progress", "--as", "omar")
    assert (working["version"], working["status"]) == (4, "in_progress")
    assert {k: v[0] for k, v in clocks(working).items()} == {
        "first_response": "stopped",
        "next_update": "running",
        "resolution": "running",
    }
    assert {p["key"] for p in working["plan"]} >= {"breach:next_update:1", "breach:resolution:0"}

    escalated = cli.json(
        "ticket", "escalate", "1", "--reason", "needs the payments backend team", "--as", "omar"
    )
    assert {k: escalated[k] for k in ("version", "tier", "team", "owner")} == {
        "version": 5,
        "tier": "L2",
        "team": "payments-l2",
        "owner": "priya",
    }
    step = escalated["timeline"][-2]
    assert (step["kind"], step["actor"], step["reason"], step["data"]) == (
        "escalated",
        "omar",
        "needs the payments backend team",
        {"from": "L1", "to": "L2", "team": "payments-l2"},
    )

    raised = cli.json(
        "ticket", "override-severity", "1", "Sev1", "--reason", "every EU card fails", "--as", "omar"
    )
    assert {k: raised[k] for k in ("version", "severity", "gate")} == {
        "version": 6,
        "severity": "Sev1",
        "gate": "sev1-confirmation",
    }
    assert [(e["kind"], e["actor"], e["reason"]) for e in raised["timeline"][7:]] == [
        ("severity_changed", "omar", "every EU card fails"),
        ("gate_opened", "omar", "Sev1 must be confirmed within 15 minutes"),
        ("rule_fired", "sevflow", "enterprise-outage-page: conditions met"),
    ]
    assert {k: v[1:3] for k, v in clocks(raised).items()} == {
        "first_response": ("24x7", 15),
        "next_update": ("24x7", 30),
        "resolution": ("24x7", 240),
    }
    assert "gate:sev1-confirmation:1:0" in [p["key"] for p in raised["plan"]]

    approved = cli.json("ticket", "gate", "1", "--approve", "--as", "ivy", "--role", "incident_commander")
    assert (approved["version"], approved["gate"], approved["severity"]) == (7, None, "Sev1")
    assert approved["timeline"][-1]["data"] == {
        "gate": "sev1-confirmation",
        "approved": True,
        "severity": "Sev1",
    }
    assert not [p for p in approved["plan"] if p["key"].startswith("gate:")]

    resolved = cli.json("ticket", "status", "1", "resolved", "--as", "priya", "--reason", "fix deployed")
    assert (resolved["version"], resolved["status"], resolved["plan"]) == (8, "resolved", [])
    assert {k: v[0] for k, v in clocks(resolved).items()} == dict.fromkeys(
        ("first_response", "next_update", "resolution"), "stopped"
    )
    closed = cli.json("ticket", "status", "1", "closed", "--as", "priya")
    assert (closed["version"], closed["status"], closed["plan"]) == (9, "closed", [])
    assert timeline(closed) == [
        (1, "created", "ana"),
        (2, "assigned", "sevflow"),
        (3, "commented", "omar"),
        (4, "status_changed", "omar"),
        (5, "status_changed", "omar"),
        (6, "escalated", "omar"),
        (7, "assigned", "sevflow"),
        (8, "severity_changed", "omar"),
        (9, "gate_opened", "omar"),
        (10, "rule_fired", "sevflow"),
        (11, "gate_decided", "ivy"),
        (12, "status_changed", "priya"),
        (13, "status_changed", "priya"),
    ]
    listed = cli.json("ticket", "list")
    assert [(t["id"], t["status"], t["severity"], t["tier"]) for t in listed] == [(1, "closed", "Sev1", "L2")]
    table = cli.ok("ticket", "show", "1", "--tz", "Europe/Berlin")
    assert "Checkout down for EU cards" in table
    assert "status closed · tier L2 (payments-l2) · owner priya" in table


# == bad input: one line, the documented exit code, nothing written ================================


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli.initialised(tmp_path_factory.mktemp("prepared"))
    cli.ok(*CREATE_SEV2)
    cli.ok("ticket", "status", "1", "in_progress", "--as", "omar")
    cli.ok(*CREATE_SEV1)
    return cli


PREPARED = {1: (2, 3), 2: (1, 4)}  # ticket: (stored version, events)


@pytest.fixture
def tickets(prepared: Cli, tmp_path: Path) -> Cli:
    """Ticket 1: Sev2, in progress, owner omar (created, assigned, status changed). Ticket 2: Sev1
    with a pending gate, owner ingrid (created, assigned, gate opened, enterprise page)."""
    cli = prepared.copy_to(tmp_path)
    assert cli.versions() == PREPARED
    return cli


NEW = ["ticket", "create", "--title", "Invoice wrong", "--customer", "Globex", "--as", "ana"]
BAD_INPUT = [
    pytest.param(
        [*NEW, "--service-line", "payments", "--tier", "enterprise", "--severity", "Sev9"],
        "unknown severity 'Sev9'; allowed: Sev1, Sev2, Sev3, Sev4",
        id="unknown severity",
    ),
    pytest.param(
        [*NEW, "--service-line", "payments", "--tier", "platinum"],
        "unknown customer tier 'platinum'; allowed: business, enterprise, standard",
        id="unknown customer tier",
    ),
    pytest.param(
        [*NEW, "--service-line", "billing", "--tier", "enterprise"],
        "unknown service line 'billing'; allowed: mobile, payments, platform",
        id="unknown service line",
    ),
    pytest.param(
        [*NEW, "--service-line", "payments", "--tier", "enterprise", "--tz", "Mars/Olympus"],
        "unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Berlin or UTC",
        id="unknown time zone when creating",
    ),
    pytest.param(
        [*NEW, "--service-line", "payments", "--tier", "enterprise", "--severity", "Sev4"],
        "declaring Sev4 when the policy proposes Sev3 needs a reason; give one (it is recorded in the audit trail)",
        id="declared severity without a reason",
    ),
    pytest.param(
        ["ticket", "status", "1", "done"],
        "unknown status 'done'; allowed: closed, in_progress, new, resolved, triaged, waiting_on_customer",
        id="unknown status",
    ),
    pytest.param(
        ["ticket", "escalate", "1", "--reason", "slow", "--as", "bob", "--role", "boss"],
        "unknown role 'boss'; allowed: admin, agent, customer, incident_commander, lead, manager, on_call, "
        "owner, secondary, senior_engineer, tier_lead",
        id="unknown role",
    ),
    pytest.param(
        ["ticket", "comment", "1", "Any news?", "--tz", "Mars/Olympus"],
        "unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Berlin or UTC",
        id="unknown time zone on a change",
    ),
    pytest.param(
        ["ticket", "show", "1", "--tz", "Mars/Olympus"],
        "unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Berlin or UTC",
        id="unknown time zone when showing",
    ),
    pytest.param(
        ["ticket", "override-severity", "1", "Sev1", "--reason", "  "],
        "a severity override needs a reason; give one (it is recorded in the audit trail)",
        id="override without a reason",
    ),
    pytest.param(
        ["ticket", "escalate", "1", "--reason", ""],
        "an escalation needs a reason; give one (it is recorded in the audit trail)",
        id="escalation without a reason",
    ),
    pytest.param(
        ["ticket", "override-severity", "1", "Sev9", "--reason", "worse"],
        "unknown severity 'Sev9'; allowed: Sev1, Sev2, Sev3, Sev4",
        id="override to an unknown severity",
    ),
    pytest.param(
        ["ticket", "gate", "2", "--reject", "--as", "ivy", "--role", "incident_commander"],
        "rejecting a decision gate needs a note saying why",
        id="gate rejected without a note",
    ),
]
REFUSED = [
    pytest.param(
        ["ticket", "status", "1", "triaged"],
        "a ticket cannot go from in_progress to triaged; from in_progress it may go to: resolved, "
        "waiting_on_customer",
        id="forbidden transition",
    ),
    pytest.param(
        ["ticket", "deescalate", "1", "--reason", "not that bad", "--as", "ben"],
        "de-escalating needs one of the roles: lead, manager; you have: agent",
        id="de-escalation by an agent",
    ),
    pytest.param(
        ["ticket", "escalate", "1", "--reason", "slow", "--as", "omar", "--if-version", "1"],
        "ticket 1 is at version 2, not 1: somebody changed it meanwhile; reload it and try again",
        id="stale version",
    ),
    pytest.param(
        ["ticket", "gate", "2", "--approve", "--as", "ingrid", "--role", "incident_commander"],
        "ingrid owns this ticket and cannot approve its own gate",
        id="gate decided by the ticket's owner",
    ),
    pytest.param(
        ["ticket", "gate", "2", "--approve", "--as", "ben"],
        "gate sev1-confirmation must be decided by one of: incident_commander, senior_engineer; "
        "ben has roles: agent",
        id="gate decided without an approver role",
    ),
    pytest.param(
        ["ticket", "gate", "1", "--approve", "--as", "ivy", "--role", "incident_commander"],
        "the ticket has no pending decision gate",
        id="no gate to decide",
    ),
    pytest.param(
        ["ticket", "accept", "1", "--as", "ben"],
        "only the assigned owner (omar) can accept ownership, not ben",
        id="somebody else accepting ownership",
    ),
    pytest.param(
        ["ticket", "ack", "1", "--as", "omar"],
        "the ticket has no open page to acknowledge",
        id="no page to acknowledge",
    ),
    pytest.param(["ticket", "comment", "99", "Hello?"], "there is no ticket #99", id="unknown ticket"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_bad_input_is_one_line_on_stderr_exit_code_2_and_writes_nothing(
    tickets: Cli, args: list[str], message: str
) -> None:
    before = tickets.stored()
    assert tickets.fails(*args) == (2, f"error: {message}\n")
    assert tickets.versions() == PREPARED
    assert tickets.stored() == before


@pytest.mark.parametrize(("args", "message"), REFUSED)
def test_a_refused_action_is_one_line_on_stderr_exit_code_1_and_writes_nothing(
    tickets: Cli, args: list[str], message: str
) -> None:
    before = tickets.stored()
    assert tickets.fails(*args) == (1, f"error: {message}\n")
    assert tickets.versions() == PREPARED
    assert tickets.stored() == before


def test_a_missing_reason_option_is_a_usage_error_that_writes_nothing(tickets: Cli) -> None:
    before = tickets.stored()
    code, stderr = tickets.fails("ticket", "escalate", "1", "--as", "omar")
    assert code == 2
    assert "Missing option '--reason'" in stderr
    assert tickets.versions() == PREPARED
    assert tickets.stored() == before


def test_an_unreachable_database_is_one_line_on_stderr_and_exit_code_3(cli: Cli) -> None:
    cli.env["SEVFLOW_DATABASE_URL"] = "postgresql+psycopg://sevflow@127.0.0.1:1/nowhere"
    code, stderr = cli.fails("ticket", "show", "1")
    assert code == 3
    assert re.fullmatch(r"error: database error: OperationalError: .*127\.0\.0\.1.*\n", stderr), stderr


def test_a_second_worker_on_the_same_sqlite_file_exits_3_with_the_lock_holder_named(cli: Cli) -> None:
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with WorkerLock.for_database(cli.directory / "sevflow.db"):
            refused = cli.run("worker", "--quiet")
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert (refused.exit_code, refused.stderr) == (
        3,
        f"error: another sevflow worker is already running against sevflow.db (pid {os.getpid()}); "
        "SQLite supports one worker — stop it or use PostgreSQL for several\n",
    )


# == the demo ===================================================================================


def test_the_demo_runs_the_engine_on_a_fresh_database_and_prints_its_summary_table(
    cli: Cli, tmp_path: Path
) -> None:
    output = cli.ok("demo", "--tickets", "40", "--days", "2", "--quiet", "--db", str(tmp_path / "demo.db"))
    lines = output.splitlines()
    assert lines[0].startswith("sevflow demo — policy Acme support escalation policy (")
    assert lines[0].endswith("40 tickets arriving over 48 h, 2 simulated days from Mon 2026-03-23 06:00 UTC")
    assert "What the engine did, by severity at the time" in lines
    rows = {
        cells[0]: [int(c) for c in cells[1:]]
        for line in lines
        if (cells := [c.strip() for c in line.strip("│ ").split("│")])[0]
        in ("Sev1", "Sev2", "Sev3", "Sev4", "all")
    }
    header = next(line for line in lines if "opened" in line)
    assert [c.strip() for c in header.strip("┃ ").split("┃")] == [
        "sev",
        "opened",
        "warn",
        "breach",
        "escal",
        "re-sev",
        "handoff",
        "gate",
        "done",
    ]
    assert list(rows) == ["Sev1", "Sev2", "Sev3", "Sev4", "all"]
    assert rows["all"][0] == 40
    assert rows["all"] == [sum(rows[s][i] for s in ("Sev1", "Sev2", "Sev3", "Sev4")) for i in range(8)]
    assert rows["all"][2] > 0  # something breached in two days
    assert re.fullmatch(r"\d+ timers fired, \d+ events recorded; 2 simulated days in .*", lines[-1])
    assert (tmp_path / "demo.db").exists()
