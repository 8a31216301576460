"""Customer organisations in SQL. E-mail domains are stored lower-case (a JSON list), so a
lookup by domain is an exact match on either database: ``json_each`` on SQLite, JSONB
containment (``@>``) on PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, cast, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.driver_query import DriverQuery
from sevflow.adapters.db.tables import customers
from sevflow.domain.accounts import Customer
from sevflow.domain.instants import require_aware

_C = customers.c
_SELECT = select(_C.name, _C.tier, _C.email_domains, _C.created_at)
_FIND = DriverQuery(_SELECT.where(_C.name == bindparam("name")))
_EACH = func.json_each(_C.email_domains).table_valued("value")
_BY_DOMAIN = {
    "sqlite": _SELECT.where(exists().where(_EACH.c.value == bindparam("domain"))),
    "postgresql": _SELECT.where(cast(_C.email_domains, JSONB).contains(bindparam("domains", type_=JSONB))),
}


def _upsert(insert: Any) -> Any:
    # a replaced customer keeps its created_at: it is when the customer was first stored
    statement = insert(customers)
    return statement.on_conflict_do_update(
        index_elements=[_C.name],
        set_={"tier": statement.excluded.tier, "email_domains": statement.excluded.email_domains},
    )


_PUT = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}


class SqlCustomerRepository:
    """``CustomerRepository`` in SQL. ``put`` stores ``email_domains`` lower-cased, without
    repeats, in the order given (so they come back lower-case), and keeps the first
    ``created_at`` when it replaces a customer. ``by_email_domain``: when several customers
    claim a domain, the first by name. Names sort by code point, whatever the collation."""

    __slots__ = ("_by_domain", "_ctx", "_put")

    def __init__(self, ctx: SqlContext) -> None:
        self._ctx = ctx
        self._put = _PUT[ctx.dialect]
        self._by_domain = _BY_DOMAIN[ctx.dialect]

    def put(self, customer: Customer) -> None:
        row = {
            "name": customer.name,
            "tier": customer.tier,
            "email_domains": domains_of(customer),
            "created_at": require_aware(customer.created_at, "customer created_at"),
        }
        self._ctx.connection.execute(self._put, row)

    def find(self, name: str) -> Customer | None:
        row = _FIND.first(self._ctx, {"name": name})
        return None if row is None else _customer(row)

    def list(self) -> list[Customer]:
        return sorted((_customer(row) for row in self._ctx.connection.execute(_SELECT)), key=lambda c: c.name)

    def by_email_domain(self, domain: str) -> Customer | None:
        wanted = domain.lower()
        params = {"domain": wanted} if self._ctx.dialect == "sqlite" else {"domains": [wanted]}
        found = [_customer(row) for row in self._ctx.connection.execute(self._by_domain, params)]
        return min(found, key=lambda c: c.name, default=None)


def domains_of(customer: Customer) -> list[str]:
    """The domains as stored: lower-case, first occurrence kept."""
    return list(dict.fromkeys(domain.lower() for domain in customer.email_domains))


def _customer(row: Any) -> Customer:
    return Customer(row.name, row.tier, row.created_at, tuple(row.email_domains))
