"""On-call schedules: rotations, handoffs at local time across DST changes, overrides, away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sevflow.domain.errors import InvalidInput
from sevflow.domain.oncall import (
    HandoffKind,
    Layer,
    LayerShift,
    OnCallBook,
    Override,
    Schedule,
    local_instant,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
HOUR = timedelta(hours=1)
US = timedelta(microseconds=1)


def local(zone: str, text: str) -> datetime:
    """``local(BERLIN, "2026-01-12 09:00")`` -> that instant in UTC (first occurrence if ambiguous)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def berlin(text: str) -> datetime:
    return local(BERLIN, text)


def wall(text: str) -> datetime:
    """A naive local wall time, as the schedule's zone reads it."""
    return datetime.fromisoformat(text)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def weekly(
    members: tuple[str, ...] = ("jonas", "mei"),
    *,
    name: str = "primary",
    day: int = 0,
    at: time = time(9),
    start: date = date(2026, 1, 5),  # a Monday
    zone: str = BERLIN,
) -> Layer:
    return Layer(name, members, HandoffKind.WEEKLY, at, day, start, zone)


def daily(
    members: tuple[str, ...] = ("ingrid", "jonas"),
    *,
    name: str = "secondary",
    at: time = time(9),
    start: date = date(2026, 1, 5),
    zone: str = BERLIN,
) -> Layer:
    return Layer(name, members, HandoffKind.DAILY, at, None, start, zone)


def payments(*overrides: Override) -> Schedule:
    """Primary: jonas and mei weekly from Monday 2026-01-05 09:00 Berlin (jonas on the weeks of
    Jan 5, 19, Feb 2; mei on Jan 12, 26, Feb 9). Secondary: ingrid and jonas daily at 09:00."""
    return Schedule("payments-l3", BERLIN, (weekly(), daily()), overrides)


def primary_only(*overrides: Override) -> Schedule:
    return Schedule("payments-l3", BERLIN, (weekly(),), overrides)


def length(shift: LayerShift) -> timedelta:
    """Real time between the shift's bounds (both must exist)."""
    assert shift.since_at is not None
    assert shift.until_at is not None
    return shift.until_at - shift.since_at


def cover(who: str, start: str, end: str, *, replaces: str | None = None, layer: str = "primary") -> Override:
    return Override(layer, who, berlin(start), berlin(end), "cover", replaces)


# -- rotations ----------------------------------------------------------------------------------


def test_member_zero_is_on_call_from_the_first_handoff_until_the_next() -> None:
    shift = primary_only().who(berlin("2026-01-05 09:00")).layers[0]
    assert shift == LayerShift("primary", "jonas", utc("2026-01-05 08:00"), utc("2026-01-12 08:00"), None)


def test_nobody_is_on_call_before_the_first_handoff() -> None:
    on_call = payments().who(berlin("2026-01-05 09:00") - US)
    assert on_call.primary is None
    assert on_call.secondary is None
    assert on_call.layers[0] == LayerShift("primary", None, None, utc("2026-01-05 08:00"), None)


def test_weekly_rotation_hands_over_on_the_handoff_day_at_local_time() -> None:
    schedule = primary_only()
    assert schedule.who(berlin("2026-01-12 08:59")).primary == "jonas"
    assert schedule.who(berlin("2026-01-12 09:00")).primary == "mei"
    assert schedule.who(berlin("2026-01-18 23:59")).primary == "mei"
    assert schedule.who(berlin("2026-01-19 09:00")).primary == "jonas"


def test_daily_rotation_moves_to_the_next_member_every_day_and_wraps() -> None:
    schedule = Schedule("l1", BERLIN, (daily(("ana", "ben", "cho")),))
    days = ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08"]
    assert [schedule.who(berlin(f"{d} 12:00")).primary for d in days] == ["ana", "ben", "cho", "ana"]
    assert schedule.who(berlin("2026-01-06 08:59")).primary == "ana"


