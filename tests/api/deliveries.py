"""Signed intake deliveries, as the senders make them: sevflow's own webhook and e-mail gateway
(``X-Sevflow-Timestamp`` / ``X-Sevflow-Signature``), Zendesk (``X-Zendesk-Webhook-Signature``
over the timestamp header and the body) and Jira (``X-Hub-Signature`` over the body; the age is
the payload's ``timestamp``). Every function signs at the world's fake-clock time unless told
otherwise, and returns the app's response."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from sevflow.adapters.intake import sign_jira, sign_sevflow, sign_zendesk
from tests.api.world import INTAKE_SECRET, JIRA_SECRET, ZENDESK_SECRET, ApiWorld

FIXTURES = Path(__file__).parents[1] / "fixtures" / "intake"


def fixture_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def sevflow_headers(
    body: bytes, *, at: datetime, content_type: str = "application/json", secret: str = INTAKE_SECRET
) -> dict[str, str]:
    stamp = int(at.timestamp())
    return {
        "Content-Type": content_type,
        "X-Sevflow-Timestamp": str(stamp),
        "X-Sevflow-Signature": sign_sevflow(secret.encode(), stamp, body),
    }


def zendesk_headers(body: bytes, *, at: datetime, secret: str = ZENDESK_SECRET) -> dict[str, str]:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "X-Zendesk-Webhook-Signature": sign_zendesk(secret.encode(), stamp, body),
    }


def jira_headers(body: bytes, *, secret: str = JIRA_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature": sign_jira(secret.encode(), body)}


def post_webhook(
    world: ApiWorld, payload: dict[str, Any], *, at: datetime | None = None, **request: Any
) -> httpx.Response:
    body = body_of(payload)
    headers = sevflow_headers(body, at=at or world.clock.now())
    return world.request("POST", "/api/intake/webhook", content=body, headers=headers, **request)


def post_email(world: ApiWorld, raw: bytes, *, at: datetime | None = None, **request: Any) -> httpx.Response:
    headers = sevflow_headers(raw, at=at or world.clock.now(), content_type="message/rfc822")
    return world.request("POST", "/api/intake/email", content=raw, headers=headers, **request)


def post_zendesk(
    world: ApiWorld, payload: dict[str, Any], *, at: datetime | None = None, **request: Any
) -> httpx.Response:
    body = body_of(payload)
    headers = zendesk_headers(body, at=at or world.clock.now())
    return world.request("POST", "/api/intake/zendesk", content=body, headers=headers, **request)


def post_jira(world: ApiWorld, payload: dict[str, Any], **request: Any) -> httpx.Response:
    """Jira signs the body only; the delivery's age is its ``timestamp`` (set it with
    ``jira_now``)."""
    body = body_of(payload)
    return world.request("POST", "/api/intake/jira", content=body, headers=jira_headers(body), **request)


def jira_now(world: ApiWorld, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with its ``timestamp`` (milliseconds) set to the world's now."""
    return {**payload, "timestamp": int(world.clock.now().timestamp() * 1000)}


def zendesk_event(name: str, *, ticket_id: str | None = None, **detail: Any) -> dict[str, Any]:
    """A Zendesk event fixture, optionally about another ticket id and with ``detail`` fields
    changed (``subject``, ``tags``, ...)."""
    payload = fixture_json(name)
    if ticket_id is not None:
        payload["detail"]["id"] = ticket_id
        payload["subject"] = f"zen:ticket:{ticket_id}"
    payload["detail"].update(detail)
    return payload


def email_message(
    *, message_id: str, sender: str, subject: str, body: str, in_reply_to: str | None = None
) -> bytes:
    """A plain-text RFC 5322 message; a reply if ``in_reply_to`` is given (also in References)."""
    lines = [
        f"From: {sender}",
        "To: Example Support <support@support.example.com>",
        f"Subject: {subject}",
        "Date: Mon, 02 Mar 2026 10:30:00 +0100",
        f"Message-ID: <{message_id}>",
    ]
    if in_reply_to is not None:
        lines += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    lines += ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="UTF-8"', "", body, ""]
    return "\r\n".join(lines).encode()
