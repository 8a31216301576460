"""The storage behind ``related.RelatedIndex``: hashed term vectors, kept as log-structured segments.

Contract:

- ``term_vectors(texts)`` turns texts into hashed sparse term vectors (one CSR row per text):
  NFKC-normalised, lower-cased, only the first ``MAX_CHARS`` characters of each text; tokens are
  runs of word characters in any script, except scripts written without spaces (Chinese, Japanese
  kana, Thai, Lao, Khmer, Myanmar), where every character is a token; the terms are the tokens and
  the pairs of adjacent tokens (unigrams + bigrams), hashed into ``N_FEATURES`` columns; the value
  is the sublinear term frequency ``1 + ln(count)``. Two terms that hash to the same column count
  as one (with 2**22 columns, a term shares its column with another in about one case in
  ``2**22 / vocabulary size``).
- ``Store`` holds one row per indexed ticket version: the term vector, the ticket's metadata in
  column arrays (ticket id, opened-at in microseconds, open, alive, service-line code) and the
  document frequency of every column over the live rows. Rows are numbered in the order they are
  added; replacing or removing a ticket kills its row (it stays, filtered out, until a compaction
  renumbers the live rows once dead rows outnumber them).
- Rows live in ``Segment``\\ s, each a contiguous range of rows with its own CSR (row -> terms, for
  scoring) and postings (term -> ascending rows, for finding candidates). New rows wait in a
  pending list until the next read (``flush``) turns them into a segment; the newest segments are
  merged while the one before is at most ``MERGE_RATIO`` times as large, so segment sizes fall
  geometrically and a store of n rows has O(log n) segments; each row is rebuilt O(log n) times.

Not thread-safe: the caller serialises access.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.feature_extraction.text import HashingVectorizer

MAX_CHARS = 10_000
"""Only this many leading characters of a text are read."""

N_FEATURES = 2**22
"""Hashed term columns (the document-frequency table is an int32 array of this length, 16 MB)."""

MERGE_RATIO = 4
"""A new segment is merged into the one before it while that one is at most this many times larger."""

_CHUNK = 50_000
"""Texts vectorised at a time in a bulk build (bounds the vectoriser's temporary memory)."""

# scripts written without spaces between words: each character is a token (bigrams pair them)
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = rf"(?u)[{_UNSPACED}]|(?:(?![{_UNSPACED}])\w)+"

Int32s = NDArray[np.int32]
Int64s = NDArray[np.int64]
Floats = NDArray[np.float64]


def _prepare(text: str) -> str:
    return unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower()


_VECTORIZER = HashingVectorizer(
    n_features=N_FEATURES,
    token_pattern=_TOKEN,
    preprocessor=_prepare,
    ngram_range=(1, 2),
    alternate_sign=False,
    norm=None,
    dtype=np.float32,
)


def term_vectors(texts: Sequence[str]) -> Any:
    """Sublinear hashed term frequencies of ``texts``: a ``scipy.sparse.csr_matrix`` of shape
    ``(len(texts), N_FEATURES)``, float32, with sorted column indices in every row."""
    if not texts:
        return sp.csr_matrix((0, N_FEATURES), dtype=np.float32)
    parts = [_VECTORIZER.transform(texts[i : i + _CHUNK]) for i in range(0, len(texts), _CHUNK)]
    matrix = parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")
    matrix.sort_indices()
    np.log(matrix.data, out=matrix.data)
    matrix.data += 1
    return matrix


def ragged(starts: Int64s, lengths: Int64s) -> Int64s:
    """The positions ``starts[i] .. starts[i] + lengths[i] - 1`` for every ``i``, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)


def sorted_union(parts: list[Int32s]) -> Int32s:
    """The distinct values of ``parts`` in ascending order."""
    if not parts:
        return np.zeros(0, np.int32)
    if len(parts) == 1:
        return parts[0]
    values = np.sort(np.concatenate(parts))
    keep = np.ones(len(values), bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


@dataclass(frozen=True)
class Segment:
    """Rows ``start .. start + n_rows - 1``: their term vectors (CSR, local row numbers) and their
    postings (for every term present, the local rows that hold it, ascending)."""

    start: int
    indptr: Int64s
    indices: Int32s
    data: NDArray[np.float32]
    terms: Int32s
    term_ptr: Int64s
    term_rows: Int32s

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @staticmethod
    def build(start: int, indptr: Int64s, indices: Int32s, data: NDArray[np.float32]) -> Segment:
        n_rows = len(indptr) - 1
        if len(indices) > N_FEATURES // 4:
            # counting sort in C++: O(nnz + N_FEATURES), rows stay ascending within a column
            csc = sp.csr_matrix((data, indices, indptr), shape=(n_rows, N_FEATURES)).tocsc()
            counts = np.diff(csc.indptr)
            terms = np.flatnonzero(counts).astype(np.int32)
            term_ptr = np.zeros(len(terms) + 1, np.int64)
            np.cumsum(counts[terms], out=term_ptr[1:])
            term_rows = csc.indices.astype(np.int32, copy=False)
        else:
            order = np.argsort(indices, kind="stable")
            by_term = indices[order]
            terms, first = np.unique(by_term, return_index=True)
            term_ptr = np.append(first, len(by_term)).astype(np.int64)
            rows = np.repeat(np.arange(n_rows, dtype=np.int32), np.diff(indptr))
            term_rows = rows[order]
        return Segment(start, indptr, indices, data, terms.astype(np.int32), term_ptr, term_rows)

    def postings(self, terms: Int32s) -> list[Int32s]:
        """For each of ``terms`` (ascending) present here, the local rows that hold it."""
        at = np.searchsorted(self.terms, terms)
        found = at < len(self.terms)
        found[found] = self.terms[at[found]] == terms[found]
        return [self.term_rows[self.term_ptr[i] : self.term_ptr[i + 1]] for i in at[found].tolist()]

    def gather(self, local: Int32s) -> tuple[Int64s, Int32s, NDArray[np.float32]]:
        """The nonzeros of rows ``local``: for each, the position of its row in ``local``, its
        term and its value."""
        starts = self.indptr[local]
        lengths = self.indptr[local + 1] - starts
        at = ragged(starts, lengths)
        owner = np.repeat(np.arange(len(local), dtype=np.int64), lengths)
        return owner, self.indices[at], self.data[at]

    def row(self, local: int) -> tuple[Int32s, NDArray[np.float32]]:
        lo, hi = int(self.indptr[local]), int(self.indptr[local + 1])
        return self.indices[lo:hi], self.data[lo:hi]


def _merged(older: Segment, newer: Segment) -> Segment:
    indptr = np.concatenate([older.indptr, newer.indptr[1:] + older.indptr[-1]])
    return Segment.build(
        older.start,
        indptr,
        np.concatenate([older.indices, newer.indices]),
        np.concatenate([older.data, newer.data]),
    )


class Columns:
    """Growable per-row metadata arrays (capacity doubles)."""

    def __init__(self) -> None:
        self.size = 0
        self.ticket_id = np.zeros(0, np.int64)
        self.opened_us = np.zeros(0, np.int64)
        self.open = np.zeros(0, bool)
        self.alive = np.zeros(0, bool)
        self.line = np.zeros(0, np.int32)

    def reserve(self, extra: int) -> None:
        need = self.size + extra
        if need <= len(self.alive):
            return
        capacity = max(need, 2 * len(self.alive), 1024)
        for name in ("ticket_id", "opened_us", "open", "alive", "line"):
            old = getattr(self, name)
            new = np.zeros(capacity, old.dtype)
            new[: self.size] = old[: self.size]
            setattr(self, name, new)

    def append(self, ticket_id: Int64s, opened_us: Int64s, is_open: NDArray[np.bool_], line: Int32s) -> int:
        """Appends rows; returns the number of the first one."""
        first = self.size
        self.reserve(len(ticket_id))
        end = first + len(ticket_id)
        self.ticket_id[first:end] = ticket_id
        self.opened_us[first:end] = opened_us
        self.open[first:end] = is_open
        self.alive[first:end] = True
        self.line[first:end] = line
        self.size = end
        return first


class Store:
    """Rows, segments, document frequencies and the ticket id -> live row map (see the module)."""

    def __init__(self) -> None:
        self.columns = Columns()
        self.segments: list[Segment] = []
        self.pending: list[tuple[Int32s, NDArray[np.float32]]] = []
        self.df = np.zeros(N_FEATURES, np.int32)
        self.row_of: dict[int, int] = {}
        self.dead = 0

    @property
    def live(self) -> int:
        return len(self.row_of)

    def append(
        self, vectors: Any, ticket_id: Int64s, opened_us: Int64s, is_open: NDArray[np.bool_], line: Int32s
    ) -> None:
        """Adds one row per row of the CSR ``vectors``; ``ticket_id`` must be distinct and not live.
        A few rows wait in ``pending``; a batch of 64 or more becomes a segment at once."""
        bulk = len(ticket_id) >= 64
        if bulk:
            self.flush()
        first = self.columns.append(ticket_id, opened_us, is_open, line)
        self.row_of.update(zip(ticket_id.tolist(), range(first, first + len(ticket_id)), strict=True))
        indices = vectors.indices.astype(np.int32, copy=False)
        if not bulk:
            np.add.at(self.df, indices, 1)
            for i in range(len(ticket_id)):
                lo, hi = vectors.indptr[i], vectors.indptr[i + 1]
                self.pending.append((indices[lo:hi], vectors.data[lo:hi]))
            return
        self.df += np.bincount(indices, minlength=N_FEATURES).astype(np.int32)
        indptr = vectors.indptr.astype(np.int64)
        self._push(Segment.build(first, indptr, indices, vectors.data.astype(np.float32, copy=False)))

    def kill(self, ticket_id: int) -> None:
        """Marks the live row of ``ticket_id`` dead (it must be live)."""
        row = self.row_of.pop(ticket_id)
        self.columns.alive[row] = False
        self.df[self.row(row)[0]] -= 1
        self.dead += 1
        if self.dead > max(4096, self.live):
            self.compact()

    def _flushed(self) -> int:
        """The number of rows already in segments."""
        return self.segments[-1].start + self.segments[-1].n_rows if self.segments else 0

    def row(self, row: int) -> tuple[Int32s, NDArray[np.float32]]:
        """The term vector (terms, values) of ``row``."""
        flushed = self._flushed()
        if row >= flushed:
            return self.pending[row - flushed]
        starts = [segment.start for segment in self.segments]
        segment = self.segments[int(np.searchsorted(starts, row, side="right")) - 1]
        return segment.row(row - segment.start)

    def flush(self) -> None:
        """Turns the pending rows into a segment."""
        if not self.pending:
            return
        start = self._flushed()
        lengths = np.array([len(terms) for terms, _ in self.pending], np.int64)
        indptr = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.concatenate([terms for terms, _ in self.pending]).astype(np.int32, copy=False)
        data = np.concatenate([values for _, values in self.pending]).astype(np.float32, copy=False)
        self.pending = []
        self._push(Segment.build(start, indptr, indices, data))

    def _push(self, segment: Segment) -> None:
        self.segments.append(segment)
        while len(self.segments) >= 2 and self.segments[-2].n_rows <= MERGE_RATIO * self.segments[-1].n_rows:
            newer = self.segments.pop()
            self.segments[-1] = _merged(self.segments[-1], newer)

    def compact(self) -> None:
        """Renumbers the live rows 0.. in their order, into one segment, dropping the dead ones."""
        self.flush()
        columns = self.columns
        alive = np.flatnonzero(columns.alive[: columns.size])
        lengths_parts, indices_parts, data_parts = [], [], []
        for segment in self.segments:
            local = alive[(alive >= segment.start) & (alive < segment.start + segment.n_rows)] - segment.start
            starts = segment.indptr[local]
            lengths = segment.indptr[local + 1] - starts
            at = ragged(starts, lengths)
            lengths_parts.append(lengths)
            indices_parts.append(segment.indices[at])
            data_parts.append(segment.data[at])
        fresh = Columns()
        fresh.append(
            columns.ticket_id[alive], columns.opened_us[alive], columns.open[alive], columns.line[alive]
        )
        self.columns = fresh
        self.row_of = dict(zip(fresh.ticket_id[: fresh.size].tolist(), range(fresh.size), strict=True))
        self.dead = 0
        self.segments = []
        if fresh.size:
            lengths = np.concatenate(lengths_parts)
            indptr = np.zeros(len(lengths) + 1, np.int64)
            np.cumsum(lengths, out=indptr[1:])
            self.segments = [
                Segment.build(0, indptr, np.concatenate(indices_parts), np.concatenate(data_parts))
            ]

    def idf(self, terms: Int32s) -> Floats:
        """Smoothed inverse document frequency over the live rows: ``ln((1 + n) / (1 + df)) + 1``."""
        result: Floats = np.log((1.0 + self.live) / (1.0 + self.df[terms].astype(np.float64))) + 1.0
        return result
