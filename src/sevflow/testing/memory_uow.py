"""``InMemoryUnitOfWork``: the ``UnitOfWork`` port in memory."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from sevflow.testing.memory_accounts import (
    MemoryAudit,
    MemoryCustomers,
    MemoryIdempotency,
    MemoryLoginFailures,
    MemorySessions,
    MemoryTokens,
    MemoryUsers,
)
from sevflow.testing.memory_repositories import (
    MemoryAgents,
    MemoryEvents,
    MemoryOutbox,
    MemoryOutcomes,
    MemoryPolicies,
    MemoryTickets,
    MemoryTimers,
    MemoryTriage,
)
from sevflow.testing.memory_store import InMemoryStore, Writes

if TYPE_CHECKING:
    from sevflow.services.ports import UnitOfWork


class InMemoryUnitOfWork:
    """Implements ``sevflow.services.ports.UnitOfWork`` in memory. Re-enterable: each ``with``
    block is one transaction; ``InMemoryUnitOfWork()`` without a store makes its own."""

    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store = store if store is not None else InMemoryStore()
        self.commits = 0
        self._writes: Writes | None = None
        self.policies = MemoryPolicies(self)
        self.tickets = MemoryTickets(self)
        self.events = MemoryEvents(self)
        self.timers = MemoryTimers(self)
        self.outbox = MemoryOutbox(self)
        self.agents = MemoryAgents(self)
        self.outcomes = MemoryOutcomes(self)
        self.users = MemoryUsers(self)
        self.tokens = MemoryTokens(self)
        self.sessions = MemorySessions(self)
        self.login_failures = MemoryLoginFailures(self)
        self.audit = MemoryAudit(self)
        self.idempotency = MemoryIdempotency(self)
        self.customers = MemoryCustomers(self)
        self.triage = MemoryTriage(self)

    @property
    def writes(self) -> Writes:
        if self._writes is None:
            raise RuntimeError("use the unit of work's repositories inside `with uow:`")
        return self._writes

    def __enter__(self) -> Self:
        if self._writes is not None:
            raise RuntimeError("this unit of work is already in use; create one per `with` block")
        self._writes = Writes()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._writes = None

    def commit(self) -> None:
        writes = self.writes
        self._writes = Writes()
        self.store.apply(writes)
        self.commits += 1

    def rollback(self) -> None:
        self.writes  # noqa: B018 - refuses outside `with`
        self._writes = Writes()


if TYPE_CHECKING:

    def _conforms(uow: InMemoryUnitOfWork) -> UnitOfWork:
        return uow  # mypy checks the fake against the port here
