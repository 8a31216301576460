"""The SQL the repositories send: no needless writes, and bulk work in a constant number of
statements however many tickets it covers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.uow import SqlUnitOfWorkFactory
from sevflow.domain.events import Event, EventKind
from sevflow.domain.notifications import Notification
from sevflow.domain.policy import Policy
from sevflow.policy.loader import load_policy_text
from sevflow.policy.starter import starter_policy_text
from sevflow.services.ports import TimerRow
from tests.contract.conftest import open_ticket

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
M = timedelta(minutes=1)


class Recorder:
    def __init__(self, engine: Engine) -> None:
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        """As ``VERB table``, e.g. ``SELECT timers``; transaction control is left out. A
        ``WITH w AS (INSERT ...) SELECT ...`` is its data-modifying part."""
        inner = re.match(r"WITH \w+ AS \(\s*(.*)", statement, re.DOTALL)
        statement = inner.group(1) if inner else statement
        verb = statement.split()[0].upper()
        found = re.search(r"\b(?:INTO|UPDATE|FROM)\s+(\w+)", statement)
        if verb in ("SELECT", "INSERT", "UPDATE", "DELETE") and found:
            self.statements.append(f"{verb} {found.group(1)}")

    def take(self) -> list[str]:
        taken, self.statements = self.statements, []
        return taken


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    engine = make_engine(request.getfixturevalue(f"{request.param}_url"))
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def policy(engine: Engine) -> Policy:
    text = starter_policy_text()
    policy = load_policy_text(text, "starter")
    with SqlUnitOfWorkFactory(engine)() as uow:
        uow.policies.add(policy, text, now=T0, activate=True)
        uow.commit()
    return policy


def test_replacing_timers_writes_only_what_changed(engine: Engine, policy: Policy) -> None:
    factory = SqlUnitOfWorkFactory(engine)
    with factory() as uow:
        uow.tickets.add(open_ticket(policy))
        uow.commit()
    schedule = [TimerRow(1, "a", T0), TimerRow(1, "b", T0 + M)]
    recorder = Recorder(engine)
    with factory() as uow:
        uow.timers.replace(1, schedule)
        assert recorder.take() == ["SELECT timers", "INSERT timers"]
        uow.timers.replace(1, schedule)
        assert recorder.take() == ["SELECT timers"]
        uow.timers.replace(1, [TimerRow(1, "a", T0 + 5 * M), TimerRow(1, "b", T0 + M)])
        assert recorder.take() == ["SELECT timers", "UPDATE timers"]
        uow.timers.replace(1, [TimerRow(1, "b", T0 + M)])
        assert recorder.take() == ["SELECT timers", "DELETE timers"]
        uow.commit()


def test_a_ticket_created_in_the_same_transaction_needs_no_lookups_for_events_timers_or_notifications(
    engine: Engine, policy: Policy
) -> None:
    recorder = Recorder(engine)
    with SqlUnitOfWorkFactory(engine)() as uow:
        ticket = open_ticket(policy)
        uow.tickets.add(ticket)
        recorder.take()
        [seq] = uow.events.append(ticket, [Event(EventKind.COMMENTED, T0, "ana", {})])
        uow.timers.replace(1, [TimerRow(1, "a", T0)])
        uow.outbox.add(1, seq, Notification("commented", ("bo",), (), "s", "t"), now=T0)
        assert recorder.take() == ["INSERT ticket_events", "INSERT timers", "INSERT outbox"]
        uow.commit()


@pytest.mark.postgres
@pytest.mark.parametrize("count", [10, 100])
def test_bulk_creation_takes_the_same_statements_for_ten_tickets_as_for_a_hundred(
    postgres_url: str, count: int
) -> None:
    engine = make_engine(postgres_url)
    try:
        text = starter_policy_text()
        policy = load_policy_text(text, "starter")
        factory = SqlUnitOfWorkFactory(engine)
        with factory() as uow:
            uow.policies.add(policy, text, now=T0, activate=True)
            uow.commit()
        tickets = [open_ticket(policy) for _ in range(count)]
        recorder = Recorder(engine)
        with factory() as uow:
            ids = uow.tickets.add_many(tickets)
            seqs = uow.events.append_many([(t, [Event(EventKind.COMMENTED, T0, "ana", {})]) for t in tickets])
            uow.timers.replace_many({i: [TimerRow(i, "a", T0)] for i in ids})
            note = Notification("commented", ("bo",), (), "s", "t")
            uow.outbox.add_many([(i, s[0], note) for i, s in zip(ids, seqs, strict=True)], now=T0)
            uow.commit()
        pages = -(-count // 100)  # ticket inserts go in pages of 100 rows
        assert recorder.take() == ["INSERT tickets"] * pages + [
            "INSERT ticket_events",
            "INSERT timers",
            "INSERT outbox",
        ]
    finally:
        engine.dispose()
