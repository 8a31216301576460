"""Signing in (browser sessions with CSRF tokens, rate-limited), API tokens and users, through
the real app on SQLite and PostgreSQL. The clock is the world's fake clock."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import astuple
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from sevflow.adapters.db.tables import api_tokens
from tests.api.expect import problem
from tests.api.world import PASSWORD, ApiWorld, build_world

TICKET = {"title": "Refunds fail", "service_line": "payments", "customer": "Globex"}
WRONG = "wrong user name or password (or the user is deactivated)"


def sign_in(api: ApiWorld, name: str = "ana", password: str = PASSWORD) -> httpx.Response:
    return api.client.post("/api/session", json={"name": name, "password": password})


# --- sessions ----------------------------------------------------------------------------------------


def test_signing_in_with_json_sets_an_httponly_strict_cookie_and_returns_the_csrf_token(
    api: ApiWorld,
) -> None:
    response = sign_in(api)
    assert response.status_code == 201
    body = response.json()
    assert {k: v for k, v in body.items() if k != "csrf_token"} == {
        "user": "ana",
        "role": "agent",
        "expires_at": "2026-03-02T21:30:00Z",
    }
    assert len(body["csrf_token"]) == 64
    [cookie] = response.headers.get_list("set-cookie")
    name, _, attributes = cookie.partition(";")
    assert name.startswith("sevflow_session=")
    assert sorted(a.strip() for a in attributes.split(";")) == [
        "HttpOnly",
        "Max-Age=43200",
        "Path=/",
        "SameSite=strict",
    ]


def test_signing_in_with_a_form_post_works_too(api: ApiWorld) -> None:
    response = api.client.post("/api/session", data={"name": "lena", "password": PASSWORD})
    assert (response.status_code, response.json()["user"], response.json()["role"]) == (201, "lena", "lead")
    assert api.client.get("/api/tickets").status_code == 200


@pytest.fixture
def secure_api(sqlite_url: str, tmp_path: Path) -> Iterator[ApiWorld]:
    yield from build_world(sqlite_url, tmp_path, cookie_secure=True)


def test_the_cookie_is_secure_when_the_setting_says_so(secure_api: ApiWorld) -> None:
    [cookie] = sign_in(secure_api).headers.get_list("set-cookie")
    assert sorted(a.strip() for a in cookie.split(";")[1:]) == [
        "HttpOnly",
        "Max-Age=43200",
        "Path=/",
        "SameSite=strict",
        "Secure",
    ]


def test_a_change_made_with_the_cookie_needs_the_sessions_csrf_token(api: ApiWorld) -> None:
    csrf = sign_in(api).json()["csrf_token"]
    refusal = problem(
        403,
        "forbidden",
        "Not permitted",
        "a change made with a session cookie needs the session's CSRF token in the X-CSRF-Token header "
        "(or a csrf_token form field); it was missing or wrong",
        "/api/tickets",
    )
    for headers in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": ""}):
        response = api.client.post("/api/tickets", json=TICKET, headers=headers)
        assert (response.status_code, response.json()) == (403, refusal), headers
    assert api.client.get("/api/tickets").json()["items"] == []  # reading needs no CSRF token

    created = api.client.post("/api/tickets", json=TICKET, headers={"X-CSRF-Token": csrf})
    assert (created.status_code, created.json()["id"]) == (201, 1)
    audit = api.request("GET", "/api/audit?limit=4", as_="root").json()["items"]
    assert [(e["actor"], e["action"], e["outcome"]) for e in audit] == [
        ("ana", "csrf", "denied"),
        ("ana", "csrf", "denied"),
        ("ana", "csrf", "denied"),
        ("ana", "session.sign_in", "allowed"),
    ]


def test_a_form_post_made_with_the_cookie_may_carry_the_csrf_token_as_a_field(sqlite_api: ApiWorld) -> None:
    csrf = sign_in(sqlite_api).json()["csrf_token"]
    refused = sqlite_api.client.request("DELETE", "/api/session", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    signed_out = sqlite_api.client.request("DELETE", "/api/session", data={"csrf_token": csrf})
    assert signed_out.status_code == 204


def test_signing_out_ends_the_session_on_the_server(api: ApiWorld) -> None:
    csrf = sign_in(api).json()["csrf_token"]
    cookie = api.client.cookies["sevflow_session"]
    response = api.client.delete("/api/session", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    assert response.headers["set-cookie"].startswith('sevflow_session=""; expires=')
    api.client.cookies.set("sevflow_session", cookie)  # a copy of the cookie kept by an attacker
    replayed = api.client.get("/api/tickets")
    assert replayed.status_code == 401
    assert replayed.json() == problem(
        401,
        "unauthenticated",
        "Not authenticated",
        "your session has ended or expired; sign in again",
        "/api/tickets",
    )


def test_a_wrong_password_and_an_unknown_user_get_the_same_401(api: ApiWorld) -> None:
    expected = problem(401, "unauthenticated", "Not authenticated", WRONG, "/api/session")
    for name, password in (("ana", "not her password"), ("nobody", PASSWORD)):
        response = sign_in(api, name, password)
        assert (response.status_code, response.json()) == (401, expected)
        assert "set-cookie" not in response.headers


def test_five_failures_for_one_name_are_rate_limited_until_the_window_passes(api: ApiWorld) -> None:
    for _ in range(5):
        assert sign_in(api, "ana", "guess").status_code == 401
    api.clock.advance(minutes=5)
    limited = sign_in(api)  # the right password does not help while limited
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "600"
    assert limited.json() == problem(
        429,
        "rate-limited",
        "Too many attempts",
        "too many failed sign-ins (5 within 15 minutes); try again in 600 seconds",
        "/api/session",
    )
    assert sign_in(api, "lena").status_code == 201  # other names are not affected
    api.clock.advance(minutes=10)  # 15 minutes after the failures
    assert sign_in(api).status_code == 201


def test_a_sign_in_refused_for_too_many_failures_is_in_the_audit_log(api: ApiWorld) -> None:
    for _ in range(5):
        sign_in(api, "ana", "guess")
    assert sign_in(api).status_code == 429
    entry = api.request("GET", "/api/audit?limit=1", as_="root").json()["items"][0]
    assert {k: entry[k] for k in ("actor", "action", "outcome", "reason")} == {
        "actor": "ana",
        "action": "session.sign_in",
        "outcome": "denied",
        "reason": "from testclient: too many failed sign-ins (5 within 15 minutes); try again in 900 seconds",
    }


def test_failed_sign_ins_are_in_the_audit_log(api: ApiWorld) -> None:
    sign_in(api, "ana", "guess")
    api.clock.advance(minutes=1)
    sign_in(api, "nobody", "guess")
    entries = api.request("GET", "/api/audit?limit=2", as_="root").json()["items"]
    assert [{k: e[k] for k in ("at", "actor", "action", "outcome", "reason")} for e in entries] == [
        {
            "at": "2026-03-02T09:31:00Z",
            "actor": "nobody",
            "action": "session.sign_in",
            "outcome": "failed",
            "reason": "from testclient",
        },
        {
            "at": "2026-03-02T09:30:00Z",
            "actor": "ana",
            "action": "session.sign_in",
            "outcome": "failed",
            "reason": "from testclient",
        },
    ]


# --- tokens ------------------------------------------------------------------------------------------


def use(api: ApiWorld, token: str) -> httpx.Response:
    return api.client.get("/api/tickets", headers={"Authorization": f"Bearer {token}"})


def test_a_new_tokens_text_is_shown_once_and_only_its_hash_is_stored(api: ApiWorld) -> None:
    api.clock.advance(minutes=1)
    created = api.request("POST", "/api/tokens", as_="ana", json={"label": "ci"})
    assert created.status_code == 201
    body = created.json()
    text = body.pop("token")
    assert text == f"sev_{body['id']}_{text.split('_', 2)[2]}"
    assert body == {
        "id": body["id"],
        "user": "ana",
        "label": "ci",
        "created_at": "2026-03-02T09:31:00Z",
        "expires_at": None,
        "last_used_at": None,
        "revoked_at": None,
    }
    listed = api.request("GET", "/api/tokens", as_="ana").json()
    assert [t["label"] for t in listed] == ["tests", "ci"]
    assert all("token" not in t for t in listed)
    assert text not in api.request("GET", "/api/tokens", as_="ana").text

    secret = text.split("_", 2)[2]
    with api.box.read_uow_factory() as uow:
        stored = [astuple(t) for t in uow.tokens.list(None)]
    with api.box.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(select(api_tokens))]
    for fields in (*stored, *rows):
        assert all(secret not in str(value) and text not in str(value) for value in fields)
    assert hashlib.sha256(secret.encode()).hexdigest() in [row[3] for row in rows]
    assert use(api, text).status_code == 200


def test_last_used_at_is_set_on_use_and_written_at_most_once_a_minute(api: ApiWorld) -> None:
    text = api.request("POST", "/api/tokens", as_="ana", json={"label": "ci"}).json()["token"]

    def last_used() -> str | None:
        tokens = api.request("GET", "/api/tokens", as_="root", params={"user": "ana"}).json()
        [token] = [t for t in tokens if t["label"] == "ci"]
        return token["last_used_at"]

    assert last_used() is None
    use(api, text)
    assert last_used() == "2026-03-02T09:30:00Z"
    api.clock.advance(seconds=59)
    use(api, text)
    assert last_used() == "2026-03-02T09:30:00Z"
    api.clock.advance(seconds=1)
    use(api, text)
    assert last_used() == "2026-03-02T09:31:00Z"


def test_a_revoked_token_is_refused_at_once(api: ApiWorld) -> None:
    issued = api.request("POST", "/api/tokens", as_="ana", json={"label": "ci"}).json()
    assert use(api, issued["token"]).status_code == 200
    api.clock.advance(minutes=2)
    revoked = api.request("DELETE", f"/api/tokens/{issued['id']}", as_="ana")
    assert revoked.json()["revoked_at"] == "2026-03-02T09:32:00Z"
    response = use(api, issued["token"])
    assert response.json() == problem(
        401,
        "unauthenticated",
        "Not authenticated",
        "this API token was revoked at 2026-03-02T09:32:00+00:00",
        "/api/tickets",
    )
    assert response.headers["www-authenticate"] == 'Bearer realm="sevflow"'


def test_an_expired_token_is_refused(api: ApiWorld) -> None:
    issued = api.request(
        "POST", "/api/tokens", as_="ana", json={"label": "short", "expires_at": "2026-03-02T10:30:00Z"}
    ).json()
    assert issued["expires_at"] == "2026-03-02T10:30:00Z"
    api.clock.advance(minutes=59, seconds=59)
    assert use(api, issued["token"]).status_code == 200
    api.clock.advance(seconds=1)
    assert use(api, issued["token"]).json()["detail"] == "this API token expired at 2026-03-02T10:30:00+00:00"


def test_an_expiry_must_be_in_the_future_and_carry_its_time_zone(api: ApiWorld) -> None:
    past = api.request(
        "POST", "/api/tokens", as_="ana", json={"label": "x", "expires_at": "2026-03-02T09:00:00Z"}
    )
    assert past.json()["detail"] == (
        "the expiry 2026-03-02T09:00:00+00:00 is not in the future (now 2026-03-02T09:30:00+00:00)"
    )
    naive = api.request(
        "POST", "/api/tokens", as_="ana", json={"label": "x", "expires_at": "2026-03-02T10:30:00"}
    )
    assert naive.status_code == 422
    assert [e["field"] for e in naive.json()["errors"]] == ["body.expires_at"]


def test_malformed_unknown_and_non_bearer_credentials_are_refused_with_401(api: ApiWorld) -> None:
    cases = {
        "Bearer sev_abc": "malformed API token: expected sev_<12 hex digits>_<43 characters>",
        "Bearer " + "sev_000000000000_" + "a" * 43: "unknown API token",
        "Bearer " + api.tokens["ana"][:-1] + "x": "unknown API token",
        "Basic YW5hOnB3": "the Authorization header must be 'Bearer <API token>'",
        "Bearer ": "the Authorization header must be 'Bearer <API token>'",
    }
    for header, detail in cases.items():
        response = api.client.get("/api/tickets", headers={"Authorization": header})
        assert (response.status_code, response.json()["detail"]) == (401, detail), header
    anonymous = api.client.get("/api/tickets")
    assert anonymous.json()["detail"] == (
        "no credentials: send 'Authorization: Bearer <API token>' or sign in with POST /api/session"
    )


def test_tokens_of_others_are_for_admins_only(api: ApiWorld) -> None:
    refused = api.request("POST", "/api/tokens", as_="ana", json={"label": "x", "user": "lena"})
    assert refused.json()["detail"] == "token.any needs one of the roles: admin; ana is agent"
    made = api.request("POST", "/api/tokens", as_="root", json={"label": "x", "user": "lena"})
    assert (made.status_code, made.json()["user"]) == (201, "lena")


# --- users -------------------------------------------------------------------------------------------


def test_an_admin_creates_users_and_a_taken_name_is_409(api: ApiWorld) -> None:
    body = {"name": "irene", "role": "agent", "password": "x" * 12, "duties": ["incident_commander"]}
    created = api.request("POST", "/api/users", as_="root", json=body)
    assert (created.status_code, created.json()) == (
        201,
        {
            "name": "irene",
            "role": "agent",
            "duties": ["incident_commander"],
            "organisation": None,
            "active": True,
            "has_password": True,
            "created_at": "2026-03-02T09:30:00Z",
        },
    )
    again = api.request("POST", "/api/users", as_="root", json=body)
    assert again.json() == problem(
        409,
        "conflict",
        "Conflict",
        "a user called 'irene' already exists; user names must be unique",
        "/api/users",
    )
    assert sign_in(api, "irene", "x" * 12).status_code == 201
    refused = api.request("POST", "/api/users", as_="maria", json={**body, "name": "ivy"})
    assert refused.json()["detail"] == "user.manage needs one of the roles: admin; maria is manager"


def test_a_short_password_and_a_customer_without_organisation_are_refused_with_422(api: ApiWorld) -> None:
    short = api.request(
        "POST", "/api/users", as_="root", json={"name": "ivy", "role": "agent", "password": "x" * 11}
    )
    assert short.json()["errors"] == [
        {"field": "body.password", "message": "String should have at least 12 characters"}
    ]
    orphan = api.request("POST", "/api/users", as_="root", json={"name": "ivy", "role": "customer"})
    assert orphan.json() == problem(
        422,
        "invalid-input",
        "Invalid input",
        "a customer user needs the organisation whose tickets they may see",
        "/api/users",
    )
    names = [u["name"] for u in api.request("GET", "/api/users", as_="root").json()]
    assert "ivy" not in names
