"""Whatever a client sends, the API answers with a precise problem+json and stores nothing bad:
oversized and chunked bodies, wrong content types, malformed JSON, unknown and mistyped fields,
characters that cannot be stored; and text from every script comes back exactly as sent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sevflow.entrypoints.api.routes import tickets as tickets_route
from tests.api.expect import problem
from tests.api.world import ApiWorld, build_world

TICKET = {"title": "Refunds fail", "service_line": "payments", "customer": "Globex"}
UNSTORABLE = (
    "cannot be stored; allowed: any Unicode text except control characters other than tab and line breaks, "
    "and unpaired surrogates"
)


def raw(api: ApiWorld, body: Any, path: str = "/api/tickets", **headers: str) -> httpx.Response:
    """POST ``body`` (bytes or an iterator of chunks) as JSON unless ``headers`` say otherwise."""
    return api.client.post(
        path, content=body, headers=api.auth("ana", **{"Content-Type": "application/json", **headers})
    )


def no_tickets(api: ApiWorld) -> bool:
    return api.request("GET", "/api/tickets", as_="ana").json()["items"] == []


@pytest.fixture
def small_api(sqlite_url: str, tmp_path: Path) -> Iterator[ApiWorld]:
    """A world accepting request bodies of at most 2048 bytes."""
    yield from build_world(sqlite_url, tmp_path, max_body_bytes=2048)


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(small_api: ApiWorld) -> None:
    reads: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        reads.append({})
        return {"type": "http.request", "body": b"x" * 2049, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-length", b"2049"), (b"content-type", b"application/json")]
    headers.append((b"authorization", small_api.auth("ana")["Authorization"].encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/tickets",
        "raw_path": b"/api/tickets",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("192.0.2.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(small_api.client.app(scope, receive, send))  # type: ignore[arg-type]
    assert reads == []
    assert sent[0]["status"] == 413
    assert sent[1]["body"] == (
        b'{"type":"urn:sevflow:problem:payload-too-large","title":"Payload too large","status":413,'
        b'"detail":"the request body is 2049 bytes; at most 2048 bytes are accepted (setting '
        b'SEVFLOW_MAX_BODY_BYTES)","instance":"/api/tickets"}'
    )


def test_a_body_at_the_limit_is_read_and_one_byte_more_is_413(small_api: ApiWorld) -> None:
    body = b'{"title": "Refunds fail", "description": "%s", "service_line": "payments", "customer": "Globex"}'
    padding = 2048 - len(body % b"")
    assert raw(small_api, body % (b"a" * padding)).status_code == 201
    too_big = raw(small_api, body % (b"a" * (padding + 1)))
    assert too_big.json() == problem(
        413,
        "payload-too-large",
        "Payload too large",
        "the request body is 2049 bytes; at most 2048 bytes are accepted (setting SEVFLOW_MAX_BODY_BYTES)",
        "/api/tickets",
    )


def test_a_chunked_body_is_cut_off_with_413_once_it_passes_the_limit(small_api: ApiWorld) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"title": "'
        for _ in range(10):
            yield b"a" * 500
        yield b'", "service_line": "payments", "customer": "Globex"}'

    response = raw(small_api, chunks())
    assert response.json() == problem(
        413,
        "payload-too-large",
        "Payload too large",
        "the request body is over 2048 bytes; at most 2048 bytes are accepted (setting SEVFLOW_MAX_BODY_BYTES)",
        "/api/tickets",
    )
    assert no_tickets(small_api)


def test_a_chunked_body_within_the_limit_is_accepted(small_api: ApiWorld) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"title": "Refunds fail", '
        yield b'"service_line": "payments", "customer": "Globex"}'

    response = raw(small_api, chunks())
    assert (response.status_code, response.json()["title"]) == (201, "Refunds fail")


def test_the_default_limit_is_one_mebibyte(sqlite_api: ApiWorld) -> None:
    response = raw(sqlite_api, b"{" + b" " * (1024 * 1024) + b"}")
    assert response.json()["detail"] == (
        "the request body is 1048578 bytes; at most 1048576 bytes are accepted (setting SEVFLOW_MAX_BODY_BYTES)"
    )


def test_a_body_that_is_not_json_is_refused_with_415(sqlite_api: ApiWorld) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        response = raw(sqlite_api, b'{"title": "x"}', **{"Content-Type": content_type})
        assert response.json() == problem(
            415,
            "unsupported-media-type",
            "Unsupported content type",
            f"Content-Type {content_type or '(none)'!r} is not accepted here; send application/json",
            "/api/tickets",
        ), content_type
    assert (
        raw(sqlite_api, b'{"title": 1}', **{"Content-Type": "application/merge-patch+json"}).status_code
        == 422
    )


def test_malformed_json_is_400(api: ApiWorld) -> None:
    response = raw(api, b'{"title": ')
    assert response.json() == problem(
        400,
        "malformed-json",
        "Malformed JSON",
        "the request body is not valid JSON: Expecting value; send one JSON object",
        "/api/tickets",
    )


def test_unknown_fields_are_refused_each_one_listed(api: ApiWorld) -> None:
    response = api.request("POST", "/api/tickets", as_="ana", json={**TICKET, "colour": "red", "prio": 1})
    unknown = "unknown field; remove it (the allowed fields are in the OpenAPI document at /openapi.json)"
    assert response.json() == problem(
        422,
        "validation",
        "Invalid request",
        "2 field(s) are invalid: body.colour, body.prio; see errors for each one",
        "/api/tickets",
        errors=[{"field": "body.colour", "message": unknown}, {"field": "body.prio", "message": unknown}],
    )
    assert no_tickets(api)


def test_several_wrong_fields_are_listed_at_once_with_what_is_wrong(api: ApiWorld) -> None:
    body = {
        "title": "",
        "service_line": 5,
        "services": "checkout",
        "users_affected": "many",
        "severity": "Sev9",
    }
    response = api.request("POST", "/api/tickets", as_="ana", json=body)
    assert response.json()["errors"] == [
        {"field": "body.title", "message": "String should have at least 1 character"},
        {"field": "body.service_line", "message": "Input should be a valid string"},
        {"field": "body.services", "message": "Input should be a valid list"},
        {
            "field": "body.users_affected",
            "message": "Input should be a valid integer, unable to parse string as an integer",
        },
        {"field": "body.severity", "message": "Input should be 'Sev1', 'Sev2', 'Sev3' or 'Sev4'"},
    ]
    assert response.json()["detail"] == (
        "5 field(s) are invalid: body.title, body.service_line, body.services, body.users_affected, "
        "body.severity; see errors for each one"
    )
    not_object = api.request("POST", "/api/tickets", as_="ana", json=["Refunds fail"])
    assert not_object.status_code == 422


def test_a_title_over_1000_characters_is_refused(api: ApiWorld) -> None:
    response = api.request("POST", "/api/tickets", as_="ana", json={**TICKET, "title": "a" * 1001})
    assert response.json()["errors"] == [
        {"field": "body.title", "message": "String should have at most 1000 characters"}
    ]
    assert (
        api.request("POST", "/api/tickets", as_="ana", json={**TICKET, "title": "a" * 1000}).status_code
        == 201
    )


def test_nul_and_other_control_characters_are_refused_naming_the_field(api: ApiWorld) -> None:
    for char in ("\x00", "\x07", "\x0b", "\x1b"):
        response = api.request("POST", "/api/tickets", as_="ana", json={**TICKET, "title": f"a{char}b"})
        assert response.json() == problem(
            422,
            "invalid-input",
            "Invalid input",
            f"title contains the character U+{ord(char):04X} at position 1, which {UNSTORABLE}",
            "/api/tickets",
        ), repr(char)
    assert no_tickets(api)
    api.open_ticket()
    comment = api.request("POST", "/api/tickets/1/comments", as_="ana", json={"body": "ok\x00"})
    assert (
        comment.json()["detail"] == f"comment contains the character U+0000 at position 2, which {UNSTORABLE}"
    )
    assert api.request("GET", "/api/tickets/1", as_="ana").json()["version"] == 1


def test_a_lone_surrogate_is_refused_naming_the_field(api: ApiWorld) -> None:
    response = raw(api, b'{"title": "a\\ud800b", "service_line": "payments", "customer": "Globex"}')
    assert response.json()["errors"] == [
        {
            "field": "body.title",
            "message": "Input should be a valid string, unable to parse raw data as a unicode string",
        }
    ]
    api.open_ticket()
    comment = raw(api, b'{"body": "\\udfff"}', path="/api/tickets/1/comments")
    assert [e["field"] for e in comment.json()["errors"]] == ["body.body"]
    assert api.request("GET", "/api/tickets/1", as_="ana").json()["version"] == 1


def test_text_from_every_script_round_trips_exactly(api: ApiWorld) -> None:
    title = "Zahlung fehlgeschlagen 💳🔥 — دفع\u200f שלום\u200e e\u0301 東京の決済 👩🏽‍💻 tab\tand\nline"
    comment = "Réponse : le paiement est refusé (コード 42) 🙏\r\n\u202eevil\u202c"
    created = api.request("POST", "/api/tickets", as_="ana", json={**TICKET, "title": title})
    assert created.json()["title"] == title
    api.request("POST", "/api/tickets/1/comments", as_="ana", json={"body": comment})
    shown = api.request("GET", "/api/tickets/1", as_="ana").json()
    assert shown["title"] == title
    assert shown["timeline"][-1]["data"]["body"] == comment
    assert api.request("GET", "/api/tickets/1", as_="cora").json()["title"] == title


def test_unknown_routes_and_wrong_methods_are_problem_json(sqlite_api: ApiWorld) -> None:
    missing = sqlite_api.request("GET", "/api/nope", as_="ana")
    assert (missing.status_code, missing.json()) == (
        404,
        problem(
            404,
            "not-found",
            "Not found",
            "there is no /api/nope; the API's paths are listed at /docs",
            "/api/nope",
        ),
    )
    wrong = sqlite_api.request("DELETE", "/api/tickets", as_="ana")
    assert (wrong.status_code, wrong.headers["allow"], wrong.json()) == (
        405,
        "GET, POST",
        problem(
            405,
            "method-not-allowed",
            "Method not allowed",
            "DELETE is not allowed on /api/tickets; allowed: GET, POST",
            "/api/tickets",
        ),
    )
    assert sqlite_api.request("PUT", "/api/tickets/1", as_="ana").json()["detail"] == (
        "PUT is not allowed on /api/tickets/1; allowed: GET"
    )


def test_an_unexpected_failure_is_a_500_problem_without_internals(
    sqlite_api: ApiWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom in /work/secret/module.py")

    monkeypatch.setattr(tickets_route.queries, "list_tickets", broken)
    response = sqlite_api.request("GET", "/api/tickets", as_="ana")
    assert response.json() == problem(
        500,
        "internal",
        "Internal error",
        "sevflow failed unexpectedly (a bug); it was logged; nothing you sent was half-applied",
        "/api/tickets",
    )


def test_every_error_body_is_problem_json_without_a_traceback_or_a_file_path(sqlite_api: ApiWorld) -> None:
    api = sqlite_api
    api.open_ticket()
    responses = [
        raw(api, b"{", path="/api/tickets"),
        raw(api, b"<xml/>", **{"Content-Type": "application/xml"}),
        raw(api, b'{"title": "a\\ud800"}'),
        api.request("POST", "/api/tickets", as_="ana", json={**TICKET, "title": "\x00"}),
        api.request("POST", "/api/tickets", as_="ana", json={**TICKET, "oops": 1}),
        api.request("POST", "/api/tickets", as_="vic", json=TICKET),
        api.request("POST", "/api/tickets/1/status", as_="ana", json={"status": "triaged"}),
        api.request(
            "POST", "/api/tickets/1/status", as_="ana", json={"status": "closed"}, headers={"If-Match": "*"}
        ),
        api.request(
            "POST", "/api/tickets/1/status", as_="ana", json={"status": "triaged"}, headers={"If-Match": "x"}
        ),
        api.request(
            "POST",
            "/api/tickets/1/status",
            as_="ana",
            json={"status": "triaged"},
            headers={"If-Match": '"9"'},
        ),
        api.request("GET", "/api/tickets/abc", as_="ana"),
        api.request("GET", "/api/tickets/99", as_="ana"),
        api.request("GET", "/api/tickets?cursor=zzz", as_="ana"),
        api.request("GET", "/api/tickets"),
        api.request("GET", "/api/nope"),
        api.request("PATCH", "/api/tickets/1", as_="ana"),
        api.client.post("/api/session", json={"name": "ana", "password": "nope"}),
        api.request(
            "POST", "/api/policy", as_="root", content=b"tiers: [", headers={"Content-Type": "text/yaml"}
        ),
    ]
    statuses = [r.status_code for r in responses]
    assert statuses == [
        400,
        415,
        422,
        422,
        422,
        403,
        428,
        409,
        400,
        412,
        422,
        404,
        422,
        401,
        404,
        405,
        401,
        422,
    ]
    for response in responses:
        assert response.headers["content-type"] == "application/problem+json", response.text
        body = response.json()
        assert {"type", "title", "status", "detail"} <= set(body), body
        assert body["status"] == response.status_code
        assert body["type"].startswith("urn:sevflow:problem:")
        for leak in ("Traceback", 'File "', ".py", "site-packages", str(Path.cwd())):
            assert leak not in response.text, (leak, response.text)


def test_a_wrong_token_is_401_even_when_the_body_is_invalid_too(api: ApiWorld) -> None:
    revoked = api.request("DELETE", f"/api/tokens/{api.tokens['ana'].split('_')[1]}", as_="ana")
    assert revoked.status_code == 200
    response = api.client.post("/api/tickets", json={"colour": "red"}, headers=api.auth("ana"))
    assert response.status_code == 401
    assert response.json()["type"] == "urn:sevflow:problem:unauthenticated"
    assert response.json()["detail"].startswith("this API token was revoked at ")
