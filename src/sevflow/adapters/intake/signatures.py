"""Webhook signatures: sevflow's own scheme, Zendesk's and Jira's. Pure: ``now`` is passed in.

sevflow's own scheme (for the generic webhook), two headers:

- ``X-Sevflow-Timestamp``: when the sender signed, in whole Unix seconds (``1717405629``).
- ``X-Sevflow-Signature``: ``sha256=<hex>`` where ``<hex>`` is the lower-case hex
  HMAC-SHA256 of ``f"{timestamp}.".encode() + body`` keyed with the shared secret. While a
  secret is being rotated the sender may send several, comma-separated
  (``sha256=<new>,sha256=<old>``); one matching is enough.

Zendesk (``X-Zendesk-Webhook-Signature`` = base64 HMAC-SHA256 of the
``X-Zendesk-Webhook-Signature-Timestamp`` header text followed by the body) and Jira Cloud
(``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>``; the age comes from the payload's
top-level ``timestamp`` in milliseconds, since the header carries no time).

Every check refuses, with ``Unauthenticated``: a missing or malformed header, a signature that
does not match, and a timestamp more than ``tolerance_seconds`` (default 300) in the past or in
the future. The signature is checked before the age, so only a genuine but late delivery is told
that it is late. Messages never contain the secret or the expected signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from datetime import UTC, datetime

from sevflow.domain.errors import Unauthenticated

SEVFLOW_TIMESTAMP_HEADER = "X-Sevflow-Timestamp"
SEVFLOW_SIGNATURE_HEADER = "X-Sevflow-Signature"
ZENDESK_SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
ZENDESK_TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
JIRA_SIGNATURE_HEADER = "X-Hub-Signature"
DEFAULT_TOLERANCE_SECONDS = 300

_HEX_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
_DIGITS = re.compile(r"[0-9]{1,12}")


def sign_sevflow(secret: bytes, timestamp: int, body: bytes) -> str:
    """The ``X-Sevflow-Signature`` value for ``body`` signed at ``timestamp`` (Unix seconds)."""
    return "sha256=" + _hmac(secret, f"{timestamp}.".encode() + body).hex()


def verify_sevflow(
    secret: bytes,
    *,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    now: datetime,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Check a generic-webhook delivery: the raw ``body`` and the two header values as received
    (``None`` when absent). Returns ``None`` if one signature matches and the timestamp is within
    ``tolerance_seconds`` of ``now`` (aware UTC); raises ``Unauthenticated`` saying what failed.
    """
    _check_setup(secret, now)
    stamp_text = _present(timestamp_header, SEVFLOW_TIMESTAMP_HEADER).strip()
    if not _DIGITS.fullmatch(stamp_text):
        raise Unauthenticated(
            f"malformed {SEVFLOW_TIMESTAMP_HEADER} header {_excerpt(stamp_text)}: "
            "expected whole Unix seconds, e.g. 1717405629"
        )
    given = [
        _hex_digest(part, SEVFLOW_SIGNATURE_HEADER, "sha256=<64 hex digits>, comma-separated if several")
        for part in _present(signature_header, SEVFLOW_SIGNATURE_HEADER).split(",")
    ]
    expected = _hmac(secret, stamp_text.encode() + b"." + body)
    if not any(hmac.compare_digest(expected, g) for g in given):
        raise Unauthenticated(f"{SEVFLOW_SIGNATURE_HEADER} does not match the body and timestamp")
    signed_at = _from_unix(int(stamp_text), SEVFLOW_TIMESTAMP_HEADER)
    _check_age(signed_at, now, tolerance_seconds, SEVFLOW_TIMESTAMP_HEADER)


