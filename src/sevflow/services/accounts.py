"""Users and API tokens: creating them, and knowing who a token belongs to.

Tokens look like ``sev_<id>_<secret>``: the id finds the stored record, the secret is checked
against its SHA-256 (a token is 256 random bits, so a fast hash suffices; passwords, which
people choose, get argon2 through the ``PasswordHasher`` port). The token text is returned
once, at creation, and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sevflow.domain.access import Action
from sevflow.domain.accounts import DUTY_ROLES, AccountRole, ApiToken, AuditEntry, AuditOutcome, User
from sevflow.domain.errors import InvalidInput, NotFound, Unauthenticated
from sevflow.domain.policy import Role
from sevflow.domain.text import check_storable, text_field
from sevflow.services.actors import Actor
from sevflow.services.ports import Clock, PasswordHasher, UnitOfWork
from sevflow.services.token_cache import TokenCache

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
MIN_PASSWORD, MAX_PASSWORD = 12, 1024
TOKEN_TEXT = re.compile(r"sev_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
TOUCH_EVERY = timedelta(minutes=1)
"""``last_used_at`` is written at most this often per token (not on every request)."""


def secret_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check_name(name: str) -> str:
    if not NAME.fullmatch(name or ""):
        raise InvalidInput(
            f"user name {name!r} is not allowed; use 1 to 100 letters, digits and . _ @ + - "
            "(starting with a letter or digit)"
        )
    return name


def check_password(password: str) -> str:
    check_storable(password, "the password")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"the password has {len(password)} characters; it needs {MIN_PASSWORD} to {MAX_PASSWORD}"
        )
    return password


def _duties(duties: Iterable[str]) -> frozenset[Role]:
    parsed = set()
    allowed = sorted(r.value for r in DUTY_ROLES)
    for d in duties:
        try:
            role = Role(d.strip().lower())
        except ValueError:
            raise InvalidInput.unknown("duty", d, allowed) from None
        if role not in DUTY_ROLES:
            raise InvalidInput.unknown("duty", d, allowed)
        parsed.add(role)
    return frozenset(parsed)


def _audit(uow: UnitOfWork, now: datetime, actor: Actor, action: Action, target: str) -> None:
    uow.audit.add(AuditEntry(now, actor.name, action.value, AuditOutcome.ALLOWED, target=target))


def create_user(
    uow: UnitOfWork,
    *,
    clock: Clock,
    hasher: PasswordHasher,
    actor: Actor,
    name: str,
    role: str,
    password: str | None = None,
    duties: Iterable[str] = (),
    organisation: str | None = None,
) -> User:
    """Create a user. Customers need the ``organisation`` whose tickets they see (others may
    not have one); ``duties`` add policy roles such as ``incident_commander``. A user without a
    password signs in with API tokens only. ``Conflict`` if the name is taken."""
    actor.require(Action.USER_MANAGE)
    now = clock.now()
    account = AccountRole.parse(role)
    org = text_field(organisation or "", "organisation", required=False) or None
    if account is AccountRole.CUSTOMER and org is None:
        raise InvalidInput("a customer user needs the organisation whose tickets they may see")
    if account is not AccountRole.CUSTOMER and org is not None:
        raise InvalidInput(f"only customer users have an organisation; {name} would be {account.value}")
    user = User(
        name=check_name(name),
        role=account,
        created_at=now,
        duties=_duties(duties),
        organisation=org,
        password_hash=hasher.hash(check_password(password)) if password is not None else None,
    )
    with uow:
        uow.users.add(user)
        _audit(uow, now, actor, Action.USER_MANAGE, f"user {user.name} ({account.value})")
        uow.commit()
    return user


def list_users(uow: UnitOfWork, *, actor: Actor) -> list[User]:
    actor.require(Action.USER_MANAGE)
    with uow:
        return uow.users.list()


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its text: the only time the text is available."""

    token: ApiToken
    text: str


def _may_manage_tokens_of(actor: Actor, user: str) -> None:
    actor.require(Action.TOKEN_OWN if user == actor.name else Action.TOKEN_ANY)


