"""Signing people in with a password: rate-limited attempts, browser sessions, CSRF tokens.

A session is a random cookie value; only its SHA-256 is stored. The CSRF token is derived from
the cookie (HMAC), so it needs no storage and changes with every session: a form or script
must send it back in ``X-CSRF-Token`` (or a ``csrf_token`` form field) on every unsafe request
made with the cookie.

Failed attempts are counted per user name and per client address over ``WINDOW``; past the
limit, attempts are refused without checking the password until the window frees.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sevflow.domain.accounts import AuditEntry, AuditOutcome, WebSession
from sevflow.domain.errors import RateLimited, Unauthenticated
from sevflow.services.accounts import secret_hash
from sevflow.services.actors import Actor
from sevflow.services.ports import Clock, PasswordHasher, UnitOfWork

WINDOW = timedelta(minutes=15)
MAX_PER_USER = 5
MAX_PER_ADDRESS = 20
SESSION_LIFETIME = timedelta(hours=12)
SIGN_IN = "session.sign_in"


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    cookie: str
    """The session cookie's value (set it HttpOnly; it is not stored)."""
    csrf_token: str
    expires_at: datetime


def csrf_token(cookie: str) -> str:
    """The CSRF token that goes with a session cookie."""
    return hmac.new(cookie.encode(), b"sevflow-csrf", hashlib.sha256).hexdigest()


def csrf_matches(cookie: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(csrf_token(cookie), presented)


def _check_rate(uow: UnitOfWork, subject: str, limit: int, now: datetime) -> None:
    # the window is the last WINDOW, end excluded: a failure exactly WINDOW old has left it, so
    # a client that waits Retry-After seconds is let in
    since = now - WINDOW + timedelta(microseconds=1)
    if uow.login_failures.count_since(subject, since) >= limit:
        oldest = uow.login_failures.oldest_since(subject, since)
        wait = math.ceil(((oldest or now) + WINDOW - now).total_seconds())
        raise RateLimited(
            f"too many failed sign-ins ({limit} within {int(WINDOW.total_seconds() // 60)} minutes); "
            f"try again in {wait} seconds",
            retry_after_seconds=wait,
        )


def sign_in(
    uow: UnitOfWork, *, clock: Clock, hasher: PasswordHasher, name: str, password: str, address: str
) -> SignedIn:
    """Check the password and open a session. ``Unauthenticated`` (one message for an unknown
    user and a wrong password) or ``RateLimited``. Every attempt is audited, refused ones too."""
    now = clock.now()
    subjects = (f"user:{name.lower()}", f"ip:{address}")
    with uow:
        try:
            _check_rate(uow, subjects[0], MAX_PER_USER, now)
            _check_rate(uow, subjects[1], MAX_PER_ADDRESS, now)
        except RateLimited as limited:
            uow.audit.add(
                AuditEntry(now, name[:100], SIGN_IN, AuditOutcome.DENIED, reason=f"from {address}: {limited}")
            )
            uow.commit()
            raise
        user = uow.users.find(name)
        stored = user.password_hash if user is not None else None
        # an unknown user costs the same hashing time as a known one: no timing oracle
        ok = hasher.verify(stored or _DUMMY.get(hasher), password) and stored is not None
        if user is None or not ok or not user.active:
            for subject in subjects:
                uow.login_failures.add(subject, at=now)
            uow.audit.add(AuditEntry(now, name[:100], SIGN_IN, AuditOutcome.FAILED, reason=f"from {address}"))
            uow.commit()
            raise Unauthenticated("wrong user name or password (or the user is deactivated)")
        uow.login_failures.clear(subjects[0])
        if stored is not None and hasher.needs_rehash(stored):
            uow.users.update(replace(user, password_hash=hasher.hash(password)))
        cookie = secrets.token_urlsafe(32)
        expires = now + SESSION_LIFETIME
        uow.sessions.add(WebSession(secret_hash(cookie), user.name, now, expires))
        uow.audit.add(AuditEntry(now, user.name, SIGN_IN, AuditOutcome.ALLOWED, reason=f"from {address}"))
        uow.commit()
    return SignedIn(Actor.of(user), cookie, csrf_token(cookie), expires)


class _DummyHash:
    """A hash of nothing, per hasher, to spend the same time on unknown users."""

    def __init__(self) -> None:
        self._by_hasher: dict[int, str] = {}

    def get(self, hasher: PasswordHasher) -> str:
        key = id(hasher)
        if key not in self._by_hasher:
            self._by_hasher[key] = hasher.hash(secrets.token_hex(16))
        return self._by_hasher[key]


_DUMMY = _DummyHash()


def authenticate_session(reader: UnitOfWork, *, clock: Clock, cookie: str) -> Actor:
    """The actor of a session cookie; ``Unauthenticated`` if unknown, ended or expired."""
    now = clock.now()
    with reader:
        session = reader.sessions.find(secret_hash(cookie))
        if session is None or not session.usable_at(now):
            raise Unauthenticated("your session has ended or expired; sign in again")
        user = reader.users.find(session.user)
    if user is None or not user.active:
        raise Unauthenticated("your account is deactivated")
    return Actor.of(user)


def sign_out(uow: UnitOfWork, *, clock: Clock, cookie: str) -> None:
    now = clock.now()
    with uow:
        uow.sessions.revoke(secret_hash(cookie), now=now)
        uow.commit()