def test_primary_and_secondary_are_the_first_two_layers() -> None:
    on_call = payments().who(berlin("2026-01-13 12:00"))  # mei's week, day 8 of the daily rotation
    assert (on_call.team, on_call.at) == ("payments-l3", utc("2026-01-13 11:00"))
    assert (on_call.primary, on_call.secondary) == ("mei", "ingrid")
    assert on_call.shift("secondary").until_at == utc("2026-01-14 08:00")


def test_rotation_three_years_later_is_computed_without_walking_the_shifts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    layer = weekly(("ana", "ben", "cho"))
    calls: list[int] = []
    original: Callable[[Layer, int], datetime] = Layer.handoff_at

    def counted(self: Layer, index: int) -> datetime:
        calls.append(index)
        return original(self, index)

    monkeypatch.setattr(Layer, "handoff_at", counted)
    # 2026-01-05 + 157 weeks = 2029-01-08, a Monday; 157 % 3 == 1
    assert layer.shift_index(berlin("2029-01-08 09:00")) == 157
    assert layer.scheduled(berlin("2029-01-08 09:00")) == "ben"
    assert layer.scheduled(berlin("2029-01-08 08:59")) == "ana"
    assert len(calls) <= 9  # at most three handoff instants per question, not a walk over 157
    assert layer.handoff_at(157) == utc("2029-01-08 08:00")


def test_a_one_member_layer_never_hands_off() -> None:
    schedule = Schedule("solo", BERLIN, (daily(("ana",)),))
    shift = schedule.who(berlin("2027-06-01 12:00")).layers[0]
    assert shift == LayerShift("secondary", "ana", utc("2026-01-05 08:00"), None, None)
    assert schedule.handoffs(berlin("2026-01-01 00:00"), berlin("2026-02-01 00:00")) == [
        (utc("2026-01-05 08:00"), "secondary", "ana")
    ]


# -- handoffs at local time across DST changes --------------------------------------------------


def test_weekly_shift_over_the_berlin_spring_forward_lasts_167_hours() -> None:
    shift = primary_only().who(berlin("2026-03-25 12:00")).layers[0]
    assert (shift.since_at, shift.until_at) == (utc("2026-03-23 08:00"), utc("2026-03-30 07:00"))
    assert length(shift) == 167 * HOUR


def test_weekly_shift_over_the_berlin_fall_back_lasts_169_hours() -> None:
    shift = primary_only().who(berlin("2026-10-21 12:00")).layers[0]
    assert (shift.since_at, shift.until_at) == (utc("2026-10-19 07:00"), utc("2026-10-26 08:00"))
    assert length(shift) == 169 * HOUR


def test_weekly_new_york_shifts_over_both_dst_changes_last_167_and_169_hours() -> None:
    friday_evening = weekly(day=4, at=time(17), start=date(2026, 1, 2), zone=NEW_YORK)
    schedule = Schedule("us-l2", NEW_YORK, (friday_evening,))
    spring = schedule.who(utc("2026-03-10 12:00")).layers[0]
    autumn = schedule.who(utc("2026-11-03 12:00")).layers[0]
    # 17:00 EST -> 17:00 EDT, and back
    assert (spring.since_at, spring.until_at) == (utc("2026-03-06 22:00"), utc("2026-03-13 21:00"))
    assert (autumn.since_at, autumn.until_at) == (utc("2026-10-30 21:00"), utc("2026-11-06 22:00"))
    assert (length(spring), length(autumn)) == (167 * HOUR, 169 * HOUR)


def test_a_daily_0230_handoff_on_the_new_york_gap_day_happens_when_the_clocks_jump() -> None:
    layer = daily(("ana", "ben"), at=time(2, 30), start=date(2026, 3, 1), zone=NEW_YORK)
    # 02:30 does not exist on 2026-03-08: the clocks jump from 02:00 EST to 03:00 EDT at 07:00 UTC
    assert [layer.handoff_at(i) for i in (6, 7, 8)] == [
        utc("2026-03-07 07:30"),
        utc("2026-03-08 07:00"),
        utc("2026-03-09 06:30"),
    ]
    assert layer.scheduled(utc("2026-03-08 07:00") - US) == "ana"
    assert layer.scheduled(utc("2026-03-08 07:00")) == "ben"
    shift = Schedule("l1", NEW_YORK, (layer,)).who(utc("2026-03-08 12:00")).layers[0]
    assert length(shift) == timedelta(hours=23, minutes=30)


