"""The per-transaction context SQL repositories share: the connection (opened lazily, so
entering a unit of work costs nothing until the first statement) and what this transaction
already knows, which lets repositories skip queries whose answer is certain."""

from __future__ import annotations

from sqlalchemy import Connection, Engine


class OutsideTransaction(RuntimeError):
    """A repository was used outside ``with uow:``."""


class SqlContext:
    """One unit of work's connection and transaction-local knowledge.

    ``new_tickets``: ids inserted by this transaction (they have no events, timers or outbox
    rows yet). ``last_seq``: the highest event seq per ticket as of this transaction's own
    appends; ``appended_from``: the first seq it appended per ticket (later seqs have no
    outbox rows but its own). ``outbox_next``: the next notification number per
    ``(ticket, seq)``. All of it is only valid until commit or rollback, and cleared then.
    """

    __slots__ = (
        "_conn",
        "_engine",
        "active",
        "appended_from",
        "dialect",
        "last_seq",
        "new_tickets",
        "outbox_next",
    )

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self.dialect: str = engine.dialect.name
        self.active = False
        self.new_tickets: set[int] = set()
        self.last_seq: dict[int, int] = {}
        self.appended_from: dict[int, int] = {}
        self.outbox_next: dict[tuple[int, int], int] = {}

    @classmethod
    def on(cls, connection: Connection) -> SqlContext:
        """A context over a connection already open in its transaction (a migration's): the
        repositories' statements run there; committing stays the connection owner's business."""
        ctx = cls(connection.engine)
        ctx._conn = connection
        ctx.active = True
        return ctx

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @property
    def connection(self) -> Connection:
        conn = self._conn
        if conn is None:
            if not self.active:
                raise OutsideTransaction("use the unit of work's repositories inside `with uow:`")
            conn = self._conn = self._engine.connect()
        return conn

    def forget(self) -> None:
        self.new_tickets.clear()
        self.last_seq.clear()
        self.appended_from.clear()
        self.outbox_next.clear()

    def commit(self) -> None:
        if self._conn is not None:
            self._conn.commit()
        self.forget()

    def rollback(self) -> None:
        if self._conn is not None:
            self._conn.rollback()
        self.forget()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        self.active = False
        self.forget()
        if conn is not None:
            try:
                if conn.in_transaction():
                    conn.rollback()
            finally:
                conn.close()
