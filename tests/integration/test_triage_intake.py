"""Intake with a trained severity model, on every store: the model's proposal and why are on
the created event, each new ticket's triage is recorded, people's corrections become labelled
examples and the drift report counts them; a model that fails never blocks intake."""

from __future__ import annotations

from pathlib import Path

import pytest

from sevflow.domain.events import EventKind
from sevflow.domain.incoming import IncomingKind, IncomingTicket
from sevflow.domain.policy import Role
from sevflow.domain.severity import Severity
from sevflow.domain.triage_policy import ModelOpinion
from sevflow.policy.loader import load_policy_text
from sevflow.policy.starter import starter_policy_text
from sevflow.services import intake, triage
from sevflow.services import tickets as service
from sevflow.services.actors import Actor
from sevflow.services.policies import activate_policy
from sevflow.services.ports import UnitOfWorkFactory
from sevflow.testing import FakeClock
from sevflow.triage import artifact
from sevflow.triage.classifier import ModelClassifier
from sevflow.triage.model import TriageModel
from tests.integration.engine_world import T0
from tests.triage.model_fixture import labelled

TRIAGE = "\ntriage:\n  thresholds: {Sev1: 0.35}\n"


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> ModelClassifier:
    tickets, labels = labelled()
    path: Path = tmp_path_factory.mktemp("model") / "model.npz"
    return ModelClassifier(artifact.save(path, TriageModel.fit(tickets, labels), {}))


@pytest.fixture
def clock(uow_factory: UnitOfWorkFactory) -> FakeClock:
    clock = FakeClock(T0)
    text = starter_policy_text() + TRIAGE
    activate_policy(uow_factory(), clock=clock, policy=load_policy_text(text, "p"), source_text=text)
    return clock


def request(title: str, **kwargs: object) -> service.NewTicket:
    fields: dict[str, object] = {
        "title": title,
        "service_line": "payments",
        "customer": "Globex",
        "customer_tier": "standard",  # enterprise tickets have a Sev3 floor in the starter policy
    }
    fields.update(kwargs)
    return service.NewTicket(**fields)  # type: ignore[arg-type]


def created_event(uow_factory: UnitOfWorkFactory, ticket_id: int) -> dict[str, object]:
    with uow_factory() as uow:
        events = uow.events.for_ticket(ticket_id)
    return dict(next(e.event for e in events if e.event.kind is EventKind.CREATED).data)


def test_the_model_proposes_a_new_tickets_severity_and_the_created_event_says_why(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, classifier: ModelClassifier
) -> None:
    ticket = service.open_ticket(
        uow_factory(), clock=clock, actor=Actor("ana"), request=request("Outage: all down"), model=classifier
    )
    assert (ticket.severity, ticket.severity_source) == (Severity.SEV1, "model")
    data = created_event(uow_factory, ticket.id or 0)
    model = data["model"]
    assert isinstance(model, dict)
    assert (model["version"], model["severity"]) == (classifier.version, "Sev1")
    assert model["pushes"][0]["feature"] == "outage"
    assert data["proposed_severity"] == "Sev1"


def test_overrides_are_kept_as_labelled_examples_and_counted_in_the_drift_report(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, classifier: ModelClassifier
) -> None:
    cli = Actor("ana")
    a = service.open_ticket(
        uow_factory(), clock=clock, actor=cli, request=request("outage down"), model=classifier
    )
    service.open_ticket(
        uow_factory(), clock=clock, actor=cli, request=request("typo wording"), model=classifier
    )
    declared = request(
        "slow timeout", severity=Severity.SEV1, severity_reason="the customer's shop is closed"
    )
    c = service.open_ticket(uow_factory(), clock=clock, actor=cli, request=declared, model=classifier)
    clock.advance(minutes=5)
    service.override_severity(
        uow_factory(),
        clock=clock,
        actor=Actor("lee", frozenset({Role.AGENT})),
        ticket_id=a.id or 0,
        severity=Severity.SEV2,
        reason="only one shop",
    )
    corrected = triage.corrections(uow_factory(), actor=cli)
    assert [
        (r.ticket_id, r.proposed, r.correction.severity if r.correction else None) for r in corrected
    ] == [
        (a.id, Severity.SEV1, Severity.SEV2),
        (c.id, Severity.SEV2, Severity.SEV1),
    ]
    assert corrected[0].correction is not None
    assert (corrected[0].correction.actor, corrected[0].correction.reason) == ("lee", "only one shop")
    assert corrected[1].model_version == classifier.version
    report = triage.drift_report(uow_factory(), now=clock.now(), actor=cli, weeks=2)
    assert report.since == "2026-02-23"
    assert [(w, r.triaged, r.overridden) for w, r in report.weeks] == [
        ("2026-02-23", 0, 0),
        ("2026-03-02", 3, 2),
    ]
    assert {s.value: (r.triaged, r.overridden) for s, r in report.by_severity.items()} == {
        "Sev1": (1, 1),
        "Sev2": (1, 1),
        "Sev4": (1, 0),
    }


class Broken:
    """A severity model that cannot judge anything (as a failing model would report)."""

    def opinion(self, **fields: object) -> ModelOpinion | None:
        return None


def test_without_an_opinion_intake_goes_on_with_the_rules_alone(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    ticket = service.open_ticket(
        uow_factory(), clock=clock, actor=Actor("ana"), request=request("outage down"), model=Broken()
    )
    assert (ticket.severity, ticket.severity_source) == (Severity.SEV3, "default")
    assert "model" not in created_event(uow_factory, ticket.id or 0)


def test_tickets_arriving_from_other_systems_are_judged_by_the_model_too(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, classifier: ModelClassifier
) -> None:
    incoming = IncomingTicket(
        kind=IncomingKind.CREATED,
        source="webhook",
        external_id="X-1",
        title="breach dataloss",
        service_line="payments",
        customer_tier="standard",
    )
    received = intake.receive(
        uow_factory(), clock=clock, actor=Actor("intake:webhook"), incoming=incoming, model=classifier
    )
    assert (received.ticket.severity, received.ticket.severity_source) == (Severity.SEV1, "model")