def test_a_daily_0230_handoff_on_the_berlin_gap_day_happens_at_0300_summer_time() -> None:
    layer = daily(("ana", "ben"), at=time(2, 30), start=date(2026, 3, 28))
    assert layer.handoff_at(1) == utc("2026-03-29 01:00")  # 03:00 CEST


def test_an_ambiguous_handoff_time_on_the_fall_back_night_is_its_first_occurrence() -> None:
    layer = daily(("ana", "ben"), at=time(2, 30), start=date(2026, 10, 24))
    assert layer.handoff_at(1) == utc("2026-10-25 00:30")  # 02:30 CEST, not 02:30 CET an hour later
    assert layer.scheduled(utc("2026-10-25 01:30")) == "ben"  # the second 02:30 hands over nothing


def test_local_instant_applies_the_gap_and_fold_rules() -> None:
    assert local_instant(wall("2026-03-08 02:30"), NEW_YORK) == utc("2026-03-08 07:00")
    assert local_instant(wall("2026-11-01 01:30"), NEW_YORK) == utc("2026-11-01 05:30")
    assert local_instant(wall("2026-11-01 01:30").replace(fold=1), NEW_YORK) == utc("2026-11-01 05:30")
    assert local_instant(wall("2026-07-01 09:00"), NEW_YORK) == utc("2026-07-01 13:00")


# -- overrides ----------------------------------------------------------------------------------


def test_a_vacation_override_puts_the_cover_on_call_for_its_whole_span() -> None:
    vacation = cover("ingrid", "2026-01-12 09:00", "2026-01-19 09:00")
    shift = primary_only(vacation).who(berlin("2026-01-14 12:00")).layers[0]
    assert shift == LayerShift(
        "primary", "ingrid", utc("2026-01-12 08:00"), utc("2026-01-19 08:00"), vacation
    )


def test_override_starts_inclusive_and_ends_exclusive() -> None:
    vacation = cover("ingrid", "2026-01-14 12:00", "2026-01-16 12:00")
    schedule = primary_only(vacation)
    assert schedule.who(berlin("2026-01-14 12:00") - US).primary == "mei"
    assert schedule.who(berlin("2026-01-14 12:00")).primary == "ingrid"
    assert schedule.who(berlin("2026-01-16 12:00") - US).primary == "ingrid"
    assert schedule.who(berlin("2026-01-16 12:00")).primary == "mei"


def test_until_at_ends_the_shift_where_an_override_starts_mid_shift() -> None:
    schedule = primary_only(cover("ingrid", "2026-01-14 12:00", "2026-01-16 12:00"))
    before, during, after = (
        schedule.who(berlin(t)).layers[0]
        for t in ("2026-01-13 12:00", "2026-01-15 12:00", "2026-01-17 12:00")
    )
    assert (before.person, before.since_at, before.until_at) == (
        "mei",
        utc("2026-01-12 08:00"),
        utc("2026-01-14 11:00"),
    )
    assert (during.person, during.since_at, during.until_at) == (
        "ingrid",
        utc("2026-01-14 11:00"),
        utc("2026-01-16 11:00"),
    )
    assert (after.person, after.since_at, after.until_at) == (
        "mei",
        utc("2026-01-16 11:00"),
        utc("2026-01-19 08:00"),
    )


def test_a_swap_with_replaces_applies_only_during_that_persons_shifts() -> None:
    swap = cover("ingrid", "2026-01-05 09:00", "2026-01-26 09:00", replaces="mei")
    schedule = primary_only(swap)
    jonas_week = schedule.who(berlin("2026-01-07 12:00")).layers[0]
    mei_week = schedule.who(berlin("2026-01-14 12:00")).layers[0]
    assert (jonas_week.person, jonas_week.override) == ("jonas", None)
    assert (mei_week.person, mei_week.override) == ("ingrid", swap)
    assert (mei_week.since_at, mei_week.until_at) == (utc("2026-01-12 08:00"), utc("2026-01-19 08:00"))


