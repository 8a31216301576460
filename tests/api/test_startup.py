"""Starting the API: it warms up when it can, and starts anyway when the database is not there yet."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.entrypoints.api.app import create_app


def test_the_api_starts_and_says_so_when_the_database_cannot_be_reached_for_the_warm_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = f"sqlite:///{tmp_path / 'no-such-directory' / 'sevflow.db'}"
    box = build_container(Settings(database_url=unreachable), migrate_schema=False)
    try:
        with caplog.at_level(logging.WARNING, logger="sevflow.api"), TestClient(create_app(box)) as client:
            assert client.get("/openapi.json").status_code == 200
        assert [r.getMessage().split(":")[0] for r in caplog.records if r.name == "sevflow.api"] == [
            "skipped warming up the policy"
        ]
    finally:
        box.close()


def test_what_start_up_loaded_is_kept_out_of_the_garbage_collectors_full_collections(sqlite_url: str) -> None:
    box = build_container(Settings(database_url=sqlite_url))
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        with TestClient(create_app(box)) as client:
            assert client.get("/openapi.json").status_code == 200
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        box.close()
