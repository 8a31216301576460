from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sevflow.domain.errors import InvalidInput
from sevflow.services.ports import UnitOfWorkFactory
from tests.contract.conftest import T0

SAO_PAULO = timezone(timedelta(hours=-3))
USER = "user:ana"
IP = "ip:192.0.2.7"


def fail(uow_factory: UnitOfWorkFactory, subject: str, *minutes: float) -> None:
    with uow_factory() as uow:
        for m in minutes:
            uow.login_failures.add(subject, at=T0 + timedelta(minutes=m))
        uow.commit()


def test_failures_are_counted_at_or_after_since_per_subject(uow_factory: UnitOfWorkFactory) -> None:
    fail(uow_factory, USER, 0, 1, 2)
    fail(uow_factory, IP, 1)
    with uow_factory() as uow:
        failures = uow.login_failures
        assert failures.count_since(USER, T0 - timedelta(hours=1)) == 3
        assert failures.count_since(USER, T0 + timedelta(minutes=1)) == 2  # the boundary counts
        assert failures.count_since(USER, T0 + timedelta(minutes=1, microseconds=1)) == 1
        assert failures.count_since(USER, T0 + timedelta(minutes=3)) == 0
        assert failures.count_since(IP, T0) == 1
        assert failures.count_since("user:bo", T0) == 0


def test_since_in_another_zone_means_the_same_instant(uow_factory: UnitOfWorkFactory) -> None:
    fail(uow_factory, USER, 0, 1)
    minute_one_in_sao_paulo = datetime(2026, 3, 2, 6, 31, tzinfo=SAO_PAULO)
    with uow_factory() as uow:
        assert uow.login_failures.count_since(USER, minute_one_in_sao_paulo) == 1


def test_the_oldest_failure_in_the_window_comes_back_aware_in_utc_to_the_microsecond(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        uow.login_failures.add(USER, at=datetime(2026, 3, 2, 6, 40, 0, 314_159, tzinfo=SAO_PAULO))
        uow.login_failures.add(USER, at=T0)
        uow.login_failures.add(USER, at=T0 + timedelta(minutes=20))
        uow.commit()
    with uow_factory() as uow:
        oldest = uow.login_failures.oldest_since(USER, T0 + timedelta(minutes=1))
        assert uow.login_failures.oldest_since(USER, T0) == T0
        assert uow.login_failures.oldest_since(USER, T0 + timedelta(hours=1)) is None
        assert uow.login_failures.oldest_since(IP, T0) is None
    assert oldest == datetime(2026, 3, 2, 9, 40, 0, 314_159, tzinfo=UTC)
    assert oldest is not None
    assert oldest.tzinfo is UTC


def test_clear_forgets_one_subject_only(uow_factory: UnitOfWorkFactory) -> None:
    fail(uow_factory, USER, 0, 1)
    fail(uow_factory, IP, 0)
    with uow_factory() as uow:
        uow.login_failures.clear(USER)
        assert uow.login_failures.count_since(USER, T0) == 0
        uow.commit()
    with uow_factory() as uow:
        assert (uow.login_failures.count_since(USER, T0), uow.login_failures.count_since(IP, T0)) == (0, 1)


def test_failures_after_a_clear_in_the_same_transaction_count_and_those_before_do_not(
    uow_factory: UnitOfWorkFactory,
) -> None:
    fail(uow_factory, USER, 0)
    with uow_factory() as uow:
        uow.login_failures.add(USER, at=T0 + timedelta(minutes=1))
        uow.login_failures.clear(USER)
        uow.login_failures.add(USER, at=T0 + timedelta(minutes=2))
        assert uow.login_failures.count_since(USER, T0) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.login_failures.count_since(USER, T0) == 1
        assert uow.login_failures.oldest_since(USER, T0) == T0 + timedelta(minutes=2)


def test_failures_and_clears_without_commit_are_not_stored(uow_factory: UnitOfWorkFactory) -> None:
    fail(uow_factory, USER, 0)
    with uow_factory() as uow:
        uow.login_failures.add(IP, at=T0)
        uow.login_failures.clear(USER)
        assert uow.login_failures.count_since(IP, T0) == 1
    with uow_factory() as uow:
        assert (uow.login_failures.count_since(USER, T0), uow.login_failures.count_since(IP, T0)) == (1, 0)


def test_naive_instants_are_refused(uow_factory: UnitOfWorkFactory) -> None:
    naive = datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001 - naive on purpose
    with uow_factory() as uow:
        with pytest.raises(InvalidInput, match="has no time-zone offset"):
            uow.login_failures.add(USER, at=naive)
        with pytest.raises(InvalidInput, match="has no time-zone offset"):
            uow.login_failures.count_since(USER, naive)
        with pytest.raises(InvalidInput, match="has no time-zone offset"):
            uow.login_failures.oldest_since(USER, naive)
