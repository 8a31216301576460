"""Alembic migration environment (``env.py``, ``versions/``). Run it with ``sevflow.adapters.db.schema``."""
