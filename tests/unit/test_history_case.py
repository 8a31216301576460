"""A historic case replayed as a closed ticket: instants in order, nothing queued to send."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sevflow.domain.errors import InvalidInput
from sevflow.domain.history import HistoricCase, closed_ticket
from sevflow.domain.severity import Severity
from sevflow.policy.starter import load_starter_policy

POLICY = load_starter_policy()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def case(**fields: object) -> HistoricCase:
    base: dict[str, object] = {
        "external_id": "Z-1",
        "title": "",
        "service_line": "payments",
        "customer": "history",
        "customer_tier": "business",
        "severity": Severity.SEV3,
        "created_at": utc("2016-03-01 10:00"),
    }
    base.update(fields)
    return HistoricCase(**base)  # type: ignore[arg-type]


def test_instants_out_of_order_are_put_in_order_and_nothing_is_queued() -> None:
    t = closed_ticket(
        POLICY,
        case(first_response_at=utc("2016-03-01 09:00"), resolved_at=utc("2016-03-01 09:30")),
        actor="history",
    )
    assert [(e.kind.value, e.at) for e in t.pending if e.kind.value in ("commented", "status_changed")] == [
        ("commented", utc("2016-03-01 10:00")),  # a response before the opening counts at the opening
        ("status_changed", utc("2016-03-01 10:00")),
    ]
    assert (t.status.value, t.title, t.outbox) == ("resolved", "Imported case Z-1", [])


def test_a_case_never_resolved_or_closed_is_refused() -> None:
    with pytest.raises(InvalidInput, match="case Z-1 was never resolved or closed"):
        closed_ticket(POLICY, case(), actor="history")
