from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sevflow.domain.accounts import Customer
from sevflow.domain.errors import InvalidInput
from sevflow.services.ports import UnitOfWorkFactory
from tests.contract.conftest import T0

SYDNEY_SUMMER = timezone(timedelta(hours=11))
GLOBEX = Customer("Globex", "enterprise", T0, ("globex.com", "globex.co.uk"))


def put(uow_factory: UnitOfWorkFactory, *customers: Customer) -> None:
    with uow_factory() as uow:
        for customer in customers:
            uow.customers.put(customer)
        uow.commit()


def test_a_customer_round_trips_whole_with_created_at_aware_in_utc(uow_factory: UnitOfWorkFactory) -> None:
    created = datetime(2026, 3, 2, 20, 30, 0, 101, tzinfo=SYDNEY_SUMMER)
    put(uow_factory, replace(GLOBEX, created_at=created), Customer("Initech", "standard", T0))
    with uow_factory() as uow:
        stored = uow.customers.find("Globex")
        assert uow.customers.find("Initech") == Customer("Initech", "standard", T0, ())
        assert uow.customers.find("Umbrella") is None
    assert stored == replace(GLOBEX, created_at=datetime(2026, 3, 2, 9, 30, 0, 101, tzinfo=UTC))
    assert stored is not None
    assert stored.created_at.tzinfo is UTC


def test_email_domains_are_stored_lower_case_once_each_in_the_order_given(
    uow_factory: UnitOfWorkFactory,
) -> None:
    put(uow_factory, replace(GLOBEX, email_domains=("Globex.COM", "support.globex.com", "globex.com")))
    with uow_factory() as uow:
        stored = uow.customers.find("Globex")
    assert stored == replace(GLOBEX, email_domains=("globex.com", "support.globex.com"))


def test_put_replaces_tier_and_domains_but_keeps_the_first_created_at(uow_factory: UnitOfWorkFactory) -> None:
    put(uow_factory, GLOBEX)
    changed = Customer("Globex", "premium", T0 + timedelta(days=30), ("globex.io",))
    put(uow_factory, changed)
    with uow_factory() as uow:
        assert uow.customers.find("Globex") == replace(changed, created_at=T0)
        assert uow.customers.by_email_domain("globex.com") is None
        assert uow.customers.by_email_domain("globex.io") == replace(changed, created_at=T0)


def test_customers_are_listed_by_name_in_code_point_order(uow_factory: UnitOfWorkFactory) -> None:
    put(uow_factory, *(Customer(name, "standard", T0) for name in ["initech", "Globex", "Acme", "Ümlaut"]))
    with uow_factory() as uow:
        assert [c.name for c in uow.customers.list()] == ["Acme", "Globex", "initech", "Ümlaut"]


def test_a_customer_is_found_by_any_of_its_domains_whatever_the_case(uow_factory: UnitOfWorkFactory) -> None:
    initech = Customer("Initech", "standard", T0, ("initech.com",))
    put(uow_factory, GLOBEX, initech)
    with uow_factory() as uow:
        customers = uow.customers
        assert customers.by_email_domain("globex.com") == GLOBEX
        assert customers.by_email_domain("GLOBEX.co.UK") == GLOBEX
        assert customers.by_email_domain("Initech.Com") == initech
        assert customers.by_email_domain("lobex.com") is None  # whole domains only
        assert customers.by_email_domain("mail.globex.com") is None
        assert customers.by_email_domain("") is None
        assert customers.by_email_domain('globex.com"]') is None


def test_a_domain_claimed_by_two_customers_finds_the_first_by_name(uow_factory: UnitOfWorkFactory) -> None:
    put(uow_factory, replace(GLOBEX, name="Zeta"), GLOBEX)
    with uow_factory() as uow:
        assert uow.customers.by_email_domain("globex.com") == GLOBEX


def test_customers_put_without_commit_are_seen_by_their_transaction_only(
    uow_factory: UnitOfWorkFactory,
) -> None:
    put(uow_factory, GLOBEX)
    with uow_factory() as uow:
        uow.customers.put(Customer("Initech", "standard", T0, ("initech.com",)))
        uow.customers.put(replace(GLOBEX, tier="basic"))
        assert uow.customers.by_email_domain("initech.com") is not None
        assert [(c.name, c.tier) for c in uow.customers.list()] == [
            ("Globex", "basic"),
            ("Initech", "standard"),
        ]
    with uow_factory() as uow:
        assert uow.customers.list() == [GLOBEX]
        assert uow.customers.by_email_domain("initech.com") is None


def test_a_naive_creation_time_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    naive = datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001 - naive on purpose
    with uow_factory() as uow, pytest.raises(InvalidInput, match="has no time-zone offset"):
        uow.customers.put(replace(GLOBEX, created_at=naive))
