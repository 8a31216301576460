"""The built-in ``log`` channel: each notification as one line in the ``sevflow.notifications``
log (subject, recipients, idempotency key). Needs no configuration and never leaves the machine:
where a policy routes nothing else, this is where its notifications can be read."""

from __future__ import annotations

import logging

from sevflow.domain.delivery import Outcome, Sent
from sevflow.domain.records import OutboxMessage

log = logging.getLogger("sevflow.notifications")


class LogChannel:
    def __init__(self, *, name: str = "log") -> None:
        self.name = name

    async def send(self, message: OutboxMessage) -> Sent:
        n = message.notification
        log.info("%s -> %s [%s]", n.subject, ", ".join(n.recipients), message.idempotency_key)
        return Sent(Outcome.DELIVERED, "log")

    async def close(self) -> None:
        return None
