"""SLA clocks: first response, next update, resolution.

A clock counts **business seconds on its calendar** while it runs. It is a small state
machine:

    running --pause--> paused --resume--> running
    running/paused --stop--> stopped  (target met or not, decided by consumed vs target)
    any --restart--> running from zero (next-update clock after each public update)

State is kept as ``consumed_seconds`` (business seconds counted up to ``running_since``) plus
``running_since`` (the instant the current run began, ``None`` when not running). Everything
else -- elapsed, remaining, percent, deadline -- is derived, so a pause that starts at 20:00 and
ends at 08:00 the next morning costs nothing, and the deadline after a resume is simply
``calendar.add(resumed_at, target - consumed)``.

``epoch`` counts target changes and restarts; rules that fire "once per clock target" key
their firing on it.

A clock with ``kind=None`` and no target is a plain stopwatch of business time that pauses
with the ticket: the ticket's time at its current escalation tier.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sevflow.domain.calendar import BusinessCalendar
from sevflow.domain.instants import iso_text
from sevflow.domain.policy import ClockKind


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True)
class SlaClock:
    """One SLA clock of one ticket. Immutable: every change returns a new clock."""

    kind: ClockKind | None
    target_seconds: int
    calendar: str
    consumed_seconds: int = 0
    running_since: datetime | None = None
    paused_since: datetime | None = None
    paused_seconds: int = 0
    stopped_at: datetime | None = None
    epoch: int = 0

    # -- derived, at an instant -------------------------------------------------------------

    @property
    def state(self) -> ClockState:
        if self.stopped_at is not None:
            return ClockState.STOPPED
        if self.running_since is None:
            return ClockState.PAUSED
        return ClockState.RUNNING

    def elapsed_seconds(self, cal: BusinessCalendar, now: datetime) -> int:
        """Business seconds consumed by ``now`` (pauses excluded)."""
        if self.running_since is None:
            return self.consumed_seconds
        return self.consumed_seconds + cal.business_seconds(self.running_since, now)

    def remaining_seconds(self, cal: BusinessCalendar, now: datetime) -> int:
        """Business seconds left before the target; negative once breached."""
        return self.target_seconds - self.elapsed_seconds(cal, now)

    def percent(self, cal: BusinessCalendar, now: datetime) -> float:
        """Share of the target consumed, in percent (may exceed 100)."""
        if self.target_seconds <= 0:
            return 100.0
        return 100.0 * self.elapsed_seconds(cal, now) / self.target_seconds

    def paused_total_seconds(self, cal: BusinessCalendar, now: datetime) -> int:
        """Business seconds that passed while this clock was paused (they do not count)."""
        if self.paused_since is None:
            return self.paused_seconds
        return self.paused_seconds + cal.business_seconds(self.paused_since, now)

    def deadline_at(self, cal: BusinessCalendar) -> datetime | None:
        """When the target is (or was) reached if the clock keeps running; ``None`` if paused or
        stopped. May lie in the past for a breached clock."""
        return self.instant_at_percent(cal, 100)

    def instant_at_percent(self, cal: BusinessCalendar, percent: int) -> datetime | None:
        """The instant at which ``percent`` of the target is consumed while running.

        If the threshold was already crossed before the current run began, returns
        ``running_since``. ``None`` when the clock is paused or stopped.
        """
        # ceil: a threshold counts as reached once at least that share has been consumed
        return self.instant_at_elapsed(cal, -((-self.target_seconds * percent) // 100))

    def instant_at_elapsed(self, cal: BusinessCalendar, seconds: int) -> datetime | None:
        """The instant at which ``seconds`` of business time will have been counted while
        running; ``running_since`` if that was already reached before the current run began;
        ``None`` when paused or stopped."""
        if self.running_since is None or self.stopped_at is not None:
            return None
        needed = seconds - self.consumed_seconds
        if needed <= 0:
            return self.running_since
        return cal.add(self.running_since, needed)

    def met(self) -> bool | None:
        """For a stopped clock: was the target met? ``None`` while not stopped."""
        if self.stopped_at is None:
            return None
        return self.consumed_seconds <= self.target_seconds

    # -- transitions ------------------------------------------------------------------------

    @classmethod
    def start(cls, kind: ClockKind | None, target_seconds: int, calendar: str, at: datetime) -> SlaClock:
        return cls(kind=kind, target_seconds=target_seconds, calendar=calendar, running_since=at)

    @classmethod
    def stopwatch(cls, calendar: str, at: datetime, *, paused: bool) -> SlaClock:
        """A stopwatch of business time from ``at`` (paused from the start if ``paused``)."""
        if paused:
            return cls(kind=None, target_seconds=0, calendar=calendar, paused_since=at)
        return cls(kind=None, target_seconds=0, calendar=calendar, running_since=at)

    def pause(self, cal: BusinessCalendar, at: datetime) -> SlaClock:
        if self.running_since is None:
            return self
        return replace(
            self,
            consumed_seconds=self.elapsed_seconds(cal, at),
            running_since=None,
            paused_since=at,
        )

    def resume(self, cal: BusinessCalendar, at: datetime) -> SlaClock:
        if self.stopped_at is not None or self.running_since is not None:
            return self
        return replace(
            self,
            running_since=at,
            paused_since=None,
            paused_seconds=self.paused_total_seconds(cal, at),
        )

    def stop(self, cal: BusinessCalendar, at: datetime) -> SlaClock:
        if self.stopped_at is not None:
            return self
        return replace(
            self,
            consumed_seconds=self.elapsed_seconds(cal, at),
            paused_seconds=self.paused_total_seconds(cal, at),
            running_since=None,
            paused_since=None,
            stopped_at=at,
        )

    def reopen(self, at: datetime) -> SlaClock:
        """Resume a stopped clock, keeping what it had consumed (resolution after a reopen)."""
        if self.stopped_at is None:
            return self
        return replace(self, stopped_at=None, running_since=at, paused_since=None)

    def restart(self, at: datetime, *, running: bool = True) -> SlaClock:
        """Start again from zero (next-update clock after a public update): a new epoch."""
        return replace(
            self,
            consumed_seconds=0,
            running_since=at if running else None,
            paused_since=None if running else at,
            paused_seconds=0,
            stopped_at=None,
            epoch=self.epoch + 1,
        )

    def retarget(
        self, old_cal: BusinessCalendar, target_seconds: int, calendar: str, at: datetime
    ) -> SlaClock:
        """Apply a new target (severity or customer-tier change).

        The business time already consumed is kept -- measured on the old calendar up to
        ``at`` -- and the clock continues on the new calendar from ``at``. A raised severity
        can therefore breach at once: the customer has already waited that long.
        """
        if target_seconds == self.target_seconds and calendar == self.calendar:
            return self
        if self.stopped_at is not None:
            return replace(self, target_seconds=target_seconds, calendar=calendar, epoch=self.epoch + 1)
        consumed = self.elapsed_seconds(old_cal, at)
        paused = self.paused_total_seconds(old_cal, at)
        return replace(
            self,
            target_seconds=target_seconds,
            calendar=calendar,
            consumed_seconds=consumed,
            paused_seconds=paused,
            running_since=at if self.running_since is not None else None,
            paused_since=at if self.paused_since is not None else None,
            epoch=self.epoch + 1,
        )

    # -- serialisation ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": None if self.kind is None else self.kind.value,
            "target_seconds": self.target_seconds,
            "calendar": self.calendar,
            "consumed_seconds": self.consumed_seconds,
            "running_since": iso_text(self.running_since),
            "paused_since": iso_text(self.paused_since),
            "paused_seconds": self.paused_seconds,
            "stopped_at": iso_text(self.stopped_at),
            "epoch": self.epoch,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SlaClock:
        return cls(
            kind=None if data["kind"] is None else ClockKind(data["kind"]),
            target_seconds=int(data["target_seconds"]),
            calendar=str(data["calendar"]),
            consumed_seconds=int(data["consumed_seconds"]),
            running_since=_parse(data.get("running_since")),
            paused_since=_parse(data.get("paused_since")),
            paused_seconds=int(data.get("paused_seconds", 0)),
            stopped_at=_parse(data.get("stopped_at")),
            epoch=int(data.get("epoch", 0)),
        )


def _parse(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))
