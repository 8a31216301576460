"""Hearing, in every API process, that an API token was revoked anywhere.

PostgreSQL: revoking a token sends ``NOTIFY sevflow_credentials, '<token id>'`` in the revoking
transaction (see the token repository), so it is delivered when, and only if, it commits. A
``CredentialFeed`` ``LISTEN``s on a dedicated autocommit connection in a daemon thread and makes
the process's ``TokenCache`` forget each token it hears of. Until it listens -- at start, and
after losing its connection until it has it back -- the cache is suspended (every request reads
the database), since a revocation made meanwhile would go unheard. SQLite has no such channel.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import psycopg
from sqlalchemy.engine import URL

from sevflow.adapters.db.engine import libpq_conninfo

CREDENTIALS_CHANNEL = "sevflow_credentials"

log = logging.getLogger("sevflow.api")


class Forgetful(Protocol):
    """What the feed tells (``sevflow.services.token_cache.TokenCache``)."""

    def forget(self, token_id: str) -> None:
        """Token ``token_id`` was revoked."""

    def suspend(self) -> None:
        """Revocations may go unheard from now on."""

    def resume(self) -> None:
        """Every revocation from now on will be heard."""


class CredentialFeed:
    """``start()`` listens in a daemon thread until ``stop()``; reconnects every
    ``retry_seconds`` after losing the connection."""

    def __init__(self, url: URL, cache: Forgetful, *, retry_seconds: float = 1.0, poll_seconds: float = 0.5):
        self._conninfo = libpq_conninfo(url)
        self.application_name = "sevflow-credential-feed"
        self._cache = cache
        self._retry = retry_seconds
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()
        """Set while the feed listens (the cache is trusted); for tests and health checks."""

    def start(self) -> None:
        self._cache.suspend()
        self._thread = threading.Thread(target=self._run, name="sevflow-credential-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5 * self._poll + 5)
        self._cache.suspend()

    def _run(self) -> None:
        deaf = False  # warned about this outage already: say it once, not at every retry
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._conninfo, autocommit=True, connect_timeout=5, application_name=self.application_name
                ) as conn:
                    conn.execute(f"LISTEN {CREDENTIALS_CHANNEL}")
                    # listening from here on: anything revoked before is in the database
                    self._cache.resume()
                    self.listening.set()
                    if deaf:
                        log.warning("hearing token revocations again; remembering checked tokens again")
                        deaf = False
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self._poll):
                            self._cache.forget(note.payload)
            except psycopg.Error as error:
                if self._stop.is_set():
                    return
                if not deaf:
                    log.warning(
                        "not hearing token revocations (%s); every request reads its token until the "
                        "connection is back",
                        error,
                    )
                    deaf = True
            finally:
                self._cache.suspend()
                self.listening.clear()
            self._stop.wait(self._retry)
