"""Signed one-click acknowledgement links for pages (itsdangerous).

A page's message carries ``{public_url}/ack/{token}``; the token names the ticket, the page
number and the person paged, signed with ``SEVFLOW_LINK_SECRET`` and stamped with the instant it
was written (the injected clock's, so tests control expiry). Opening the link shows what it
acknowledges and a button; only the button's POST acknowledges, so a mail scanner that follows
links acknowledges nothing. A token cannot be altered (the signature), outlives its ``max_age``
only as a refusal, and acknowledges only its own page -- once that page is over, it does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from sevflow.domain.errors import Unauthenticated

DEFAULT_MAX_AGE_SECONDS = 24 * 3600
"""How long a link acknowledges (a page is over long before)."""


class LinkExpired(Unauthenticated):
    """The link was genuine but is older than its maximum age."""


@dataclass(frozen=True)
class AckClaim:
    ticket_id: int
    page: int
    to: str


class _ClockSigner(TimestampSigner):
    def __init__(self, *args: Any, clock: Callable[[], datetime], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock().timestamp())


class PageLinks:
    """Writes and reads acknowledgement tokens. ``secret`` must be kept secret (tokens made
    with one secret are refused under another); ``clock`` returns aware UTC instants."""

    def __init__(
        self, secret: str, *, clock: Callable[[], datetime], max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the link secret must be at least 16 characters long")
        self._max_age = max_age_seconds
        self._serializer = URLSafeTimedSerializer(
            secret, salt="sevflow-page-ack", signer=_ClockSigner, signer_kwargs={"clock": clock}
        )

    def token(self, *, ticket_id: int, page: int, to: str) -> str:
        return str(self._serializer.dumps({"t": ticket_id, "p": page, "to": to}))

    def read(self, token: str) -> AckClaim:
        """The claim of a genuine, unexpired ``token``; ``LinkExpired`` or ``Unauthenticated``
        (altered, made with another secret, or not a token at all) otherwise."""
        try:
            data = self._serializer.loads(token, max_age=self._max_age)
        except SignatureExpired:
            raise LinkExpired("this acknowledgement link has expired") from None
        except BadSignature:
            raise Unauthenticated("this acknowledgement link is not valid") from None
        try:
            return AckClaim(int(data["t"]), int(data["p"]), str(data["to"]))
        except (KeyError, TypeError, ValueError):
            raise Unauthenticated("this acknowledgement link is not valid") from None
