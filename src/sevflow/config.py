"""Typed settings (environment prefix ``SEVFLOW_``), built at the entry point and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable. Construct directly in tests: ``Settings(database_url=...)``."""

    model_config = SettingsConfigDict(env_prefix="SEVFLOW_", extra="forbid")

    database_url: str = "sqlite:///sevflow.db"
    policy_path: Path = Path("sevflow-policy.yaml")
    model_path: Path | None = Path("sevflow-model.npz")
    """The severity model (``sevflow triage train`` writes it). Used at intake when the file is
    there and the policy has a ``triage`` section; a file that cannot be used is logged and
    intake runs on the policy's rules alone. ``None``: no model."""
    worker_batch_size: int = 200
    worker_max_sleep_seconds: float = 1.0

    # --- HTTP API -----------------------------------------------------------------------------
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    """Requests with a larger body are refused with 413 before they are read."""
    delivery_lease_seconds: float = Field(default=120.0, ge=1.0, le=3600.0)
    """How long a claimed notification is held for its sender; a sender that dies leaves it to
    be sent again (same idempotency key) once this has passed. Longer than any channel timeout."""
    public_url: str | None = None
    """Where people reach this sevflow (``https://sevflow.acme.example``): notifications link to
    tickets and acknowledgements under it. Left out: no links in notifications."""
    link_secret: SecretStr | None = Field(default=None, min_length=16)
    """Signs the one-click acknowledgement links in pages (at least 16 characters; the same on
    every process). Left out: pages carry no such link; people acknowledge in the dashboard or
    through the API."""
    cookie_secure: bool = True
    """Send the session cookie only over HTTPS (browsers treat http://localhost as secure)."""
    intake_secret: SecretStr | None = None
    """Shared secret of ``POST /api/intake/webhook`` and ``/api/intake/email`` (HMAC-SHA256)."""
    zendesk_secret: SecretStr | None = None
    """The signing secret of the Zendesk webhook posting to ``/api/intake/zendesk``."""
    jira_secret: SecretStr | None = None
    """The secret of the Jira webhook posting to ``/api/intake/jira``."""
    api_threads: int = Field(default=8, ge=1, le=200)
    """Threads per API process running the (synchronous) use cases. More threads than cores
    only contend for Python's GIL: measured on 2 cores, 40 threads served fewer requests than 4."""
    token_cache_seconds: float | None = Field(default=None, ge=0.0, le=3600.0)
    """Remember a checked API token this long per API process, so most requests skip reading it
    (about a quarter of a GET's cost). Left out: 60 on PostgreSQL, where every API process hears
    each revocation as it commits (``LISTEN``) and forgets the token at once, so revoking still
    takes effect at once everywhere; 0 on SQLite, where a revocation made by another process (the
    CLI, another API process) could only take effect when the entry runs out: every request reads
    the token. Set above 0 on SQLite, a revocation made elsewhere takes effect within this many
    seconds."""
    intake_tolerance_seconds: int = Field(default=300, ge=1, le=3600)
    """Signed deliveries older (or further in the future) than this are refused as replays."""
