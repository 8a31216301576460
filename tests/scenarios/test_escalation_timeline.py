"""The starter policy's escalation timeline, in a table a support manager can review.

Each row of ``escalation_timeline.csv`` opens a ticket at a local time and lets nobody act; the
named event must first happen at the expected local time. The timeline comes from the engine
itself (``domain.projection.project`` runs the live ``run_due`` forward), so the table checks
the policy and the engine together.
"""

import csv
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sevflow.domain.projection import project
from sevflow.domain.severity import Severity
from sevflow.domain.tickets import Ticket
from sevflow.policy.starter import load_starter_policy

TABLE = Path(__file__).with_name("escalation_timeline.csv")
with TABLE.open(encoding="utf-8") as table:
    ROWS = list(csv.DictReader(table))
POLICY = load_starter_policy()


def local(text: str, zone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize("row", ROWS, ids=[r["case"] for r in ROWS])
def test_the_starter_policy_escalates_on_schedule(row: dict[str, str]) -> None:
    opened = local(row["opened_local"], row["zone"])
    severity = Severity.parse(row["severity"])
    ticket = Ticket.open(
        POLICY,
        now=opened,
        actor="portal",
        title="Something is wrong",
        service_line=row["service_line"],
        customer="Globex",
        customer_tier=row["customer_tier"],
        severity=severity,
        severity_reason="triaged by the scenario",
    )
    ticket.pending.clear()
    steps = project(ticket, opened, horizon=timedelta(days=14), max_steps=500)
    matching = [
        s.event.at
        for s in steps
        if s.event.kind.value == row["event"] and (not row["rule"] or s.event.rule == row["rule"])
    ]
    assert matching, f"{row['event']} {row['rule']} never happened within 14 days"
    assert matching[0].astimezone(ZoneInfo(row["zone"])) == local(row["expected_local"], row["zone"]), row[
        "why"
    ]
