"""The API against its own OpenAPI document, by schemathesis: for every operation, requests made
from the document (valid ones and invalid ones), sent as the admin with an API token, on SQLite.
Whatever is sent, the answer is never a server error, its status code is one the document
declares for the operation, and its content type and body match what the document says.

Bounded and reproducible: a fixed number of generated examples per operation, no deadline,
derandomised (the same cases every run) and not shrunk (a failure is reported as found), so
the whole document runs in well under a minute. The operations run tag by tag, each tag on a
fresh database.

(schemathesis' own pytest integration, ``schemathesis.pytest.from_fixture``, does not run under
pytest 9.2, so the cases are drawn with ``operation.as_strategy()`` and Hypothesis' ``@given``.)
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api import deliveries
from tests.api.world import ApiWorld

EXAMPLES_PER_OPERATION = 60
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
TAGS = ["tickets", "ticket actions", "directory", "policy", "accounts", "audit", "intake"]
# a raw e-mail message (POST /api/intake/email) goes on the wire as its text
schemathesis.serializer.alias("message/rfc822", "text/plain")

BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def load(world: ApiWorld) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", world.client.app)


def operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


REAL_DELIVERIES: dict[str, Any] = {
    "/api/intake/webhook": deliveries.fixture_json("generic_created.json"),
    "/api/intake/email": deliveries.fixture_bytes("email_new_plain.eml").decode(),
    "/api/intake/zendesk": deliveries.fixture_json("zendesk_ticket_created.json"),
    "/api/intake/jira": deliveries.fixture_json("jira_issue_created_v2.json"),
}
"""Real deliveries (the adapters' fixtures), so some intake cases open and update tickets."""


def known_path_parameters(world: ApiWorld, path: str) -> dict[str, Any]:
    """Path parameters naming things that exist, so generated requests reach past 404 too (never
    a token id: revoking the admin's own token would end the run)."""
    known = {
        "ticket_id": 1,
        "name": "ana" if path.startswith("/api/agents/") else "Globex",
        "version": world.request("GET", "/api/policy", as_="root").json()["version"],
    }
    return {name: value for name, value in known.items() if f"{{{name}}}" in path}


def send_signed(world: ApiWorld, case: Any) -> httpx.Response:
    """An intake case signed as its sender would sign it, so the generated body gets past the
    signature check to the parsers (Jira's age is the payload's own ``timestamp``: set to now)."""
    if case.path == "/api/intake/jira" and isinstance(case.body, dict):
        case.body = deliveries.jira_now(world, case.body)
    sent = case.as_transport_kwargs()  # the body as schemathesis would put it on the wire
    if "json" in sent:
        raw = json.dumps(sent["json"]).encode()
    else:
        data = sent.get("data") or b""
        raw = data.encode() if isinstance(data, str) else bytes(data)
    now = world.clock.now()
    headers = {
        "/api/intake/webhook": lambda: deliveries.sevflow_headers(raw, at=now),
        "/api/intake/email": lambda: deliveries.sevflow_headers(raw, at=now, content_type="message/rfc822"),
        "/api/intake/zendesk": lambda: deliveries.zendesk_headers(raw, at=now),
        "/api/intake/jira": lambda: deliveries.jira_headers(raw),
    }[case.path]()
    return world.client.post(case.path, content=raw, headers=headers)


def check_operation(world: ApiWorld, operation: Any) -> int:
    """Run the bounded examples of one operation; the number of requests made."""
    sent = 0
    strategies = []
    if known := known_path_parameters(world, operation.path):
        # If-Match "*" lets the overwriting ticket changes past 428 to act on ticket 1
        headers = {"If-Match": "*"} if operation.path.startswith("/api/tickets/{ticket_id}/") else None
        strategies.append(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known, headers=headers)
        )
    if operation.path in REAL_DELIVERIES:
        strategies.append(
            operation.as_strategy(GenerationMode.POSITIVE, body=REAL_DELIVERIES[operation.path])
        )
    strategies += [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    cases = st.one_of(strategies)

    @BOUNDED
    @given(case=cases)
    def run(case: Any) -> None:
        nonlocal sent
        sent += 1
        if operation.path.startswith("/api/intake/"):
            response = send_signed(world, case)
        else:
            response = case.call(headers=world.auth("root"))
        world.client.cookies.clear()
        case.validate_response(response, checks=CHECKS)

    run()
    return sent


def test_every_operation_of_the_document_has_one_of_the_tags_run_below(sqlite_api: ApiWorld) -> None:
    untagged = [op.label for op in operations(load(sqlite_api)) if not set(op.tags or ()) & set(TAGS)]
    assert untagged == []


@pytest.mark.slow
@pytest.mark.parametrize("tag", TAGS)
def test_every_operation_answers_as_its_openapi_document_says(sqlite_api: ApiWorld, tag: str) -> None:
    sqlite_api.open_ticket()  # something for the ticket routes to find besides 404
    failures: dict[str, str] = {}
    started, sent = time.perf_counter(), 0
    for operation in operations(load(sqlite_api)):
        if tag not in (operation.tags or ()):
            continue
        try:
            sent += check_operation(sqlite_api, operation)
        except Exception as failure:
            failures[operation.label] = str(failure)[:3000]
    print(f"{tag}: {sent} requests in {time.perf_counter() - started:.1f} s")
    assert failures == {}
