"""SQL implementations of the repository ports (``sevflow.services.ports``), one module each."""

from sevflow.adapters.db.repositories.agents import SqlAgentRepository
from sevflow.adapters.db.repositories.audit import SqlAuditRepository
from sevflow.adapters.db.repositories.customers import SqlCustomerRepository
from sevflow.adapters.db.repositories.events import SqlEventRepository
from sevflow.adapters.db.repositories.idempotency import SqlIdempotencyRepository
from sevflow.adapters.db.repositories.login_failures import SqlLoginFailureRepository
from sevflow.adapters.db.repositories.outbox import SqlOutboxRepository
from sevflow.adapters.db.repositories.outcomes import SqlOutcomeRepository
from sevflow.adapters.db.repositories.policies import PolicyCache, SqlPolicyRepository
from sevflow.adapters.db.repositories.sessions import SqlSessionRepository
from sevflow.adapters.db.repositories.tickets import SqlTicketRepository
from sevflow.adapters.db.repositories.timers import SqlTimerRepository
from sevflow.adapters.db.repositories.tokens import SqlTokenRepository
from sevflow.adapters.db.repositories.triage import SqlTriageRepository
from sevflow.adapters.db.repositories.users import SqlUserRepository

__all__ = [
    "PolicyCache",
    "SqlAgentRepository",
    "SqlAuditRepository",
    "SqlCustomerRepository",
    "SqlEventRepository",
    "SqlIdempotencyRepository",
    "SqlLoginFailureRepository",
    "SqlOutboxRepository",
    "SqlOutcomeRepository",
    "SqlPolicyRepository",
    "SqlSessionRepository",
    "SqlTicketRepository",
    "SqlTimerRepository",
    "SqlTokenRepository",
    "SqlTriageRepository",
    "SqlUserRepository",
]
