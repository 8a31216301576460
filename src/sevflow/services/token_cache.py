"""Tokens checked a moment ago, so that most requests learn who is calling without reading the
database. An entry is kept for ``ttl`` seconds of the process's monotonic time (not the
injected clock: it bounds staleness, it is not business time). Expiry is still checked against
``now`` on every use.

Revoking a token through this process forgets it at once. A revocation made elsewhere (the
CLI, another API process) is forgotten when it is heard of: on PostgreSQL a credential feed
(``sevflow.adapters.db.credential_feed``) hears every revocation as it commits and calls
``forget``; while the feed is not listening the cache is *suspended* and every request reads the
database. Without a feed (SQLite), a revocation made elsewhere takes effect within ``ttl``.

``generation`` counts forgettings: a request notes it before reading a token and ``put``
refuses an answer read before a revocation that was heard while the request was reading."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from sevflow.domain.accounts import ApiToken, User


class TokenCache:
    def __init__(
        self,
        *,
        ttl: float = 1.0,
        size: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
        suspended: bool = False,
    ):
        self.ttl = ttl
        self.size = size
        self._monotonic = monotonic
        self._entries: OrderedDict[str, tuple[float, str, ApiToken, User]] = OrderedDict()
        self._lock = threading.Lock()
        self._suspended = suspended
        self.generation = 0

    @property
    def suspended(self) -> bool:
        return self._suspended

    def get(self, token_id: str, digest: str) -> tuple[ApiToken, User] | None:
        """The token and its user if checked less than ``ttl`` ago with the same secret digest
        (never while suspended)."""
        with self._lock:
            if self._suspended:
                return None
            entry = self._entries.get(token_id)
            if entry is None:
                return None
            at, known_digest, token, user = entry
            if self._monotonic() - at > self.ttl or known_digest != digest:
                del self._entries[token_id]
                return None
            return token, user

    def put(self, token_id: str, digest: str, token: ApiToken, user: User, *, generation: int) -> None:
        """Remember a token read from the database while ``self.generation`` was
        ``generation``; nothing if something was forgotten since (the read may predate it)."""
        if self.ttl <= 0:
            return
        with self._lock:
            if self._suspended or generation != self.generation:
                return
            self._entries[token_id] = (self._monotonic(), digest, token, user)
            self._entries.move_to_end(token_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, token_id: str) -> None:
        with self._lock:
            self._entries.pop(token_id, None)
            self.generation += 1

    def suspend(self) -> None:
        """Forget everything and stop remembering (revocations may go unheard meanwhile)."""
        with self._lock:
            self._entries.clear()
            self._suspended = True
            self.generation += 1

    def resume(self) -> None:
        """Remember again, starting empty: what was known before may have been revoked since."""
        with self._lock:
            self._entries.clear()
            self._suspended = False
            self.generation += 1
