"""Tickets pushed by other systems, each authenticated by an HMAC-SHA256 signature over the raw
body with a timestamp (deliveries older than the tolerance, 5 minutes by default, are refused as
replays): sevflow's own JSON format, Zendesk and Jira webhooks, and raw e-mail messages. A
delivery about a ticket already stored (same external id, or an e-mail thread) updates it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson
from fastapi import APIRouter, BackgroundTasks, Request, Response
from pydantic import SecretStr
from starlette.concurrency import run_in_threadpool

from sevflow.adapters.intake import (
    parse_email,
    parse_generic,
    parse_jira,
    parse_zendesk,
    payload_timestamp_ms,
    verify_jira,
    verify_sevflow,
    verify_zendesk,
)
from sevflow.domain.errors import InvalidInput, NotPermitted
from sevflow.domain.incoming import IncomingTicket
from sevflow.entrypoints.api.auth import container_of
from sevflow.entrypoints.api.problems import ProblemError
from sevflow.entrypoints.api.schemas import IntakeOut
from sevflow.entrypoints.api.shared_incidents import look_for_shared_incident
from sevflow.services import intake
from sevflow.services.actors import Actor

router = APIRouter(prefix="/api/intake", tags=["intake"])

SIGNED = {
    "X-Sevflow-Timestamp": "Unix seconds when signed",
    "X-Sevflow-Signature": "sha256=<hex HMAC-SHA256 of '<timestamp>.' + body>",
}


JSON_BODY = {"type": "object"}
RAW_MESSAGE = {"type": "string", "description": "The message as received: RFC 5322 headers and body."}


def _doc(
    content_type: str, headers: Mapping[str, str], body: Mapping[str, Any] = JSON_BODY
) -> dict[str, Any]:
    return {
        "requestBody": {"required": True, "content": {content_type: {"schema": dict(body)}}},
        "parameters": [
            {
                "name": name,
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": text,
            }
            for name, text in headers.items()
        ],
    }


UPDATED: dict[int | str, dict[str, Any]] = {
    200: {"model": IntakeOut, "description": "The ticket with the same external id was updated."}
}


def _secret(value: SecretStr | None, setting: str) -> bytes:
    if value is None:
        raise NotPermitted(
            f"this intake is turned off: set {setting} to the shared signing secret", action="intake"
        )
    return value.get_secret_value().encode()


def _json(body: bytes) -> Mapping[str, Any]:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ProblemError(
            400,
            "malformed-json",
            "Malformed JSON",
            f"the request body is not valid JSON: {error}; send one JSON object",
        ) from None
    if not isinstance(payload, dict):
        raise InvalidInput(f"the body must be a JSON object, not a {type(payload).__name__}")
    return payload


async def _receive(
    request: Request, response: Response, background: BackgroundTasks, source: str, incoming: IncomingTicket
) -> dict[str, Any]:
    box = container_of(request)
    actor = Actor(f"intake:{source}", roles=frozenset())
    request.state.actor = actor
    received = await run_in_threadpool(
        intake.receive,
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        incoming=incoming,
        model=box.severity_model,
    )
    response.status_code = 201 if received.created else 200
    if received.created and received.ticket.id is not None:
        look_for_shared_incident(background, box, received.ticket.id)
    response.headers["Location"] = f"/api/tickets/{received.ticket.id}"
    return {"ticket_id": received.ticket.id, "created": received.created, "skipped": list(received.skipped)}


async def _verified(request: Request, check: Callable[[bytes], None]) -> bytes:
    body = await request.body()
    check(body)
    return body


async def _signed_by_sevflow(request: Request) -> bytes:
    """The raw body, once its ``X-Sevflow-Signature`` checks out (the webhook and e-mail)."""
    box = container_of(request)
    secret = _secret(box.settings.intake_secret, "SEVFLOW_INTAKE_SECRET")
    return await _verified(
        request,
        lambda raw: verify_sevflow(
            secret,
            timestamp_header=request.headers.get("x-sevflow-timestamp"),
            signature_header=request.headers.get("x-sevflow-signature"),
            body=raw,
            now=box.clock.now(),
            tolerance_seconds=box.settings.intake_tolerance_seconds,
        ),
    )


@router.post(
    "/webhook",
    response_model=IntakeOut,
    status_code=201,
    responses=UPDATED,
    openapi_extra=_doc("application/json", SIGNED),
)
async def webhook(request: Request, response: Response, background: BackgroundTasks) -> dict[str, Any]:
    """sevflow's own ticket JSON (fields in the README). 201 if a ticket was opened, 200 if the
    one with the same ``external_id`` was updated."""
    body = await _signed_by_sevflow(request)
    return await _receive(request, response, background, "webhook", parse_generic(_json(body)))


@router.post(
    "/email",
    response_model=IntakeOut,
    status_code=201,
    responses=UPDATED,
    openapi_extra=_doc("message/rfc822", SIGNED, RAW_MESSAGE),
)
async def email(request: Request, response: Response, background: BackgroundTasks) -> dict[str, Any]:
    """A raw RFC 5322 message (``Content-Type: message/rfc822``), signed like the webhook — for
    a mail gateway that posts what it receives. A reply (In-Reply-To / References) comments on
    its thread's ticket."""
    body = await _signed_by_sevflow(request)
    return await _receive(request, response, background, "email", parse_email(body))


@router.post(
    "/zendesk",
    response_model=IntakeOut,
    status_code=201,
    responses=UPDATED,
    openapi_extra=_doc(
        "application/json",
        {
            "X-Zendesk-Webhook-Signature": "base64 HMAC-SHA256 of timestamp + body",
            "X-Zendesk-Webhook-Signature-Timestamp": "ISO 8601 time of signing",
        },
    ),
)
async def zendesk(request: Request, response: Response, background: BackgroundTasks) -> dict[str, Any]:
    """A Zendesk webhook: ticket events (``zen:event-type:ticket.*``) or a trigger's JSON body."""
    box = container_of(request)
    secret = _secret(box.settings.zendesk_secret, "SEVFLOW_ZENDESK_SECRET")
    body = await _verified(
        request,
        lambda raw: verify_zendesk(
            secret,
            signature_header=request.headers.get("x-zendesk-webhook-signature"),
            timestamp_header=request.headers.get("x-zendesk-webhook-signature-timestamp"),
            body=raw,
            now=box.clock.now(),
            tolerance_seconds=box.settings.intake_tolerance_seconds,
        ),
    )
    return await _receive(request, response, background, "zendesk", parse_zendesk(_json(body)))


@router.post(
    "/jira",
    response_model=IntakeOut,
    status_code=201,
    responses=UPDATED,
    openapi_extra=_doc("application/json", {"X-Hub-Signature": "sha256=<hex HMAC-SHA256 of the body>"}),
)
async def jira(request: Request, response: Response, background: BackgroundTasks) -> dict[str, Any]:
    """A Jira Service Management webhook (``jira:issue_created`` / ``jira:issue_updated``); its
    age is read from the payload's ``timestamp``."""
    box = container_of(request)
    secret = _secret(box.settings.jira_secret, "SEVFLOW_JIRA_SECRET")
    raw = await request.body()
    payload = _json(raw)
    verify_jira(
        secret,
        signature_header=request.headers.get("x-hub-signature"),
        body=raw,
        payload_timestamp_ms=payload_timestamp_ms(payload),
        now=box.clock.now(),
        tolerance_seconds=box.settings.intake_tolerance_seconds,
    )
    return await _receive(request, response, background, "jira", parse_jira(payload))
