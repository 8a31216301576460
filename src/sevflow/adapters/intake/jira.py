"""Jira Service Management (Jira Cloud) webhooks: ``jira:issue_created`` and ``jira:issue_updated``.

The ticket is ``jira:<issue key>``. ``fields.description`` and the comment body may be a string
(REST API v2, wiki markup kept as written) or an Atlassian Document Format object (v3), which is
turned into plain text. Labels and component names become labels; the priority is kept as the
label ``priority:<name>``, not as a severity. The status follows ``statusCategory``; JSM's
"Waiting for customer" (and "Pending") become ``waiting_on_customer``. The JSM organisation
lives in a site-specific custom field, so ``organisation`` stays ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sevflow.adapters.intake.generic import (
    Problems,
    is_blank,
    labels_of,
    optional_text,
    person,
    shown,
    text_list,
)
from sevflow.domain.incoming import IncomingKind, IncomingTicket
from sevflow.domain.status import Status

EVENTS = {"jira:issue_created": IncomingKind.CREATED, "jira:issue_updated": IncomingKind.UPDATED}
_ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]*-[1-9][0-9]*")
_WAITING_NAMES = frozenset({"waiting for customer", "pending"})
_CATEGORIES = ("new", "indeterminate", "done")
# ADF nodes whose children are inline (joined on one line); every other container holds blocks
_INLINE_PARENTS = frozenset({"paragraph", "heading", "codeBlock"})


def payload_timestamp_ms(payload: Mapping[str, Any]) -> int | None:
    """The top-level ``timestamp`` (milliseconds since the epoch) for ``verify_jira``, or ``None``
    when it is absent or not a whole number."""
    value = payload.get("timestamp") if isinstance(payload, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def jira_status(category: str, name: str, kind: IncomingKind) -> str | None:
    """The sevflow status for a Jira status (its ``statusCategory.key`` and name).

    ``done`` is ``resolved``; a status named "Waiting for customer" or "Pending" is
    ``waiting_on_customer``; other ``indeterminate`` statuses are ``in_progress`` on an update
    (on a new issue, ``None``, as is ``new``). Raises ``KeyError`` for an unknown category.
    """
    if category not in _CATEGORIES:
        raise KeyError(category)
    if category == "done":
        return Status.RESOLVED.value
    if name.strip().lower() in _WAITING_NAMES:
        return Status.WAITING_ON_CUSTOMER.value
    if category == "indeterminate" and kind is IncomingKind.UPDATED:
        return Status.IN_PROGRESS.value
    return None


def adf_to_text(node: object) -> str:
    """Plain text of an Atlassian Document Format node: text nodes joined, each paragraph,
    heading or code block on its own line, list items as ``- `` or ``1. `` lines, hard breaks
    kept, mentions and emoji as their text, links as their URL. Anything unknown is skipped."""
    return _adf(node).strip()


def parse_jira(payload: Mapping[str, Any]) -> IncomingTicket:
    """Translate a Jira Cloud issue webhook body (parsed JSON) into an ``IncomingTicket``
    (source ``jira``, external id ``jira:<issue key>``, ``occurred_at`` from the top-level
    ``timestamp``).

    Raises ``InvalidInput`` listing every problem: a ``webhookEvent`` other than
    ``jira:issue_created`` / ``jira:issue_updated``, a missing issue key, a missing summary on
    creation, an unknown status category, values of the wrong type.
    """
    problems = Problems("Jira payload")
    if not isinstance(payload, Mapping):
        problems.fail(f"the payload must be a JSON object, got {shown(payload)}")
    event = payload.get("webhookEvent")
    if not isinstance(event, str) or event not in EVENTS:
        problems.fail(f"webhookEvent must be one of: {', '.join(EVENTS)}, got {shown(event)}")
    kind = EVENTS[event]
    issue = _object(payload.get("issue"), "issue", problems)
    fields = _object(issue.get("fields"), "issue.fields", problems)
    key = issue.get("key")
    if not isinstance(key, str) or not _ISSUE_KEY.fullmatch(key.strip()):
        problems.add(f"issue.key must be a Jira issue key such as SUP-12, got {shown(key)}")
        key = ""
    title = optional_text(fields.get("summary"), "issue.fields.summary", problems)
    if title is None and kind is IncomingKind.CREATED and is_blank(fields.get("summary")):
        problems.add("issue.fields.summary is required for a created issue: a non-empty string")
    priority = _object(fields.get("priority"), "issue.fields.priority", problems, required=False)
    priority_name = optional_text(priority.get("name"), "issue.fields.priority.name", problems)
    components = _names(fields.get("components"), "issue.fields.components", problems)
    reporter = _object(fields.get("reporter"), "issue.fields.reporter", problems, required=False)
    email = optional_text(reporter.get("emailAddress"), "issue.fields.reporter.emailAddress", problems)
    name = optional_text(reporter.get("displayName"), "issue.fields.reporter.displayName", problems)
    comment = _object(payload.get("comment"), "comment", problems, required=False)
    public = comment.get("jsdPublic")
    ticket = IncomingTicket(
        source="jira",
        external_id=f"jira:{key.strip()}",
        kind=kind,
        title=title or "",
        description=_rich_text(fields.get("description"), "issue.fields.description", problems),
        requester=person(email or name),
        labels=labels_of(
            [
                *text_list(fields.get("labels"), "issue.fields.labels", problems),
                *components,
                *([f"priority:{priority_name}"] if priority_name else []),
            ]
        ),
        status=_status(fields.get("status"), kind, problems),
        comment=_rich_text(comment.get("body"), "comment.body", problems) or None,
        comment_public=public if isinstance(public, bool) else True,
        related_ids=_moved_from(payload.get("changelog"), key.strip()),
        occurred_at=_occurred_at(payload, problems),
    )
    problems.raise_if_any()
    return ticket


def _object(value: object, path: str, problems: Problems, *, required: bool = True) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if value is not None or required:
        problems.add(f"{path} must be a JSON object, got {shown(value)}")
    return {}


def _names(value: object, path: str, problems: Problems) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(f"{path} must be a list of objects with a name, got {shown(value)}")
        return []
    names: list[str] = []
    for i, item in enumerate(value):
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            names.append(item["name"])
        else:
            problems.add(f"{path}[{i}] must be an object with a name (a string), got {shown(item)}")
    return names


def _rich_text(value: object, path: str, problems: Problems) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping) and value.get("type") == "doc":
        return adf_to_text(value)
    problems.add(f"{path} must be a string or an Atlassian Document Format object, got {shown(value)}")
    return ""


def _status(value: object, kind: IncomingKind, problems: Problems) -> str | None:
    if value is None:
        return None
    status = _object(value, "issue.fields.status", problems)
    category = status.get("statusCategory")
    key = category.get("key") if isinstance(category, Mapping) else None
    name = status.get("name")
    try:
        # without a category only the name can say something (a JSM waiting status)
        return jira_status("new" if key is None else str(key), name if isinstance(name, str) else "", kind)
    except KeyError:
        problems.add(
            f"issue.fields.status.statusCategory.key must be one of: {', '.join(_CATEGORIES)}, got {shown(key)}"
        )
        return None


def _moved_from(changelog: object, key: str) -> tuple[str, ...]:
    # moving an issue to another project changes its key; the old key finds the stored ticket
    items = changelog.get("items") if isinstance(changelog, Mapping) else None
    old = [
        item.get("fromString")
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, Mapping) and str(item.get("field", "")).lower() == "key"
    ]
    return tuple(f"jira:{k}" for k in old if isinstance(k, str) and _ISSUE_KEY.fullmatch(k) and k != key)


def _occurred_at(payload: Mapping[str, Any], problems: Problems) -> datetime | None:
    value = payload.get("timestamp")
    if value is None:
        return None
    stamp = payload_timestamp_ms(payload)
    if stamp is None:
        problems.add(f"timestamp must be milliseconds since the epoch (a whole number), got {shown(value)}")
        return None
    try:
        return datetime.fromtimestamp(stamp / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        problems.add(f"timestamp {stamp} is not a plausible time in milliseconds since the epoch")
        return None


def _adf(node: object) -> str:
    if not isinstance(node, Mapping):
        return ""
    kind = node.get("type") if isinstance(node.get("type"), str) else ""
    raw_attrs = node.get("attrs")
    attrs: Mapping[str, Any] = raw_attrs if isinstance(raw_attrs, Mapping) else {}
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind in ("mention", "emoji", "date", "status"):
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind in ("inlineCard", "blockCard"):
        return str(attrs.get("url", ""))
    children = node.get("content")
    parts = [_adf(c) for c in (children if isinstance(children, list) else [])]
    if kind in _INLINE_PARENTS:
        return "".join(parts)
    if kind in ("bulletList", "orderedList"):
        marks = [f"{i}. " if kind == "orderedList" else "- " for i in range(1, len(parts) + 1)]
        parts = [mark + p.replace("\n", "\n   ") for mark, p in zip(marks, parts, strict=True)]
    return "\n".join(p for p in parts if p.strip())