def test_the_override_that_started_latest_wins_wherever_it_is_listed() -> None:
    jonas_day = cover("jonas", "2026-01-14 00:00", "2026-01-15 00:00")
    vacation = cover("ingrid", "2026-01-12 09:00", "2026-01-19 09:00")
    schedule = primary_only(jonas_day, vacation)
    assert schedule.who(berlin("2026-01-13 12:00")).primary == "ingrid"
    on_the_day = schedule.who(berlin("2026-01-14 12:00")).layers[0]
    assert (on_the_day.person, on_the_day.override) == ("jonas", jonas_day)
    assert (on_the_day.since_at, on_the_day.until_at) == (utc("2026-01-13 23:00"), utc("2026-01-14 23:00"))
    assert schedule.who(berlin("2026-01-15 12:00")).primary == "ingrid"


def test_overrides_starting_together_go_to_the_later_in_the_list() -> None:
    first = cover("ingrid", "2026-01-12 09:00", "2026-01-19 09:00")
    second = cover("ana", "2026-01-12 09:00", "2026-01-13 09:00")
    schedule = primary_only(first, second)
    assert schedule.who(berlin("2026-01-12 12:00")).layers[0].override == second
    assert schedule.who(berlin("2026-01-13 12:00")).layers[0].override == first


def test_a_later_swap_beats_an_earlier_cover_only_during_the_swapped_shifts() -> None:
    month = cover("ingrid", "2026-01-05 09:00", "2026-02-02 09:00")
    swap = cover("ana", "2026-01-08 00:00", "2026-01-30 00:00", replaces="mei")
    schedule = primary_only(month, swap)
    people = [
        schedule.who(berlin(f"{d} 12:00")).primary
        for d in ("2026-01-07", "2026-01-09", "2026-01-14", "2026-01-20", "2026-01-27", "2026-01-31")
    ]
    assert people == ["ingrid", "ingrid", "ana", "ingrid", "ana", "ingrid"]
    assert schedule.who(berlin("2026-01-09 12:00")).layers[0].until_at == utc("2026-01-12 08:00")


def test_a_person_covering_next_to_their_own_shift_stays_on_call_across_the_handoff() -> None:
    schedule = primary_only(cover("jonas", "2026-01-12 09:00", "2026-01-19 09:00", replaces="mei"))
    shift = schedule.who(berlin("2026-01-14 12:00")).layers[0]
    assert (shift.person, shift.since_at, shift.until_at) == (
        "jonas",
        utc("2026-01-05 08:00"),
        utc("2026-01-26 08:00"),
    )


def test_an_override_before_the_first_handoff_puts_the_cover_on_call() -> None:
    schedule = primary_only(cover("ingrid", "2026-01-01 09:00", "2026-01-05 09:00"))
    assert schedule.who(berlin("2026-01-02 12:00")).primary == "ingrid"
    assert schedule.who(berlin("2026-01-05 09:00")).layers[0].since_at == utc("2026-01-05 08:00")


# -- handoffs() listing -------------------------------------------------------------------------


def test_handoffs_lists_every_change_of_person_in_time_and_layer_order() -> None:
    schedule = payments(cover("ingrid", "2026-01-12 12:00", "2026-01-13 12:00"))
    assert schedule.handoffs(berlin("2026-01-11 00:00"), berlin("2026-01-14 00:00")) == [
        (utc("2026-01-11 08:00"), "secondary", "ingrid"),
        (utc("2026-01-12 08:00"), "primary", "mei"),
        (utc("2026-01-12 08:00"), "secondary", "jonas"),
        (utc("2026-01-12 11:00"), "primary", "ingrid"),
        (utc("2026-01-13 08:00"), "secondary", "ingrid"),
        (utc("2026-01-13 11:00"), "primary", "mei"),
    ]


def test_handoffs_include_the_start_instant_and_exclude_the_end_instant() -> None:
    listed = primary_only().handoffs(utc("2026-01-12 08:00"), utc("2026-01-19 08:00"))
    assert listed == [(utc("2026-01-12 08:00"), "primary", "mei")]
    assert primary_only().handoffs(utc("2026-01-19 08:00"), utc("2026-01-12 08:00")) == []


