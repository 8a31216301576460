"""sevflow's own JSON ticket format (the generic webhook)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sevflow.adapters.intake.generic import GENERIC_FIELDS, parse_generic
from sevflow.domain.errors import InvalidInput
from sevflow.domain.incoming import IncomingKind, IncomingTicket

FIXTURES = Path(__file__).parents[1] / "fixtures" / "intake"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def problems(payload: object) -> str:
    with pytest.raises(InvalidInput) as err:
        parse_generic(payload)  # type: ignore[arg-type]
    return str(err.value)


def test_a_created_event_maps_every_field() -> None:
    assert parse_generic(load("generic_created.json")) == IncomingTicket(
        source="webhook",
        external_id="webhook:INC-20240603-0042",
        kind=IncomingKind.CREATED,
        title="Checkout returns 502 for all card payments",
        description="Since 09:05 UTC every card payment in the EU shop fails with HTTP 502.",
        requester="ops.bot@shop.example.com",
        organisation="Example Shop GmbH",
        labels=("checkout", "payments"),
        service_line="platform",
        customer_tier="enterprise",
        severity="Sev1",
        severity_reason="All EU card payments fail; revenue impact",
        users_affected=12500,
        occurred_at=datetime(2024, 6, 3, 9, 5, tzinfo=UTC),
    )


def test_an_update_needs_no_title_and_carries_status_and_an_internal_comment() -> None:
    assert parse_generic(load("generic_updated.json")) == IncomingTicket(
        source="webhook",
        external_id="webhook:INC-20240603-0042",
        kind=IncomingKind.UPDATED,
        title="",
        status="resolved",
        comment="Rolled back the payment gateway to 4.18.2; payments succeed again.",
        comment_public=False,
        occurred_at=datetime(2024, 6, 3, 10, 41, 12, tzinfo=UTC),
    )


def test_the_smallest_payload_is_an_id_and_a_title() -> None:
    assert parse_generic({"external_id": "42", "title": "Printer on fire"}) == IncomingTicket(
        source="webhook", external_id="webhook:42", kind=IncomingKind.CREATED, title="Printer on fire"
    )


def test_the_senders_id_is_prefixed_so_it_cannot_reach_another_sources_ticket() -> None:
    ticket = parse_generic({"external_id": "zendesk:35436", "event": "updated"})
    assert ticket.external_id == "webhook:zendesk:35436"


def test_null_means_not_given() -> None:
    ticket = parse_generic({"external_id": "42", "title": "x", "labels": None, "users_affected": None})
    assert (ticket.labels, ticket.users_affected, ticket.comment_public) == ((), 0, True)


def test_a_requester_name_is_kept_as_written_and_an_address_is_lower_cased() -> None:
    assert (
        parse_generic({"external_id": "1", "title": "x", "requester": "Ana Souza"}).requester == "Ana Souza"
    )
    assert (
        parse_generic({"external_id": "1", "title": "x", "requester": "Ana@X.COM"}).requester == "ana@x.com"
    )


def test_an_external_id_of_exactly_200_characters_is_accepted_and_201_is_not() -> None:
    assert parse_generic({"external_id": "a" * 200, "title": "x"}).external_id == "webhook:" + "a" * 200
    assert "external_id must be a non-empty string of at most 200 characters, got 201 characters" in problems(
        {"external_id": "a" * 201, "title": "x"}
    )


def test_unknown_fields_are_listed_with_the_allowed_names() -> None:
    message = problems({"external_id": "1", "title": "x", "sevrity": "Sev1", "priority": "high"})
    assert message == (
        "sevflow webhook payload: 1 problem(s): unknown field(s) 'priority', 'sevrity' (allowed: "
        "comment, comment_public, customer_tier, description, event, external_id, labels, occurred_at, "
        "organisation, requester, service_line, severity, severity_reason, status, title, users_affected)"
    )


def test_every_problem_is_reported_at_once() -> None:
    message = problems(
        {
            "event": "deleted",
            "title": 42,
            "labels": "a,b",
            "users_affected": -3,
            "severity": "Sev9",
            "comment_public": "yes",
            "occurred_at": "2024-06-03T09:00:00",
        }
    )
    assert message.startswith("sevflow webhook payload: 9 problem(s): ")
    assert message.split(": ", 2)[2].split("; ") == [
        "external_id is required: a non-empty string of at most 200 characters",
        "event must be one of: created, updated, got 'deleted' (a string)",
        "title must be a string, got 42 (a number)",
        "unknown severity 'Sev9', allowed: Sev1, Sev2, Sev3, Sev4",
        "severity_reason is required when severity is given: say why, as a non-empty string",
        "labels must be a list of strings, got 'a,b' (a string)",
        "users_affected must be a whole number >= 0, got -3 (a number)",
        "comment_public must be true or false, got 'yes' (a string)",
        "occurred_at 2024-06-03T09:00:00 has no time-zone offset, give one, e.g. 2026-03-27T16:30:00+01:00 or ...Z",
    ]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {"external_id": 42, "title": "x"},
            "external_id must be a non-empty string of at most 200 characters",
        ),
        ({"external_id": "  ", "title": "x"}, "external_id must be a non-empty string"),
        ({"external_id": "1"}, "title is required for a created ticket: a non-empty string"),
        ({"external_id": "1", "title": "   "}, "title is required for a created ticket"),
        ({"external_id": "1", "title": "x", "users_affected": True}, "users_affected must be a whole number"),
        ({"external_id": "1", "title": "x", "users_affected": 2.5}, "users_affected must be a whole number"),
        ({"external_id": "1", "title": "x", "users_affected": "12"}, "users_affected must be a whole number"),
        (
            {"external_id": "1", "title": "x", "labels": ["a", 5]},
            "labels[1] must be a string, got 5 (a number)",
        ),
        ({"external_id": "1", "title": "x", "status": "escalated"}, "unknown status 'escalated', allowed:"),
        (
            {"external_id": "1", "title": "x", "occurred_at": "yesterday"},
            "occurred_at 'yesterday' is not an ISO",
        ),
        ({"external_id": "1", "title": "x", "requester": ["a@x.com"]}, "requester must be a string"),
        ({"external_id": "1", "title": "x", "comment": {"body": "hi"}}, "comment must be a string"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_field_and_what_is_expected(
    payload: dict[str, Any], expected: str
) -> None:
    assert expected in problems(payload)


def test_a_wrongly_typed_title_is_not_also_reported_as_missing() -> None:
    message = problems({"external_id": "1", "title": ["x"]})
    assert "title must be a string" in message
    assert "title is required" not in message


def test_a_severity_is_normalised_and_its_reason_kept() -> None:
    ticket = parse_generic({"external_id": "1", "title": "x", "severity": "S2", "severity_reason": "VIP"})
    assert (ticket.severity, ticket.severity_reason) == ("Sev2", "VIP")


def test_a_reason_without_a_severity_is_dropped() -> None:
    assert parse_generic({"external_id": "1", "title": "x", "severity_reason": "why"}).severity_reason is None


def test_a_status_is_normalised_to_the_sevflow_value() -> None:
    ticket = parse_generic({"external_id": "1", "event": "updated", "status": "Waiting on customer"})
    assert ticket.status == "waiting_on_customer"


def test_a_payload_that_is_not_an_object_is_refused() -> None:
    assert problems(["external_id"]) == (
        "sevflow webhook payload: 1 problem(s): the payload must be a JSON object, got ['external_id'] (a list)"
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@given(
    st.dictionaries(st.sampled_from(sorted(GENERIC_FIELDS)) | st.text(max_size=8), JSON_VALUES, max_size=8)
)
def test_any_json_object_gives_a_ticket_or_invalid_input(payload: dict[str, Any]) -> None:
    try:
        ticket = parse_generic(payload)
    except InvalidInput:
        return
    assert ticket.external_id.startswith("webhook:")
