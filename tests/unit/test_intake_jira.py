"""Jira Service Management (Jira Cloud) issue webhooks."""

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

from sevflow.adapters.intake.jira import adf_to_text, jira_status, parse_jira, payload_timestamp_ms
from sevflow.domain.errors import InvalidInput
from sevflow.domain.incoming import IncomingKind, IncomingTicket

FIXTURES = Path(__file__).parents[1] / "fixtures" / "intake"
CRM_DESCRIPTION = "Since *2024-06-03 08:40 UTC* no webhook reached our CRM.\nLast delivery id: wh_8f2a1c."


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
        parse_jira(payload)  # type: ignore[arg-type]
    return str(err.value)


def test_an_issue_created_with_a_v2_description_opens_a_ticket() -> None:
    assert parse_jira(load("jira_issue_created_v2.json")) == IncomingTicket(
        source="jira",
        external_id="jira:SUP-12",
        kind=IncomingKind.CREATED,
        title="Webhooks to our CRM stopped arriving",
        description=CRM_DESCRIPTION,
        requester="ana.souza@example-crm.com",
        labels=("integrations", "webhooks", "webhook delivery", "priority:high"),
        occurred_at=datetime(2024, 6, 3, 9, 7, 9, 431000, tzinfo=UTC),
    )


def test_an_issue_updated_with_adf_text_and_an_internal_comment_is_an_update_in_progress() -> None:
    assert parse_jira(load("jira_issue_updated_adf.json")) == IncomingTicket(
        source="jira",
        external_id="jira:SUP-27",
        kind=IncomingKind.UPDATED,
        title="Card payments fail after 14:00 deploy",
        description=(
            "Since the 14:00 deploy, every card payment fails with error 502.\n"
            "Steps:\n"
            "1. Add an item to the basket\n"
            "2. Pay by card\n"
            "@Priya Natarajan can you take a look?\n"
            "Thanks 🙏"
        ),
        requester="Marek Nowak",
        labels=("payments", "checkout", "priority:highest"),
        status="in_progress",
        comment="Gateway logs show TLS handshake failures to the acquirer.",
        comment_public=False,
        occurred_at=datetime(2024, 6, 3, 10, 7, 11, 880000, tzinfo=UTC),
    )


def test_an_issue_in_the_done_category_is_resolved() -> None:
    assert parse_jira(load("jira_issue_resolved.json")) == IncomingTicket(
        source="jira",
        external_id="jira:SUP-12",
        kind=IncomingKind.UPDATED,
        title="Webhooks to our CRM stopped arriving",
        description=CRM_DESCRIPTION,
        requester="ana.souza@example-crm.com",
        labels=("integrations", "webhooks", "priority:high"),
        status="resolved",
        occurred_at=datetime(2024, 6, 3, 12, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("category", "name", "created", "updated"),
    [
        ("new", "Waiting for support", None, None),
        ("indeterminate", "In Progress", None, "in_progress"),
        ("indeterminate", "Waiting for customer", "waiting_on_customer", "waiting_on_customer"),
        ("indeterminate", "Pending", "waiting_on_customer", "waiting_on_customer"),
        ("done", "Resolved", "resolved", "resolved"),
        ("done", "Closed", "resolved", "resolved"),
    ],
)
def test_jira_statuses_map_by_category_and_the_jsm_waiting_names(
    category: str, name: str, created: str | None, updated: str | None
) -> None:
    assert jira_status(category, name, IncomingKind.CREATED) == created
    assert jira_status(category, name, IncomingKind.UPDATED) == updated


def test_a_moved_issue_names_its_old_key_as_a_related_id() -> None:
    payload = load("jira_issue_resolved.json")
    payload["issue"]["key"] = "OPS-3"
    payload["changelog"]["items"].append(
        {
            "field": "Key",
            "fieldtype": "jira",
            "from": None,
            "fromString": "SUP-12",
            "to": None,
            "toString": "OPS-3",
        }
    )
    ticket = parse_jira(payload)
    assert (ticket.external_id, ticket.related_ids) == ("jira:OPS-3", ("jira:SUP-12",))


def test_a_reporter_without_a_visible_address_is_named() -> None:
    payload = load("jira_issue_created_v2.json")
    del payload["issue"]["fields"]["reporter"]["emailAddress"]
    assert parse_jira(payload).requester == "Ana Souza"


def test_a_plain_string_comment_is_public_unless_jsm_says_otherwise() -> None:
    payload = load("jira_issue_resolved.json") | {
        "comment": {"id": "10231", "body": "Fixed by the 12:00 deploy."}
    }
    ticket = parse_jira(payload)
    assert (ticket.comment, ticket.comment_public) == ("Fixed by the 12:00 deploy.", True)


def test_adf_text_keeps_paragraphs_lists_and_breaks() -> None:
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Impact"}]},
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "EU"}]}],
                    },
                    {
                        "type": "listItem",
                        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "US"}]}],
                    },
                ],
            },
            {"type": "rule"},
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "see "},
                    {"type": "inlineCard", "attrs": {"url": "https://status.example.com"}},
                    {"type": "hardBreak"},
                    {"type": "text", "text": "thanks"},
                ],
            },
            {"type": "codeBlock", "content": [{"type": "text", "text": "HTTP 502"}]},
        ],
    }
    assert adf_to_text(doc) == "Impact\n- EU\n- US\nsee https://status.example.com\nthanks\nHTTP 502"


