"""Process-wide set-up for sevflow's long-running and bulk commands."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Take what start-up left alive (imported modules, the parsed policy, compiled statements)
    out of the cyclic garbage collector's scans: collect once, then ``gc.freeze()``.

    A worker or bulk load allocates many short-lived objects, and every full collection would
    otherwise walk the hundreds of thousands of objects the libraries created at import; frozen,
    they are skipped (and memory shared with forked children stays shared). Call it once, after
    the container is built and before the main loop. Objects created later are collected as
    usual.
    """
    gc.collect()
    gc.freeze()
