"""Policy versions: store a validated policy and make it the one new tickets run under."""

from __future__ import annotations

from sevflow.domain.access import Action
from sevflow.domain.accounts import AuditEntry, AuditOutcome
from sevflow.domain.policy import Policy
from sevflow.domain.records import PolicyVersion
from sevflow.policy.loader import load_policy_text
from sevflow.services.actors import Actor
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


def warm_up(uow: UnitOfWork, *, clock: Clock) -> bool:
    """Load the active policy into this process's cache and compute its calendars' holidays for
    this year and the next, so that the first requests a new server process answers do not pay
    for it (the ``holidays`` package imports its country modules on first use: 100-200 ms that
    every request queued behind the first one waited for). ``False`` if no policy is active yet."""
    now = clock.now()
    with uow:
        if uow.policies.active_version() is None:
            return False
        policy = uow.policies.active()
    for calendar in policy.calendars.values():
        for year in (now.year, now.year + 1):
            calendar.is_open(now.replace(year=year, month=6, day=15))
    return True


def upload_policy(uow: UnitOfWork, *, clock: Clock, actor: Actor, source_text: str, source: str) -> Policy:
    """Validate a policy document (YAML text) completely — ``PolicyError`` lists every problem
    and nothing is stored — then store it as a new version and activate it. Tickets already
    open keep running under the version they were opened with; old versions are kept."""
    actor.require(Action.POLICY_UPLOAD)
    policy = load_policy_text(source_text, source)
    now = clock.now()
    with uow:
        changed = uow.policies.active_version() != policy.version
        uow.policies.add(policy, source_text, now=now, activate=changed)
        uow.audit.add(
            AuditEntry(
                now, actor.name, Action.POLICY_UPLOAD.value, AuditOutcome.ALLOWED, target=policy.version
            )
        )
        uow.commit()
    return policy


def policy_versions(uow: UnitOfWork, *, actor: Actor) -> list[PolicyVersion]:
    actor.require(Action.POLICY_READ)
    with uow:
        return uow.policies.versions()


def policy_document(uow: UnitOfWork, *, actor: Actor, version: str | None = None) -> tuple[Policy, str]:
    """The policy (the active one without ``version``) and the YAML it was stored from."""
    actor.require(Action.POLICY_READ)
    with uow:
        policy = uow.policies.active() if version is None else uow.policies.get(version)
        return policy, uow.policies.source(policy.version)
