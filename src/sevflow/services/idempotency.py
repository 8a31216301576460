"""Idempotency keys: a retried request (same sender, same key, same content) gets the result of
the first one instead of a second ticket or a second escalation.

The key is checked and recorded inside the same transaction as the effect, so a crash between
the two cannot happen: either both are stored or neither. Two requests racing with the same key
meet at the unique ``(actor, key)`` row: the loser's transaction fails with ``Conflict`` and the
use case retries once, now finding the winner's record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from sevflow.domain.accounts import IdempotencyRecord
from sevflow.domain.errors import InvalidInput
from sevflow.services.ports import UnitOfWork

KEEP_FOR = timedelta(hours=24)
"""How long a key is remembered; a retry after that is a new request."""
MAX_KEY = 255


@dataclass(frozen=True)
class Idempotency:
    """A request's ``Idempotency-Key``, what it asks for, and a fingerprint of its content."""

    key: str
    operation: str
    fingerprint: str

    @classmethod
    def of(cls, key: str, operation: str, content: Mapping[str, Any]) -> Idempotency:
        """Check the key (1–255 visible ASCII characters) and fingerprint ``content`` (any
        JSON-able mapping; key order does not matter)."""
        bad = next((c for c in key if not 33 <= ord(c) <= 126), None)
        if not key or len(key) > MAX_KEY or bad is not None:
            got = f"U+{ord(bad):04X} at position {key.index(bad)}" if bad else f"{len(key)} character(s)"
            raise InvalidInput(
                f"Idempotency-Key must be 1 to {MAX_KEY} visible ASCII characters (no spaces); got {got}"
            )
        digest = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()
        return cls(key, operation, digest)


def recorded_ticket(uow: UnitOfWork, actor: str, idempotency: Idempotency, *, now: datetime) -> int | None:
    """The ticket id an earlier request with this key made or changed, or ``None`` if the key is
    new (or older than ``KEEP_FOR``). A key reused for other content or another operation is
    refused: the sender has a bug, and guessing which request they meant would be worse."""
    record = uow.idempotency.find(actor, idempotency.key)
    if record is None or record.created_at < now - KEEP_FOR:
        return None
    if record.operation != idempotency.operation or record.fingerprint != idempotency.fingerprint:
        raise InvalidInput(
            f"Idempotency-Key {idempotency.key!r} was already used for a different request "
            f"({record.operation} on ticket {record.ticket_id}); use a new key for a new request"
        )
    return record.ticket_id


def remember(
    uow: UnitOfWork, actor: str, idempotency: Idempotency, *, ticket_id: int, status_code: int, now: datetime
) -> None:
    """Record the key with its result, in the caller's transaction. Expired records of the same
    key are replaced."""
    old = uow.idempotency.find(actor, idempotency.key)
    if old is not None:  # expired (recorded_ticket returned None): forget it first
        uow.idempotency.prune(now - KEEP_FOR)
    uow.idempotency.add(
        IdempotencyRecord(
            actor=actor,
            key=idempotency.key,
            operation=idempotency.operation,
            fingerprint=idempotency.fingerprint,
            ticket_id=ticket_id,
            status_code=status_code,
            created_at=now,
        )
    )
