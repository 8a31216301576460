"""``sevflow user create|list`` and ``sevflow token create|list|revoke`` from outside: the password
only ever through standard input, the token text shown once and then working against the HTTP
API built over the same database file, never listed, and refused once revoked.

Exit codes (entrypoints/cli/runtime.py): 1 refused (not found, conflict), 2 bad input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sevflow.adapters.passwords import Argon2Hasher
from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.entrypoints.api.app import create_app
from sevflow.entrypoints.cli.app import app as cli_app
from tests.e2e.cli_runner import DATABASE, POLICY, Cli

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r"sev_([0-9a-f]{12})_[A-Za-z0-9_-]{43}")


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli.initialised(tmp_path_factory.mktemp("initialised"))


@pytest.fixture
def cli(initialised: Cli, tmp_path: Path) -> Cli:
    """A directory as ``sevflow init`` leaves it: the starter policy, an empty database."""
    return initialised.copy_to(tmp_path)


def typed(cli: Cli, *args: str, stdin: str) -> Result:
    """``sevflow ARGS`` with ``stdin`` piped in (``Cli.run`` sends none)."""
    result = CliRunner().invoke(cli_app, list(args), env=cli.env, input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def create_user(cli: Cli, name: str, *options: str, password: str = PASSWORD) -> Result:
    return typed(cli, "user", "create", name, *options, "--password-stdin", stdin=f"{password}\n")


def issue_token(cli: Cli, user: str, label: str = "zendesk sync") -> tuple[str, str]:
    """``sevflow token create``: the token's id and its text (the last line printed)."""
    out = cli.ok("token", "create", "--user", user, "--label", label)
    first, text = out.rstrip("\n").split("\n")
    match = TOKEN.fullmatch(text)
    assert match is not None, out
    assert first == f"token {match.group(1)} for {user} ({label}); it is shown only now:"
    return match.group(1), text


@pytest.fixture
def api_over(cli: Cli) -> Iterator[TestClient]:
    """The HTTP API over the CLI's own database file and policy (the wall clock, like the CLI)."""
    settings = Settings(
        database_url=f"sqlite:///{cli.directory / DATABASE}",
        policy_path=cli.directory / POLICY,
        cookie_secure=False,
    )
    box = build_container(settings, hasher=Argon2Hasher(fast=True))
    try:
        with TestClient(create_app(box), raise_server_exceptions=False) as client:
            yield client
    finally:
        box.close()


def bearer(text: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {text}"}


# -- users ----------------------------------------------------------------------------------------


def test_a_user_is_created_with_the_password_from_standard_input_and_listed(cli: Cli) -> None:
    made = create_user(cli, "ana", "--role", "agent", "--duty", "on_call")
    assert (made.exit_code, made.stdout, made.stderr) == (0, "user ana created (agent)\n", "")
    made = create_user(cli, "cora", "--role", "customer", "--organisation", "Globex")
    assert (made.exit_code, made.stdout) == (0, "user cora created (customer)\n")

    assert cli.json("user", "list") == [
        {"name": "ana", "role": "agent", "duties": ["on_call"], "organisation": None, "active": True},
        {"name": "cora", "role": "customer", "duties": [], "organisation": "Globex", "active": True},
    ]
    table = cli.ok("user", "list")
    assert table.splitlines()[0].strip() == "2 user(s)"
    assert PASSWORD not in table
    stored = cli.stored()["users"]
    assert all(PASSWORD not in repr(row) for row in stored)


def test_the_password_set_on_standard_input_signs_in_over_the_api(cli: Cli, api_over: TestClient) -> None:
    assert create_user(cli, "ana", "--role", "agent").exit_code == 0
    signed = api_over.post("/api/session", json={"name": "ana", "password": PASSWORD})
    assert signed.status_code == 201, signed.text
    assert (signed.json()["user"], signed.json()["role"]) == ("ana", "agent")
    wrong = api_over.post("/api/session", json={"name": "ana", "password": PASSWORD + "!"})
    assert wrong.status_code == 401


def test_a_short_password_is_refused_with_exit_code_2_and_nothing_is_stored(cli: Cli) -> None:
    before = cli.stored()
    result = create_user(cli, "ana", "--role", "agent", password="hunter2")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "error: the password has 7 characters; it needs 12 to 1024\n"
    assert cli.stored() == before


def test_without_a_terminal_or_password_stdin_no_user_is_created(cli: Cli) -> None:
    result = typed(cli, "user", "create", "ana", "--role", "agent", stdin=f"{PASSWORD}\n")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "error: no terminal to ask for a password: pipe it in with --password-stdin\n"
    assert cli.json("user", "list") == []


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        (
            ["--role", "boss"],
            2,
            "unknown role 'boss'",
        ),
        (
            ["--role", "customer"],
            2,
            "a customer user needs the organisation whose tickets they may see",
        ),
        (
            ["--role", "agent", "--organisation", "Globex"],
            2,
            "only customer users have an organisation; ana would be agent",
        ),
    ],
    ids=["an unknown role", "a customer without organisation", "an agent with an organisation"],
)
def test_a_user_that_cannot_exist_is_refused_with_exit_code_2(
    cli: Cli, options: list[str], code: int, message: str
) -> None:
    result = create_user(cli, "ana", *options)
    assert (result.exit_code, result.stdout) == (code, "")
    assert result.stderr.startswith(f"error: {message}")
    assert cli.json("user", "list") == []


