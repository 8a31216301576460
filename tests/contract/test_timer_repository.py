from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sevflow.domain.errors import InvalidInput, NotFound
from sevflow.domain.policy import Policy
from sevflow.services.ports import TimerRow, UnitOfWorkFactory
from tests.contract.conftest import T0, add_ticket

M = timedelta(minutes=1)


def test_replace_sets_the_tickets_complete_schedule(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        uow.timers.replace(
            1, [TimerRow(1, "b", T0 + 5 * M), TimerRow(1, "a", T0 + 5 * M), TimerRow(1, "c", T0)]
        )
        uow.commit()
    with uow_factory() as uow:
        assert uow.timers.for_ticket(1) == [
            TimerRow(1, "c", T0),
            TimerRow(1, "a", T0 + 5 * M),
            TimerRow(1, "b", T0 + 5 * M),
        ]
        uow.timers.replace(
            1, [TimerRow(1, "a", T0 + 9 * M), TimerRow(1, "b", T0 + 5 * M), TimerRow(1, "d", T0 + M)]
        )
        uow.commit()
    with uow_factory() as uow:
        assert uow.timers.for_ticket(1) == [
            TimerRow(1, "d", T0 + M),
            TimerRow(1, "b", T0 + 5 * M),
            TimerRow(1, "a", T0 + 9 * M),
        ]
        uow.timers.replace(1, [])
        uow.commit()
    with uow_factory() as uow:
        assert uow.timers.for_ticket(1) == []
        assert uow.timers.next_due_at() is None


def test_replace_many_replaces_each_tickets_schedule_and_leaves_others_alone(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    for _ in range(3):
        add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        uow.timers.replace_many(
            {1: [TimerRow(1, "x", T0)], 2: [TimerRow(2, "x", T0)], 3: [TimerRow(3, "x", T0)]}
        )
        uow.commit()
    with uow_factory() as uow:
        uow.timers.replace_many({1: [TimerRow(1, "y", T0 + M)], 2: []})
        uow.commit()
    with uow_factory() as uow:
        assert [uow.timers.for_ticket(n) for n in (1, 2, 3)] == [
            [TimerRow(1, "y", T0 + M)],
            [],
            [TimerRow(3, "x", T0)],
        ]


def test_claim_due_returns_due_timers_earliest_first_up_to_the_limit(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    for _ in range(3):
        add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        uow.timers.replace_many(
            {
                1: [TimerRow(1, "late", T0 + 10 * M), TimerRow(1, "now", T0)],
                2: [TimerRow(2, "b", T0 - M), TimerRow(2, "a", T0 - M)],
                3: [TimerRow(3, "first", T0 - 60 * M), TimerRow(3, "tie", T0 - M)],
            }
        )
        uow.commit()
    with uow_factory() as uow:
        assert uow.timers.claim_due(T0, 10) == [
            TimerRow(3, "first", T0 - 60 * M),
            TimerRow(2, "a", T0 - M),
            TimerRow(2, "b", T0 - M),
            TimerRow(3, "tie", T0 - M),
            TimerRow(1, "now", T0),
        ]
        assert uow.timers.claim_due(T0, 2) == [TimerRow(3, "first", T0 - 60 * M), TimerRow(2, "a", T0 - M)]
        assert uow.timers.claim_due(T0 - 61 * M, 10) == []
        assert uow.timers.claim_due(T0, 0) == []
        assert uow.timers.next_due_at() == T0 - 60 * M


def test_claiming_does_not_remove_timers(uow_factory: UnitOfWorkFactory, policy: Policy) -> None:
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        uow.timers.replace(1, [TimerRow(1, "a", T0)])
        uow.commit()
    for _ in range(2):
        with uow_factory() as uow:
            assert uow.timers.claim_due(T0, 10) == [TimerRow(1, "a", T0)]
            uow.commit()


def test_due_moments_with_any_offset_compare_and_read_back_in_utc(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    kolkata = timezone(timedelta(hours=5, minutes=30))
    los_angeles = timezone(timedelta(hours=-8))
    with uow_factory() as uow:
        uow.timers.replace(
            1,
            [
                TimerRow(1, "a", datetime(2026, 3, 2, 15, 0, tzinfo=kolkata)),  # 09:30 UTC
                TimerRow(
                    1, "b", datetime(2026, 3, 2, 1, 29, 59, 999_999, tzinfo=los_angeles)
                ),  # 09:29:59.999999 UTC
            ],
        )
        uow.commit()
    with uow_factory() as uow:
        rows = uow.timers.for_ticket(1)
        assert rows == [
            TimerRow(1, "b", datetime(2026, 3, 2, 9, 29, 59, 999_999, tzinfo=UTC)),
            TimerRow(1, "a", datetime(2026, 3, 2, 9, 30, tzinfo=UTC)),
        ]
        assert [row.due_at.tzinfo for row in rows] == [UTC, UTC]
        assert [
            r.key
            for r in uow.timers.claim_due(datetime(2026, 3, 2, 1, 29, 59, 999_999, tzinfo=los_angeles), 5)
        ] == ["b"]
        assert uow.timers.next_due_at() == datetime(2026, 3, 2, 9, 29, 59, 999_999, tzinfo=UTC)
        assert uow.timers.next_due_at().tzinfo is UTC  # type: ignore[union-attr]


def test_a_schedule_with_another_tickets_timer_or_a_key_twice_is_refused(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    add_ticket(uow_factory, policy)
    with uow_factory() as uow:
        with pytest.raises(InvalidInput, match="timer 'a' belongs to ticket #2, not #1"):
            uow.timers.replace(1, [TimerRow(2, "a", T0)])
        with pytest.raises(InvalidInput, match="timer key 'a' is given twice for ticket #1"):
            uow.timers.replace(1, [TimerRow(1, "a", T0), TimerRow(1, "a", T0 + M)])


def test_timers_of_a_ticket_that_does_not_exist_are_refused(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    with uow_factory() as uow, pytest.raises(NotFound, match="#5"):
        uow.timers.replace(5, [TimerRow(5, "a", T0)])
