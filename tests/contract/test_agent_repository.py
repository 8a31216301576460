from __future__ import annotations

from sevflow.domain.staffing import Staffing
from sevflow.services.ports import UnitOfWorkFactory


def test_unknown_agents_count_as_free(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.agents.staffing(["ana", "bo"]) == Staffing()
        assert uow.agents.staffing([]) == Staffing()


def test_load_deltas_create_agents_and_add_up_across_transactions(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.agents.adjust_load({"ana": 2, "bo": 1, "cy": 0})
        uow.commit()
    with uow_factory() as uow:
        uow.agents.adjust_load({"ana": -1, "bo": 3})
        uow.agents.adjust_load({"bo": 1})
        uow.commit()
    with uow_factory() as uow:
        assert uow.agents.staffing(["ana", "bo", "cy", "dee"]) == Staffing(load={"ana": 1, "bo": 5})


def test_away_agents_are_reported_with_their_load(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.agents.adjust_load({"ana": 4})
        uow.agents.set_away("ana", True)
        uow.agents.set_away("bo", True)
        uow.agents.set_away("cy", True)
        uow.agents.set_away("cy", False)
        uow.commit()
    with uow_factory() as uow:
        staffing = uow.agents.staffing(["ana", "bo", "cy"])
        uow.agents.adjust_load({"ana": 1})
        assert uow.agents.staffing(["ana"]) == Staffing(load={"ana": 5}, away=frozenset({"ana"}))
    assert staffing == Staffing(load={"ana": 4, "bo": 0, "cy": 0}, away=frozenset({"ana", "bo"}))
