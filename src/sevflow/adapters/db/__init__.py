"""Storage on SQLite (embedded default, one worker) or PostgreSQL (many workers).

What the rest of sevflow uses (only ``bootstrap`` and tests should import from here)::

    from sevflow.adapters.db.engine import make_engine          # make_engine(url) -> Engine
    from sevflow.adapters.db.schema import migrate              # migrate(engine): upgrade to head
    from sevflow.adapters.db.uow import SqlUnitOfWorkFactory    # factory() -> SqlUnitOfWork
    from sevflow.adapters.db.locks import worker_lock           # with worker_lock(url): run the worker

Modules: ``types`` (UTCDateTime), ``tables`` (the schema), ``engine``, ``schema`` (Alembic,
``migrations/``), ``context`` (one transaction's connection), ``repositories/`` (one module per
port), ``driver_query`` (hot statements straight through sqlite3 / psycopg), ``uow``, ``locks``,
``wakeup`` (PostgreSQL ``LISTEN`` for the timer worker), ``credential_feed`` (PostgreSQL
``LISTEN`` for token revocations, for the API's token cache).
"""
