"""``SqlUnitOfWork``: one connection and one transaction per ``with`` block.

Entering is cheap: the connection is checked out of the pool on the first statement, and
nothing is asked of the database until then. Leaving without ``commit()`` rolls back.
Database failures other than constraint violations (which the repositories translate into
``Conflict`` / ``NotFound``) leave the block as ``InfrastructureError``.
"""

from __future__ import annotations

import weakref
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.engine import read_only as read_only_engine
from sevflow.adapters.db.repositories import (
    PolicyCache,
    SqlAgentRepository,
    SqlAuditRepository,
    SqlCustomerRepository,
    SqlEventRepository,
    SqlIdempotencyRepository,
    SqlLoginFailureRepository,
    SqlOutboxRepository,
    SqlOutcomeRepository,
    SqlPolicyRepository,
    SqlSessionRepository,
    SqlTicketRepository,
    SqlTimerRepository,
    SqlTokenRepository,
    SqlTriageRepository,
    SqlUserRepository,
)
from sevflow.domain.errors import InfrastructureError

_CACHES: weakref.WeakKeyDictionary[Engine, PolicyCache] = weakref.WeakKeyDictionary()


def policy_cache_for(engine: Engine) -> PolicyCache:
    """The parsed-policy cache shared by all units of work on ``engine``."""
    cache = _CACHES.get(engine)
    if cache is None:
        cache = _CACHES.setdefault(engine, {})
    return cache


class SqlUnitOfWork:
    """Implements ``sevflow.services.ports.UnitOfWork`` on SQLite or PostgreSQL.

    ``read_only=True`` begins SQLite transactions as ``DEFERRED`` (they do not take the write
    lock, so they never wait for the worker; writes then fail) and makes PostgreSQL's
    statements autocommit (each has its own snapshot at READ COMMITTED either way).
    """

    def __init__(
        self, engine: Engine, *, read_only: bool = False, policy_cache: PolicyCache | None = None
    ) -> None:
        if read_only:
            engine = read_only_engine(engine)
        self._ctx = ctx = SqlContext(engine)
        self.policies = SqlPolicyRepository(
            ctx, policy_cache if policy_cache is not None else policy_cache_for(engine)
        )
        self.tickets = SqlTicketRepository(ctx, self.policies)
        self.events = SqlEventRepository(ctx)
        self.timers = SqlTimerRepository(ctx)
        self.outbox = SqlOutboxRepository(ctx)
        self.agents = SqlAgentRepository(ctx)
        self.outcomes = SqlOutcomeRepository(ctx)
        self.triage = SqlTriageRepository(ctx)
        self.users = SqlUserRepository(ctx)
        self.tokens = SqlTokenRepository(ctx)
        self.sessions = SqlSessionRepository(ctx)
        self.login_failures = SqlLoginFailureRepository(ctx)
        self.audit = SqlAuditRepository(ctx)
        self.idempotency = SqlIdempotencyRepository(ctx)
        self.customers = SqlCustomerRepository(ctx)

    def __enter__(self) -> Self:
        if self._ctx.active:
            raise RuntimeError("this unit of work is already in use; create one per `with` block")
        self._ctx.active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.policies.forget()
        self._ctx.close()
        if isinstance(exc, DBAPIError) and not isinstance(exc, IntegrityError):
            raise InfrastructureError(f"the database failed: {exc.orig}") from exc

    def commit(self) -> None:
        self._ctx.commit()
        self.policies.committed()

    def rollback(self) -> None:
        self._ctx.rollback()
        self.policies.forget()


class SqlUnitOfWorkFactory:
    """Implements ``UnitOfWorkFactory``: ``uow = factory()`` then ``with uow: ...``."""

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.engine = read_only_engine(engine) if read_only else engine
        self._cache = policy_cache_for(engine)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, policy_cache=self._cache)
