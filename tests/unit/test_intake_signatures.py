"""Webhook signatures: sevflow's own scheme, Zendesk's and Jira's."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sevflow.adapters.intake.signatures import (
    sign_jira,
    sign_sevflow,
    sign_zendesk,
    verify_jira,
    verify_sevflow,
    verify_zendesk,
)
from sevflow.domain.errors import Unauthenticated

SECRET = b"whsec_7Hq2mZ9pL4xV1cN8"
NOW = datetime(2024, 6, 3, 9, 0, 0, tzinfo=UTC)
STAMP = int(NOW.timestamp())
BODY = b'{"external_id":"INC-42","title":"Checkout returns 502"}'
ZENDESK_STAMP = "2024-06-03T08:59:30Z"
JIRA_STAMP_MS = 1717405170431  # 2024-06-03T08:59:30.431Z


def sevflow(signature: str | None, *, stamp: str | None = str(STAMP), body: bytes = BODY) -> None:
    verify_sevflow(SECRET, timestamp_header=stamp, signature_header=signature, body=body, now=NOW)


def zendesk(signature: str | None, *, stamp: str | None = ZENDESK_STAMP, body: bytes = BODY) -> None:
    verify_zendesk(SECRET, signature_header=signature, timestamp_header=stamp, body=body, now=NOW)


def jira(signature: str | None, *, stamp_ms: int | None = JIRA_STAMP_MS, body: bytes = BODY) -> None:
    verify_jira(SECRET, signature_header=signature, body=body, payload_timestamp_ms=stamp_ms, now=NOW)


def refused(check: Callable[[], None]) -> str:
    with pytest.raises(Unauthenticated) as err:
        check()
    return str(err.value)


# sevflow's own scheme


def test_a_sevflow_signature_is_the_hex_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, f"{STAMP}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign_sevflow(SECRET, STAMP, BODY) == f"sha256={expected}"


def test_a_freshly_signed_delivery_is_accepted() -> None:
    sevflow(sign_sevflow(SECRET, STAMP, BODY))


def test_upper_case_hex_is_accepted() -> None:
    sevflow(sign_sevflow(SECRET, STAMP, BODY).upper().replace("SHA256=", "sha256="))


def test_during_secret_rotation_any_one_matching_signature_is_enough() -> None:
    old = sign_sevflow(b"the-old-secret", STAMP, BODY)
    sevflow(f"{old}, {sign_sevflow(SECRET, STAMP, BODY)}")


def test_a_tampered_body_is_refused() -> None:
    signature = sign_sevflow(SECRET, STAMP, BODY)
    assert refused(lambda: sevflow(signature, body=BODY.replace(b"502", b"503"))) == (
        "X-Sevflow-Signature does not match the body and timestamp"
    )


def test_a_signature_made_with_another_secret_is_refused() -> None:
    assert "does not match" in refused(lambda: sevflow(sign_sevflow(b"guessed", STAMP, BODY)))


def test_a_changed_timestamp_breaks_the_signature() -> None:
    signature = sign_sevflow(SECRET, STAMP, BODY)
    assert "does not match" in refused(lambda: sevflow(signature, stamp=str(STAMP + 1)))


@pytest.mark.parametrize(
    ("stamp", "signature", "message"),
    [
        (None, "sha256=" + "0" * 64, "missing X-Sevflow-Timestamp header"),
        (str(STAMP), None, "missing X-Sevflow-Signature header"),
        ("  ", "sha256=" + "0" * 64, "missing X-Sevflow-Timestamp header"),
    ],
)
def test_a_missing_header_is_named(stamp: str | None, signature: str | None, message: str) -> None:
    assert refused(lambda: sevflow(signature, stamp=stamp)) == message


@pytest.mark.parametrize("stamp", ["2024-06-03T09:00:00Z", "1717405200.5", "-1717405200", "soon"])
def test_a_timestamp_that_is_not_whole_unix_seconds_is_malformed(stamp: str) -> None:
    message = refused(lambda: sevflow(sign_sevflow(SECRET, STAMP, BODY), stamp=stamp))
    assert message.startswith(f"malformed X-Sevflow-Timestamp header {stamp!r}: expected whole Unix seconds")


@pytest.mark.parametrize("signature", ["md5=abc", "sha256=xyz", "sha256=" + "a" * 63, "a" * 64, "sha256=é"])
def test_a_signature_not_of_the_form_sha256_hex_is_malformed(signature: str) -> None:
    assert refused(lambda: sevflow(signature)) == (
        "malformed X-Sevflow-Signature header: expected sha256=<64 hex digits>, comma-separated if several"
    )


def test_a_delivery_signed_more_than_300_seconds_ago_is_refused_with_its_age() -> None:
    stamp = STAMP - 301
    assert refused(lambda: sevflow(sign_sevflow(SECRET, stamp, BODY), stamp=str(stamp))) == (
        "X-Sevflow-Timestamp is too old: signed 301 s ago, the limit is 300 s "
        "(a replayed or long-delayed delivery)"
    )


def test_a_delivery_signed_exactly_300_seconds_ago_is_still_accepted() -> None:
    stamp = STAMP - 300
    sevflow(sign_sevflow(SECRET, stamp, BODY), stamp=str(stamp))


def test_a_timestamp_too_far_in_the_future_is_refused() -> None:
    stamp = STAMP + 301
    assert refused(lambda: sevflow(sign_sevflow(SECRET, stamp, BODY), stamp=str(stamp))) == (
        "X-Sevflow-Timestamp is 301 s in the future, beyond the 300 s tolerance (check the sender's clock)"
    )


def test_the_tolerance_can_be_narrowed() -> None:
    stamp = STAMP - 61
    with pytest.raises(Unauthenticated, match="the limit is 60 s"):
        verify_sevflow(
            SECRET,
            timestamp_header=str(stamp),
            signature_header=sign_sevflow(SECRET, stamp, BODY),
            body=BODY,
            now=NOW,
            tolerance_seconds=60,
        )


def test_an_absurd_timestamp_is_refused_not_crashed_on() -> None:
    stamp = 999_999_999_999
    message = refused(lambda: sevflow(sign_sevflow(SECRET, stamp, BODY), stamp=str(stamp)))
    assert message.startswith("X-Sevflow-Timestamp is not a plausible time")


def test_no_message_reveals_the_secret_or_the_expected_signature() -> None:
    right = sign_sevflow(SECRET, STAMP, BODY)
    messages = [
        refused(lambda: sevflow(sign_sevflow(SECRET, STAMP, b"other"))),
        refused(lambda: sevflow(right, stamp=str(STAMP + 1))),
        refused(lambda: zendesk(sign_zendesk(SECRET, ZENDESK_STAMP, b"other"))),
        refused(lambda: jira(sign_jira(SECRET, b"other"))),
    ]
    secrets = [SECRET.decode(), right.removeprefix("sha256="), sign_zendesk(SECRET, ZENDESK_STAMP, BODY)]
    assert not [(m, s) for m in messages for s in secrets if s in m]


def test_a_naive_now_or_an_empty_secret_is_a_programming_error() -> None:
    signature = sign_sevflow(SECRET, STAMP, BODY)
    with pytest.raises(ValueError, match="aware"):
        verify_sevflow(
            SECRET,
            timestamp_header=str(STAMP),
            signature_header=signature,
            body=BODY,
            now=NOW.replace(tzinfo=None),
        )
    with pytest.raises(ValueError, match="secret is empty"):
        verify_sevflow(b"", timestamp_header=str(STAMP), signature_header=signature, body=BODY, now=NOW)


@given(
    secret=st.binary(min_size=1, max_size=64),
    body=st.binary(max_size=2048),
    skew=st.integers(min_value=-300, max_value=300),
    flip=st.integers(min_value=0),
)
def test_any_body_signed_within_the_tolerance_verifies_and_any_changed_byte_does_not(
    secret: bytes, body: bytes, skew: int, flip: int
) -> None:
    stamp = STAMP + skew
    signature = sign_sevflow(secret, stamp, body)
    verify_sevflow(secret, timestamp_header=str(stamp), signature_header=signature, body=body, now=NOW)
    tampered = bytearray(body or b"!")
    if body:
        tampered[flip % len(body)] ^= 1
    with pytest.raises(Unauthenticated, match="does not match"):
        verify_sevflow(
            secret, timestamp_header=str(stamp), signature_header=signature, body=bytes(tampered), now=NOW
        )


# Zendesk


def test_a_zendesk_signature_is_the_base64_hmac_of_timestamp_and_body() -> None:
    digest = hmac.new(SECRET, ZENDESK_STAMP.encode() + BODY, hashlib.sha256).digest()
    assert sign_zendesk(SECRET, ZENDESK_STAMP, BODY) == base64.b64encode(digest).decode()


def test_a_genuine_zendesk_delivery_is_accepted() -> None:
    zendesk(sign_zendesk(SECRET, ZENDESK_STAMP, BODY))


def test_a_zendesk_delivery_with_a_tampered_body_is_refused() -> None:
    signature = sign_zendesk(SECRET, ZENDESK_STAMP, BODY)
    assert refused(lambda: zendesk(signature, body=BODY + b" ")) == (
        "X-Zendesk-Webhook-Signature does not match the body and timestamp"
    )


@pytest.mark.parametrize(
    ("stamp", "signature", "message"),
    [
        (None, "c2ln", "missing X-Zendesk-Webhook-Signature-Timestamp header"),
        (ZENDESK_STAMP, None, "missing X-Zendesk-Webhook-Signature header"),
        (
            "1717405170",
            "c2ln",
            "malformed X-Zendesk-Webhook-Signature-Timestamp header '1717405170': "
            "expected an ISO 8601 UTC time, e.g. 2021-06-03T21:47:09Z",
        ),
        (
            "2024-06-03T08:59:30",
            "c2ln",
            "malformed X-Zendesk-Webhook-Signature-Timestamp header '2024-06-03T08:59:30': "
            "expected an ISO 8601 UTC time, e.g. 2021-06-03T21:47:09Z",
        ),
        (
            ZENDESK_STAMP,
            "not base64!",
            "malformed X-Zendesk-Webhook-Signature header: expected the base64 of a 32-byte HMAC-SHA256",
        ),
        (
            ZENDESK_STAMP,
            "c2ln",
            "malformed X-Zendesk-Webhook-Signature header: expected the base64 of a 32-byte HMAC-SHA256",
        ),
    ],
)
def test_a_zendesk_delivery_with_a_missing_or_malformed_header_is_refused(
    stamp: str | None, signature: str | None, message: str
) -> None:
    assert refused(lambda: zendesk(signature, stamp=stamp)) == message


def test_an_old_zendesk_delivery_is_refused_with_its_age() -> None:
    stamp = "2024-06-03T08:50:00Z"
    assert refused(lambda: zendesk(sign_zendesk(SECRET, stamp, BODY), stamp=stamp)) == (
        "X-Zendesk-Webhook-Signature-Timestamp is too old: signed 600 s ago, the limit is 300 s "
        "(a replayed or long-delayed delivery)"
    )


def test_a_zendesk_timestamp_from_the_future_is_refused() -> None:
    stamp = "2024-06-03T09:10:00Z"
    assert "600 s in the future" in refused(lambda: zendesk(sign_zendesk(SECRET, stamp, BODY), stamp=stamp))


# Jira


def test_a_jira_signature_is_the_hex_hmac_of_the_body() -> None:
    assert sign_jira(SECRET, BODY) == "sha256=" + hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()


def test_a_genuine_recent_jira_delivery_is_accepted() -> None:
    jira(sign_jira(SECRET, BODY))


def test_a_jira_delivery_with_a_tampered_body_is_refused() -> None:
    assert (
        refused(lambda: jira(sign_jira(SECRET, BODY), body=b"{}"))
        == "X-Hub-Signature does not match the body"
    )


def test_a_jira_delivery_without_the_signature_header_is_refused() -> None:
    assert refused(lambda: jira(None)) == "missing X-Hub-Signature header"


def test_a_jira_signature_in_another_format_is_malformed() -> None:
    sha1 = "sha1=" + hmac.new(SECRET, BODY, hashlib.sha1).hexdigest()
    assert refused(lambda: jira(sha1)) == "malformed X-Hub-Signature header: expected sha256=<64 hex digits>"


def test_a_jira_payload_without_a_timestamp_is_refused_as_a_possible_replay() -> None:
    assert refused(lambda: jira(sign_jira(SECRET, BODY), stamp_ms=None)) == (
        "the Jira payload has no top-level timestamp (milliseconds since the epoch), "
        "so the delivery's age cannot be checked"
    )


def test_an_old_jira_payload_timestamp_is_refused_with_its_age() -> None:
    stamp_ms = int((NOW - timedelta(minutes=10)).timestamp() * 1000)
    assert refused(lambda: jira(sign_jira(SECRET, BODY), stamp_ms=stamp_ms)) == (
        "the Jira payload timestamp is too old: signed 600 s ago, the limit is 300 s "
        "(a replayed or long-delayed delivery)"
    )


def test_a_jira_payload_timestamp_from_the_future_is_refused() -> None:
    stamp_ms = int((NOW + timedelta(minutes=6)).timestamp() * 1000)
    assert "360 s in the future" in refused(lambda: jira(sign_jira(SECRET, BODY), stamp_ms=stamp_ms))
