"""Helpers for the storage contract tests: the starter policy, stored, and tickets opened on it.

Every test here takes ``uow_factory`` (tests/conftest.py), so it runs against the in-memory
fakes, SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sevflow.domain.policy import Policy
from sevflow.domain.tickets import Ticket
from sevflow.policy.loader import load_policy_text
from sevflow.policy.starter import starter_policy_text
from sevflow.services.ports import UnitOfWorkFactory

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday morning


@pytest.fixture(scope="session")
def starter_text() -> str:
    return starter_policy_text()


@pytest.fixture(scope="session")
def starter(starter_text: str) -> Policy:
    return load_policy_text(starter_text, "starter policy")


@pytest.fixture
def policy(uow_factory: UnitOfWorkFactory, starter: Policy, starter_text: str) -> Policy:
    """The starter policy, stored and active in the store under test."""
    with uow_factory() as uow:
        uow.policies.add(starter, starter_text, now=T0, activate=True)
        uow.commit()
    return starter


def open_ticket(policy: Policy, **overrides: Any) -> Ticket:
    fields: dict[str, Any] = {
        "now": T0,
        "actor": "ana",
        "title": "Refunds fail for some cards",
        "service_line": "payments",
        "customer": "Globex",
        "customer_tier": "enterprise",
    }
    fields.update(overrides)
    return Ticket.open(policy, **fields)


def add_ticket(uow_factory: UnitOfWorkFactory, policy: Policy, **overrides: Any) -> Ticket:
    """Open a ticket, add it and commit; returns it (with its id and version 1)."""
    ticket = open_ticket(policy, **overrides)
    with uow_factory() as uow:
        uow.tickets.add(ticket)
        uow.commit()
    return ticket