def test_a_taken_name_is_refused_with_exit_code_1(cli: Cli) -> None:
    assert create_user(cli, "ana", "--role", "agent").exit_code == 0
    again = create_user(cli, "ana", "--role", "viewer")
    assert (again.exit_code, again.stdout) == (1, "")
    assert again.stderr.startswith("error: ")
    assert "ana" in again.stderr
    assert [u["role"] for u in cli.json("user", "list")] == ["agent"]


# -- tokens ---------------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_then_works_against_the_api(cli: Cli, api_over: TestClient) -> None:
    assert create_user(cli, "ana", "--role", "agent").exit_code == 0
    token_id, text = issue_token(cli, "ana")

    response = api_over.get("/api/tickets", headers=bearer(text))
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next_cursor": None}
    mine = api_over.get("/api/tokens", headers=bearer(text))
    assert [(t["id"], t["user"], t["label"]) for t in mine.json()] == [(token_id, "ana", "zendesk sync")]
    assert "token" not in mine.json()[0]


def test_token_list_never_prints_the_token_text(cli: Cli) -> None:
    assert create_user(cli, "ana", "--role", "agent").exit_code == 0
    assert create_user(cli, "vic", "--role", "viewer").exit_code == 0
    issued = [issue_token(cli, "ana", "laptop"), issue_token(cli, "vic", "dashboard")]

    table = cli.ok("token", "list")
    listed = cli.ok("token", "list", "--json")
    for token_id, text in issued:
        secret = text.removeprefix(f"sev_{token_id}_")
        for out in (table, listed):
            assert token_id in out
            assert text not in out
            assert secret not in out
    rows: list[dict[str, Any]] = json.loads(listed)
    assert sorted((r["user"], r["label"], r["revoked_at"]) for r in rows) == [
        ("ana", "laptop", None),
        ("vic", "dashboard", None),
    ]
    assert all(
        set(r) == {"id", "user", "label", "created_at", "expires_at", "last_used_at", "revoked_at"}
        for r in rows
    )
    assert [r["user"] for r in cli.json("token", "list", "--user", "vic")] == ["vic"]
    assert all(text not in repr(row) for row in cli.stored()["api_tokens"] for _, text in issued)


def test_a_revoked_token_gets_401(cli: Cli, api_over: TestClient) -> None:
    assert create_user(cli, "ana", "--role", "agent").exit_code == 0
    token_id, text = issue_token(cli, "ana")
    other_id, other = issue_token(cli, "ana", "spare")
    assert api_over.get("/api/tickets", headers=bearer(text)).status_code == 200

    assert cli.ok("token", "revoke", token_id) == f"token {token_id} of ana revoked\n"
    refused = api_over.get("/api/tickets", headers=bearer(text))
    assert refused.status_code == 401
    problem = refused.json()
    assert problem["type"] == "urn:sevflow:problem:unauthenticated"
    assert problem["detail"].startswith("this API token was revoked at ")
    # only that token: the other one still works, and the list shows which is which
    assert api_over.get("/api/tickets", headers=bearer(other)).status_code == 200
    states = {r["id"]: r["revoked_at"] is not None for r in cli.json("token", "list")}
    assert states == {token_id: True, other_id: False}
    assert "revoked" in cli.ok("token", "list")


def test_a_token_made_with_a_lifetime_lists_its_expiry(cli: Cli) -> None:
    assert create_user(cli, "ana", "--role", "agent").exit_code == 0
    made = cli.json("token", "create", "--user", "ana", "--label", "temp", "--expires-in", "12h")
    assert TOKEN.fullmatch(made["token"])
    assert made["expires_at"] is not None
    listed = cli.json("token", "list")
    assert [(r["id"], r["expires_at"]) for r in listed] == [(made["id"], made["expires_at"])]


def test_tokens_for_nobody_and_unknown_tokens_are_refused(cli: Cli) -> None:
    code, stderr = cli.fails("token", "create", "--user", "nobody", "--label", "x")
    assert code == 1
    assert stderr.startswith("error: ")
    assert "nobody" in stderr
    code, stderr = cli.fails("token", "revoke", "0123456789ab")
    assert (code, stderr) == (1, "error: no API token with id '0123456789ab'\n")
    code, stderr = cli.fails("token", "create", "--user", "nobody", "--label", "x", "--expires-in", "soon")
    assert code == 2
    assert stderr.startswith("error: --expires-in: ")
