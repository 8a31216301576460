"""Who may do what, route by route: the role × action matrix seen from outside, through the
real app, for every route and every kind of caller.

The table below is the product rule written out for a support manager to review; it is not read
from ``sevflow.domain.access.MATRIX`` (a test that asked the code what the code does could not
fail). "allow" means the request is not refused (the test sends a valid request, and it succeeds);
"deny" means 403 ``urn:sevflow:problem:forbidden`` for a signed-in user, written to the audit
log, and 401 ``urn:sevflow:problem:unauthenticated`` for a caller without credentials.
Every ticket is Globex's: cora (Globex) is a customer of the ticket, carl (Initech) is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sevflow.domain.status import Status
from sevflow.entrypoints.web.app import is_page_path
from sevflow.policy.loader import load_policy_text
from sevflow.policy.starter import starter_policy_text
from sevflow.services import accounts, policies
from sevflow.services import tickets as ticket_service
from sevflow.services.actors import Actor
from tests.api import deliveries
from tests.api.oncall_policy import oncall_policy_text
from tests.api.world import PASSWORD, ApiWorld

FORBIDDEN = "urn:sevflow:problem:forbidden"
UNAUTHENTICATED = "urn:sevflow:problem:unauthenticated"
SETUP = Actor("setup")

# fmt: off
EXPECTED = """
                                                                         root   maria   lena   ana    vic    cora   carl    anonymous
route                                                                    admin  manager lead   agent  viewer Globex Initech no login
GET    /openapi.json                                                     allow  allow   allow  allow  allow  allow  allow   allow
GET    /docs                                                             allow  allow   allow  allow  allow  allow  allow   allow
GET    /docs/oauth2-redirect                                             allow  allow   allow  allow  allow  allow  allow   allow
GET    /redoc                                                            allow  allow   allow  allow  allow  allow  allow   allow

