"""Typed settings (environment prefix ``SEVFLOW_``), built at the entry point and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable. Construct directly in tests: ``Settings(database_url=...)``."""

    model_config = SettingsConfigDict(env_prefix="SEVFLOW_", extra="forbid")

    database_url: str = "sqlite:///sevflow.db"
    policy_path: Path = Path("sevflow-policy.yaml")
    worker_batch_size: int = 200
    worker_max_sleep_seconds: float = 1.0
