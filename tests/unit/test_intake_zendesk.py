"""Zendesk webhooks: event subscriptions and the documented trigger body."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sevflow.adapters.intake.zendesk import parse_zendesk, zendesk_status
from sevflow.domain.errors import InvalidInput
from sevflow.domain.incoming import IncomingKind, IncomingTicket

FIXTURES = Path(__file__).parents[1] / "fixtures" / "intake"
DESCRIPTION = (
    "Hi team,\n\nsince this morning none of our agents can log in to the admin console. "
    'We get "SSO assertion invalid".\n\nThanks, Ana'
)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def paths(value: object, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every place in a JSON document, parents before children."""
    yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from paths(child, (*prefix, key))


def replaced(document: Any, path: tuple[str | int, ...], value: object) -> Any:
    if not path:
        return value
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return document


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def problems(payload: object) -> str:
    with pytest.raises(InvalidInput) as err:
        parse_zendesk(payload)  # type: ignore[arg-type]
    return str(err.value)


def test_a_ticket_created_event_opens_a_ticket_with_its_tags_and_priority_as_labels() -> None:
    assert parse_zendesk(load("zendesk_ticket_created.json")) == IncomingTicket(
        source="zendesk",
        external_id="zendesk:35436",
        kind=IncomingKind.CREATED,
        title="Admin console login fails with SSO error",
        description=DESCRIPTION,
        labels=("sso", "admin_console", "enterprise", "priority:high"),
        occurred_at=datetime(2024, 6, 3, 9, 12, 7, 672717, tzinfo=UTC),
    )


def test_a_status_changed_event_to_pending_waits_on_the_customer() -> None:
    assert parse_zendesk(load("zendesk_status_changed.json")) == IncomingTicket(
        source="zendesk",
        external_id="zendesk:35436",
        kind=IncomingKind.UPDATED,
        title="Admin console login fails with SSO error",
        description=DESCRIPTION,
        labels=("sso", "admin_console", "enterprise", "priority:urgent"),
        status="waiting_on_customer",
        occurred_at=datetime(2024, 6, 3, 9, 47, 51, 204133, tzinfo=UTC),
    )


def test_a_comment_added_event_carries_the_comment_and_its_visibility() -> None:
    assert parse_zendesk(load("zendesk_comment_added.json")) == IncomingTicket(
        source="zendesk",
        external_id="zendesk:35436",
        kind=IncomingKind.UPDATED,
        title="Admin console login fails with SSO error",
        description=DESCRIPTION,
        labels=("sso", "admin_console", "enterprise", "priority:urgent"),
        status="in_progress",
        comment="Checked the IdP metadata: the signing certificate rotated at 08:00 UTC. "
        "Escalating to identity team.",
        comment_public=False,
        occurred_at=datetime(2024, 6, 3, 9, 31, 40, 981245, tzinfo=UTC),
    )


def test_any_other_ticket_event_is_an_update() -> None:
    payload = load("zendesk_status_changed.json") | {"type": "zen:event-type:ticket.priority_changed"}
    ticket = parse_zendesk(payload)
    assert (ticket.kind, ticket.comment) == (IncomingKind.UPDATED, None)


def test_a_trigger_body_for_a_new_ticket_names_requester_and_organisation() -> None:
    assert parse_zendesk(load("zendesk_trigger_created.json")) == IncomingTicket(
        source="zendesk",
        external_id="zendesk:35437",
        kind=IncomingKind.CREATED,
        title="Invoices PDF export times out",
        description="Exporting more than 200 invoices to PDF times out after 60 seconds.",
        requester="jonas.weber@example-retail.de",
        organisation="Example Retail AG",
        labels=("billing", "export_pdf", "enterprise", "priority:normal"),
        occurred_at=datetime(2024, 6, 3, 10, 2, tzinfo=UTC),
    )


def test_a_trigger_body_for_an_update_carries_the_public_comment_and_empty_placeholders_are_unset() -> None:
    assert parse_zendesk(load("zendesk_trigger_updated.json")) == IncomingTicket(
        source="zendesk",
        external_id="zendesk:35437",
        kind=IncomingKind.UPDATED,
        title="Invoices PDF export times out",
        description="Exporting more than 200 invoices to PDF times out after 60 seconds.",
        requester="Jonas Weber",
        labels=("billing", "export_pdf", "enterprise"),
        status="resolved",
        comment="The export now runs in the background and e-mails a link when ready.",
        occurred_at=datetime(2024, 6, 4, 14, 20, tzinfo=UTC),
    )


def test_a_latest_comment_that_is_not_the_latest_public_one_is_kept_internal() -> None:
    payload = load("zendesk_trigger_updated.json")
    payload["ticket"]["latest_comment"] = "Internal: customer is on the legacy plan."
    ticket = parse_zendesk(payload)
    assert (ticket.comment, ticket.comment_public) == ("Internal: customer is on the legacy plan.", False)