def sign_zendesk(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Zendesk-Webhook-Signature`` Zendesk sends: base64 HMAC-SHA256 of the timestamp
    header text followed by the body."""
    return base64.b64encode(_hmac(secret, timestamp.encode() + body)).decode("ascii")


def verify_zendesk(
    secret: bytes,
    *,
    signature_header: str | None,
    timestamp_header: str | None,
    body: bytes,
    now: datetime,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Check a Zendesk webhook delivery signed with the webhook's signing secret.

    ``timestamp_header`` is ``X-Zendesk-Webhook-Signature-Timestamp`` as received (ISO 8601 UTC,
    ``2021-06-03T21:47:09Z``); ``signature_header`` is ``X-Zendesk-Webhook-Signature``. Returns
    ``None`` if valid and fresh; raises ``Unauthenticated`` saying what failed.
    """
    _check_setup(secret, now)
    stamp_text = _present(timestamp_header, ZENDESK_TIMESTAMP_HEADER)
    try:
        signed_at = datetime.fromisoformat(stamp_text.strip())
    except ValueError:
        signed_at = None
    if signed_at is None or signed_at.utcoffset() is None:
        raise Unauthenticated(
            f"malformed {ZENDESK_TIMESTAMP_HEADER} header {_excerpt(stamp_text)}: "
            "expected an ISO 8601 UTC time, e.g. 2021-06-03T21:47:09Z"
        )
    signature_text = _present(signature_header, ZENDESK_SIGNATURE_HEADER).strip()
    try:
        given = base64.b64decode(signature_text, validate=True)
    except (binascii.Error, ValueError):
        given = b""
    if len(given) != hashlib.sha256().digest_size:
        raise Unauthenticated(
            f"malformed {ZENDESK_SIGNATURE_HEADER} header: expected the base64 of a 32-byte HMAC-SHA256"
        )
    if not hmac.compare_digest(_hmac(secret, stamp_text.encode() + body), given):
        raise Unauthenticated(f"{ZENDESK_SIGNATURE_HEADER} does not match the body and timestamp")
    _check_age(signed_at, now, tolerance_seconds, ZENDESK_TIMESTAMP_HEADER)


def sign_jira(secret: bytes, body: bytes) -> str:
    """The ``X-Hub-Signature`` Jira Cloud sends for a webhook registered with a secret."""
    return "sha256=" + _hmac(secret, body).hex()


def verify_jira(
    secret: bytes,
    *,
    signature_header: str | None,
    body: bytes,
    payload_timestamp_ms: int | None,
    now: datetime,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Check a Jira Cloud webhook delivery: ``X-Hub-Signature`` over the raw ``body``, and the
    payload's top-level ``timestamp`` (milliseconds since the epoch; see
    ``jira.payload_timestamp_ms``) within ``tolerance_seconds`` of ``now``. A payload without a
    timestamp is refused: its age cannot be checked, so it could be a replay. Raises
    ``Unauthenticated`` saying what failed.
    """
    _check_setup(secret, now)
    given = _hex_digest(
        _present(signature_header, JIRA_SIGNATURE_HEADER), JIRA_SIGNATURE_HEADER, "sha256=<64 hex digits>"
    )
    if not hmac.compare_digest(_hmac(secret, body), given):
        raise Unauthenticated(f"{JIRA_SIGNATURE_HEADER} does not match the body")
    if payload_timestamp_ms is None:
        raise Unauthenticated(
            "the Jira payload has no top-level timestamp (milliseconds since the epoch), "
            "so the delivery's age cannot be checked"
        )
    signed_at = _from_unix(payload_timestamp_ms / 1000, "the Jira payload timestamp")
    _check_age(signed_at, now, tolerance_seconds, "the Jira payload timestamp")


def _hmac(secret: bytes, message: bytes) -> bytes:
    return hmac.new(secret, message, hashlib.sha256).digest()


def _check_setup(secret: bytes, now: datetime) -> None:
    # Both are the caller's configuration, not the sender's fault: not Unauthenticated.
    if not secret:
        raise ValueError("the webhook secret is empty; configure one before accepting deliveries")
    if now.utcoffset() is None:
        raise ValueError("now must be an aware UTC datetime")


def _present(header: str | None, name: str) -> str:
    if header is None or not header.strip():
        raise Unauthenticated(f"missing {name} header")
    return header


def _hex_digest(text: str, name: str, expected: str) -> bytes:
    match = _HEX_SIGNATURE.fullmatch(text.strip())
    if match is None:
        raise Unauthenticated(f"malformed {name} header: expected {expected}")
    return bytes.fromhex(match.group(1))


def _from_unix(seconds: float, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise Unauthenticated(f"{what} is not a plausible time: {seconds:.0f} s since the epoch") from None


def _check_age(signed_at: datetime, now: datetime, tolerance_seconds: int, what: str) -> None:
    age = (now - signed_at).total_seconds()
    if age > tolerance_seconds:
        raise Unauthenticated(
            f"{what} is too old: signed {age:.0f} s ago, the limit is {tolerance_seconds} s "
            "(a replayed or long-delayed delivery)"
        )
    if -age > tolerance_seconds:
        raise Unauthenticated(
            f"{what} is {-age:.0f} s in the future, beyond the {tolerance_seconds} s tolerance "
            "(check the sender's clock)"
        )


def _excerpt(text: str) -> str:
    return repr(text[:40] + "…") if len(text) > 40 else repr(text)
