"""Random schedules, checked against the simplest model: a dict per ticket."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sevflow.domain.policy import Policy
from sevflow.services.ports import TimerRow, UnitOfWorkFactory
from tests.contract.conftest import T0, open_ticket

TICKETS = (1, 2, 3)
schedules = st.dictionaries(st.sampled_from("abcde"), st.integers(-30, 30), max_size=5)
steps = st.lists(st.dictionaries(st.sampled_from(TICKETS), schedules, min_size=1), min_size=1, max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, limit=st.integers(0, 20))
def test_timers_always_read_back_as_the_last_schedule_written_in_due_order(
    uow_factory: UnitOfWorkFactory, policy: Policy, steps: list[dict[int, dict[str, int]]], limit: int
) -> None:
    with uow_factory() as uow:
        if uow.tickets.count_open() == 0:
            uow.tickets.add_many([open_ticket(policy) for _ in TICKETS])
        uow.timers.replace_many({t: [] for t in TICKETS})
        uow.commit()
    model: dict[int, dict[str, int]] = {t: {} for t in TICKETS}
    for step in steps:
        with uow_factory() as uow:
            uow.timers.replace_many(
                {
                    t: [TimerRow(t, k, T0 + timedelta(minutes=m)) for k, m in s.items()]
                    for t, s in step.items()
                }
            )
            uow.commit()
        model.update(step)
        rows = sorted(
            (TimerRow(t, k, T0 + timedelta(minutes=m)) for t, s in model.items() for k, m in s.items()),
            key=lambda r: (r.due_at, r.ticket_id, r.key),
        )
        with uow_factory() as uow:
            for t in TICKETS:
                assert uow.timers.for_ticket(t) == sorted(
                    (r for r in rows if r.ticket_id == t), key=lambda r: (r.due_at, r.key)
                )
            assert uow.timers.claim_due(T0, limit) == [r for r in rows if r.due_at <= T0][:limit]
            assert uow.timers.next_due_at() == (rows[0].due_at if rows else None)
