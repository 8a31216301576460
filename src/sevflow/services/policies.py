"""Policy versions: store a validated policy and make it the one new tickets run under."""

from __future__ import annotations

from sevflow.domain.policy import Policy
from sevflow.services.ports import Clock, UnitOfWork


def activate_policy(uow: UnitOfWork, *, clock: Clock, policy: Policy, source_text: str) -> bool:
    """Store ``policy`` (if this version is new) and make it active. Returns ``True`` if the
    active version changed. Tickets already open keep the version they were opened under."""
    now = clock.now()
    with uow:
        changed = uow.policies.active_version() != policy.version
        # stored either way, so the parsed object is reused instead of re-parsing the source
        uow.policies.add(policy, source_text, now=now, activate=changed)
        uow.commit()
    return changed


def active_policy(uow: UnitOfWork) -> Policy:
    with uow:
        return uow.policies.active()
