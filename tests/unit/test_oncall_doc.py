"""The ``oncall`` section of the policy file: its models, cross-field problems, conversion."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from pydantic import ValidationError

from sevflow.domain.oncall import HandoffKind, Layer, Override, Schedule
from sevflow.policy.findings import format_path
from sevflow.policy.oncall_doc import oncall_problems, parse_oncall, to_schedules
from sevflow.policy.yamlfile import read_yaml

SECTION = """
payments-l3:
  zone: Europe/Berlin
  layers:
    primary:   {members: [jonas, mei], handoff: weekly, day: mon, at: "09:00", start: 2026-01-05}
    secondary: {members: [ingrid, jonas], handoff: daily, at: "09:00", start: 2026-01-05}
  overrides:
    - {layer: primary, who: ingrid, from: 2026-12-28T09:00, to: 2027-01-04T09:00, reason: vacation cover, replaces: mei}
"""


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def section(old: str = "", new: str = "") -> Any:
    """The section as the policy loader reads it, with ``old`` replaced by ``new``."""
    assert old in SECTION, old
    return read_yaml(SECTION.replace(old, new, 1)).data


def problems(old: str, new: str) -> list[tuple[str, str]]:
    return [(format_path(f.loc), f.message) for f in oncall_problems(parse_oncall(section(old, new)))]


def schema_errors(old: str, new: str) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as err:
        parse_oncall(section(old, new))
    return [(e["loc"], e["msg"]) for e in err.value.errors(include_url=False)]


def test_a_valid_section_converts_to_domain_schedules() -> None:
    docs = parse_oncall(section())
    assert oncall_problems(docs) == []
    assert to_schedules(docs) == {
        "payments-l3": Schedule(
            "payments-l3",
            "Europe/Berlin",
            (
                Layer(
                    "primary",
                    ("jonas", "mei"),
                    HandoffKind.WEEKLY,
                    time(9),
                    0,
                    date(2026, 1, 5),
                    "Europe/Berlin",
                ),
                Layer(
                    "secondary",
                    ("ingrid", "jonas"),
                    HandoffKind.DAILY,
                    time(9),
                    None,
                    date(2026, 1, 5),
                    "Europe/Berlin",
                ),
            ),
            (
                Override(
                    "primary",
                    "ingrid",
                    utc("2026-12-28 08:00"),
                    utc("2027-01-04 08:00"),
                    "vacation cover",
                    "mei",
                ),
            ),
        )
    }


def test_the_converted_schedule_answers_who_is_on_call() -> None:
    schedule = to_schedules(parse_oncall(section()))["payments-l3"]
    on_call = schedule.who(utc("2026-12-30 12:00"))  # mei's week, covered by ingrid
    assert (on_call.primary, on_call.secondary) == ("ingrid", "jonas")
    assert schedule.away(utc("2026-12-30 12:00")) == frozenset({"mei"})


def test_override_times_may_carry_an_offset_or_be_a_local_date() -> None:
    docs = parse_oncall(
        section("from: 2026-12-28T09:00, to: 2027-01-04T09:00", "from: 2026-12-28T09:00:00Z, to: 2027-01-04")
    )
    override = to_schedules(docs)["payments-l3"].overrides[0]
    assert (override.start_at, override.end_at) == (utc("2026-12-28 09:00"), utc("2027-01-03 23:00"))


def test_a_local_override_time_in_the_spring_forward_gap_is_the_first_instant_after_it() -> None:
    docs = parse_oncall(section("from: 2026-12-28T09:00", "from: 2026-03-29T02:30"))
    assert to_schedules(docs)["payments-l3"].overrides[0].start_at == utc("2026-03-29 01:00")


def test_spellings_are_normalised() -> None:
    docs = parse_oncall(
        section('handoff: weekly, day: mon, at: "09:00"', 'handoff: Weekly, day: Monday, at: "9:00"')
    )
    layer = docs["payments-l3"].layers["primary"]
    assert (layer.handoff, layer.day, layer.at) == (HandoffKind.WEEKLY, "mon", time(9))


def test_a_weekly_layer_without_day_is_a_problem() -> None:
    assert problems("handoff: weekly, day: mon,", "handoff: weekly,") == [
        (
            "oncall.payments-l3.layers.primary.day",
            "required for a weekly handoff: the day it happens, one of mon, tue, wed, thu, fri, sat, sun",
        )
    ]


def test_a_daily_layer_with_a_day_is_a_problem() -> None:
    assert problems("handoff: daily,", "handoff: daily, day: tue,") == [
        (
            "oncall.payments-l3.layers.secondary.day",
            "a daily handoff happens every day, so it takes no day (got 'tue'); remove day, or set handoff: weekly",
        )
    ]


def test_a_weekly_start_off_the_handoff_day_is_a_problem() -> None:
    assert problems(
        'day: mon, at: "09:00", start: 2026-01-05', 'day: mon, at: "09:00", start: 2026-01-07'
    ) == [
        (
            "oncall.payments-l3.layers.primary.start",
            "2026-01-07 is a Wednesday, but the weekly handoff is on Monday (day: mon); "
            "start on a Monday, e.g. 2026-01-05",
        )
    ]


def test_an_override_ending_before_it_starts_is_a_problem() -> None:
    assert problems("to: 2027-01-04T09:00", "to: 2026-12-28T09:00") == [
        (
            "oncall.payments-l3.overrides[0].to",
            "2026-12-28T09:00 is not after from (2026-12-28T09:00); "
            "an override runs from 'from' up to (not including) 'to'",
        )
    ]


def test_an_override_of_an_unknown_layer_is_a_problem() -> None:
    assert problems("{layer: primary", "{layer: tertiary") == [
        ("oncall.payments-l3.overrides[0].layer", "unknown layer 'tertiary'; allowed: primary, secondary")
    ]


def test_an_override_replacing_its_own_cover_is_a_problem() -> None:
    assert problems("replaces: mei", "replaces: ingrid") == [
        (
            "oncall.payments-l3.overrides[0].replaces",
            "'ingrid' cannot replace themselves; name the person whose shifts ingrid takes, or leave replaces out",
        )
    ]


def test_an_unknown_zone_is_refused() -> None:
    assert schema_errors("zone: Europe/Berlin", "zone: Europe/Berln") == [
        (
            ("payments-l3", "zone"),
            "Value error, unknown time zone 'Europe/Berln'; use an IANA name such as Europe/Berlin "
            "or America/New_York",
        )
    ]


def test_an_empty_members_list_is_refused() -> None:
    assert schema_errors("members: [jonas, mei]", "members: []") == [
        (
            ("payments-l3", "layers", "primary", "members"),
            "Value error, needs at least one member; list the people in rotation order, e.g. [jonas, mei]",
        )
    ]


def test_a_member_listed_twice_is_refused() -> None:
    assert schema_errors("members: [jonas, mei]", "members: [jonas, mei, jonas]") == [
        (
            ("payments-l3", "layers", "primary", "members"),
            "Value error, jonas listed more than once; name each member once, in rotation order",
        )
    ]


def test_bad_single_values_name_what_is_allowed() -> None:
    errors = schema_errors(
        'handoff: weekly, day: mon, at: "09:00"', 'handoff: monthly, day: someday, at: "25:00"'
    )
    assert errors == [
        (
            ("payments-l3", "layers", "primary", "handoff"),
            "Value error, unknown handoff 'monthly'; allowed: daily, weekly",
        ),
        (
            ("payments-l3", "layers", "primary", "day"),
            "Value error, 'someday' is not a day; use one of mon, tue, wed, thu, fri, sat, sun",
        ),
        (
            ("payments-l3", "layers", "primary", "at"),
            'Value error, \'25:00\' is not a time of day; write it as "HH:MM" in quotes, e.g. "09:00"',
        ),
    ]


def test_an_unreadable_override_time_is_refused() -> None:
    [(loc, message)] = schema_errors("from: 2026-12-28T09:00", "from: next monday")
    assert loc == ("payments-l3", "overrides", 0, "from")
    assert message == (
        "Value error, 'next monday' is not a date and time; write e.g. 2026-12-21T09:00 "
        "(local time in the team's zone) or 2026-12-21T09:00+01:00"
    )


def test_a_misspelt_field_is_refused() -> None:
    [(loc, _)] = schema_errors("reason: vacation cover", "reasn: vacation cover")
    assert loc == ("payments-l3", "overrides", 0, "reasn")
