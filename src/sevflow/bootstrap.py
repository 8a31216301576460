"""The one place that knows concrete classes: ``build_container(settings, *, clock=None)``."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from sevflow.adapters.channels.factory import build_channels
from sevflow.adapters.clock import SystemClock
from sevflow.adapters.composing import Composer
from sevflow.adapters.db.credential_feed import CredentialFeed, Forgetful
from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.locks import worker_lock
from sevflow.adapters.db.schema import migrate_if_behind
from sevflow.adapters.db.uow import SqlUnitOfWorkFactory
from sevflow.adapters.db.wakeup import Wakeup, wakeup_for
from sevflow.adapters.page_links import PageLinks
from sevflow.adapters.passwords import Argon2Hasher
from sevflow.config import Settings
from sevflow.domain.errors import InvalidInput
from sevflow.policy.loader import load_policy
from sevflow.policy.templates import read_template_folder
from sevflow.services.dispatch import Dispatcher, by_channel_name
from sevflow.services.policies import activate_policy
from sevflow.services.ports import Channel, Clock, IncidentIndex, PasswordHasher, SeverityModel, UnitOfWork
from sevflow.triage.classifier import load_classifier
from sevflow.triage.incidents import IncidentFinder


@dataclass(frozen=True)
class Delivery:
    """A dispatcher built for one policy version, and the channels to close after it."""

    policy_version: str
    dispatcher: Dispatcher
    channels: tuple[Channel, ...]

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()


@dataclass
class Container:
    """What entry points need, built once per process from validated settings."""

    settings: Settings
    clock: Clock
    engine: Engine
    uow_factory: Callable[[], UnitOfWork]
    read_uow_factory: Callable[[], UnitOfWork]
    """For queries only: on SQLite it never waits behind the worker's write transaction."""
    hasher: PasswordHasher
    severity_model: SeverityModel | None = None
    """The severity model consulted at intake, if one is installed (``Settings.model_path``)."""
    incidents: IncidentIndex = field(default_factory=IncidentFinder)
    """This process's related-incident index (filled from the store on first use)."""

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def worker_lock(self) -> AbstractContextManager[object]:
        """SQLite runs one worker: a file lock next to the database while running (a second
        worker gets ``WorkerLockError``). PostgreSQL workers coordinate through row locks."""
        return worker_lock(self.engine.url)

    def wakeup(self, event: threading.Event | None = None) -> Wakeup:
        """How the worker learns of changes while it sleeps: PostgreSQL ``LISTEN`` (changes from
        any process), else the in-process ``event``."""
        return wakeup_for(self.engine.url, event)

    def read_before_write(self) -> UnitOfWork | None:
        """For a use case that reads, works, then writes (opening tickets): a read-only unit of
        work to read with first where that helps -- SQLite, whose one write lock is then not held
        while the domain works -- and ``None`` on PostgreSQL, where reads block no writer and a
        transaction of its own would only cost a connection checkout."""
        return self.read_uow_factory() if self.is_sqlite else None

    def token_cache_seconds(self) -> float:
        """How long an API process remembers a checked token (see ``Settings``)."""
        configured = self.settings.token_cache_seconds
        if configured is not None:
            return configured
        return 0.0 if self.is_sqlite else 60.0

    def credential_feed(self, cache: Forgetful) -> CredentialFeed | None:
        """PostgreSQL: a feed telling ``cache`` of every revocation (not yet started). SQLite
        has none."""
        return None if self.is_sqlite else CredentialFeed(self.engine.url, cache)

    def page_links(self) -> PageLinks | None:
        """Signs and reads acknowledgement links (``None`` without ``link_secret``)."""
        secret = self.settings.link_secret
        return None if secret is None else PageLinks(secret.get_secret_value(), clock=self.clock.now)

    def sync_policy(self, path: Path | None = None) -> bool:
        """Load the policy file (default: the settings' ``policy_path``) and activate it if its
        version is new. Returns ``True`` if the active version changed."""
        path = path or self.settings.policy_path
        policy = load_policy(path)
        return activate_policy(
            self.uow_factory(), clock=self.clock, policy=policy, source_text=path.read_text(encoding="utf-8")
        )

    def dispatcher(self, environ: Mapping[str, str] | None = None) -> Delivery:
        """A dispatcher for the active policy's channels (secrets from ``environ``, by default
        the process environment; ``InvalidInput`` naming a missing one), with the templates
        of the policy's folder (next to ``settings.policy_path``). Close its channels after."""
        with self.read_uow_factory() as uow:
            policy = uow.policies.active()
        routing = policy.routing
        channels = build_channels(
            routing,
            oncall=policy.oncall,
            now=self.clock.now,
            environ=os.environ if environ is None else environ,
        )
        templates: dict[str, str] = {}
        if routing.templates_folder is not None:
            folder = self.settings.policy_path.parent / routing.templates_folder
            templates, problems = read_template_folder(folder)
            if problems:
                raise InvalidInput("; ".join(problems))
        composer = Composer(
            routing, templates=templates, base_url=self.settings.public_url, links=self.page_links()
        )
        dispatcher = Dispatcher(
            self.uow_factory,
            self.clock,
            by_channel_name(channels),
            composer=composer,
            lease=timedelta(seconds=self.settings.delivery_lease_seconds),
        )
        return Delivery(policy.version, dispatcher, tuple(channels.values()))

    def close(self) -> None:
        self.engine.dispose()


def build_container(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate_schema: bool = True,
    hasher: PasswordHasher | None = None,
) -> Container:
    """Build the engine (migrating the schema to the latest version unless told not to), the
    unit-of-work factory, the clock and the password hasher (argon2id; tests may pass a cheap
    one). Nothing is created at import time."""
    engine = make_engine(settings.database_url)
    if migrate_schema:
        migrate_if_behind(engine)
    return Container(
        settings=settings,
        clock=clock or SystemClock(),
        engine=engine,
        uow_factory=SqlUnitOfWorkFactory(engine),
        read_uow_factory=SqlUnitOfWorkFactory(engine, read_only=True),
        hasher=hasher or Argon2Hasher(),
        severity_model=load_classifier(_existing(settings.model_path)),
    )


def _existing(path: Path | None) -> Path | None:
    """``path`` if a file is there (no model installed is normal, not an error)."""
    return path if path is not None and path.exists() else None
