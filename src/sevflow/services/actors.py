"""Who is acting: a name, the policy roles it carries, and (over HTTP) the account behind it."""

from __future__ import annotations

from dataclasses import dataclass

from sevflow.domain.access import Action, allowed, check
from sevflow.domain.accounts import AccountRole, User
from sevflow.domain.policy import Role


@dataclass(frozen=True)
class Actor:
    """Who is acting, with the roles the policy's permissions refer to.

    ``account`` is the account role of a signed-in user or token; ``None`` is the trusted local
    operator (the CLI, the demo, bulk import: whoever can already write to the database), for
    whom the role matrix is not consulted, only the policy's own rules."""

    name: str
    roles: frozenset[Role] = frozenset({Role.AGENT})
    account: AccountRole | None = None
    organisation: str | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.name, user.policy_roles, user.role, user.organisation)

    @property
    def is_customer(self) -> bool:
        return self.account is AccountRole.CUSTOMER or (self.account is None and Role.CUSTOMER in self.roles)

    def may(self, action: Action) -> bool:
        """May this actor's account role attempt ``action`` (to offer it, not to allow it:
        ``require`` and the policy's rules still decide)?"""
        return self.account is None or allowed(self.account, action)

    def require(self, action: Action, *, ticket_customer: str | None = None) -> None:
        """``NotPermitted`` unless this actor's account role may do ``action`` (on a ticket of
        ``ticket_customer``, for the customer boundary)."""
        if self.account is None:
            return
        check(
            self.account,
            action,
            who=self.name,
            organisation=self.organisation,
            ticket_customer=ticket_customer,
        )
