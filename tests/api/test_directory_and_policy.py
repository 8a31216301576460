"""The directory (teams, agents with their load and presence, service lines, customers) and the
escalation policy (reading it, uploading new versions) through the real app, on SQLite and
PostgreSQL."""

from __future__ import annotations

from typing import Any

from sevflow.policy.starter import starter_policy_text
from tests.api.expect import problem
from tests.api.world import ApiWorld

STARTER = "7fa59219ece8"
SEV4_DEFAULT = "6cfe318fcf54"
"""The version of the starter policy with ``default_severity: Sev4``."""
YAML = {"Content-Type": "application/yaml"}


def agent(api: ApiWorld, name: str) -> dict[str, Any]:
    [found] = [a for a in api.request("GET", "/api/agents", as_="vic").json() if a["name"] == name]
    return found


# --- teams, agents, service lines ------------------------------------------------------------------


def test_teams_come_from_the_active_policy(api: ApiWorld) -> None:
    teams = api.request("GET", "/api/teams", as_="vic").json()
    assert len(teams) == 15
    assert teams[:2] == [
        {
            "name": "payments-l1",
            "service_line": "payments",
            "tier": "L1",
            "lead": "lena",
            "members": ["ana", "ben", "carla"],
        },
        {
            "name": "payments-l2",
            "service_line": "payments",
            "tier": "L2",
            "lead": "omar",
            "members": ["priya", "tom"],
        },
    ]
    refused = api.request("GET", "/api/teams", as_="cora")
    assert refused.json()["detail"] == (
        "directory.read needs one of the roles: viewer, agent, lead, manager, admin; cora is customer"
    )


def test_service_lines_list_their_teams_and_owners_per_severity(api: ApiWorld) -> None:
    lines = api.request("GET", "/api/service-lines", as_="vic").json()
    assert [line["name"] for line in lines] == ["payments", "platform", "mobile"]
    assert lines[0] == {
        "name": "payments",
        "queue": "payments",
        "manager": "maria",
        "services": ["checkout", "billing", "refunds"],
        "teams": {
            "L1": "payments-l1",
            "L2": "payments-l2",
            "L3": "payments-l3",
            "engineering": "payments-eng",
            "management": "payments-mgmt",
        },
        "owners": {
            "Sev1": {"primary": "ingrid", "secondary": "omar"},
            "Sev2": {"primary": "omar", "secondary": "priya"},
            "Sev3": {"primary": "lena", "secondary": "ana"},
            "Sev4": {"primary": "lena", "secondary": "ana"},
        },
    }


def test_agents_show_their_teams_open_tickets_and_presence(api: ApiWorld) -> None:
    names = [a["name"] for a in api.request("GET", "/api/agents", as_="vic").json()]
    assert names == sorted(names)
    assert len(names) == 40
    assert agent(api, "lena") == {
        "name": "lena",
        "teams": [],
        "leads": ["payments-l1"],
        "open_tickets": 0,
        "away": False,
    }
    api.open_ticket()
    api.open_ticket()
    api.open_ticket(title="Data loss in billing exports")
    assert [agent(api, n)["open_tickets"] for n in ("lena", "ingrid", "ana")] == [2, 1, 0]
    api.request(
        "POST", "/api/tickets/1/status", as_="lena", json={"status": "resolved"}, headers={"If-Match": "*"}
    )
    assert agent(api, "lena")["open_tickets"] == 1


def test_an_agent_sets_themselves_away_and_new_tickets_skip_them(api: ApiWorld) -> None:
    response = api.request("PUT", "/api/agents/lena/away", as_="lena", json={"away": True})
    assert response.json() == {
        "name": "lena",
        "teams": [],
        "leads": ["payments-l1"],
        "open_tickets": 0,
        "away": True,
    }
    assert agent(api, "lena")["away"] is True
    assert api.open_ticket()["owner"] == "ana"  # the secondary Sev3 owner
    api.request("PUT", "/api/agents/lena/away", as_="lena", json={"away": False})
    assert api.open_ticket()["owner"] == "lena"


def test_setting_someone_else_away_needs_a_lead_or_above(api: ApiWorld) -> None:
    refused = api.request("PUT", "/api/agents/lena/away", as_="ana", json={"away": True})
    assert refused.json() == problem(
        403,
        "forbidden",
        "Not permitted",
        "agent.away needs one of the roles: lead, manager, admin; ana is agent",
        "/api/agents/lena/away",
    )
    assert agent(api, "lena")["away"] is False
    assert api.request("PUT", "/api/agents/ana/away", as_="lena", json={"away": True}).json()["away"] is True
    assert (
        api.request("PUT", "/api/agents/ana/away", as_="maria", json={"away": False}).json()["away"] is False
    )
    viewer = api.request("PUT", "/api/agents/vic/away", as_="vic", json={"away": True})
    assert (
        viewer.json()["detail"]
        == "agent.away_self needs one of the roles: agent, lead, manager, admin; vic is viewer"
    )