def test_trigger_tags_may_also_be_a_list() -> None:
    payload = load("zendesk_trigger_created.json")
    payload["ticket"]["tags"] = ["Billing", "vip"]
    assert parse_zendesk(payload).labels == ("billing", "vip", "priority:normal")


def test_a_new_ticket_without_a_subject_gets_a_placeholder_title() -> None:
    payload = load("zendesk_ticket_created.json")
    payload["detail"]["subject"] = ""
    assert parse_zendesk(payload).title == "(no subject)"


@pytest.mark.parametrize(
    ("zendesk", "created", "updated"),
    [
        ("NEW", None, None),
        ("Open", None, "in_progress"),
        ("pending", "waiting_on_customer", "waiting_on_customer"),
        ("HOLD", "in_progress", "in_progress"),
        ("On-hold", "in_progress", "in_progress"),
        ("Solved", "resolved", "resolved"),
        ("closed", "closed", "closed"),
        ("DELETED", None, None),
    ],
)
def test_zendesk_statuses_map_to_sevflow_statuses(
    zendesk: str, created: str | None, updated: str | None
) -> None:
    assert zendesk_status(zendesk, IncomingKind.CREATED) == created
    assert zendesk_status(zendesk, IncomingKind.UPDATED) == updated


def test_an_event_that_is_not_about_a_ticket_is_refused_naming_the_accepted_ones() -> None:
    assert problems({"type": "zen:event-type:user.created", "detail": {}}) == (
        "Zendesk payload: 1 problem(s): type must be a ticket event, zen:event-type:ticket.<event> "
        "(ticket.created, ticket.status_changed, ticket.comment_added, ...), got 'zen:event-type:user.created' "
        "(a string)"
    )


def test_every_problem_in_an_event_is_reported() -> None:
    payload = load("zendesk_comment_added.json")
    payload["detail"] |= {"id": "abc", "status": "escalated", "tags": "sso"}
    payload["event"]["comment"]["is_public"] = "no"
    message = problems(payload)
    assert message.startswith("Zendesk payload: 4 problem(s): ")
    for expected in (
        "detail.id must be the Zendesk ticket id (digits), got 'abc' (a string)",
        "detail.tags must be a list of strings, got 'sso' (a string)",
        "event.comment.is_public must be true or false, got 'no' (a string)",
        "detail.status: unknown Zendesk status 'escalated', allowed: new, open, pending, hold, solved, "
        "closed, deleted, archived, scrubbed",
    ):
        assert expected in message


def test_an_event_without_detail_is_refused() -> None:
    message = problems({"type": "zen:event-type:ticket.created", "time": "2024-06-03T09:12:07Z"})
    assert "detail must be a JSON object, got None (null)" in message
    assert "detail.id must be the Zendesk ticket id (digits)" in message


def test_a_body_of_neither_format_is_refused_saying_what_is_expected() -> None:
    assert "expected an event subscription payload" in problems({"id": 35436, "status": "open"})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"event": "solved"}, "event must be one of: created, updated, got 'solved' (a string)"),
        ({"event": None}, "event must be one of: created, updated, got None (null)"),
        ({"ticket": "35437"}, "ticket must be a JSON object"),
    ],
)
def test_a_trigger_body_with_a_bad_event_or_ticket_is_refused(change: dict[str, Any], expected: str) -> None:
    assert expected in problems(load("zendesk_trigger_created.json") | change)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("id", "{{ticket.id}}", "ticket.id must be the Zendesk ticket id (digits), got '{{ticket.id}}'"),
        ("id", True, "ticket.id must be the Zendesk ticket id (digits), got True (a boolean)"),
        ("tags", 7, "ticket.tags must be a list of strings, got 7 (a number)"),
        ("requester", "jonas@example.de", "ticket.requester must be a JSON object"),
        ("updated_at", "Jun 3, 2024", "ticket.updated_at 'Jun 3, 2024' is not an ISO-8601 timestamp"),
        ("status", "Offen", "ticket.status: unknown Zendesk status 'Offen', allowed:"),
    ],
)
def test_a_trigger_field_of_the_wrong_shape_is_refused_naming_it(
    field: str, value: object, expected: str
) -> None:
    payload = load("zendesk_trigger_created.json")
    payload["ticket"][field] = value
    assert expected in problems(payload)


def test_a_payload_that_is_not_an_object_is_refused() -> None:
    assert "the payload must be a JSON object, got 'ticket' (a string)" in problems("ticket")


@given(data=st.data())
def test_any_value_anywhere_in_a_payload_gives_a_ticket_or_invalid_input(data: st.DataObject) -> None:
    payload = load("zendesk_comment_added.json")
    path = data.draw(st.sampled_from(list(paths(payload))))
    with contextlib.suppress(InvalidInput):
        parse_zendesk(replaced(payload, path, data.draw(JSON_VALUES)))
