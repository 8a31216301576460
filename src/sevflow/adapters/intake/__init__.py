"""Intake adapters: pure translation of other systems' payloads (sevflow's own webhook JSON,
Zendesk, Jira Service Management, e-mail) into ``IncomingTicket``, and their webhook signature
checks. No I/O and no clock: the HTTP routes pass in parsed JSON or raw bytes and ``now``.
Field mappings: README.md in this folder.
"""

from sevflow.adapters.intake.email_message import parse_email
from sevflow.adapters.intake.generic import parse_generic
from sevflow.adapters.intake.jira import parse_jira, payload_timestamp_ms
from sevflow.adapters.intake.signatures import (
    sign_jira,
    sign_sevflow,
    sign_zendesk,
    verify_jira,
    verify_sevflow,
    verify_zendesk,
)
from sevflow.adapters.intake.zendesk import parse_zendesk

__all__ = [
    "parse_email",
    "parse_generic",
    "parse_jira",
    "parse_zendesk",
    "payload_timestamp_ms",
    "sign_jira",
    "sign_sevflow",
    "sign_zendesk",
    "verify_jira",
    "verify_sevflow",
    "verify_zendesk",
]
