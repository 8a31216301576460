"""Signing in and out of the dashboard in the browser, and what a visitor without a session sees."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.world import PASSWORD, ApiWorld
from tests.web.conftest import browser, csrf_of


def anonymous(world: ApiWorld) -> TestClient:
    return TestClient(world.client.app, raise_server_exceptions=False, follow_redirects=False)


def test_a_visitor_without_a_session_is_sent_to_sign_in_and_comes_back_to_the_page_asked_for(
    sqlite_web: ApiWorld,
) -> None:
    visitor = anonymous(sqlite_web)
    asked = visitor.get("/?severity=Sev1")
    assert (asked.status_code, asked.headers["location"]) == (303, "/login?next=/%3Fseverity%3DSev1")
    form = visitor.get("/login?next=/%3Fseverity%3DSev1")
    assert form.status_code == 200
    assert 'name="next" value="/?severity=Sev1"' in form.text
    signed = visitor.post("/login", data={"name": "lena", "password": PASSWORD, "next": "/?severity=Sev1"})
    assert (signed.status_code, signed.headers["location"]) == (303, "/?severity=Sev1")
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert visitor.get("/?severity=Sev1").status_code == 200


def test_a_wrong_password_shows_the_error_on_the_form_and_sets_no_cookie(sqlite_web: ApiWorld) -> None:
    visitor = anonymous(sqlite_web)
    refused = visitor.post("/login", data={"name": "lena", "password": "nope", "next": "/"})
    assert refused.status_code == 401
    assert "set-cookie" not in refused.headers
    assert 'role="alert">wrong user name or password (or the user is deactivated)</p>' in refused.text
    assert 'value="lena"' in refused.text  # the name is kept, the password is not


def test_an_empty_form_is_answered_on_the_form(sqlite_web: ApiWorld) -> None:
    refused = anonymous(sqlite_web).post("/login", data={"name": " ", "password": "", "next": "/"})
    assert refused.status_code == 422
    assert "Give your user name and your password." in refused.text


def test_repeated_failures_are_refused_for_a_while_with_retry_after(sqlite_web: ApiWorld) -> None:
    visitor = anonymous(sqlite_web)
    for _ in range(5):
        assert visitor.post("/login", data={"name": "lena", "password": "nope"}).status_code == 401
    limited = visitor.post("/login", data={"name": "lena", "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "900"
    assert "too many failed sign-ins (5 within 15 minutes); try again in 900 seconds" in limited.text


def test_signing_in_never_sends_the_browser_to_another_site(sqlite_web: ApiWorld) -> None:
    visitor = anonymous(sqlite_web)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        signed = visitor.post("/login", data={"name": "lena", "password": PASSWORD, "next": target})
        assert signed.headers["location"] == "/", target


def test_signing_out_needs_the_pages_csrf_token_and_ends_the_session(sqlite_web: ApiWorld) -> None:
    lena = browser(sqlite_web, "lena")
    forged = lena.post("/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert "CSRF token was missing or wrong" in forged.text
    assert lena.get("/").status_code == 200
    token = csrf_of(lena.get("/").text)
    session = lena.cookies["sevflow_session"]
    out = lena.post("/logout", data={"csrf_token": token})
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    lena.cookies.set("sevflow_session", session)  # the old cookie, kept: the session ended on the server
    assert lena.get("/").status_code == 303


def test_an_unknown_page_is_a_404_page_not_json(sqlite_web: ApiWorld) -> None:
    lena = browser(sqlite_web, "lena")
    missing = lena.get("/no-such-page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "There is no page at /no-such-page." in missing.text
    api = lena.get("/api/no-such-thing")
    assert api.headers["content-type"] == "application/problem+json"
