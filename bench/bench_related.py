"""Related incidents: ``RelatedIndex`` over 1,000,000 tickets made from real Mozilla bug summaries.

Data: the 40,151 summaries in ``shared/data/mozilla-bugzilla-severity/*.csv`` (``summary;severity``
lines). Distinct summaries are shuffled with ``--seed``; the first ``--queries`` are held out as
queries, the rest are resampled to ``--tickets`` tickets, each ``summary + "\\n" + component +
" " + version`` (one of 24 component words and 40 version words), on one of 10 service lines, opened
at a random second over 180 days, 5 % of them open.

Measured, single-threaded (BLAS/OpenMP threads = 1, pinned to one core where the OS allows):

- build: ``add_many`` of all tickets (wall and CPU time), peak RSS of the process (it also holds the
  ticket objects) and the growth of its RSS over the build;
- lookup: ``similar(query, now=latest opened_at, service_line=...)`` for every held-out summary,
  each timed alone (``perf_counter``): median, p95, p99, max;
- online: ``--online`` new tickets, each added alone (``add``) and followed by a lookup (as intake
  would): the ``add`` and the lookup timed separately;
- baseline, in the same run: a brute-force scan on the first ``--scan-queries`` queries -- the
  query's TF-IDF vector dotted with the whole precomputed, row-normalised TF-IDF matrix of all the
  tickets (one CSR mat-vec), then the same filters and top-5. Its results are compared with the
  index's: the index only differs where a ticket shares nothing but common terms with the query
  (see ``sevflow.triage.related``).

Run: ``.venv/bin/python bench/bench_related.py`` (``--tickets 1000000 --queries 1000``).
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from sevflow.triage.related import Incident, Related, RelatedIndex  # noqa: E402
from sevflow.triage.related_index import N_FEATURES, term_vectors  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mozilla-bugzilla-severity"
COMPONENTS = (
    "layout",
    "dom",
    "graphics",
    "networking",
    "javascript",
    "editor",
    "printing",
    "accessibility",
    "mailnews",
    "toolkit",
    "xpcom",
    "security",
    "plugins",
    "bookmarks",
    "history",
    "downloads",
    "preferences",
    "sync",
    "extensions",
    "devtools",
    "webrtc",
    "media",
    "storage",
    "telemetry",
)
VERSIONS = [f"v{n}" for n in range(1, 41)]
LINES = (
    "browser",
    "mail",
    "platform",
    "mobile",
    "web",
    "payments",
    "identity",
    "storage",
    "search",
    "devtools",
)
END = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SPAN_SECONDS = 180 * 86_400
RECENT = timedelta(days=90)
LIMIT = 5


def summaries() -> list[str]:
    seen: dict[str, None] = {}
    for path in sorted(DATA.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter=";", quoting=csv.QUOTE_NONE):
                if row and row[0].strip():
                    seen[row[0].strip()] = None
    return list(seen)


def tickets(pool: list[str], count: int, seed: int) -> list[Incident]:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, len(pool), count).tolist()
    component = rng.integers(0, len(COMPONENTS), count).tolist()
    version = rng.integers(0, len(VERSIONS), count).tolist()
    line = rng.integers(0, len(LINES), count).tolist()
    opened = np.sort(rng.integers(0, SPAN_SECONDS, count)).tolist()
    is_open = (rng.random(count) < 0.05).tolist()
    start = END - timedelta(seconds=SPAN_SECONDS)
    return [
        Incident(
            ticket_id=i + 1,
            text=f"{pool[base[i]]}\n{COMPONENTS[component[i]]} {VERSIONS[version[i]]}",
            service_line=LINES[line[i]],
            opened_at=start + timedelta(seconds=opened[i]),
            open=is_open[i],
        )
        for i in range(count)
    ]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Scan:
    """The brute-force baseline: every ticket's normalised TF-IDF row, and the filter columns."""

    matrix: Any
    idf: np.ndarray[Any, np.dtype[np.float64]]
    ticket_id: np.ndarray[Any, np.dtype[np.int64]]
    candidate: np.ndarray[Any, np.dtype[np.bool_]]

    @staticmethod
    def build(incidents: list[Incident], now: datetime) -> Scan:
        matrix = term_vectors([incident.text for incident in incidents])
        df = np.bincount(matrix.indices, minlength=N_FEATURES)
        idf = np.log((1.0 + matrix.shape[0]) / (1.0 + df)) + 1.0
        data = matrix.data.astype(np.float64) * idf[matrix.indices]
        norms = np.sqrt(np.add.reduceat(data * data, matrix.indptr[:-1])) if matrix.nnz else np.zeros(0)
        data /= np.repeat(norms, np.diff(matrix.indptr))
        matrix.data = data
        earliest = now - RECENT
        candidate = np.fromiter(
            (i.open or earliest <= i.opened_at <= now for i in incidents), bool, len(incidents)
        )
        ticket_id = np.fromiter((i.ticket_id for i in incidents), np.int64, len(incidents))
        return Scan(matrix, idf, ticket_id, candidate)

    def top(self, text: str, min_score: float) -> list[tuple[int, float]]:
        query = term_vectors([text])
        weights = query.data.astype(np.float64) * self.idf[query.indices]
        dense = np.zeros(N_FEATURES)
        dense[query.indices] = weights / np.sqrt(weights @ weights)
        scores = np.round(np.clip(self.matrix @ dense, 0.0, 1.0), 3)
        hits = np.flatnonzero(self.candidate & (scores >= min_score))
        order = np.lexsort((self.ticket_id[hits], -scores[hits]))[:LIMIT]
        return [(int(self.ticket_id[hits[i]]), float(scores[hits[i]])) for i in order]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--scan-queries", type=int, default=50)
    parser.add_argument("--online", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=20260301)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    pool = summaries()
    random.Random(args.seed).shuffle(pool)
    queries, pool = pool[: args.queries], pool[args.queries :]
    incidents = tickets(pool, args.tickets, args.seed)
    now = max(incident.opened_at for incident in incidents)
    lines = [LINES[i % len(LINES)] for i in range(len(queries))]

    before = rss_mb()
    index = RelatedIndex()
    started, cpu = time.perf_counter(), time.process_time()
    index.add_many(incidents)
    build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    after = rss_mb()
    indexed = len(index)

    for text in queries[:20]:  # warm-up
        index.similar(text, now=now)
    timings: list[float] = []
    answers: list[list[Related]] = []
    returned = 0
    for text, line in zip(queries, lines, strict=True):
        started = time.perf_counter()
        found = index.similar(text, now=now, service_line=line, limit=LIMIT, recent=RECENT)
        timings.append((time.perf_counter() - started) * 1000)
        answers.append(found)
        returned += len(found)
    shared = sum(r.likely_shared for found in answers for r in found)
    build_peak = peak_mb()

    # online intake; the scan below is compared with the answers gathered before it
    online = tickets(pool, args.online, args.seed + 1)
    add_ms: list[float] = []
    online_ms: list[float] = []
    for i, incident in enumerate(online):
        moment = now + timedelta(seconds=i + 1)
        fresh = Incident(len(incidents) + i + 1, incident.text, incident.service_line, moment, True)
        started = time.perf_counter()
        index.add(fresh)
        add_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        index.similar(queries[i % len(queries)], now=moment, service_line=fresh.service_line)
        online_ms.append((time.perf_counter() - started) * 1000)

    scan = Scan.build(incidents, now)
    scan_ms: list[float] = []
    same = overlap = expected = 0
    for text, found in zip(queries[: args.scan_queries], answers, strict=False):
        started = time.perf_counter()
        truth = scan.top(text, index.min_score)
        scan_ms.append((time.perf_counter() - started) * 1000)
        got = [(r.ticket_id, r.score) for r in found]
        same += got == truth
        overlap += len({t for t, _ in truth} & {t for t, _ in got})
        expected += len(truth)

    median, p95, p99 = statistics.median(timings), percentile(timings, 0.95), percentile(timings, 0.99)
    scan_median, scan_p99 = statistics.median(scan_ms), percentile(scan_ms, 0.99)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(f"affinity: {sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else 'n/a'}")
    print(
        f"tickets: {indexed:,} from {len(pool):,} summaries; queries: {len(queries):,} held-out summaries\n"
    )
    print("| measure | value |")
    print("|---|--:|")
    print(f"| build (`add_many`), wall | {build_s:.1f} s |")
    print(f"| build, CPU | {build_cpu:.1f} s |")
    print(f"| RSS growth over the build | {after - before:,.0f} MB |")
    print(f"| peak RSS (index + tickets held by the script) | {build_peak:,.0f} MB |")
    print(f"| lookup median | {median:.2f} ms |")
    print(f"| lookup p95 | {p95:.2f} ms |")
    print(f"| lookup p99 | {p99:.2f} ms |")
    print(f"| lookup max | {max(timings):.2f} ms |")
    print(f"| results per lookup (mean; likely shared in all) | {returned / len(queries):.2f} ({shared}) |")
    if add_ms:
        print(
            f"| online: `add` median / p99 ({len(add_ms)} tickets) | {statistics.median(add_ms):.2f} / {percentile(add_ms, 0.99):.2f} ms |"
        )
        print(
            f"| online: lookup after each `add`, median / p99 | {statistics.median(online_ms):.2f} / {percentile(online_ms, 0.99):.2f} ms |"
        )
    print(f"| brute-force scan median ({len(scan_ms)} queries) | {scan_median:.2f} ms |")
    print(f"| brute-force scan p99 | {scan_p99:.2f} ms |")
    print(f"| scan / index, median | {scan_median / median:.1f}x |")
    print(f"| scan / index, p99 | {scan_p99 / p99:.1f}x |")
    print(f"| top-{LIMIT} identical to the scan (ids and scores) | {same} / {len(scan_ms)} queries |")
    print(f"| scan's top-{LIMIT} tickets also found by the index | {overlap} / {expected} |")
    print(f"| peak RSS at the end (with the scan's matrix) | {peak_mb():,.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
