"""Importing many tickets on SQLite and PostgreSQL: ``plan_import`` checks every request against
the active policy and finds the ones already stored, by position; ``import_tickets`` opens
exactly the requested tickets -- in this process (one job) or in spawned processes (two jobs) --
each with its created event, one timer row and its owner's load; importing again opens nothing.

The requests are few (60, in batches of 10) so that starting the processes is the main cost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from sqlalchemy import Engine, func, select

from sevflow.adapters.db.tables import agents, ticket_events, tickets, timers
from sevflow.bootstrap import Container, build_container
from sevflow.config import Settings
from sevflow.domain.severity import Severity
from sevflow.entrypoints.bulk_import import import_tickets
from sevflow.services.actors import Actor
from sevflow.services.tickets import ImportPlan, NewTicket, plan_import
from tests.integration.engine_world import World

IMPORTER = Actor("importer")
KINDS = [
    NewTicket("Checkout down for EU cards", "payments", "Globex", "enterprise", services=("checkout",)),
    NewTicket("Refund totals look wrong", "payments", "Initech", "business"),
    NewTicket("Cannot log in since the update", "platform", "Globex", "enterprise", services=("login",)),
    NewTicket("App crashes on start", "mobile", "Umbrella", "standard", services=("ios-app",)),
    NewTicket("Data loss in the refunds ledger", "payments", "Globex", "enterprise", users_affected=40),
    NewTicket(
        "Invoice typo",
        "payments",
        "Initech",
        "enterprise",
        severity=Severity.SEV4,
        severity_reason="cosmetic",
    ),
]
EXTERNAL_IDS = [f"ZD-{n:03}" for n in range(60)]
REQUESTS = [
    replace(KINDS[n % len(KINDS)], channel="import", external_id=e) for n, e in enumerate(EXTERNAL_IDS)
]


@dataclass(frozen=True)
class Stored:
    """What the database holds after an import."""

    external_ids: list[tuple[int, str | None]]
    """``(ticket id, external id)`` in id order."""
    created: dict[int, list[str]]
    """Ticket id -> the actors of its ``created`` events."""
    timer_rows: dict[int, int]
    """Ticket id -> how many rows it has in the timers table."""
    open_tickets: int
    owners_load: int
    """The sum of ``open_tickets`` over the agents table."""

    @classmethod
    def read(cls, engine: Engine) -> Stored:
        e = ticket_events.c
        with engine.connect() as conn:
            ids = [(r.id, r.external_id) for r in conn.execute(select(tickets).order_by(tickets.c.id))]
            created: dict[int, list[str]] = {}
            for ticket_id, actor in conn.execute(
                select(e.ticket_id, e.actor).where(e.kind == "created").order_by(e.ticket_id)
            ):
                created.setdefault(ticket_id, []).append(actor)
            rows = select(timers.c.ticket_id, func.count()).group_by(timers.c.ticket_id)
            timer_rows: dict[int, int] = dict(conn.execute(rows).all())
            open_count = conn.execute(select(func.count()).where(tickets.c.is_open.is_(True))).scalar_one()
            load = conn.execute(select(func.coalesce(func.sum(agents.c.open_tickets), 0))).scalar_one()
        return cls(ids, created, timer_rows, int(open_count), int(load))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def box(database_url: str) -> Iterator[Container]:
    container = build_container(Settings(database_url=database_url), migrate_schema=False)
    try:
        yield container
    finally:
        container.close()


@pytest.fixture
def world(box: Container) -> World:
    """The starter policy active; its fake clock (at ``T0``) is the importing processes' clock."""
    return World.starting(box.uow_factory)


def import_all(box: Container, world: World, requests: list[NewTicket], jobs: int) -> tuple[int, int]:
    """Import ``requests`` in batches of 10; returns ``(opened, jobs used)``."""
    result = import_tickets(box.settings, requests, actor=IMPORTER, jobs=jobs, batch=10, clock=world.clock)
    return result.opened, result.jobs


