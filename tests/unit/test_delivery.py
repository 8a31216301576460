"""Delivery attempts: what an HTTP status means, and when a failed message is tried again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sevflow.domain.delivery import Attempt, Outcome, RetryPolicy, outcome_of_status

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DELIVERED),
        (202, Outcome.DELIVERED),
        (204, Outcome.DELIVERED),
        (400, Outcome.REFUSED),
        (401, Outcome.REFUSED),
        (404, Outcome.REFUSED),
        (408, Outcome.FAILED),
        (429, Outcome.FAILED),
        (500, Outcome.FAILED),
        (503, Outcome.FAILED),
        (302, Outcome.FAILED),
    ],
)
def test_a_status_says_whether_a_try_was_delivered_refused_for_good_or_worth_retrying(
    status: int, outcome: Outcome
) -> None:
    assert outcome_of_status(status) is outcome


def attempt(outcome: Outcome) -> Attempt:
    return Attempt(T0, "webhook", "receiver.example/hook", outcome, 12.5, 503)


def test_retries_back_off_exponentially_with_full_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=10, base=timedelta(seconds=5), cap=timedelta(minutes=1))
    assert [policy.retry_delay(n, lambda: 0.999999).total_seconds() for n in range(1, 6)] == pytest.approx(
        [5, 10, 20, 40, 60], abs=1e-3
    )
    assert policy.retry_delay(3, lambda: 0.5) == timedelta(seconds=10)
    assert policy.retry_delay(3, lambda: 0.0) == timedelta(0)


def test_a_failed_try_is_retried_until_the_attempts_run_out_and_a_refusal_never() -> None:
    policy = RetryPolicy(max_attempts=3, base=timedelta(seconds=4))
    half = lambda: 0.5  # noqa: E731
    assert policy.after(attempt(Outcome.FAILED), 1, half) == T0 + timedelta(seconds=2)
    assert policy.after(attempt(Outcome.FAILED), 2, half) == T0 + timedelta(seconds=4)
    assert policy.after(attempt(Outcome.FAILED), 3, half) is None  # dead
    assert policy.after(attempt(Outcome.REFUSED), 1, half) is None
    assert policy.after(attempt(Outcome.DELIVERED), 1, half) is None


def test_a_policy_needs_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="max_attempts must be at least 1"):
        RetryPolicy(max_attempts=0)