def test_an_agent_the_policy_does_not_name_cannot_be_set_away(api: ApiWorld) -> None:
    response = api.request("PUT", "/api/agents/lenna/away", as_="lena", json={"away": True})
    assert response.json() == problem(
        404,
        "not-found",
        "Not found",
        "the active policy names nobody called 'lenna' (in a team, as an owner or manager)",
        "/api/agents/lenna/away",
    )
    assert "lenna" not in [a["name"] for a in api.request("GET", "/api/agents", as_="vic").json()]


# --- customers -------------------------------------------------------------------------------------


def test_customers_are_listed_and_read_by_staff(api: ApiWorld) -> None:
    globex = {
        "name": "Globex",
        "tier": "enterprise",
        "email_domains": ["globex.com"],
        "created_at": "2026-03-02T09:30:00Z",
    }
    listed = api.request("GET", "/api/customers", as_="vic").json()
    assert [c["name"] for c in listed] == ["Globex", "Initech"]
    assert listed[0] == globex
    assert api.request("GET", "/api/customers/Globex", as_="ana").json() == globex
    missing = api.request("GET", "/api/customers/Hooli", as_="ana")
    assert missing.json() == problem(
        404, "not-found", "Not found", "no customer called 'Hooli'", "/api/customers/Hooli"
    )
    assert api.request("GET", "/api/customers", as_="cora").status_code == 403


def test_managers_register_and_update_customers(api: ApiWorld) -> None:
    created = api.request(
        "PUT",
        "/api/customers/Hooli",
        as_="maria",
        json={"tier": "standard", "email_domains": ["Hooli.XYZ", "hooli.xyz"]},
    )
    assert created.json() == {
        "name": "Hooli",
        "tier": "standard",
        "email_domains": ["hooli.xyz"],
        "created_at": "2026-03-02T09:30:00Z",
    }
    api.clock.advance(days=1)
    updated = api.request("PUT", "/api/customers/Hooli", as_="root", json={"tier": "business"}).json()
    assert (updated["tier"], updated["email_domains"], updated["created_at"]) == (
        "business",
        [],
        "2026-03-02T09:30:00Z",
    )
    body = api.open_ticket(customer="Hooli")
    assert body["customer_tier"] == "business"


def test_customer_changes_are_checked_and_for_managers_and_admins_only(api: ApiWorld) -> None:
    cases = [
        (
            "lena",
            {"tier": "standard"},
            403,
            "customer.manage needs one of the roles: manager, admin; lena is lead",
        ),
        (
            "maria",
            {"tier": "platinum"},
            422,
            "unknown customer tier 'platinum'; allowed: business, enterprise, standard",
        ),
        (
            "maria",
            {"tier": "standard", "email_domains": ["globex.com"]},
            422,
            "e-mail domain globex.com already belongs to customer Globex",
        ),
        (
            "maria",
            {"tier": "standard", "email_domains": ["not a domain"]},
            422,
            "e-mail domain 'not a domain' is not a domain name like example.com",
        ),
    ]
    for user, body, status, detail in cases:
        response = api.request("PUT", "/api/customers/Hooli", as_=user, json=body)
        assert (response.status_code, response.json()["detail"]) == (status, detail), body
    assert [c["name"] for c in api.request("GET", "/api/customers", as_="vic").json()] == [
        "Globex",
        "Initech",
    ]
    same_owner = api.request(
        "PUT",
        "/api/customers/Globex",
        as_="maria",
        json={"tier": "business", "email_domains": ["globex.com"]},
    )
    assert same_owner.status_code == 200


# --- policy ----------------------------------------------------------------------------------------


def test_the_active_policy_is_shown_with_its_source_and_summary(api: ApiWorld) -> None:
    body = api.request("GET", "/api/policy", as_="vic").json()
    assert (body["version"], body["name"], body["source"]) == (
        STARTER,
        "Acme support escalation policy",
        starter_policy_text(),
    )
    summary = body["summary"]
    assert (summary["version"], summary["default_severity"], summary["tiers"]) == (
        STARTER,
        "Sev3",
        ["L1", "L2", "L3", "engineering", "management"],
    )
    assert summary["counts"] == {"rules": 14, "severity_rules": 6, "gates": 1}
    assert api.request("GET", "/api/policy/versions", as_="vic").json() == [
        {
            "version": STARTER,
            "name": "Acme support escalation policy",
            "created_at": "2026-03-02T09:30:00Z",
            "active": True,
        }
    ]


