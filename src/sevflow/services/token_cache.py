"""Tokens checked a moment ago, so that most requests learn who is calling without reading the
database. An entry is kept for ``ttl`` seconds of the process's monotonic time (not the
injected clock: it bounds staleness, it is not business time). Revoking a token through this
process forgets it at once; a revocation made elsewhere (the CLI, another API process) takes
effect within ``ttl``. Expiry is still checked against ``now`` on every use."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from sevflow.domain.accounts import ApiToken, User


class TokenCache:
    def __init__(
        self, *, ttl: float = 1.0, size: int = 10_000, monotonic: Callable[[], float] = time.monotonic
    ):
        self.ttl = ttl
        self.size = size
        self._monotonic = monotonic
        self._entries: OrderedDict[str, tuple[float, str, ApiToken, User]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token_id: str, digest: str) -> tuple[ApiToken, User] | None:
        """The token and its user if checked less than ``ttl`` ago with the same secret digest."""
        with self._lock:
            entry = self._entries.get(token_id)
            if entry is None:
                return None
            at, known_digest, token, user = entry
            if self._monotonic() - at > self.ttl or known_digest != digest:
                del self._entries[token_id]
                return None
            return token, user

    def put(self, token_id: str, digest: str, token: ApiToken, user: User) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries[token_id] = (self._monotonic(), digest, token, user)
            self._entries.move_to_end(token_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, token_id: str) -> None:
        with self._lock:
            self._entries.pop(token_id, None)
