"""``ApiWorld``: the real FastAPI app over a real database (SQLite or PostgreSQL), the starter
policy active, a fake clock, and one user (with an API token) per role:

========  ========  ============================================================
name      role      notes
========  ========  ============================================================
root      admin
maria     manager   payments manager in the starter policy
lena      lead      payments L1 lead
ana       agent     payments L1 member
omar      agent     payments L2 lead / Sev2 primary owner (owns Sev2 payments)
ingrid    agent     duty senior_engineer (a Sev1 gate approver); Sev1 owner
vic       viewer
cora      customer  organisation Globex (enterprise)
carl      customer  organisation Initech (business)
========  ========  ============================================================

Customers Globex (enterprise, globex.com) and Initech (business, initech.example) are
registered. Requests go through ``TestClient`` (the ASGI app in-process, real HTTP semantics).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from pydantic import SecretStr

from sevflow.adapters.passwords import Argon2Hasher
from sevflow.bootstrap import Container, build_container
from sevflow.config import Settings
from sevflow.entrypoints.api.app import create_app
from sevflow.policy.starter import starter_policy_text
from sevflow.services import accounts, directory
from sevflow.services.actors import Actor
from sevflow.testing import FakeClock

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday morning
PASSWORD = "correct horse battery staple"
INTAKE_SECRET = "intake-secret-for-tests"
ZENDESK_SECRET = "zendesk-secret-for-tests"
JIRA_SECRET = "jira-secret-for-tests"

USERS: dict[str, dict[str, Any]] = {
    "root": {"role": "admin"},
    "maria": {"role": "manager"},
    "lena": {"role": "lead"},
    "ana": {"role": "agent"},
    "omar": {"role": "agent"},
    "ingrid": {"role": "agent", "duties": ["senior_engineer"]},
    "vic": {"role": "viewer"},
    "cora": {"role": "customer", "organisation": "Globex"},
    "carl": {"role": "customer", "organisation": "Initech"},
}
OPERATOR = Actor("setup")


@dataclass
class ApiWorld:
    box: Container
    clock: FakeClock
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, user: str, **extra: str) -> dict[str, str]:
        """Headers authenticating as ``user`` with their API token (plus ``extra`` headers)."""
        return {"Authorization": f"Bearer {self.tokens[user]}", **extra}

    def request(
        self,
        method: str,
        path: str,
        *,
        as_: str | None = None,
        headers: Mapping[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """``method path`` as user ``as_`` (no credentials if ``None``)."""
        all_headers = {**(self.auth(as_) if as_ else {}), **(headers or {})}
        return self.client.request(method, path, headers=all_headers, **kw)

    def open_ticket(self, as_: str = "ana", **fields: Any) -> dict[str, Any]:
        """Open a ticket through the API (payments, Globex, enterprise unless overridden)."""
        body = {"title": "Refunds fail for some cards", "service_line": "payments", "customer": "Globex"}
        body.update(fields)
        response = self.request("POST", "/api/tickets", as_=as_, json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


def build_world(
    database_url: str, tmp_path: Path, *, policy_text: str | None = None, **settings: Any
) -> Iterator[ApiWorld]:
    policy = tmp_path / "sevflow-policy.yaml"
    policy.write_text(policy_text or starter_policy_text(), encoding="utf-8")
    clock = FakeClock(T0)
    config = Settings(
        database_url=database_url,
        policy_path=policy,
        **{
            "cookie_secure": False,  # the test client speaks plain HTTP
            "intake_secret": SecretStr(INTAKE_SECRET),
            "zendesk_secret": SecretStr(ZENDESK_SECRET),
            "jira_secret": SecretStr(JIRA_SECRET),
            "model_path": None,  # not whatever model file the working directory holds
            **settings,  # e.g. intake_secret=None: that intake turned off
        },
    )
    box = build_container(config, clock=clock, hasher=Argon2Hasher(fast=True))
    try:
        box.sync_policy()
        for name, customer_tier, domain in (
            ("Globex", "enterprise", "globex.com"),
            ("Initech", "business", "initech.example"),
        ):
            directory.put_customer(
                box.uow_factory(),
                clock=clock,
                actor=OPERATOR,
                name=name,
                tier=customer_tier,
                email_domains=[domain],
            )
        world = ApiWorld(box, clock, TestClient(create_app(box), raise_server_exceptions=False))
        for name, spec in USERS.items():
            accounts.create_user(
                box.uow_factory(),
                clock=clock,
                hasher=box.hasher,
                actor=OPERATOR,
                name=name,
                password=PASSWORD,
                **spec,
            )
            world.tokens[name] = accounts.create_token(
                box.uow_factory(), clock=clock, actor=OPERATOR, user=name, label="tests"
            ).text
        with world.client:
            yield world
    finally:
        box.close()
