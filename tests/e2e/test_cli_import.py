"""``sevflow ticket import FILE`` from outside: a file of tickets is opened and counted, a dry
run and a second run write nothing, and a file with problems is refused as a whole -- every
problem listed by line on stderr, exit code 2, nothing written.

Exit codes (entrypoints/cli/runtime.py): 1 refused, 2 bad input, 3 infrastructure."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli_runner import Cli

GLOBEX: dict[str, Any] = {"service_line": "payments", "customer": "Globex", "customer_tier": "enterprise"}
FIRST: list[dict[str, Any]] = [
    {"title": "Checkout down for EU cards", "services": ["checkout"], "external_id": "ZD-1", **GLOBEX},
    {"title": "Refund totals look wrong", "external_id": "ZD-2", **GLOBEX},
    {
        "title": "Cannot log in",
        "services": ["login"],
        "external_id": "ZD-3",
        **GLOBEX,
        "service_line": "platform",
    },
]
MORE: list[dict[str, Any]] = [
    {
        "title": "Invoice typo",
        "severity": "sev4",
        "severity_reason": "cosmetic",
        "external_id": "ZD-4",
        **GLOBEX,
    },
    {"title": "App crashes on start", "external_id": "ZD-5", **GLOBEX, "service_line": "mobile"},
]


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli.initialised(tmp_path_factory.mktemp("import"))


@pytest.fixture
def cli(initialised: Cli, tmp_path: Path) -> Cli:
    """A directory as ``sevflow init`` leaves it: the starter policy, no tickets."""
    return initialised.copy_to(tmp_path)


def jsonl(directory: Path, name: str, records: list[dict[str, Any]]) -> str:
    path = directory / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def import_json(cli: Cli, *args: str) -> dict[str, Any]:
    """``ticket import ... --json``, without the run time (checked to be a number of seconds)."""
    outcome: dict[str, Any] = cli.json("ticket", "import", *args)
    assert isinstance(outcome.pop("seconds"), float)
    return outcome


def test_an_import_opens_every_ticket_of_the_file_and_says_how_many(cli: Cli) -> None:
    path = jsonl(cli.directory, "tickets.jsonl", FIRST)

    output = cli.ok("ticket", "import", path, "--jobs", "1", "--as", "nina")

    assert re.fullmatch(
        rf"{re.escape(path)}: opened 3 tickets in \d+\.\d s \([\d,]+/s, 1 processes\)\n", output
    )
    assert cli.versions() == {1: (1, 2), 2: (1, 2), 3: (1, 2)}  # created and assigned
    first = cli.json("ticket", "show", "1")
    assert (first["title"], first["severity"], first["owner"]) == (
        "Checkout down for EU cards",
        "Sev2",
        "omar",
    )
    created = first["timeline"][0]
    assert (created["kind"], created["actor"]) == ("created", "nina")
    assert (created["data"]["channel"], created["data"]["external_id"]) == ("import", "ZD-1")


def test_the_json_outcome_counts_the_tickets_of_the_file_those_already_stored_and_those_opened(
    cli: Cli,
) -> None:
    first = jsonl(cli.directory, "first.jsonl", FIRST)
    both = jsonl(cli.directory, "both.jsonl", FIRST + MORE)

    assert import_json(cli, first, "--jobs", "2", "--batch", "1") == {
        "file": first,
        "tickets": 3,
        "already_stored": 0,
        "opened": 3,
        "jobs": 2,
        "dry_run": False,
    }
    assert import_json(cli, both, "--jobs", "1") == {
        "file": both,
        "tickets": 5,
        "already_stored": 3,
        "opened": 2,
        "jobs": 1,
        "dry_run": False,
    }
    assert len(cli.versions()) == 5


def test_a_dry_run_writes_nothing_and_says_how_many_tickets_would_be_opened(cli: Cli) -> None:
    cli.ok("ticket", "import", jsonl(cli.directory, "first.jsonl", FIRST), "--jobs", "1")
    both = jsonl(cli.directory, "both.jsonl", FIRST + MORE)
    before = cli.stored()

    said = cli.ok("ticket", "import", both, "--dry-run")
    counted = cli.json("ticket", "import", both, "--dry-run")

    assert (
        said
        == f"{both}: 5 tickets, all valid; 2 would be opened; 3 already stored (same external_id), skipped\n"
    )
    assert counted == {
        "file": both,
        "tickets": 5,
        "already_stored": 3,
        "opened": 0,
        "seconds": 0.0,
        "jobs": 0,
        "dry_run": True,
    }
    assert len(cli.versions()) == 3
    assert cli.stored() == before


def test_running_the_same_import_again_opens_nothing_and_says_how_many_were_skipped(cli: Cli) -> None:
    path = jsonl(cli.directory, "tickets.jsonl", FIRST)
    cli.ok("ticket", "import", path, "--jobs", "1")
    before = cli.stored()

    again = cli.ok("ticket", "import", path, "--jobs", "1")

    assert again == f"{path}: nothing to open; 3 already stored (same external_id), skipped\n"
    assert len(cli.versions()) == 3
    assert cli.stored() == before


def test_a_file_with_problems_exits_2_lists_every_problem_by_line_on_stderr_and_writes_nothing(
    cli: Cli,
) -> None:
    path = cli.directory / "tickets.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(FIRST[0]),
                '{"title": "Refunds fail", "service_line": "payments"',
                json.dumps({**FIRST[1], "service_line": "billing"}),
                json.dumps(FIRST[2]),
                json.dumps({**MORE[1], "priority": "high"}),
                json.dumps({**MORE[0], "external_id": "ZD-1"}),
                json.dumps({**GLOBEX, "title": "Invoice typo", "severity": "Sev4"}),
                json.dumps({**GLOBEX, "title": "Invoice typo", "users_affected": -5}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    before = cli.stored()

    assert cli.fails("ticket", "import", str(path), "--jobs", "1") == (
        2,
        f"error: {path}: 6 problems, nothing was imported:\n"
        "  line 2: not valid JSON (Expecting ',' delimiter at column 53)\n"
        "  line 3: unknown service line 'billing'; allowed: mobile, payments, platform\n"
        "  line 5: unknown field(s) 'priority'; the fields are title, service_line, customer, customer_tier, "
        "description, services, users_affected, severity, severity_reason, channel, external_id\n"
        "  line 6: external_id 'ZD-1' is also on line 1\n"
        "  line 7: declaring Sev4 when the policy proposes Sev3 needs a reason; give one (it is recorded in "
        "the audit trail)\n"
        "  line 8: users_affected must be a whole number >= 0, got -5\n",
    )
    assert cli.versions() == {}
    assert cli.stored() == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.jsonl", "no such file"),
        ("tickets.xlsx", "unknown file type '.xlsx'; use one of .csv, .jsonl, .ndjson"),
    ],
)
def test_a_file_that_cannot_be_imported_at_all_is_one_line_on_stderr_and_exit_code_2(
    cli: Cli, name: str, message: str
) -> None:
    path = cli.directory / name
    if name != "missing.jsonl":
        path.write_text("title\n", encoding="utf-8")
    before = cli.stored()

    assert cli.fails("ticket", "import", str(path)) == (2, f"error: cannot import {path}: {message}\n")
    assert cli.stored() == before
