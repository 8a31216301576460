from __future__ import annotations

import pytest

from sevflow.domain.errors import NotFound
from sevflow.domain.policy import Policy
from sevflow.policy.loader import load_policy_text
from sevflow.services.ports import UnitOfWorkFactory
from tests.contract.conftest import T0


def test_no_policy_is_active_before_one_is_stored(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(NotFound, match="no policy is active yet"):
        uow.policies.active()


def test_a_stored_policy_reads_back_equal_and_the_same_object_each_call(
    uow_factory: UnitOfWorkFactory, starter: Policy, starter_text: str
) -> None:
    with uow_factory() as uow:
        uow.policies.add(starter, starter_text, now=T0, activate=False)
        uow.commit()
    with uow_factory() as uow:
        first = uow.policies.get(starter.version)
        with pytest.raises(NotFound, match="no policy is active yet"):
            uow.policies.active()
    with uow_factory() as uow:
        assert uow.policies.get(starter.version) is first
    assert first == starter


def test_activating_a_policy_makes_it_the_active_one(
    uow_factory: UnitOfWorkFactory, starter: Policy, starter_text: str
) -> None:
    edited_text = starter_text.replace("Acme support escalation policy", "Acme support escalation policy v2")
    edited = load_policy_text(edited_text, "edited")
    assert edited.version != starter.version
    with uow_factory() as uow:
        uow.policies.add(starter, starter_text, now=T0, activate=True)
        uow.commit()
    with uow_factory() as uow:
        assert uow.policies.active().version == starter.version
        uow.policies.add(edited, edited_text, now=T0, activate=True)
        assert uow.policies.active().version == edited.version
        uow.commit()
    with uow_factory() as uow:
        assert uow.policies.active().version == edited.version
        assert uow.policies.get(starter.version).version == starter.version
        uow.policies.add(starter, starter_text, now=T0, activate=True)
        uow.commit()
    with uow_factory() as uow:
        assert uow.policies.active().version == starter.version


def test_adding_a_stored_version_again_changes_nothing(
    uow_factory: UnitOfWorkFactory, starter: Policy, starter_text: str
) -> None:
    with uow_factory() as uow:
        uow.policies.add(starter, starter_text, now=T0, activate=True)
        uow.policies.add(starter, starter_text + "\n# a comment\n", now=T0, activate=False)
        uow.commit()
    with uow_factory() as uow:
        uow.policies.add(starter, starter_text, now=T0, activate=False)
        uow.commit()
    with uow_factory() as uow:
        assert uow.policies.active() == starter


def test_an_unknown_policy_version_is_not_found(uow_factory: UnitOfWorkFactory, starter: Policy) -> None:
    with uow_factory() as uow, pytest.raises(NotFound, match="policy version 'nope' is not stored"):
        uow.policies.get("nope")