def test_handoffs_skip_a_handoff_that_keeps_the_same_person() -> None:
    schedule = primary_only(cover("jonas", "2026-01-12 09:00", "2026-01-19 09:00", replaces="mei"))
    assert schedule.handoffs(berlin("2026-01-01 00:00"), berlin("2026-02-01 00:00")) == [
        (utc("2026-01-05 08:00"), "primary", "jonas"),
        (utc("2026-01-26 08:00"), "primary", "mei"),
    ]


# -- away ---------------------------------------------------------------------------------------


def test_away_names_the_scheduled_person_an_override_replaces() -> None:
    schedule = payments(cover("ingrid", "2026-01-12 09:00", "2026-01-19 09:00"))
    assert schedule.away(berlin("2026-01-14 12:00")) == frozenset({"mei"})
    assert schedule.away(berlin("2026-01-19 09:00")) == frozenset()


def test_away_is_empty_when_a_swap_does_not_apply_or_names_the_scheduled_person() -> None:
    swap = cover("ingrid", "2026-01-05 09:00", "2026-01-19 09:00", replaces="mei")
    same = cover("jonas", "2026-01-05 09:00", "2026-01-12 09:00")
    assert primary_only(swap).away(berlin("2026-01-07 12:00")) == frozenset()
    assert primary_only(same).away(berlin("2026-01-07 12:00")) == frozenset()


def test_the_book_answers_per_team_and_unites_everyone_away() -> None:
    l3 = payments(cover("ingrid", "2026-01-12 09:00", "2026-01-19 09:00"))
    l1 = Schedule(
        "payments-l1",
        BERLIN,
        (daily(("ana", "ben"), name="first"),),
        (cover("cho", "2026-01-14 00:00", "2026-01-15 00:00", layer="first"),),
    )
    book = OnCallBook({"payments-l3": l3, "payments-l1": l1})
    assert book.who("payments-l1", berlin("2026-01-14 12:00")).primary == "cho"
    assert book.away(berlin("2026-01-14 12:00")) == frozenset({"mei", "ben"})


def test_an_unknown_team_is_refused_naming_the_known_ones() -> None:
    book = OnCallBook({"payments-l3": payments()})
    with pytest.raises(InvalidInput, match=r"^unknown on-call team 'payments-l9'; allowed: payments-l3$"):
        book.who("payments-l9", berlin("2026-01-14 12:00"))


# -- validation ---------------------------------------------------------------------------------


def test_an_override_must_end_after_it_starts() -> None:
    with pytest.raises(
        ValueError,
        match=r"end_at 2026-01-12T08:00:00\+00:00 is not after start_at 2026-01-12T08:00:00\+00:00",
    ):
        cover("ingrid", "2026-01-12 09:00", "2026-01-12 09:00")


def test_an_override_needs_aware_instants() -> None:
    with pytest.raises(ValueError, match=r"start_at .* must be an aware datetime"):
        Override("primary", "ingrid", wall("2026-01-12 09:00"), utc("2026-01-19 08:00"))


def test_an_override_of_an_unknown_layer_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown layer 'tertiary'; allowed: primary, secondary"):
        payments(cover("ingrid", "2026-01-12 09:00", "2026-01-19 09:00", layer="tertiary"))


def test_a_weekly_layer_needs_a_start_on_its_handoff_day() -> None:
    with pytest.raises(
        ValueError, match="start 2026-01-06 is a Tuesday, but the weekly handoff is on Monday"
    ):
        weekly(start=date(2026, 1, 6))


def test_a_layer_refuses_duplicate_members_and_a_daily_day() -> None:
    with pytest.raises(ValueError, match="mei listed more than once"):
        weekly(("mei", "jonas", "mei"))
    with pytest.raises(ValueError, match="a daily handoff takes no day"):
        Layer("x", ("a",), HandoffKind.DAILY, time(9), 0, date(2026, 1, 5), BERLIN)


def test_questions_need_aware_instants() -> None:
    with pytest.raises(InvalidInput, match="has no time-zone offset"):
        payments().who(wall("2026-01-14 12:00"))
