"""Every page of the dashboard, for every role: what each may open (200), what is refused (403),
and a visitor without a session sent to sign in (303). A page added without a row here fails."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sevflow.entrypoints.web.app import is_page_path
from tests.api.test_role_matrix import app_routes
from tests.api.world import USERS, ApiWorld
from tests.web.conftest import browser

OK, NO, LOGIN = 200, 403, 303
STAFF = {"root": OK, "maria": OK, "lena": OK, "ana": OK, "omar": OK, "ingrid": OK}

# (method, path as routed) -> the request made -> expected status per user ("anonymous" too)
PAGES: dict[tuple[str, str], tuple[str, dict[str, int]]] = {
    ("GET", "/"): ("/", {**STAFF, "vic": OK, "cora": OK, "carl": OK, "anonymous": LOGIN}),
    ("GET", "/board/live"): ("/board/live", {**STAFF, "vic": OK, "cora": OK, "carl": OK, "anonymous": LOGIN}),
    ("GET", "/tickets/{ticket_id}"): (
        "/tickets/1",  # Globex's ticket: Initech's customer may not see it
        {**STAFF, "vic": OK, "cora": OK, "carl": NO, "anonymous": LOGIN},
    ),
    ("GET", "/approvals"): ("/approvals", {**STAFF, "vic": NO, "cora": NO, "carl": NO, "anonymous": LOGIN}),
    ("GET", "/queues"): ("/queues", {**STAFF, "vic": OK, "cora": OK, "carl": OK, "anonymous": LOGIN}),
    ("GET", "/queues/{kind}/{name}"): (
        "/queues/line/payments",
        {**STAFF, "vic": OK, "cora": OK, "carl": OK, "anonymous": LOGIN},
    ),
    ("GET", "/metrics"): ("/metrics", {**STAFF, "vic": OK, "cora": NO, "carl": NO, "anonymous": LOGIN}),
    ("GET", "/metrics.csv"): (
        "/metrics.csv",
        {**STAFF, "vic": OK, "cora": NO, "carl": NO, "anonymous": LOGIN},
    ),
    ("GET", "/login"): ("/login", {**dict.fromkeys(USERS, OK), "anonymous": OK}),
}
"""The one-click acknowledgement links of pages (``/ack/{token}``) need no session: the signed
token is the key. Their tests are in tests/api/test_paging_api.py."""
LINKS = {("GET", "/ack/{token}"), ("POST", "/ack/{token}")}
"""Form posts (``/login``, ``/logout``, ``/tickets/{id}/{form}``) have tests of their own:
tests/web/test_sign_in_pages.py and test_ticket_page.py."""
POSTS = {("POST", "/login"), ("POST", "/logout"), ("POST", "/tickets/{ticket_id}/{form}")}


def test_the_table_names_every_page_of_the_app(sqlite_web: ApiWorld) -> None:
    pages = {r for r in app_routes(sqlite_web.client.app) if is_page_path(r[1])}  # type: ignore[arg-type]
    assert pages - set(PAGES) - POSTS - LINKS == set(), "pages without a row in the table"
    assert (set(PAGES) | POSTS | LINKS) - pages == set(), "rows in the table for pages the app does not have"


@pytest.mark.parametrize("user", [*USERS, "anonymous"])
def test_every_role_gets_exactly_what_the_table_says_on_every_page(sqlite_web: ApiWorld, user: str) -> None:
    sqlite_web.open_ticket(title="Refund totals look wrong")  # ticket 1, Globex
    if user == "anonymous":
        client = TestClient(sqlite_web.client.app, raise_server_exceptions=False, follow_redirects=False)
    else:
        client = browser(sqlite_web, user)
    got = {key: client.get(path).status_code for key, (path, _) in PAGES.items()}
    assert got == {key: expected[user] for key, (_, expected) in PAGES.items()}
