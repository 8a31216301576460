"""Related incidents: for a new ticket, the most similar open or recent past tickets, from an index.

Contract:

- ``RelatedIndex`` holds one ``Incident`` per ticket id; ``add`` inserts or replaces it (same
  text: only its metadata changes), ``close`` marks it not open, ``remove`` drops it (both are
  no-ops for an unknown id). ``add_many`` is the bulk form of ``add`` (the last of several
  incidents with one id wins).
- ``similar(text, now=...)`` scores the query against the indexed tickets that are open, or
  were opened within ``recent`` before ``now`` (``now - recent <= opened_at <= now``). The score
  is the cosine similarity of TF-IDF vectors: sublinear term frequency ``1 + ln(tf)`` times the
  smoothed ``idf = ln((1 + n) / (1 + df)) + 1`` over the ``n`` tickets indexed at the time of the
  query; terms are word unigrams and bigrams (see ``related_index.term_vectors``: lower-cased,
  any script, characters as tokens for scripts written without spaces, first 10,000 characters;
  hashed into 2**22 columns, so two terms that land in one column count as one term).
  Scores are rounded to 3 places, and the thresholds compare the rounded score, so what is shown
  is what was compared. Results have ``score >= min_score``, are ordered by score (descending),
  then ticket id (ascending), and there are at most ``limit``; ``exclude`` drops that ticket.
  Empty or whitespace-only text gives ``[]``.
- ``service_line`` is the query ticket's line; it does not filter the results. ``likely_shared``
  is true for a result that is open, on that line (so never when it is not given), opened at most
  ``window`` before or after ``now``, with ``score >= near_duplicate``: probably the same
  incident, reported again.
- Candidates come from the index, never from a scan: the postings (ticket lists) of some of the
  query's terms, taken in order of increasing document frequency while their postings together
  hold at most ``max_postings`` tickets (the rarest term is always taken). This bounds the work of
  a lookup; the terms left out are the most common ones (``the``, ``in``, ``crash``...), and they
  still count in every score. A ticket that shares only left-out terms with the query is not
  found; its score is at most ``|left-out part of the query| / |query|``, so when that is below
  ``min_score`` the results are exactly those of a full scan, as they are whenever the query's
  terms have at most ``max_postings`` postings in all (any index of up to a few thousand tickets).
- Every candidate's score is exact: it is computed from the candidate's whole stored vector with
  the current document frequencies (no norm or weight is cached across additions).
- Cost: a lookup reads the postings of the chosen terms and the stored vectors of the candidates
  that pass the open/recent filter (about 17 ms median, 28 ms p99 at 1,000,000 tickets on one
  core: bench/bench_related.py). ``add`` costs well under a millisecond; the lookup after it also
  pays, now and then, for merging segments (see ``related_index``): the largest merge rebuilds
  the whole index once it has grown by a quarter (about 0.6 s at 1,250,000 tickets).

Not thread-safe: the caller serialises access (one writer, or a lock).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from sevflow.domain.related import RelatedTicket as Related
from sevflow.triage.related_index import MAX_CHARS, Floats, Int32s, Int64s, Store, sorted_union, term_vectors

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime, name: str) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (UTC), got the naive {moment.isoformat()}")
    return (moment - _EPOCH) // _MICROSECOND


def _duration_micros(duration: timedelta, name: str) -> int:
    if duration < timedelta(0):
        raise ValueError(f"{name} must not be negative, got {duration}")
    return duration // _MICROSECOND


@dataclass(frozen=True)
class Incident:
    """What the index holds per ticket; ``text`` is the title, a line break and the description."""

    ticket_id: int
    text: str
    service_line: str
    opened_at: datetime
    open: bool

    def __post_init__(self) -> None:
        _micros(self.opened_at, "opened_at")


class RelatedIndex:
    """An inverted index of ticket texts answering ``similar`` (see the module's contract)."""

    def __init__(self, *, min_score: float = 0.2, max_postings: int = 50_000) -> None:
        if not 0 < min_score <= 1:
            raise ValueError(f"min_score must be in (0, 1], got {min_score}")
        if max_postings < 1:
            raise ValueError(f"max_postings must be at least 1, got {max_postings}")
        self.min_score = min_score
        self.max_postings = max_postings
        self._store = Store()
        self._line_code: dict[str, int] = {}
        self._lines: list[str] = []

    def __len__(self) -> int:
        return self._store.live

    def _code(self, service_line: str) -> int:
        code = self._line_code.get(service_line)
        if code is None:
            code = self._line_code[service_line] = len(self._lines)
            self._lines.append(service_line)
        return code

    def add(self, incident: Incident) -> None:
        """Indexes ``incident``, replacing the ticket's earlier version if there is one."""
        store = self._store
        vector = term_vectors([incident.text])
        row = store.row_of.get(incident.ticket_id)
        if row is not None:
            terms, values = store.row(row)
            if np.array_equal(terms, vector.indices) and np.array_equal(values, vector.data):
                columns = store.columns
                columns.opened_us[row] = _micros(incident.opened_at, "opened_at")
                columns.open[row] = incident.open
                columns.line[row] = self._code(incident.service_line)
                return
            store.kill(incident.ticket_id)
        store.append(
            vector,
            np.array([incident.ticket_id], np.int64),
            np.array([_micros(incident.opened_at, "opened_at")], np.int64),
            np.array([incident.open], bool),
            np.array([self._code(incident.service_line)], np.int32),
        )

    def add_many(self, incidents: Iterable[Incident]) -> None:
        """Indexes many incidents at once (vectorised in chunks, stored as one segment)."""
        latest = {incident.ticket_id: incident for incident in incidents}
        if not latest:
            return
        store = self._store
        for ticket_id in latest:
            if ticket_id in store.row_of:
                store.kill(ticket_id)
        batch = list(latest.values())
        store.append(
            term_vectors([incident.text for incident in batch]),
            np.fromiter(latest, np.int64, len(batch)),
            np.fromiter((_micros(i.opened_at, "opened_at") for i in batch), np.int64, len(batch)),
            np.fromiter((i.open for i in batch), bool, len(batch)),
            np.fromiter((self._code(i.service_line) for i in batch), np.int32, len(batch)),
        )

    def close(self, ticket_id: int) -> None:
        """Marks the ticket not open (a no-op for an unknown ticket)."""
        row = self._store.row_of.get(ticket_id)
        if row is not None:
            self._store.columns.open[row] = False

    def remove(self, ticket_id: int) -> None:
        """Drops the ticket from the index (a no-op for an unknown ticket)."""
        if ticket_id in self._store.row_of:
            self._store.kill(ticket_id)

    def similar(
        self,
        text: str,
        *,
        now: datetime,
        service_line: str | None = None,
        limit: int = 5,
        recent: timedelta = timedelta(days=90),
        window: timedelta = timedelta(hours=2),
        near_duplicate: float = 0.6,
        exclude: int | None = None,
    ) -> list[Related]:
        """The indexed tickets most similar to ``text`` (see the module's contract)."""
        now_us = _micros(now, "now")
        recent_us = _duration_micros(recent, "recent")
        window_us = _duration_micros(window, "window")
        if limit < 0:
            raise ValueError(f"limit must not be negative, got {limit}")
        text = text[:MAX_CHARS]
        if limit == 0 or not text.strip():
            return []
        vector = term_vectors([text])
        store = self._store
        store.flush()
        terms: Int32s = vector.indices.astype(np.int32, copy=False)
        if not len(terms) or not store.live:
            return []
        weights = vector.data.astype(np.float64) * store.idf(terms)
        query_norm = math.sqrt(float(weights @ weights))
        seek = self._seek(terms)
        exclude_row = store.row_of.get(exclude, -1) if exclude is not None else -1
        found_rows: list[Int64s] = []
        found_scores: list[Floats] = []
        columns = store.columns
        for segment in store.segments:
            local = sorted_union(segment.postings(seek))
            if not len(local):
                continue
            rows = local.astype(np.int64) + segment.start
            opened = columns.opened_us[rows]
            keep = columns.alive[rows] & (
                columns.open[rows] | ((opened >= now_us - recent_us) & (opened <= now_us))
            )
            keep &= rows != exclude_row
            local, rows = local[keep], rows[keep]
            owner, indices, values = segment.gather(local)
            tf_idf = values.astype(np.float64) * store.idf(indices)
            norms = np.sqrt(np.bincount(owner, tf_idf * tf_idf, minlength=len(local)))
            at = np.minimum(np.searchsorted(terms, indices), len(terms) - 1)
            hit = terms[at] == indices
            dots = np.bincount(owner[hit], tf_idf[hit] * weights[at[hit]], minlength=len(local))
            found_rows.append(rows)
            found_scores.append(dots / (norms * query_norm))
        if not found_rows:
            return []
        return self._best(
            np.concatenate(found_rows),
            np.concatenate(found_scores),
            limit=limit,
            now_us=now_us,
            window_us=window_us,
            line=self._line_code.get(service_line, -1) if service_line is not None else -1,
            near_duplicate=near_duplicate,
        )

    def _seek(self, terms: Int32s) -> Int32s:
        """The query terms whose postings give the candidates (ascending): the rarest ones held by
        some ticket, while their postings hold at most ``max_postings`` tickets, and at least one."""
        df = self._store.df[terms]
        terms, df = terms[df > 0], df[df > 0]
        order = np.argsort(df, kind="stable")
        total = np.cumsum(df[order], dtype=np.int64)
        take = max(1, int(np.searchsorted(total, self.max_postings, side="right")))
        return np.sort(terms[order[:take]])

    def _best(
        self,
        rows: Int64s,
        scores: Floats,
        *,
        limit: int,
        now_us: int,
        window_us: int,
        line: int,
        near_duplicate: float,
    ) -> list[Related]:
        rounded = np.round(np.clip(scores, 0.0, 1.0), 3)
        keep = rounded >= self.min_score
        rows, rounded = rows[keep], rounded[keep]
        if len(rows) > limit:
            cut = np.partition(rounded, len(rounded) - limit)[len(rounded) - limit]
            keep = rounded >= cut
            rows, rounded = rows[keep], rounded[keep]
        columns = self._store.columns
        ticket_ids = columns.ticket_id[rows]
        order = np.lexsort((ticket_ids, -rounded))[:limit]
        results = []
        for i in order.tolist():
            row = int(rows[i])
            score = float(rounded[i])
            opened_us = int(columns.opened_us[row])
            is_open = bool(columns.open[row])
            shared = (
                is_open
                and int(columns.line[row]) == line
                and abs(opened_us - now_us) <= window_us
                and score >= near_duplicate
            )
            results.append(
                Related(
                    ticket_id=int(ticket_ids[i]),
                    score=score,
                    service_line=self._lines[int(columns.line[row])],
                    opened_at=_EPOCH + timedelta(microseconds=opened_us),
                    open=is_open,
                    likely_shared=shared,
                )
            )
        return results
