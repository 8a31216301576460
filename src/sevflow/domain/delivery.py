"""Delivering notifications: what one attempt came to, and when to try again.

A message leaves the outbox at least once: it is claimed for a lease, sent, and marked sent; a
sender that dies mid-way leaves it to be claimed again when the lease runs out, and it is sent
again with the same idempotency key (receivers drop duplicates with it). A failed attempt is
retried after an exponential backoff with full jitter (``retry_delay``), unless the receiver
refused the message for good (a 4xx other than 408 and 429: retrying cannot help); after
``max_attempts`` the message is dead (kept, visible, never sent again by itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sevflow.domain.records import OutboxMessage


class Outcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    """Worth another try: a network error, a timeout, a 5xx, 408 or 429."""
    REFUSED = "refused"
    """The receiver said no for good (another 4xx): not retried."""


def outcome_of_status(status: int) -> Outcome:
    """What an HTTP status says about a delivery attempt."""
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if 400 <= status < 500 and status not in (408, 429):
        return Outcome.REFUSED
    return Outcome.FAILED


@dataclass(frozen=True)
class Attempt:
    """One try at delivering one message over one channel. ``latency_ms``: from sending to the
    answer (or the error); ``status``: the receiver's HTTP status or SMTP reply code, if any."""

    at: datetime
    channel: str
    target: str
    """Where it went, without secrets (a host and path, an SMTP server and recipients)."""
    outcome: Outcome
    latency_ms: float
    status: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` tries in all; the n-th retry waits a random time between zero and
    ``min(cap, base * 2**(n-1))`` (full jitter: retries of many messages spread out instead of
    hammering a receiver that is coming back in step)."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def retry_delay(self, attempts_made: int, random: Callable[[], float]) -> timedelta:
        """How long to wait before the next try, after ``attempts_made`` tries (1 or more);
        ``random`` returns a float in [0, 1)."""
        ceiling = min(self.cap.total_seconds(), self.base.total_seconds() * 2 ** (attempts_made - 1))
        return timedelta(seconds=ceiling * random())

    def after(self, attempt: Attempt, attempts_made: int, random: Callable[[], float]) -> datetime | None:
        """When to try again after ``attempt`` (the ``attempts_made``-th), or ``None``: the
        message is done (delivered), refused for good, or out of attempts (dead)."""
        if attempt.outcome is not Outcome.FAILED or attempts_made >= self.max_attempts:
            return None
        return attempt.at + self.retry_delay(attempts_made, random)


@dataclass(frozen=True)
class Sent:
    """What a channel reports about one send: ``target`` without secrets, the receiver's status
    if it answered, and an error sentence if the send failed."""

    outcome: Outcome
    target: str
    status: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Composed:
    """A queued message written for the outside world (template rendered, sensitive data
    masked); ``error`` says why its template could not be used (the plain fallback was)."""

    message: OutboxMessage
    error: str | None = None