def test_the_payload_timestamp_is_read_only_when_it_is_a_whole_number() -> None:
    assert payload_timestamp_ms({"timestamp": 1717405629431}) == 1717405629431
    assert payload_timestamp_ms({"timestamp": "1717405629431"}) is None
    assert payload_timestamp_ms({"timestamp": True}) is None
    assert payload_timestamp_ms({}) is None


@pytest.mark.parametrize(
    ("event", "shown"),
    [
        ("jira:issue_deleted", "'jira:issue_deleted' (a string)"),
        ("comment_created", "'comment_created' (a string)"),
        (None, "None (null)"),
        (["jira:issue_created"], "['jira:issue_created'] (a list)"),
    ],
)
def test_other_webhook_events_are_refused_naming_the_accepted_ones(event: object, shown: str) -> None:
    payload = load("jira_issue_created_v2.json") | {"webhookEvent": event}
    assert problems(payload) == (
        "Jira payload: 1 problem(s): webhookEvent must be one of: jira:issue_created, jira:issue_updated, "
        f"got {shown}"
    )


def test_every_problem_in_an_issue_is_reported() -> None:
    payload = load("jira_issue_created_v2.json")
    payload["timestamp"] = "yesterday"
    payload["issue"]["key"] = "sup 12"
    fields = payload["issue"]["fields"]
    fields |= {"summary": "", "labels": "webhooks", "description": 12, "components": [{"id": "10101"}]}
    fields["status"]["statusCategory"]["key"] = "blocked"
    message = problems(payload)
    assert message.startswith("Jira payload: 7 problem(s): ")
    for expected in (
        "issue.key must be a Jira issue key such as SUP-12, got 'sup 12' (a string)",
        "issue.fields.summary is required for a created issue: a non-empty string",
        "issue.fields.components[0] must be an object with a name (a string), got {'id': '10101'} (an object)",
        "issue.fields.description must be a string or an Atlassian Document Format object, got 12 (a number)",
        "issue.fields.labels must be a list of strings, got 'webhooks' (a string)",
        "issue.fields.status.statusCategory.key must be one of: new, indeterminate, done, got 'blocked'",
        "timestamp must be milliseconds since the epoch (a whole number), got 'yesterday' (a string)",
    ):
        assert expected in message


def test_an_update_without_a_summary_is_accepted_with_an_empty_title() -> None:
    payload = load("jira_issue_resolved.json")
    del payload["issue"]["fields"]["summary"]
    assert parse_jira(payload).title == ""


def test_a_payload_without_an_issue_is_refused() -> None:
    message = problems({"webhookEvent": "jira:issue_updated", "timestamp": 1717405629431})
    assert "issue must be a JSON object, got None (null)" in message
    assert "issue.key must be a Jira issue key such as SUP-12" in message


@given(data=st.data())
def test_any_value_anywhere_in_a_payload_gives_a_ticket_or_invalid_input(data: st.DataObject) -> None:
    payload = load("jira_issue_updated_adf.json")
    path = data.draw(st.sampled_from(list(paths(payload))))
    with contextlib.suppress(InvalidInput):
        parse_jira(replaced(payload, path, data.draw(JSON_VALUES)))
