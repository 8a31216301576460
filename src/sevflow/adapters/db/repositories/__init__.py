"""SQL implementations of the repository ports (``sevflow.services.ports``), one module each."""

from sevflow.adapters.db.repositories.agents import SqlAgentRepository
from sevflow.adapters.db.repositories.events import SqlEventRepository
from sevflow.adapters.db.repositories.outbox import SqlOutboxRepository
from sevflow.adapters.db.repositories.policies import PolicyCache, SqlPolicyRepository
from sevflow.adapters.db.repositories.tickets import SqlTicketRepository
from sevflow.adapters.db.repositories.timers import SqlTimerRepository

__all__ = [
    "PolicyCache",
    "SqlAgentRepository",
    "SqlEventRepository",
    "SqlOutboxRepository",
    "SqlPolicyRepository",
    "SqlTicketRepository",
    "SqlTimerRepository",
]
