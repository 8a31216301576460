"""People and programs that use sevflow over HTTP: users, API tokens, web sessions, customer
organisations, the security audit log and idempotency records.

These are plain records; hashing and checking secrets happens in ``sevflow.services.accounts``
(with argon2 for passwords). Only hashes of tokens and session ids are ever stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sevflow.domain.errors import InvalidInput
from sevflow.domain.policy import Role


class AccountRole(StrEnum):
    """What a user may do (see ``sevflow.domain.access`` for the full matrix).

    viewer < agent < lead < manager < admin each add rights; ``customer`` is apart: it sees and
    comments on its own organisation's tickets and may request escalation as the policy allows.
    """

    VIEWER = "viewer"
    AGENT = "agent"
    LEAD = "lead"
    MANAGER = "manager"
    ADMIN = "admin"
    CUSTOMER = "customer"

    @classmethod
    def parse(cls, value: str) -> AccountRole:
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise InvalidInput.unknown("role", value, [r.value for r in cls]) from None


POLICY_ROLES: dict[AccountRole, frozenset[Role]] = {
    AccountRole.VIEWER: frozenset(),
    AccountRole.AGENT: frozenset({Role.AGENT}),
    AccountRole.LEAD: frozenset({Role.AGENT, Role.LEAD}),
    AccountRole.MANAGER: frozenset({Role.AGENT, Role.LEAD, Role.MANAGER}),
    AccountRole.ADMIN: frozenset({Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN}),
    AccountRole.CUSTOMER: frozenset({Role.CUSTOMER}),
}
"""The policy roles (``manual_escalation``, gate ``approvers``) an account role carries. A
user's ``duties`` (``incident_commander``, ``senior_engineer``, ``on_call``) add to these."""

DUTY_ROLES = frozenset({Role.INCIDENT_COMMANDER, Role.SENIOR_ENGINEER, Role.ON_CALL})


@dataclass(frozen=True)
class User:
    """A person (or a service account) known to sevflow. ``name`` is unique and is the name
    recorded as actor in ticket trails (so it should match the names in the policy's teams).
    ``organisation`` is set for customers only: the customer whose tickets they see."""

    name: str
    role: AccountRole
    created_at: datetime
    duties: frozenset[Role] = frozenset()
    organisation: str | None = None
    password_hash: str | None = None
    active: bool = True

    @property
    def policy_roles(self) -> frozenset[Role]:
        return POLICY_ROLES[self.role] | self.duties


@dataclass(frozen=True)
class ApiToken:
    """An API token. The secret is shown once at creation; only its SHA-256 is stored.
    ``id`` is the public part of the token text (``sev_<id>_<secret>``), used to look it up."""

    id: str
    user: str
    label: str
    secret_hash: str
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser session. ``id_hash`` is the SHA-256 of the cookie's value."""

    id_hash: str
    user: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class Customer:
    """A customer organisation: its SLA tier and the e-mail domains its people write from
    (how e-mail and helpdesk intake find the customer of a message)."""

    name: str
    tier: str
    created_at: datetime
    email_domains: tuple[str, ...] = ()


class AuditOutcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    FAILED = "failed"


@dataclass(frozen=True)
class AuditEntry:
    """One security-relevant act: a denied action, a sign-in (or failed attempt), a token or
    user created or revoked, a policy uploaded. Ticket changes themselves are the ticket's
    events; a denied attempt on a ticket carries its ``ticket_id`` and joins its trail."""

    at: datetime
    actor: str
    action: str
    outcome: AuditOutcome
    reason: str = ""
    ticket_id: int | None = None
    target: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class IdempotencyRecord:
    """A request that carried an ``Idempotency-Key``: who sent it, what it did (``operation``,
    e.g. ``ticket.create``), a fingerprint of its content, and the ticket it made or changed.
    A retry with the same key and fingerprint gets the same result instead of a second effect."""

    actor: str
    key: str
    operation: str
    fingerprint: str
    ticket_id: int
    status_code: int
    created_at: datetime
