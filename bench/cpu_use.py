"""Where a load's CPU goes on this machine: the server under test (its process and every
process under it), PostgreSQL's server processes, and the load generator (this script's child
processes, e.g. ``wrk``), read from ``/proc`` (Linux) before and after the load.

    meter = CpuMeter(server_pid)
    ... run the load in a child process ...
    used = meter.stop()   # CPU seconds per part
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of ``pid``, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _processes() -> dict[int, tuple[str, int, float]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        stat = _stat(pid)
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if stat is not None:
            found[pid] = (comm, *stat)
    return found


def _tree(root: int, processes: dict[int, tuple[str, int, float]]) -> set[int]:
    members, grew = {root}, True
    while grew:
        more = {pid for pid, (_, parent, _) in processes.items() if parent in members} - members
        members |= more
        grew = bool(more)
    return members


@dataclass(frozen=True)
class CpuUse:
    server: float
    database: float
    generator: float
    """CPU seconds of each part while the meter ran."""

    def per(self, requests: int) -> CpuUse:
        return CpuUse(self.server / requests, self.database / requests, self.generator / requests)


class CpuMeter:
    """CPU seconds spent by the process tree under ``server_pid``, by processes named
    ``postgres``, and by this process's finished children, between creation and ``stop()``.
    A process that ends in between is not counted (the servers under test live on)."""

    def __init__(self, server_pid: int) -> None:
        self._server_pid = server_pid
        self._before = _processes()
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)

    def stop(self) -> CpuUse:
        after = _processes()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        server = _tree(self._server_pid, after)

        def spent(pids: set[int]) -> float:
            return sum(after[p][2] - self._before.get(p, (None, None, 0.0))[2] for p in pids)

        database = {pid for pid, (comm, _, _) in after.items() if comm == "postgres"} - server
        generator = (children.ru_utime + children.ru_stime) - (
            self._children.ru_utime + self._children.ru_stime
        )
        return CpuUse(server=spent(server), database=spent(database), generator=generator)
