"""Who is on call, and the coming handoffs, through the real app, on SQLite and PostgreSQL: the
test policy of ``oncall_policy`` (payments-l3: jonas and mei weekly from Mondays 09:00 Berlin,
ingrid secondary, jonas covering mei on 2026-03-25..27) uploaded by the admin. The world's fake
clock stands at Monday 2026-03-02 09:30 UTC (10:30 in Berlin), in jonas's week."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.expect import assert_problem, forbidden, invalid
from tests.api.oncall_policy import oncall_policy_text
from tests.api.world import ApiWorld

YAML = {"Content-Type": "application/yaml"}
SECONDARY = {
    "layer": "secondary",
    "person": "ingrid",
    "since_at": "2026-01-05T08:00:00Z",
    "until_at": None,
    "override": None,
}


@pytest.fixture
def world(api: ApiWorld) -> ApiWorld:
    uploaded = api.request(
        "POST", "/api/policy", as_="root", content=oncall_policy_text().encode(), headers=YAML
    )
    assert uploaded.status_code == 201, uploaded.text
    return api


def who(w: ApiWorld, team: str = "payments-l3", *, as_: str = "vic", **params: str) -> Any:
    response = w.request("GET", f"/api/oncall/{team}", as_=as_, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_who_is_on_call_at_an_instant_lists_each_layer_with_since_and_until(world: ApiWorld) -> None:
    assert who(world, at="2026-03-04T10:00:00+01:00") == {
        "team": "payments-l3",
        "at": "2026-03-04T09:00:00Z",
        "layers": [
            {
                "layer": "primary",
                "person": "jonas",
                "since_at": "2026-03-02T08:00:00Z",
                "until_at": "2026-03-09T08:00:00Z",
                "override": None,
            },
            SECONDARY,
        ],
        "primary": "jonas",
        "secondary": "ingrid",
    }


def test_without_at_the_answer_is_for_now_on_the_clock(world: ApiWorld) -> None:
    body = who(world)

    assert (body["at"], body["primary"]) == ("2026-03-02T09:30:00Z", "jonas")
    world.clock.advance(days=7)
    assert (who(world)["at"], who(world)["primary"]) == ("2026-03-09T09:30:00Z", "mei")


def test_an_override_puts_the_cover_on_call_for_its_span_and_says_why(world: ApiWorld) -> None:
    body = who(world, at="2026-03-26T12:00:00Z")

    assert body["layers"][0] == {
        "layer": "primary",
        "person": "jonas",
        "since_at": "2026-03-25T08:00:00Z",
        "until_at": "2026-03-27T08:00:00Z",
        "override": {
            "who": "jonas",
            "reason": "mei at a conference",
            "start_at": "2026-03-25T08:00:00Z",
            "end_at": "2026-03-27T08:00:00Z",
            "replaces": "mei",
        },
    }
    assert (body["primary"], body["secondary"]) == ("jonas", "ingrid")
    assert who(world, at="2026-03-27T08:00:00Z")["layers"][0]["person"] == "mei"


def test_handoffs_over_the_change_to_summer_time_stay_at_nine_in_berlin(world: ApiWorld) -> None:
    response = world.request(
        "GET",
        "/api/oncall/payments-l3/handoffs",
        as_="ana",
        params={"from": "2026-03-20T12:00:00Z", "days": "14"},
    )

    assert response.status_code == 200, response.text
    # 09:00 CET is 08:00 UTC; after the clocks go forward on 2026-03-29, 09:00 CEST is 07:00 UTC
    assert response.json() == {
        "team": "payments-l3",
        "zone": "Europe/Berlin",
        "start_at": "2026-03-20T12:00:00Z",
        "end_at": "2026-04-03T11:00:00Z",  # 13:00 in Berlin, 14 calendar days later
        "handoffs": [
            {"at": "2026-03-23T08:00:00Z", "layer": "primary", "person": "mei", "previous": "jonas"},
            {"at": "2026-03-25T08:00:00Z", "layer": "primary", "person": "jonas", "previous": "mei"},
            {"at": "2026-03-27T08:00:00Z", "layer": "primary", "person": "mei", "previous": "jonas"},
            {"at": "2026-03-30T07:00:00Z", "layer": "primary", "person": "jonas", "previous": "mei"},
        ],
    }


def test_handoffs_default_to_the_next_seven_days_from_now(world: ApiWorld) -> None:
    response = world.request("GET", "/api/oncall/payments-l3/handoffs", as_="vic")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["start_at"], body["end_at"]) == ("2026-03-02T09:30:00Z", "2026-03-09T09:30:00Z")
    assert body["handoffs"] == [
        {"at": "2026-03-09T08:00:00Z", "layer": "primary", "person": "mei", "previous": "jonas"}
    ]


def test_an_unknown_team_is_not_found_naming_the_teams_with_a_rotation(world: ApiWorld) -> None:
    for path in ("/api/oncall/payments-l9", "/api/oncall/payments-l9/handoffs"):
        assert_problem(
            world.request("GET", path, as_="vic"),
            404,
            "not-found",
            "Not found",
            "no on-call schedule for team 'payments-l9'; teams with one: payments-l3",
        )


def test_a_policy_without_rotations_says_so(api: ApiWorld) -> None:
    assert_problem(
        api.request("GET", "/api/oncall/payments-l3", as_="vic"),
        404,
        "not-found",
        "Not found",
        "no on-call schedule for team 'payments-l3'; the active policy has no oncall section",
    )


def test_an_at_that_is_not_an_instant_is_refused_naming_it_and_the_format(world: ApiWorld) -> None:
    invalid(
        world.request("GET", "/api/oncall/payments-l3", as_="vic", params={"at": "next tuesday"}),
        "at 'next tuesday' is not an ISO-8601 timestamp; expected e.g. 2026-03-27T16:30:00+01:00",
    )
    invalid(
        world.request("GET", "/api/oncall/payments-l3", as_="vic", params={"at": "2026-03-04T10:00:00"}),
        "at 2026-03-04T10:00:00 has no time-zone offset; give one, e.g. 2026-03-27T16:30:00+01:00 or ...Z",
    )
    invalid(
        world.request("GET", "/api/oncall/payments-l3/handoffs", as_="vic", params={"from": "2026-13-01"}),
        "from '2026-13-01' is not an ISO-8601 timestamp; expected e.g. 2026-03-27T16:30:00+01:00",
    )


def test_an_offset_whose_plus_was_not_url_encoded_still_counts(world: ApiWorld) -> None:
    # a "+" left raw in a query string arrives as a space
    response = world.request("GET", "/api/oncall/payments-l3?at=2026-03-09T10:00:00+01:00", as_="vic")

    assert response.status_code == 200, response.text
    assert (response.json()["at"], response.json()["primary"]) == ("2026-03-09T09:00:00Z", "mei")


@pytest.mark.parametrize("days", ["0", "91", "seven"])
def test_days_outside_1_to_90_are_refused(world: ApiWorld, days: str) -> None:
    response = world.request("GET", "/api/oncall/payments-l3/handoffs", as_="vic", params={"days": days})

    assert response.status_code == 422
    body = response.json()
    assert (body["type"], body["detail"]) == (
        "urn:sevflow:problem:validation",
        "1 field(s) are invalid: query.days; see errors for each one",
    )


def test_a_customer_may_not_see_who_is_on_call(world: ApiWorld) -> None:
    for path in ("/api/oncall/payments-l3", "/api/oncall/payments-l3/handoffs"):
        forbidden(
            world.request("GET", path, as_="cora"),
            "directory.read needs one of the roles: viewer, agent, lead, manager, admin; cora is customer",
        )
