"""The security audit log: refused attempts, sign-ins, tokens and users made or revoked."""

from __future__ import annotations

from sevflow.domain.access import Action
from sevflow.domain.accounts import AuditEntry, AuditOutcome
from sevflow.services.actors import Actor
from sevflow.services.ports import Clock, UnitOfWork


def record_denial(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: str,
    action: str,
    reason: str,
    ticket_id: int | None = None,
    target: str | None = None,
) -> None:
    """Write a refused attempt to the audit log in a transaction of its own (the refused use
    case's transaction was rolled back)."""
    with uow:
        uow.audit.add(
            AuditEntry(
                clock.now(), actor, action, AuditOutcome.DENIED, reason, ticket_id=ticket_id, target=target
            )
        )
        uow.commit()


def audit_log(uow: UnitOfWork, *, actor: Actor, limit: int, before_id: int | None = None) -> list[AuditEntry]:
    actor.require(Action.AUDIT_LOG)
    with uow:
        return uow.audit.recent(limit=limit, before_id=before_id)
