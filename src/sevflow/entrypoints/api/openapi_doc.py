"""What the OpenAPI document says about errors: every refusal is ``application/problem+json``
(the ``Problem`` schema), and each operation lists the statuses it can answer with, so clients
(and schemathesis) can rely on the document for failures as well as for successes.

``responses(...)`` builds the ``responses=`` of a router; ``document(app)`` adds the ``Problem``
schema, and the statuses every request with a body can meet (400 malformed, 413 too large,
415 wrong content type: the request guard and the JSON reader answer those), to the document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from sevflow.entrypoints.api.problems import PROBLEM

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem: what went wrong and what is allowed instead.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {
            "type": "string",
            "description": "urn:sevflow:problem:<slug>, e.g. urn:sevflow:problem:forbidden",
        },
        "title": {"type": "string", "description": "The same for every problem of this type."},
        "status": {"type": "integer", "description": "The HTTP status."},
        "detail": {"type": "string", "description": "What was wrong with this request, and what is allowed."},
        "instance": {"type": "string", "description": "The path requested."},
        "errors": {
            "type": "array",
            "description": "Validation problems: every bad field, each with what is wrong.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

SECONDS = {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}

STATUSES: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("Malformed: the body is not valid JSON (or UTF-8), or a header is malformed.", {}),
    401: (
        "Not authenticated: no credentials, or an unknown, expired or revoked token, session or "
        "webhook signature.",
        {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Present for API tokens."}},
    ),
    403: ("Not permitted for this caller (the attempt is written to the audit log).", {}),
    404: ("Not found: no such ticket, customer, agent, user, token or policy version.", {}),
    409: (
        "Conflict: the ticket changed meanwhile, the change is not possible in its state, or the name is taken.",
        {},
    ),
    412: ("Precondition failed: If-Match names an older version of the ticket.", {}),
    413: ("The body is larger than the configured limit.", {}),
    415: ("The body's Content-Type is not accepted here.", {}),
    422: ("Invalid input: every bad field is listed in errors.", {}),
    428: ("This change overwrites a field: send If-Match with the ticket's ETag.", {}),
    429: ("Too many failed sign-ins; try again after Retry-After seconds.", {"Retry-After": SECONDS}),
    503: ("The storage could not be reached; nothing was changed.", {"Retry-After": SECONDS}),
}
BODY_STATUSES = (400, 413, 415)
"""What any request with a body can meet before a route sees it."""


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` declaring ``statuses`` (and 503, which any operation can meet) as problems."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, 503}):
        description, headers = STATUSES[status]
        out[status] = {"description": description, "content": {PROBLEM: {"schema": PROBLEM_REF}}}
        if headers:
            out[status]["headers"] = headers
    return out


def document(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document carry the ``Problem`` schema and the body statuses."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        doc = build()  # FastAPI's own, cached until the routes change
        doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for item in doc.get("paths", {}).values():
            for operation in item.values():
                if isinstance(operation, dict) and "requestBody" in operation:
                    for status, spec in responses(*BODY_STATUSES).items():
                        operation["responses"].setdefault(str(status), spec)
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