def test_planning_an_import_names_the_stored_external_ids_and_every_policy_problem_by_position(
    box: Container, world: World
) -> None:
    assert import_all(box, world, REQUESTS[:2], jobs=1) == (2, 1)
    plain = NewTicket("Refund totals look wrong", "payments", "Globex", "enterprise")
    requests = [
        REQUESTS[0],
        replace(plain, external_id="ZD-900"),
        replace(plain, service_line="billing"),
        replace(plain, customer_tier="platinum"),
        replace(plain, services=("checkout", "teleport")),
        replace(plain, severity=Severity.SEV4),
        replace(plain, severity=Severity.SEV3),
        replace(plain, service_line="billing", external_id="ZD-001"),
        replace(plain, title="   "),
        replace(plain, severity=Severity.SEV1, severity_reason="the whole ledger is wrong"),
    ]
    before = Stored.read(box.engine)

    plan = plan_import(box.read_uow_factory(), requests)

    assert plan == ImportPlan(
        to_open=[1, 6, 9],
        already_stored={0: 1, 7: 2},
        problems=[
            (2, "unknown service line 'billing'; allowed: mobile, payments, platform"),
            (3, "unknown customer tier 'platinum'; allowed: business, enterprise, standard"),
            (
                4,
                "unknown service 'teleport'; allowed: android-app, api, billing, checkout, data-export, "
                "ios-app, login, push-notifications, refunds, webhooks",
            ),
            (
                5,
                "declaring Sev4 when the policy proposes Sev3 needs a reason; give one (it is recorded "
                "in the audit trail)",
            ),
            (8, "title must not be empty"),
        ],
    )
    assert Stored.read(box.engine) == before


@pytest.mark.parametrize("jobs", [1, 2], ids=["in this process", "two processes"])
def test_importing_opens_exactly_the_requested_tickets_each_with_its_event_timer_and_owner(
    box: Container, world: World, jobs: int
) -> None:
    assert import_all(box, world, REQUESTS, jobs) == (60, jobs)

    stored = Stored.read(box.engine)
    ids = [ticket_id for ticket_id, _ in stored.external_ids]
    assert sorted((external_id for _, external_id in stored.external_ids), key=str) == EXTERNAL_IDS
    if jobs == 1:  # one process opens them in file order
        assert stored.external_ids == list(enumerate(EXTERNAL_IDS, start=1))
    assert stored.created == {ticket_id: [IMPORTER.name] for ticket_id in ids}
    assert stored.timer_rows == dict.fromkeys(ids, 1)
    assert (stored.open_tickets, stored.owners_load) == (60, 60)


def test_importing_the_same_requests_again_opens_only_those_not_stored_yet_and_then_nothing(
    box: Container, world: World
) -> None:
    assert import_all(box, world, REQUESTS[:25], jobs=1) == (25, 1)  # as if interrupted

    again = plan_import(box.read_uow_factory(), REQUESTS)
    assert again == ImportPlan(
        to_open=list(range(25, 60)), already_stored={n: n + 1 for n in range(25)}, problems=[]
    )
    assert import_all(box, world, [REQUESTS[n] for n in again.to_open], jobs=2) == (35, 2)
    stored = Stored.read(box.engine)
    id_of = {external_id: ticket_id for ticket_id, external_id in stored.external_ids}

    third = plan_import(box.read_uow_factory(), REQUESTS)
    assert third == ImportPlan(
        to_open=[], already_stored={n: id_of[r.external_id] for n, r in enumerate(REQUESTS)}, problems=[]
    )
    assert import_all(box, world, [REQUESTS[n] for n in third.to_open], jobs=2) == (0, 1)
    assert Stored.read(box.engine) == stored
    assert sorted((external_id for _, external_id in stored.external_ids), key=str) == EXTERNAL_IDS
    assert stored.timer_rows == dict.fromkeys(id_of.values(), 1)
    assert (stored.open_tickets, stored.owners_load) == (60, 60)
