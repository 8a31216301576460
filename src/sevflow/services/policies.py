"""Policy versions: store a validated policy and make it the one new tickets run under."""

from __future__ import annotations

from sevflow.domain.errors import NotFound
from sevflow.domain.policy import Policy
from sevflow.services.ports import Clock, UnitOfWork


def activate_policy(uow: UnitOfWork, *, clock: Clock, policy: Policy, source_text: str) -> bool:
    """Store ``policy`` (if this version is new) and make it active. Returns ``True`` if the
    active version changed. Tickets already open keep the version they were opened under."""
    now = clock.now()
    with uow:
        try:
            if uow.policies.active().version == policy.version:
                return False
        except NotFound:
            pass
        uow.policies.add(policy, source_text, now=now, activate=True)
        uow.commit()
    return True


def active_policy(uow: UnitOfWork) -> Policy:
    with uow:
        return uow.policies.active()
