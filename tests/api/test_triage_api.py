"""The severity model through the API: a new ticket's triage, with the model's probabilities
and the words behind its proposal, at ``GET /api/tickets/{id}/triage``; an override shows as a
correction; a model file that cannot be used leaves intake on the rules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sevflow.policy.starter import starter_policy_text
from sevflow.triage import artifact
from sevflow.triage.model import TriageModel
from tests.api.world import ApiWorld, build_world
from tests.triage.model_fixture import labelled

POLICY = starter_policy_text() + "\ntriage:\n  thresholds: {Sev1: 0.35}\n"


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tickets, labels = labelled()
    path = tmp_path_factory.mktemp("model") / "model.npz"
    artifact.save(path, TriageModel.fit(tickets, labels), {})
    return path


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path, model_file: Path) -> Iterator[ApiWorld]:
    yield from build_world(sqlite_url, tmp_path, policy_text=POLICY, model_path=model_file)


def test_a_new_tickets_triage_shows_the_models_proposal_and_what_pushed_it(world: ApiWorld) -> None:
    created = world.open_ticket(title="Outage: portal down", customer_tier="standard")
    assert (created["severity"], created["proposed_severity"]) == ("Sev1", "Sev1")
    response = world.request("GET", f"/api/tickets/{created['id']}/triage", as_="ana")
    assert response.status_code == 200, response.text
    body = response.json()
    model = body.pop("model")
    assert body == {
        "proposed": "Sev1",
        "source": "model",
        "opened_as": "Sev1",
        "reason": body["reason"],
        "rules": {"severity": None, "matched": []},
        "corrections": [],
    }
    assert body["reason"].startswith("The model proposes Sev1 (P(Sev1) = ")
    assert model["severity"] == "Sev1"
    assert model["version"] == world.box.severity_model.version  # type: ignore[union-attr]
    assert set(model["probabilities"]) == {"Sev1", "Sev2", "Sev3", "Sev4"}
    assert abs(sum(model["probabilities"].values()) - 1) < 1e-3
    assert model["pushes"][0]["feature"] == "outage"
    assert {"portal", "down"} <= {p["feature"] for p in model["pushes"]}


def test_an_override_shows_as_a_correction_with_who_and_why(world: ApiWorld) -> None:
    created = world.open_ticket(title="typo on the portal", customer_tier="standard")
    assert created["severity"] == "Sev4"
    changed = world.request(
        "POST",
        f"/api/tickets/{created['id']}/severity",
        as_="ana",
        headers={"If-Match": "*"},
        json={"severity": "Sev3", "reason": "the typo is in the price"},
    )
    assert changed.status_code == 200, changed.text
    body = world.request("GET", f"/api/tickets/{created['id']}/triage", as_="ana").json()
    assert [(c["severity"], c["actor"], c["reason"]) for c in body["corrections"]] == [
        ("Sev3", "ana", "the typo is in the price")
    ]


def test_a_damaged_model_file_leaves_intake_on_the_policys_rules(sqlite_url: str, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(b"PK\x03\x04 not really")
    for world in build_world(sqlite_url, tmp_path, policy_text=POLICY, model_path=damaged):
        assert world.box.severity_model is None
        created = world.open_ticket(title="Outage: portal down", customer_tier="standard")
        assert created["severity"] == "Sev3"
        body = world.request("GET", f"/api/tickets/{created['id']}/triage", as_="ana").json()
        assert (body["model"], body["source"]) == (None, "default")


def test_the_ticket_page_shows_the_triage_to_staff_and_not_to_the_customer(world: ApiWorld) -> None:
    from tests.web.conftest import browser

    created = world.open_ticket(title="Outage: portal down", customer_tier="standard")
    page = browser(world, "lena").get(f"/tickets/{created['id']}").text
    panel = page[
        page.index('<section aria-labelledby="h-triage"') : page.index("</section>", page.index("h-triage"))
    ]
    assert "Proposed <strong>Sev1</strong> by model: The model proposes Sev1" in panel
    assert re.findall(r'<tr( class="proposed")?><th scope="row">(Sev\d)</th>', panel) == [
        (' class="proposed"', "Sev1"),
        ("", "Sev2"),
        ("", "Sev3"),
        ("", "Sev4"),
    ]
    assert '<span class="push">outage</span>' in panel
    customer = browser(world, "cora").get(f"/tickets/{created['id']}")
    assert customer.status_code == 200
    assert "h-triage" not in customer.text


def test_related_incidents_list_similar_tickets_and_flag_a_likely_shared_incident(world: ApiWorld) -> None:
    from tests.web.conftest import browser

    first = world.open_ticket(
        title="Checkout returns error 500 for every card payment", customer_tier="standard"
    )
    world.open_ticket(title="Printer out of toner", customer_tier="standard")
    world.clock.advance(minutes=20)
    second = world.open_ticket(
        title="Checkout returns error 500 for every card payment!", customer_tier="standard"
    )
    response = world.request("GET", f"/api/tickets/{second['id']}/related", as_="ana")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(i["ticket_id"], i["likely_shared"], i["open"], i["status"]) for i in items] == [
        (first["id"], True, True, "new")
    ]
    assert items[0]["title"] == "Checkout returns error 500 for every card payment"
    assert items[0]["score"] == 1.0  # the same words
    page = browser(world, "lena").get(f"/tickets/{second['id']}").text
    assert (
        f'<li class="shared"><a href="/tickets/{first["id"]}">#{first["id"]} Checkout returns error 500'
        in page
    )
    assert "likely the same incident" in page


def test_opening_a_near_duplicate_through_the_api_records_a_likely_shared_incident(world: ApiWorld) -> None:
    first = world.open_ticket(
        title="Checkout returns error 500 for every card payment", customer_tier="standard"
    )
    world.clock.advance(minutes=5)
    second = world.open_ticket(
        title="Checkout returns error 500 for every card payment", customer_tier="standard"
    )
    detail = world.request("GET", f"/api/tickets/{second['id']}", as_="ana").json()
    shared = [e for e in detail["timeline"] if e["kind"] == "likely_shared"]
    assert len(shared) == 1
    assert shared[0]["reason"].startswith(
        f'probably the same incident as #{first["id"]} "Checkout returns error 500'
    )
    again = world.request("GET", f"/api/tickets/{first['id']}", as_="ana").json()
    assert [e for e in again["timeline"] if e["kind"] == "likely_shared"] == []
