"""One documented tree of errors.

``SevflowError``
  ``DomainError``            the request breaks a rule of the product (HTTP 4xx at the edge)
    ``InvalidInput``         a value is malformed or unknown; the message names it and what is allowed
    ``IllegalTransition``    the ticket state machine forbids the move
    ``NotPermitted``         the policy or the caller's role does not let them do this now
    ``Unauthenticated``      no valid credentials: bad or expired token, bad signature
    ``RateLimited``          too many attempts; ``retry_after_seconds`` says when to retry
    ``NotFound``             no such ticket / team / calendar
    ``Conflict``             optimistic-locking failure: somebody changed the ticket first
  ``PolicyError``            a policy file is invalid; carries every problem at once
  ``InfrastructureError``    storage or transport failed (HTTP 5xx / 503 at the edge)
    ``WorkerLockError``      another worker holds the single-worker lock (SQLite)

Messages are written for the person who made the mistake: they name the bad value and
what is allowed instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class SevflowError(Exception):
    """Root of every error sevflow raises on purpose."""


class DomainError(SevflowError):
    """The request breaks a rule of the product."""


class InvalidInput(DomainError):
    """A value is malformed or unknown."""

    @classmethod
    def unknown(cls, what: str, value: object, allowed: Iterable[str]) -> InvalidInput:
        """``unknown severity 'Sev9'; allowed: Sev1, Sev2, Sev3, Sev4``."""
        listed = ", ".join(sorted(allowed)) or "(none defined)"
        return cls(f"unknown {what} {value!r}; allowed: {listed}")


class IllegalTransition(DomainError):
    """The ticket state machine forbids the requested move."""


class NotPermitted(DomainError):
    """The policy or the actor's role does not allow this actor to do this now. ``action``
    names what was refused (``ticket.escalate``) when the refusal came from the role matrix."""

    def __init__(self, message: str, *, action: str | None = None) -> None:
        super().__init__(message)
        self.action = action


class Unauthenticated(DomainError):
    """The caller could not be identified: a missing, malformed, expired or revoked token,
    a wrong password, a webhook signature that does not match or is too old."""


class RateLimited(DomainError):
    """Too many attempts in a short time (login); try again after ``retry_after_seconds``."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class NotFound(DomainError):
    """The thing asked for does not exist."""


class Conflict(DomainError):
    """Somebody else changed the ticket first (optimistic locking)."""


@dataclass(frozen=True)
class PolicyProblem:
    """One problem in a policy file: where (a dotted field path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(top level)'}: {self.message}"


class PolicyError(SevflowError):
    """A policy file is invalid. Lists every problem found, not just the first."""

    def __init__(self, source: str, problems: Sequence[PolicyProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = [f"{source}: {len(self.problems)} problem(s) in the policy"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class InfrastructureError(SevflowError):
    """Storage or transport failed; not the caller's fault."""


class WorkerLockError(InfrastructureError):
    """Another worker already runs against this (single-writer) database."""
