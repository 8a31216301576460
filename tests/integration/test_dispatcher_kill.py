"""A dispatcher process SIGKILLed in the middle of a batch loses nothing: after a restart every
queued notification reaches the receiver at least once, a message sent twice carries the same
idempotency key both times, and every outbox row ends ``sent``.

The dispatcher is the real ``sevflow dispatcher`` command over a SQLite file, delivering to a
slow signed-webhook receiver on loopback (so the kill lands while sends are in flight). Its
claims are held for two seconds (``SEVFLOW_DELIVERY_LEASE_SECONDS``), so the restarted process
takes over the dead one's messages quickly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.schema import migrate_if_behind
from sevflow.adapters.db.uow import SqlUnitOfWorkFactory
from sevflow.policy.loader import load_policy_text
from sevflow.policy.starter import starter_policy_text
from sevflow.services.policies import activate_policy
from tests.integration.engine_world import World
from tests.integration.receiver import receiving

SECRET = "kill-test-secret"
TICKETS = 40


def start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = "from sevflow.entrypoints.cli.app import main; main()"
    with log.open("ab") as errors:
        return subprocess.Popen(
            [sys.executable, "-c", command, "dispatcher", "--quiet"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )


def wait_for(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s")


def test_a_dispatcher_killed_mid_batch_loses_nothing_and_resends_with_the_same_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sevflow.db'}"
    engine = make_engine(url)
    migrate_if_behind(engine)
    uow_factory = SqlUnitOfWorkFactory(engine)
    world = World.starting(uow_factory)
    with receiving(SECRET.encode(), delay=0.2) as receiver:
        # the starter policy, with every notification to the receiver
        text = (
            starter_policy_text()
            + "\nnotifications:\n"
            + f'  channels:\n    hook: {{type: webhook, url: "{receiver.url}", secret_env: HOOK_SECRET}}\n'
            + "  default: [hook]\n"
        )
        policy = tmp_path / "sevflow-policy.yaml"
        policy.write_text(text, encoding="utf-8")
        activate_policy(
            uow_factory(), clock=world.clock, policy=load_policy_text(text, "test"), source_text=text
        )
        ids = [world.open(f"Checkout down {n}", services=("checkout",)) for n in range(TICKETS)]
        with uow_factory() as uow:
            keys = [m.idempotency_key for i in ids for m in uow.outbox.for_ticket(i)]
        assert len(keys) >= TICKETS

        env = {
            **os.environ,
            "SEVFLOW_DATABASE_URL": url,
            "SEVFLOW_POLICY_PATH": str(policy),
            "SEVFLOW_DELIVERY_LEASE_SECONDS": "2",
            "HOOK_SECRET": SECRET,
        }
        log = tmp_path / "dispatcher.log"
        first = start(env, log)
        wait_for(lambda: len(receiver.received) >= 5, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        received_before_restart = len(receiver.received)
        assert received_before_restart < len(keys), "the kill came too late to test anything"

        second = start(env, log)
        try:
            wait_for(lambda: pending(uow_factory) == 0, timeout=120)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0, log.read_text()
        got = [r.headers["idempotency-key"] for r in receiver.received]

    assert set(got) == set(keys)  # every message arrived, and no key was made up
    assert all(r.signature_ok for r in receiver.received)
    for key in Counter(got):  # a message sent twice is the same message both times
        assert len({str(r.body) for r in receiver.received if r.headers["idempotency-key"] == key}) == 1
    with uow_factory() as uow:
        statuses = {m.status for i in ids for m in uow.outbox.for_ticket(i)}
    assert statuses == {"sent"}
    engine.dispose()


def pending(uow_factory: SqlUnitOfWorkFactory) -> int:
    with uow_factory() as uow:
        return len(uow.outbox.pending(10_000))