def test_an_uploaded_policy_becomes_active_while_open_tickets_keep_their_version(api: ApiWorld) -> None:
    api.open_ticket(title="Webhooks arrive late", service_line="platform", customer="Initech")
    assert api.request("GET", "/api/tickets/1", as_="ana").json()["severity"] == "Sev3"
    api.clock.advance(hours=1)
    source = starter_policy_text().replace("default_severity: Sev3", "default_severity: Sev4")
    refused = api.request("POST", "/api/policy", as_="maria", content=source.encode(), headers=YAML)
    assert refused.json()["detail"] == "policy.upload needs one of the roles: admin; maria is manager"

    uploaded = api.request("POST", "/api/policy", as_="root", content=source.encode(), headers=YAML)
    assert uploaded.status_code == 201
    body = uploaded.json()
    assert (body["version"], body["source"], body["summary"]["default_severity"]) == (
        SEV4_DEFAULT,
        source,
        "Sev4",
    )
    assert api.request("GET", "/api/policy", as_="vic").json()["version"] == SEV4_DEFAULT
    assert api.request("GET", "/api/policy/versions", as_="vic").json() == [
        {
            "version": STARTER,
            "name": "Acme support escalation policy",
            "created_at": "2026-03-02T09:30:00Z",
            "active": False,
        },
        {
            "version": SEV4_DEFAULT,
            "name": "Acme support escalation policy",
            "created_at": "2026-03-02T10:30:00Z",
            "active": True,
        },
    ]
    old = api.request("GET", f"/api/policy/versions/{STARTER}", as_="vic").json()
    assert (old["version"], old["source"], old["summary"]["default_severity"]) == (
        STARTER,
        starter_policy_text(),
        "Sev3",
    )

    second = api.open_ticket(title="Webhooks arrive late", service_line="platform", customer="Initech")
    assert (second["policy_version"], second["severity"]) == (SEV4_DEFAULT, "Sev4")
    first = api.request("GET", "/api/tickets/1", as_="ana").json()
    assert (first["policy_version"], first["severity"]) == (STARTER, "Sev3")
    changed = api.request(
        "POST", "/api/tickets/1/comments", as_="ana", json={"body": "still on the old policy"}
    )
    assert changed.json()["policy_version"] == STARTER
    audit = api.request("GET", "/api/audit?limit=2", as_="root").json()["items"]
    assert [(e["actor"], e["action"], e["outcome"], e["target"]) for e in audit] == [
        ("root", "policy.upload", "allowed", SEV4_DEFAULT),
        ("maria", "policy.upload", "denied", None),
    ]


def test_an_invalid_policy_is_refused_listing_every_problem_and_nothing_is_stored(api: ApiWorld) -> None:
    source = (
        starter_policy_text()
        .replace("default_severity: Sev3", "default_severity: Sev9")
        .replace("    enterprise: 2h ", "    enterprise: soon ")
        .replace("accept_within: 15m", "accept_within: -5m")
    )
    response = api.request("POST", "/api/policy", as_="root", content=source.encode(), headers=YAML)
    assert response.json() == problem(
        422,
        "invalid-policy",
        "Invalid policy",
        "the policy has 3 problem(s); nothing was stored",
        "/api/policy",
        errors=[
            {
                "field": "default_severity",
                "message": "unknown severity 'Sev9'; allowed: Sev1, Sev2, Sev3, Sev4",
            },
            {
                "field": "handoff.accept_within",
                "message": "'-5m' is not a duration; write e.g. 15m, 4h, 2d, 1h30m or a whole number of minutes",
            },
            {
                "field": "manual_escalation.customer_after.enterprise",
                "message": "'soon' is not a duration; write e.g. 15m, 4h, 2d, 1h30m or a whole number of minutes",
            },
        ],
    )
    broken = api.request("POST", "/api/policy", as_="root", content=b"tiers: [", headers=YAML)
    assert broken.json()["errors"] == [
        {
            "field": "(top level)",
            "message": "YAML syntax error at line 1, column 9: expected the node content, but found '<stream end>' "
            "(while parsing a flow node)",
        }
    ]
    json_body = api.request(
        "POST", "/api/policy", as_="root", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert json_body.status_code == 415
    versions = api.request("GET", "/api/policy/versions", as_="vic").json()
    assert [(v["version"], v["active"]) for v in versions] == [(STARTER, True)]
