"""The ticket lifecycle as an explicit state machine.

    new -> triaged -> in_progress <-> waiting_on_customer
      \\________\\_________\\________________\\-> resolved -> closed
                                   resolved -> in_progress   (reopen)

``closed`` is final: a problem that comes back after closing is a new ticket (as in Zendesk).
"""

from __future__ import annotations

from enum import StrEnum

from sevflow.domain.errors import IllegalTransition, InvalidInput


class Status(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @classmethod
    def parse(cls, value: str) -> Status:
        text = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(text)
        except ValueError:
            raise InvalidInput.unknown("status", value, [s.value for s in cls]) from None

    @property
    def is_open(self) -> bool:
        return self not in (Status.RESOLVED, Status.CLOSED)


_ALLOWED: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.TRIAGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED}),
    Status.TRIAGED: frozenset({Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED}),
    Status.IN_PROGRESS: frozenset({Status.WAITING_ON_CUSTOMER, Status.RESOLVED}),
    Status.WAITING_ON_CUSTOMER: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
}


def allowed_next(status: Status) -> frozenset[Status]:
    """The statuses a ticket in ``status`` may move to."""
    return _ALLOWED[status]


def check_transition(current: Status, target: Status) -> None:
    """Raise ``IllegalTransition`` naming the allowed moves if ``current -> target`` is forbidden."""
    if target not in _ALLOWED[current]:
        allowed = ", ".join(sorted(s.value for s in _ALLOWED[current])) or "none (closed is final)"
        raise IllegalTransition(
            f"a ticket cannot go from {current.value} to {target.value}; "
            f"from {current.value} it may go to: {allowed}"
        )