POST   /api/session                   (sign in with one's password)      allow  allow   allow  allow  allow  allow  allow   allow
DELETE /api/session                                                      allow  allow   allow  allow  allow  allow  allow   deny
POST   /api/tokens                    (one's own)                        allow  allow   allow  allow  allow  allow  allow   deny
POST   /api/tokens                    (for someone else)                 allow  deny    deny   deny   deny   deny   deny    deny
GET    /api/tokens                    (one's own)                        allow  allow   allow  allow  allow  allow  allow   deny
GET    /api/tokens                    (everyone's)                       allow  deny    deny   deny   deny   deny   deny    deny
DELETE /api/tokens/{token_id}         (one's own)                        allow  allow   allow  allow  allow  allow  allow   deny
DELETE /api/tokens/{token_id}         (someone else's)                   allow  deny    deny   deny   deny   deny   deny    deny
POST   /api/users                                                        allow  deny    deny   deny   deny   deny   deny    deny
GET    /api/users                                                        allow  deny    deny   deny   deny   deny   deny    deny
GET    /api/audit                                                        allow  allow   deny   deny   deny   deny   deny    deny

GET    /api/teams                                                        allow  allow   allow  allow  allow  deny   deny    deny
GET    /api/agents                                                       allow  allow   allow  allow  allow  deny   deny    deny
GET    /api/service-lines                                                allow  allow   allow  allow  allow  deny   deny    deny
GET    /api/oncall/{team}                                                allow  allow   allow  allow  allow  deny   deny    deny
GET    /api/oncall/{team}/handoffs                                       allow  allow   allow  allow  allow  deny   deny    deny
PUT    /api/agents/{name}/away        (oneself)                          allow  allow   allow  allow  deny   deny   deny    deny
PUT    /api/agents/{name}/away        (someone else)                     allow  allow   allow  deny   deny   deny   deny    deny
GET    /api/customers                                                    allow  allow   allow  allow  allow  deny   deny    deny
GET    /api/customers/{name}                                             allow  allow   allow  allow  allow  deny   deny    deny
PUT    /api/customers/{name}                                             allow  allow   deny   deny   deny   deny   deny    deny

GET    /api/policy                                                       allow  allow   allow  allow  allow  deny   deny    deny
GET    /api/policy/versions                                              allow  allow   allow  allow  allow  deny   deny    deny
GET    /api/policy/versions/{version}                                    allow  allow   allow  allow  allow  deny   deny    deny
POST   /api/policy                                                       allow  deny    deny   deny   deny   deny   deny    deny

POST   /api/tickets                   (for one's own organisation)       allow  allow   allow  allow  deny   allow  allow   deny
POST   /api/tickets                   (for Globex)                       allow  allow   allow  allow  deny   allow  deny    deny
GET    /api/tickets                                                      allow  allow   allow  allow  allow  allow  allow   deny
GET    /api/tickets/{ticket_id}                                          allow  allow   allow  allow  allow  allow  deny    deny
GET    /api/tickets/{ticket_id}/audit                                    allow  allow   allow  allow  allow  deny   deny    deny
GET    /api/tickets/{ticket_id}/deliveries                               allow  allow   allow  allow  allow  deny   deny    deny
GET    /api/tickets/{ticket_id}/triage                                   allow  allow   allow  allow  allow  deny   deny    deny
GET    /api/tickets/{ticket_id}/related                                  allow  allow   allow  allow  allow  deny   deny    deny
POST   /api/tickets/{ticket_id}/comments      (public)                   allow  allow   allow  allow  deny   allow  deny    deny
POST   /api/tickets/{ticket_id}/comments      (internal)                 allow  allow   allow  allow  deny   deny   deny    deny
POST   /api/tickets/{ticket_id}/status                                   allow  allow   allow  allow  deny   deny   deny    deny
POST   /api/tickets/{ticket_id}/severity                                 allow  allow   allow  allow  deny   deny   deny    deny
POST   /api/tickets/{ticket_id}/escalate      (at once)                  allow  allow   allow  allow  deny   deny   deny    deny
POST   /api/tickets/{ticket_id}/escalate      (after 2 h, enterprise)    allow  allow   allow  allow  deny   allow  deny    deny
POST   /api/tickets/{ticket_id}/deescalate                               allow  allow   allow  deny   deny   deny   deny    deny
POST   /api/tickets/{ticket_id}/acknowledge   (lena is the owner)        deny   deny    allow  deny   deny   deny   deny    deny
POST   /api/tickets/{ticket_id}/take                                     allow  allow   allow  allow  deny   deny   deny    deny
POST   /api/tickets/{ticket_id}/gate          (no approver duty)         deny   deny    deny   deny   deny   deny   deny    deny
POST   /api/tickets/{ticket_id}/page/ack      (page 1)                   allow  allow   allow  allow  deny   deny   deny    deny
POST   /api/tickets/{ticket_id}/customer-tier                            allow  allow   allow  deny   deny   deny   deny    deny
POST   /api/tickets/{ticket_id}/impact                                   allow  allow   allow  allow  deny   deny   deny    deny

POST   /api/intake/webhook            (signed: the signature is the key) allow allow   allow  allow  allow  allow  allow   allow
POST   /api/intake/email              (signed: the signature is the key) allow allow   allow  allow  allow  allow  allow   allow
POST   /api/intake/zendesk            (signed: the signature is the key) allow allow   allow  allow  allow  allow  allow   allow
POST   /api/intake/jira               (signed: the signature is the key) allow allow   allow  allow  allow  allow  allow   allow
"""
# fmt: on
"""Why, in words: viewers read tickets, the directory (with who is on call) and the policy; agents also work tickets
(comment, change status / severity / impact, escalate, take, decide gates as the policy's
approvers); leads also de-escalate, change a customer's tier and set colleagues away; managers
also manage customers and read the audit log; admins also manage users, everyone's tokens and the
policy. Customers read, comment on and (after their tier's waiting time) escalate their own
organisation's tickets, and open tickets for it; never internal comments, the ticket audit trail
or the directory. Only a ticket's assigned owner acknowledges it; gates are decided by the
incident_commander / senior_engineer duties only (nobody here has one; see the gate test below).
Intake senders authenticate by signature, whoever (or nobody) is signed in."""

NOT_REFUSED_ONLY = {("PUT /api/agents/{name}/away (oneself)", "root")}
"""Allowed cells where the request need not succeed, only not be refused (no 401 or 403): the
starter policy names nobody called root, so there may be no agent root to set away (404)."""

USERS = ("root", "maria", "lena", "ana", "vic", "cora", "carl", "anonymous")
CUSTOMERS = ("cora", "carl")


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    variant: str
    expected: dict[str, str]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}" + (f" ({self.variant})" if self.variant else "")


def parse_table(text: str) -> list[Row]:
    rows = []
    for line in text.splitlines():
        words = line.split()
        if not words or words[0] not in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            continue
        values = words[-len(USERS) :]
        assert set(values) <= {"allow", "deny"}, line
        variant = " ".join(words[2 : -len(USERS)]).strip("()")
        rows.append(Row(words[0], words[1], variant, dict(zip(USERS, values, strict=True))))
    return rows


ROWS = parse_table(EXPECTED)
ROW = {row.label: row for row in ROWS}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers (HEAD aside), however FastAPI nests its routers."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before 0.165: included routes are flat
        routes: list[Any] = list(app.routes)
    else:
        routes = list(iter_route_contexts(app.routes))
    return {(method, route.path) for route in routes for method in (route.methods or ()) if method != "HEAD"}


# -- one request per cell ---------------------------------------------------------------------


@dataclass
class Call:
    """What one cell sends: the path filled in, the body, extra headers, the ticket it is about."""

    path: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    ticket: int | None = None


def globex_ticket(w: ApiWorld, **fields: Any) -> dict[str, Any]:
    return w.open_ticket(as_="ana", **fields)


def if_match(ticket: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{ticket["version"]}"'}


def on_ticket(
    action: str, body: Any = None, *, versioned: bool = False, **fields: Any
) -> Callable[..., Call]:
    def build(w: ApiWorld, user: str) -> Call:
        t = globex_ticket(w, **fields)
        return Call(
            f"/api/tickets/{t['id']}{action}",
            json=body,
            headers=if_match(t) if versioned else {},
            ticket=t["id"],
        )

    return build


def escalate_after_wait(w: ApiWorld, user: str) -> Call:
    t = globex_ticket(w)
    w.clock.advance(hours=2, minutes=1)  # the starter policy lets enterprise customers escalate after 2 h
    return Call(f"/api/tickets/{t['id']}/escalate", json={"reason": "still broken"}, ticket=t["id"])


def deescalate(w: ApiWorld, user: str) -> Call:
    t = globex_ticket(w)
    ticket_service.escalate(
        w.box.uow_factory(), clock=w.clock, actor=SETUP, ticket_id=t["id"], reason="setup"
    )
    return Call(f"/api/tickets/{t['id']}/deescalate", json={"reason": "L1 can finish it"}, ticket=t["id"])


def acknowledge(w: ApiWorld, user: str) -> Call:
    t = globex_ticket(w)
    assert (t["owner"], t["owner_accepted"]) == ("lena", False)
    return Call(f"/api/tickets/{t['id']}/acknowledge", ticket=t["id"])


def gate(w: ApiWorld, user: str) -> Call:
    t = globex_ticket(w, severity="Sev1", severity_reason="all card payments fail")
    assert (t["gate"], t["owner"]) == ("sev1-confirmation", "ingrid")
    return Call(f"/api/tickets/{t['id']}/gate", json={"decision": "approve"}, ticket=t["id"])


def new_ticket(*, for_globex: bool) -> Callable[..., Call]:
    def build(w: ApiWorld, user: str) -> Call:
        body = {"title": "Refund stuck", "service_line": "payments"}
        if for_globex or user not in CUSTOMERS:
            body["customer"] = "Globex"
        return Call("/api/tickets", json=body)

    return build


def spare_token(owner: Callable[[str], str]) -> Callable[..., Call]:
    def build(w: ApiWorld, user: str) -> Call:
        whose = owner(user)
        issued = accounts.create_token(
            w.box.uow_factory(), clock=w.clock, actor=SETUP, user=whose, label="spare"
        )
        return Call(f"/api/tokens/{issued.token.id}")

    return build


def sign_in(w: ApiWorld, user: str) -> Call:
    return Call("/api/session", json={"name": "ana" if user == "anonymous" else user, "password": PASSWORD})


def away(*, oneself: bool) -> Callable[..., Call]:
    return lambda w, user: Call(
        f"/api/agents/{user if oneself and user != 'anonymous' else 'ben'}/away", json={"away": False}
    )


def policy_version(w: ApiWorld, user: str) -> Call:
    version = w.request("GET", "/api/policy", as_="root").json()["version"]
    return Call(f"/api/policy/versions/{version}")


def on_call(suffix: str, **params: str) -> Callable[..., Call]:
    """A request about payments-l3's rotation, with a policy that has one active (it stays
    active: the same rules as the starter's, plus rotations and no override before the 25th)."""

    def build(w: ApiWorld, user: str) -> Call:
        text = oncall_policy_text()
        policies.activate_policy(
            w.box.uow_factory(), clock=w.clock, policy=load_policy_text(text, "on-call"), source_text=text
        )
        return Call(f"/api/oncall/payments-l3{suffix}", params=params)

    return build


def new_user(w: ApiWorld, user: str) -> Call:
    return Call("/api/users", json={"name": f"new-by-{user}", "role": "viewer", "password": PASSWORD})


def upload_policy(w: ApiWorld, user: str) -> Call:
    return Call(
        "/api/policy", content=starter_policy_text().encode(), headers={"Content-Type": "application/yaml"}
    )


def webhook(w: ApiWorld, user: str) -> Call:
    body = deliveries.body_of({"external_id": f"matrix-{user}", "title": "Export fails"})
    return Call(
        "/api/intake/webhook", content=body, headers=deliveries.sevflow_headers(body, at=w.clock.now())
    )


def email(w: ApiWorld, user: str) -> Call:
    raw = deliveries.email_message(
        message_id=f"matrix-{user}@mail.globex.com",
        sender="Pat <pat@globex.com>",
        subject="Export fails",
        body="Every export fails.",
    )
    headers = deliveries.sevflow_headers(raw, at=w.clock.now(), content_type="message/rfc822")
    return Call("/api/intake/email", content=raw, headers=headers)


def zendesk(w: ApiWorld, user: str) -> Call:
    number = str(90000 + USERS.index(user))
    body = deliveries.body_of(deliveries.zendesk_event("zendesk_ticket_created.json", ticket_id=number))
    return Call(
        "/api/intake/zendesk", content=body, headers=deliveries.zendesk_headers(body, at=w.clock.now())
    )


def jira(w: ApiWorld, user: str) -> Call:
    payload = deliveries.jira_now(w, deliveries.fixture_json("jira_issue_created_v2.json"))
    payload["issue"]["key"] = f"SUP-{900 + USERS.index(user)}"
    body = deliveries.body_of(payload)
    return Call("/api/intake/jira", content=body, headers=deliveries.jira_headers(body))


def fixed(path: str, **kw: Any) -> Callable[..., Call]:
    return lambda w, user: Call(path, **kw)


BUILD: dict[str, Callable[[ApiWorld, str], Call]] = {
    "GET /openapi.json": fixed("/openapi.json"),
    "GET /docs": fixed("/docs"),
    "GET /docs/oauth2-redirect": fixed("/docs/oauth2-redirect"),
    "GET /redoc": fixed("/redoc"),
    "POST /api/session (sign in with one's password)": sign_in,
    "DELETE /api/session": fixed("/api/session"),
    "POST /api/tokens (one's own)": fixed("/api/tokens", json={"label": "laptop"}),
    "POST /api/tokens (for someone else)": fixed("/api/tokens", json={"label": "sync", "user": "omar"}),
    "GET /api/tokens (one's own)": fixed("/api/tokens"),
    "GET /api/tokens (everyone's)": fixed("/api/tokens", params={"user": "*"}),
    "DELETE /api/tokens/{token_id} (one's own)": spare_token(
        lambda user: "ana" if user == "anonymous" else user
    ),
    "DELETE /api/tokens/{token_id} (someone else's)": spare_token(lambda user: "omar"),
    "POST /api/users": new_user,
    "GET /api/users": fixed("/api/users"),
    "GET /api/audit": fixed("/api/audit"),
    "GET /api/teams": fixed("/api/teams"),
    "GET /api/agents": fixed("/api/agents"),
    "GET /api/service-lines": fixed("/api/service-lines"),
    "GET /api/oncall/{team}": on_call("", at="2026-03-02T10:30:00+01:00"),
    "GET /api/oncall/{team}/handoffs": on_call("/handoffs", days="14"),
    "PUT /api/agents/{name}/away (oneself)": away(oneself=True),
    "PUT /api/agents/{name}/away (someone else)": away(oneself=False),
    "GET /api/customers": fixed("/api/customers"),
    "GET /api/customers/{name}": fixed("/api/customers/Globex"),
    "PUT /api/customers/{name}": fixed("/api/customers/Umbrella", json={"tier": "business"}),
    "GET /api/policy": fixed("/api/policy"),
    "GET /api/policy/versions": fixed("/api/policy/versions"),
    "GET /api/policy/versions/{version}": policy_version,
    "POST /api/policy": upload_policy,
    "POST /api/tickets (for one's own organisation)": new_ticket(for_globex=False),
    "POST /api/tickets (for Globex)": new_ticket(for_globex=True),
    "GET /api/tickets": fixed("/api/tickets"),
    "GET /api/tickets/{ticket_id}": on_ticket(""),
    "GET /api/tickets/{ticket_id}/audit": on_ticket("/audit"),
    "GET /api/tickets/{ticket_id}/deliveries": on_ticket("/deliveries"),
    "GET /api/tickets/{ticket_id}/triage": on_ticket("/triage"),
    "GET /api/tickets/{ticket_id}/related": on_ticket("/related"),
    "POST /api/tickets/{ticket_id}/comments (public)": on_ticket("/comments", {"body": "Looking into it"}),
    "POST /api/tickets/{ticket_id}/comments (internal)": on_ticket(
        "/comments", {"body": "Probably the acquirer", "public": False}
    ),
    "POST /api/tickets/{ticket_id}/status": on_ticket("/status", {"status": "in_progress"}, versioned=True),
    "POST /api/tickets/{ticket_id}/severity": on_ticket(
        "/severity", {"severity": "Sev2", "reason": "two shops affected"}, versioned=True
    ),
    "POST /api/tickets/{ticket_id}/escalate (at once)": on_ticket("/escalate", {"reason": "needs L2"}),
    "POST /api/tickets/{ticket_id}/escalate (after 2 h, enterprise)": escalate_after_wait,
    "POST /api/tickets/{ticket_id}/deescalate": deescalate,
    "POST /api/tickets/{ticket_id}/acknowledge (lena is the owner)": acknowledge,
    "POST /api/tickets/{ticket_id}/take": on_ticket("/take"),
    "POST /api/tickets/{ticket_id}/gate (no approver duty)": gate,
    "POST /api/tickets/{ticket_id}/page/ack (page 1)": on_ticket("/page/ack", {"page": 1}),
    "POST /api/tickets/{ticket_id}/customer-tier": on_ticket(
        "/customer-tier", {"customer_tier": "business", "reason": "contract downgraded"}, versioned=True
    ),
    "POST /api/tickets/{ticket_id}/impact": on_ticket("/impact", {"users_affected": 25}, versioned=True),
    "POST /api/intake/webhook (signed: the signature is the key)": webhook,
    "POST /api/intake/email (signed: the signature is the key)": email,
    "POST /api/intake/zendesk (signed: the signature is the key)": zendesk,
    "POST /api/intake/jira (signed: the signature is the key)": jira,
}


def newest_audit_entry(w: ApiWorld) -> dict[str, Any]:
    response = w.request("GET", "/api/audit", as_="root", params={"limit": "1"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items[0]


def resolve_left_open(w: ApiWorld, call: Call, response: httpx.Response) -> None:
    """Resolve the tickets a cell opened or used, so owners' open-ticket counts (the WIP limit)
    stay where the next cell expects them."""
    ids = {call.ticket}
    if response.headers.get("content-type", "").startswith("application/json") and response.content:
        body = response.json()
        if isinstance(body, dict):
            ids |= {body.get("ticket_id"), body.get("id") if "status" in body else None}
    for ticket_id in ids - {None}:
        assert isinstance(ticket_id, int)
        view = ticket_service.change_status(
            w.box.uow_factory(),
            clock=w.clock,
            actor=SETUP,
            ticket_id=ticket_id,
            status=Status.RESOLVED,
        )
        assert view.status is Status.RESOLVED


def check_cell(w: ApiWorld, row: Row, user: str) -> str:
    """Send the row's request as ``user``; return a complaint, or ``""`` if it went as expected."""
    call = BUILD[row.label](w, user)
    response = w.request(
        row.method,
        call.path,
        as_=None if user == "anonymous" else user,
        headers=call.headers,
        json=call.json,
        content=call.content,
        params=call.params,
    )
    w.client.cookies.clear()  # a sign-in sets a session cookie; the next anonymous call must not send it
    expected = row.expected[user]
    got = f"{response.status_code} {response.text[:300]}"
    try:
        if expected == "allow":
            if (row.label, user) in NOT_REFUSED_ONLY:
                ok = response.status_code not in (401, 403) and response.status_code < 500
            else:
                ok = response.status_code < 400
            return "" if ok else f"{row.label} as {user}: expected it to be allowed, got {got}"
        want_status, want_type = (401, UNAUTHENTICATED) if user == "anonymous" else (403, FORBIDDEN)
        if response.status_code != want_status:
            return f"{row.label} as {user}: expected {want_status}, got {got}"
        problem = response.json()
        if (response.headers["content-type"], problem["type"]) != ("application/problem+json", want_type):
            return f"{row.label} as {user}: expected a {want_type} problem, got {got}"
        if user != "anonymous":
            entry = newest_audit_entry(w)
            recorded = (entry["outcome"], entry["actor"], entry["ticket_id"])
            if recorded != ("denied", user, call.ticket):
                return (
                    f"{row.label} as {user}: audit log has {entry}, expected denied / {user} / {call.ticket}"
                )
        return ""
    finally:
        if response.status_code < 500:
            resolve_left_open(w, call, response)


# -- the tests --------------------------------------------------------------------------------


def test_the_table_names_every_route_of_the_app_and_nothing_else(sqlite_api: ApiWorld) -> None:
    in_table = {(row.method, row.path) for row in ROWS}
    # the dashboard's pages have a table of their own (tests/web/test_page_roles.py)
    answered = {r for r in app_routes(sqlite_api.client.app) if not is_page_path(r[1])}  # type: ignore[arg-type]
    assert answered - in_table == set(), "routes without a row in the role table"
    assert in_table - answered == set(), "rows in the role table for routes the app does not have"
    assert set(BUILD) == set(ROW), "every row has exactly one request"


def test_every_role_gets_exactly_what_the_table_says_on_every_route(sqlite_api: ApiWorld) -> None:
    complaints = [c for row in ROWS for user in USERS if (c := check_cell(sqlite_api, row, user))]
    assert complaints == []


SAMPLE = [
    ("GET /api/tickets/{ticket_id}", "carl"),
    ("GET /api/tickets/{ticket_id}", "cora"),
    ("POST /api/tickets/{ticket_id}/comments (internal)", "cora"),
    ("POST /api/tickets/{ticket_id}/customer-tier", "ana"),
    ("POST /api/tickets/{ticket_id}/customer-tier", "lena"),
    ("GET /api/audit", "lena"),
    ("GET /api/audit", "maria"),
    ("POST /api/users", "maria"),
    ("GET /api/tickets", "anonymous"),
]


@pytest.mark.parametrize(("label", "user"), SAMPLE, ids=[f"{user}: {label}" for label, user in SAMPLE])
def test_a_sample_of_the_table_holds_on_both_databases(api: ApiWorld, label: str, user: str) -> None:
    assert check_cell(api, ROW[label], user) == ""


def test_internal_comments_never_reach_a_customer_in_the_ticket_or_the_listing(sqlite_api: ApiWorld) -> None:
    w = sqlite_api
    t = globex_ticket(w)
    public = "We are rolling back the gateway"
    internal = "Acquirer certificate expired again; do not tell the customer yet"
    for body, is_public in ((public, True), (internal, False)):
        sent = w.request(
            "POST", f"/api/tickets/{t['id']}/comments", as_="ana", json={"body": body, "public": is_public}
        )
        assert sent.status_code == 201, sent.text

    staff = w.request("GET", f"/api/tickets/{t['id']}", as_="ana").json()
    assert [e["data"]["body"] for e in staff["timeline"] if e["kind"] == "commented"] == [public, internal]
    shown = w.request("GET", f"/api/tickets/{t['id']}", as_="cora")
    assert shown.status_code == 200
    assert [e["data"]["body"] for e in shown.json()["timeline"] if e["kind"] == "commented"] == [public]
    listing = w.request("GET", "/api/tickets", as_="cora")
    assert [item["id"] for item in listing.json()["items"]] == [t["id"]]
    for response in (shown, listing):
        assert internal not in response.text
        assert "Acquirer" not in response.text


def test_a_customer_sees_no_internal_handling_fields(sqlite_api: ApiWorld) -> None:
    t = globex_ticket(sqlite_api)
    body = sqlite_api.request("GET", f"/api/tickets/{t['id']}", as_="cora").json()
    hidden = ("proposed_severity", "tier", "team", "owner", "owner_accepted", "gate", "policy_version")
    assert {name: body[name] for name in hidden} == dict.fromkeys(hidden)
    assert body["plan"] == []


def test_the_owner_cannot_approve_the_gate_on_their_own_ticket_but_another_approver_can(
    sqlite_api: ApiWorld,
) -> None:
    w = sqlite_api
    t = globex_ticket(w, severity="Sev1", severity_reason="all card payments fail")
    assert (t["severity"], t["gate"], t["owner"]) == ("Sev1", "sev1-confirmation", "ingrid")
    path = f"/api/tickets/{t['id']}/gate"

    own = w.request("POST", path, as_="ingrid", json={"decision": "approve"})
    assert own.status_code == 403
    assert own.json()["type"] == FORBIDDEN
    assert own.json()["detail"] == "ingrid owns this ticket and cannot approve its own gate"
    entry = newest_audit_entry(w)
    assert (entry["outcome"], entry["actor"], entry["ticket_id"], entry["reason"]) == (
        "denied",
        "ingrid",
        t["id"],
        "ingrid owns this ticket and cannot approve its own gate",
    )

    made = w.request(
        "POST",
        "/api/users",
        as_="root",
        json={"name": "jonas", "role": "agent", "password": PASSWORD, "duties": ["senior_engineer"]},
    )
    assert made.status_code == 201, made.text
    assert made.json()["duties"] == ["senior_engineer"]
    token = w.request("POST", "/api/tokens", as_="root", json={"label": "tests", "user": "jonas"})
    assert token.status_code == 201, token.text
    w.tokens["jonas"] = token.json()["token"]

    approved = w.request("POST", path, as_="jonas", json={"decision": "approve", "note": "confirmed outage"})
    assert approved.status_code == 200, approved.text
    assert (approved.json()["severity"], approved.json()["gate"]) == ("Sev1", None)
    trail = w.request("GET", f"/api/tickets/{t['id']}/audit", as_="maria").json()
    assert [(e["actor"], e["data"]) for e in trail["events"] if e["kind"] == "gate_decided"] == [
        ("jonas", {"gate": "sev1-confirmation", "approved": True, "severity": "Sev1"})
    ]
    assert [(r["actor"], r["outcome"]) for r in trail["refused"]] == [("ingrid", "denied")]
