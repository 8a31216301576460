"""Policies in SQL: the source text is stored; ``get``/``active`` parse it with the policy
loader and cache the result by version (a version's meaning never changes: it is a hash of
the checked document), so loading a ticket does not re-parse YAML."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.driver_query import DriverQuery
from sevflow.adapters.db.repositories.errors import violated
from sevflow.adapters.db.tables import policies
from sevflow.domain.errors import Conflict, NotFound
from sevflow.domain.instants import require_aware
from sevflow.domain.policy import Policy
from sevflow.domain.records import PolicyVersion
from sevflow.policy.loader import load_policy_text

PolicyCache = dict[str, Policy]
"""Parsed policies by version, shared by every unit of work of one engine."""

_SOURCE = select(policies.c.source_text).where(policies.c.version == bindparam("version"))
_EXISTS = select(policies.c.version).where(policies.c.version == bindparam("version"))
_ACTIVE = select(policies.c.version).where(policies.c.active.is_(True))
_ACTIVE_FAST = DriverQuery(_ACTIVE)
_VERSIONS = select(policies.c.version, policies.c.name, policies.c.created_at, policies.c.active).order_by(
    policies.c.created_at, policies.c.version
)
_INSERT = insert(policies)
_DEACTIVATE = (
    update(policies)
    .where(policies.c.active.is_(True), policies.c.version != bindparam("b_version"))
    .values(active=False)
)
_ACTIVATE = update(policies).where(policies.c.version == bindparam("b_version")).values(active=True)


class SqlPolicyRepository:
    __slots__ = ("_cache", "_ctx", "_local", "_written")

    def __init__(self, ctx: SqlContext, cache: PolicyCache) -> None:
        self._ctx = ctx
        self._cache = cache
        # versions written by this transaction are cached only once it commits
        self._written: set[str] = set()
        self._local: PolicyCache = {}

    def add(self, policy: Policy, source_text: str, *, now: datetime, activate: bool) -> None:
        conn = self._ctx.connection
        version = policy.version
        if conn.execute(_EXISTS, {"version": version}).first() is None:
            conn.execute(
                _INSERT,
                {
                    "version": version,
                    "name": policy.name,
                    "source_text": source_text,
                    "created_at": require_aware(now, "now"),
                    "active": False,
                },
            )
            self._written.add(version)
            self._local[version] = policy
        elif version not in self._cache:
            self._local[version] = policy  # already stored: share this parse once we commit
        if activate:
            try:
                conn.execute(_DEACTIVATE, {"b_version": version})
                conn.execute(_ACTIVATE, {"b_version": version})
            except IntegrityError as error:
                if violated(error, "uq_policies_active", "policies.active"):
                    raise Conflict(
                        f"another policy was activated at the same time as {version}; try again"
                    ) from error
                raise

    def get(self, version: str) -> Policy:
        policy = self._cache.get(version)
        if policy is None:
            policy = self._local.get(version)
        if policy is not None:
            return policy
        text = self._ctx.connection.execute(_SOURCE, {"version": version}).scalar()
        if text is None:
            raise NotFound(f"policy version {version!r} is not stored")
        policy = load_policy_text(text, f"stored policy {version}")
        if version in self._written:
            return self._local.setdefault(version, policy)
        return self._cache.setdefault(version, policy)

    def active_version(self) -> str | None:
        version = self._ctx.connection.execute(_ACTIVE).scalar()
        return None if version is None else str(version)

    def active(self) -> Policy:
        version = _ACTIVE_FAST.scalar(self._ctx)
        if version is None:
            raise NotFound("no policy is active yet; store one with activate=True")
        return self.get(version)

    def versions(self) -> list[PolicyVersion]:
        return [PolicyVersion(*row) for row in self._ctx.connection.execute(_VERSIONS)]

    def source(self, version: str) -> str:
        text = self._ctx.connection.execute(_SOURCE, {"version": version}).scalar()
        if text is None:
            raise NotFound(f"policy version {version!r} is not stored")
        return str(text)

    def committed(self) -> None:
        """The transaction committed: what it wrote may now be shared."""
        for version, policy in self._local.items():
            self._cache.setdefault(version, policy)
        self.forget()

    def forget(self) -> None:
        self._written.clear()
        self._local.clear()