def create_token(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    user: str,
    label: str,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """A new API token for ``user`` (one's own, or anybody's for admins), valid until
    ``expires_at`` (``None``: until revoked)."""
    _may_manage_tokens_of(actor, user)
    now = clock.now()
    label = text_field(label, "label", required=True)
    if expires_at is not None and expires_at <= now:
        raise InvalidInput(
            f"the expiry {expires_at.isoformat()} is not in the future (now {now.isoformat()})"
        )
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    text = f"sev_{token_id}_{secret}"
    token = ApiToken(token_id, user, label, secret_hash(secret), now, expires_at=expires_at)
    with uow:
        owner = uow.users.get(user)
        if not owner.active:
            raise InvalidInput(f"user {user} is deactivated; tokens cannot be made for them")
        uow.tokens.add(token)
        _audit(uow, now, actor, Action.TOKEN_OWN, f"token {token_id} for {user}")
        uow.commit()
    return IssuedToken(token, text)


def list_tokens(uow: UnitOfWork, *, actor: Actor, user: str | None = None) -> list[ApiToken]:
    """Tokens of ``user`` (default: the actor's own); ``user="*"``: everyone's (admins)."""
    who = actor.name if user is None else user
    _may_manage_tokens_of(actor, who)
    with uow:
        return uow.tokens.list(None if who == "*" else who)


def revoke_token(
    uow: UnitOfWork, *, clock: Clock, actor: Actor, token_id: str, cache: TokenCache | None = None
) -> ApiToken:
    """Revoke a token (one's own, or anybody's for admins). It stops working at once in this
    process (``cache`` forgets it) and within the cache's lifetime in others."""
    now = clock.now()
    with uow:
        token = uow.tokens.find(token_id)
        if token is None:
            raise NotFound(f"no API token with id {token_id!r}")
        _may_manage_tokens_of(actor, token.user)
        uow.tokens.revoke(token_id, now=now)
        _audit(uow, now, actor, Action.TOKEN_OWN, f"revoked token {token_id} of {token.user}")
        uow.commit()
        if cache is not None:
            cache.forget(token_id)
        revoked = uow.tokens.find(token_id)
    assert revoked is not None
    return revoked


def _checked(token: ApiToken, user: User | None, now: datetime) -> User:
    if token.revoked_at is not None:
        raise Unauthenticated(f"this API token was revoked at {token.revoked_at.isoformat()}")
    if not token.usable_at(now):
        assert token.expires_at is not None
        raise Unauthenticated(f"this API token expired at {token.expires_at.isoformat()}")
    if user is None or not user.active:
        raise Unauthenticated(f"the user of this API token ({token.user}) is deactivated")
    return user


def _parse(text: str) -> tuple[str, str]:
    match = TOKEN_TEXT.fullmatch(text)
    if match is None:
        raise Unauthenticated("malformed API token: expected sev_<12 hex digits>_<43 characters>")
    token_id, secret = match.groups()
    return token_id, secret_hash(secret)


def cached_actor(cache: TokenCache, *, clock: Clock, text: str) -> Actor | None:
    """The actor from ``cache`` without touching the database, or ``None`` when the database
    must be asked (not cached, or its last use is due to be recorded). Raises
    ``Unauthenticated`` for a malformed, expired or revoked token as ``authenticate_token``."""
    token_id, digest = _parse(text)
    hit = cache.get(token_id, digest)
    if hit is None:
        return None
    token, user = hit
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        return None
    return Actor.of(_checked(token, user, now))


def authenticate_token(
    reader: UnitOfWork, writer: UnitOfWork, *, clock: Clock, text: str, cache: TokenCache | None = None
) -> Actor:
    """The actor a token belongs to; ``Unauthenticated`` saying why if it is malformed,
    unknown, wrong, expired or revoked, or its user is deactivated. Looks up with ``reader``
    (no write lock); records the last use with ``writer`` at most once a minute. A ``cache``
    remembers the answer for ``cached_actor``."""
    now = clock.now()
    token_id, digest = _parse(text)
    generation = cache.generation if cache is not None else 0
    with reader:
        found = reader.tokens.find_with_user(token_id)
    if found is None or not hmac.compare_digest(found[0].secret_hash, digest):
        raise Unauthenticated("unknown API token")
    token, user = found
    user = _checked(token, user, now)
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        with writer:
            writer.tokens.touch(token_id, now=now)
            writer.commit()
        token = replace(token, last_used_at=now)
    if cache is not None:
        cache.put(token_id, digest, token, user, generation=generation)
    return Actor.of(user)
