"""The account repository ports in memory (users, API tokens, web sessions, login failures,
the audit log, idempotency records, customers), with the SQL adapters' semantics, checked by
the same contract tests: instants normalised to UTC, the same errors and orders, writes
buffered until commit, and ``Conflict`` for a key already taken -- at ``add`` when it is
committed (or written by this transaction), at commit when two transactions raced."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sevflow.domain.accounts import (
    AccountRole,
    ApiToken,
    AuditEntry,
    AuditOutcome,
    Customer,
    IdempotencyRecord,
    User,
    WebSession,
)
from sevflow.domain.errors import Conflict, InvalidInput, NotFound
from sevflow.domain.instants import require_aware
from sevflow.domain.policy import Role
from sevflow.testing.memory_repositories import Session
from sevflow.testing.memory_store import AccountTables, AccountWrites, InMemoryStore


class _AccountRepository:
    __slots__ = ("_session",)

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def _w(self) -> AccountWrites:
        writes = self._session.writes
        if writes.accounts is None:
            writes.accounts = AccountWrites()
        return writes.accounts

    @property
    def _store(self) -> InMemoryStore:
        return self._session.store

    @property
    def _t(self) -> AccountTables:
        return self._session.store.accounts

    def _user(self, name: str) -> User | None:
        return self._w.users.get(name) or self._t.users.get(name)


def _optional(value: datetime | None, name: str) -> datetime | None:
    return None if value is None else require_aware(value, name)


class MemoryUsers(_AccountRepository):
    def add(self, user: User) -> None:
        if self._user(user.name) is not None:
            raise Conflict(f"a user called {user.name!r} already exists; user names must be unique")
        w = self._w
        w.users[user.name] = _normalised(user, require_aware(user.created_at, "user created_at"))
        w.new_users.add(user.name)

    def get(self, name: str) -> User:
        user = self._user(name)
        if user is None:
            raise NotFound(f"there is no user called {name!r}")
        return user

    def find(self, name: str) -> User | None:
        return self._user(name)

    def list(self) -> list[User]:
        names = sorted(self._t.users.keys() | self._w.users.keys())
        return [user for user in map(self._user, names) if user is not None]

    def update(self, user: User) -> None:
        stored = self._user(user.name)
        if stored is None:
            raise NotFound(f"there is no user called {user.name!r}; add it first")
        self._w.users[user.name] = _normalised(user, stored.created_at)


def _normalised(user: User, created_at: datetime) -> User:
    return replace(
        user,
        role=AccountRole(user.role),
        created_at=created_at,
        duties=frozenset(Role(duty) for duty in user.duties),
        active=bool(user.active),
    )


class MemoryTokens(_AccountRepository):
    def add(self, token: ApiToken) -> None:
        stored = replace(
            token,
            created_at=require_aware(token.created_at, "token created_at"),
            expires_at=_optional(token.expires_at, "token expires_at"),
            last_used_at=_optional(token.last_used_at, "token last_used_at"),
            revoked_at=_optional(token.revoked_at, "token revoked_at"),
        )
        if self._token(token.id) is not None:
            raise Conflict(f"an API token with id {token.id!r} already exists; token ids must be unique")
        if self._user(token.user) is None:
            raise NotFound(f"cannot add an API token for {token.user!r}: there is no such user")
        self._w.tokens[token.id] = stored

    def find(self, token_id: str) -> ApiToken | None:
        return self._token(token_id)

    def find_with_user(self, token_id: str) -> tuple[ApiToken, User] | None:
        token = self._token(token_id)
        user = None if token is None else self._user(token.user)
        return None if token is None or user is None else (token, user)

    def list(self, user: str | None = None) -> list[ApiToken]:
        tokens = (self._token(i) for i in self._t.tokens.keys() | self._w.tokens.keys())
        found = [t for t in tokens if t is not None and (user is None or t.user == user)]
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def revoke(self, token_id: str, *, now: datetime) -> None:
        now = require_aware(now, "now")
        if self._token(token_id) is None:
            raise NotFound(f"there is no API token {token_id!r}")
        self._w.token_revoked.setdefault(token_id, now)

    def touch(self, token_id: str, *, now: datetime) -> None:
        now = require_aware(now, "now")
        if self._token(token_id) is not None:
            self._w.token_touched[token_id] = now

    def _token(self, token_id: str) -> ApiToken | None:
        w = self._w
        token = w.tokens.get(token_id) or self._t.tokens.get(token_id)
        if token is None:
            return None
        revoked = w.token_revoked.get(token_id)
        if revoked is not None and token.revoked_at is None:
            token = replace(token, revoked_at=revoked)
        touched = w.token_touched.get(token_id)
        return token if touched is None else replace(token, last_used_at=touched)


class MemorySessions(_AccountRepository):
    def add(self, session: WebSession) -> None:
        stored = replace(
            session,
            created_at=require_aware(session.created_at, "session created_at"),
            expires_at=require_aware(session.expires_at, "session expires_at"),
            revoked_at=_optional(session.revoked_at, "session revoked_at"),
        )
        if self.find(session.id_hash) is not None:
            raise Conflict("a web session with this id hash already exists; make a new session id")
        if self._user(session.user) is None:
            raise NotFound(f"cannot add a web session for {session.user!r}: there is no such user")
        self._w.sessions[session.id_hash] = stored

    def find(self, id_hash: str) -> WebSession | None:
        w = self._w
        session = w.sessions.get(id_hash) or self._t.sessions.get(id_hash)
        revoked = w.session_revoked.get(id_hash)
        if session is None or revoked is None or session.revoked_at is not None:
            return session
        return replace(session, revoked_at=revoked)

    def revoke(self, id_hash: str, *, now: datetime) -> None:
        now = require_aware(now, "now")
        if self.find(id_hash) is not None:
            self._w.session_revoked.setdefault(id_hash, now)


class MemoryLoginFailures(_AccountRepository):
    def add(self, subject: str, *, at: datetime) -> None:
        self._w.failures.append((subject, require_aware(at, "at")))

    def count_since(self, subject: str, since: datetime) -> int:
        return len(self._since(subject, since))

    def oldest_since(self, subject: str, since: datetime) -> datetime | None:
        return min(self._since(subject, since), default=None)

    def clear(self, subject: str) -> None:
        w = self._w
        w.cleared.add(subject)
        w.failures = [(s, at) for s, at in w.failures if s != subject]

    def _since(self, subject: str, since: datetime) -> list[datetime]:
        since = require_aware(since, "since")
        w = self._w
        stored = () if subject in w.cleared else self._t.failures.get(subject, ())
        return [at for at in (*stored, *(at for s, at in w.failures if s == subject)) if at >= since]


class MemoryAudit(_AccountRepository):
    def add(self, entry: AuditEntry) -> int:
        if entry.id is not None:
            raise InvalidInput(f"audit entry #{entry.id} was already added; entries are appended once")
        at = require_aware(entry.at, "audit entry time")
        entry_id = self._store.next_id("audit")
        self._w.audit.append(replace(entry, at=at, outcome=AuditOutcome(entry.outcome), id=entry_id))
        return entry_id

    def for_ticket(self, ticket_id: int) -> list[AuditEntry]:
        return [entry for entry in self._all() if entry.ticket_id == ticket_id]

    def recent(self, *, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        newest_first = reversed(self._all())
        found = [e for e in newest_first if before_id is None or (e.id is not None and e.id < before_id)]
        return found[: max(0, limit)]

    def _all(self) -> list[AuditEntry]:
        """Every entry this transaction sees, in id order."""
        return sorted((*self._t.audit.values(), *self._w.audit), key=lambda e: e.id or 0)


class MemoryIdempotency(_AccountRepository):
    def find(self, actor: str, key: str) -> IdempotencyRecord | None:
        w = self._w
        record = w.idempotency.get((actor, key))
        if record is not None:
            return record
        stored = self._t.idempotency.get((actor, key))
        return None if stored is None or self._t.pruned(w, stored) else stored

    def add(self, record: IdempotencyRecord) -> None:
        created_at = require_aware(record.created_at, "idempotency record created_at")
        if self.find(record.actor, record.key) is not None:
            raise Conflict(
                f"idempotency key {record.key!r} of {record.actor!r} is already stored "
                "(a request with the same key was recorded first)"
            )
        self._w.idempotency[record.actor, record.key] = replace(record, created_at=created_at)

    def prune(self, before: datetime) -> int:
        before = require_aware(before, "before")
        w, t = self._w, self._t
        stored = sum(1 for r in t.idempotency.values() if r.created_at < before and not t.pruned(w, r))
        own = [key for key, r in w.idempotency.items() if r.created_at < before]
        for key in own:
            del w.idempotency[key]
        if w.pruned_before is None or before > w.pruned_before:
            w.pruned_before = before
        return stored + len(own)


class MemoryCustomers(_AccountRepository):
    def put(self, customer: Customer) -> None:
        created_at = require_aware(customer.created_at, "customer created_at")
        stored = self.find(customer.name)
        domains = tuple(dict.fromkeys(domain.lower() for domain in customer.email_domains))
        self._w.customers[customer.name] = replace(
            customer,
            created_at=created_at if stored is None else stored.created_at,
            email_domains=domains,
        )

    def find(self, name: str) -> Customer | None:
        return self._w.customers.get(name) or self._t.customers.get(name)

    def list(self) -> list[Customer]:
        names = sorted(self._t.customers.keys() | self._w.customers.keys())
        return [customer for customer in map(self.find, names) if customer is not None]

    def by_email_domain(self, domain: str) -> Customer | None:
        wanted = domain.lower()
        return next((c for c in self.list() if wanted in c.email_domains), None)
