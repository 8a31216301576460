"""What the severity model sees of a ticket: TF-IDF of its words (1-2-grams) and of the
characters of its first ``LEAD`` characters, the subject and the start of the body (2-5-grams
within words, which catch misspellings, word forms and scripts without spaces), plus one
feature per structured field value (``line=payments``, ``impact=100+``).

Character n-grams are read from the lead only because they cost about four dictionary lookups
per character in Python: over a 2,000-character body that alone would be several milliseconds
per ticket, against a budget of 5 ms at intake; the words carry the rest of a long body.

``FeatureSpace`` is fitted on training text and can be written out as plain arrays (its
vocabularies and IDF weights) and rebuilt from them, so a saved model needs no pickle.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from sevflow.triage.text import clean_text

LEAD = 400
"""Characters (from the start of subject + body) the character n-grams read."""
FIELD_NAMES = ("service_line", "customer_tier", "channel", "impact", "category")
"""The structured fields the model reads (as mapped from history, or given at intake)."""
FIELD_LABELS = {
    "line": "service line",
    "tier": "customer tier",
    "channel": "channel",
    "impact": "impact",
    "category": "category",
    "service": "service",
    "users": "users affected",
}
_FIELD_KEYS = {"service_line": "line", "customer_tier": "tier"}
FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "into",
        "onto",
        "over",
        "under",
        "about",
        "after",
        "before",
        "than",
        "then",
        "so",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "him",
        "her",
        "they",
        "them",
        "their",
        "what",
        "which",
        "who",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "some",
        "each",
        "also",
        "just",
        "very",
        "can",
        "will",
        "would",
        "should",
        "could",
        "may",
        "might",
        "shall",
        "must",
        "again",
        "once",
        "too",
        "only",
        "own",
        "same",
        "such",
        "more",
        "most",
        "other",
    ]
)
"""Words too common to explain a proposal alone (sklearn's English stop list would also drop
words that matter in tickets: "down", "not", "cannot", "fire", "system")."""
_UNSAFE = re.compile(r"\s+")


@dataclass(frozen=True)
class TicketText:
    """A ticket as the model reads it: subject, body and structured fields."""

    title: str
    body: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    """Field name -> value; ``services`` and ``users_affected`` are read too at intake."""


def intake_ticket(
    *,
    title: str,
    description: str,
    service_line: str,
    customer_tier: str,
    channel: str,
    services: Sequence[str],
    users_affected: int,
) -> TicketText:
    """A ticket as intake knows it, as the model reads it."""
    fields = {
        "service_line": service_line,
        "customer_tier": customer_tier,
        "channel": channel,
        "services": ",".join(services),
        "users_affected": str(users_affected),
    }
    return TicketText(title, description, fields)


def users_bucket(users: int) -> str:
    """Users affected, as a coarse band (the model learns bands, not counts)."""
    if users <= 0:
        return "0"
    for top, name in ((9, "1-9"), (99, "10-99"), (999, "100-999")):
        if users <= top:
            return name
    return "1000+"


def field_tokens(fields: Mapping[str, str]) -> str:
    """The fields as space-separated ``key=value`` tokens (lower-case, spaces as ``_``)."""
    tokens = []
    for name, value in sorted(fields.items()):
        if not value:
            continue
        if name == "services":
            tokens += [
                f"service={_UNSAFE.sub('_', s.strip().lower())}" for s in value.split(",") if s.strip()
            ]
        elif name == "users_affected":
            tokens.append(f"users={users_bucket(int(value))}")
        elif name in FIELD_NAMES:
            tokens.append(f"{_FIELD_KEYS.get(name, name)}={_UNSAFE.sub('_', value.strip().lower())}")
    return " ".join(tokens)


WORDS: dict[str, Any] = {"ngram_range": (1, 2), "sublinear_tf": True, "min_df": 2, "dtype": np.float32}
CHARS: dict[str, Any] = {
    "analyzer": "char_wb",
    "ngram_range": (2, 5),
    "sublinear_tf": True,
    "min_df": 2,
    "max_features": 200_000,
    "dtype": np.float32,
}
FIELDS: dict[str, Any] = {"token_pattern": r"\S+", "lowercase": False, "dtype": np.float32}
_PARTS = {"words": WORDS, "chars": CHARS, "fields": FIELDS}


class FeatureSpace:
    """The three vectorizers, fitted or rebuilt; ``transform`` stacks their columns in the order
    words, chars, fields."""

    def __init__(self, vectorizers: Mapping[str, TfidfVectorizer]) -> None:
        self.parts = dict(vectorizers)
        self.names: list[str] = []
        self.kinds: list[str] = []
        for part in _PARTS:
            terms = self.parts[part].get_feature_names_out().tolist()
            self.names += terms
            self.kinds += [part] * len(terms)
        self.offsets = np.cumsum([0, *(len(self.parts[p].vocabulary_) for p in _PARTS)])
        self._analyzers = {p: self.parts[p].build_analyzer() for p in _PARTS}
        self._idf = {p: self.parts[p].idf_.astype(np.float64) for p in _PARTS}

    @classmethod
    def fit(cls, texts: Sequence[str], fields: Sequence[str]) -> FeatureSpace:
        """Fitted on cleaned texts and their field tokens (``field_tokens``)."""
        parts = {}
        for part, params in _PARTS.items():
            vectorizer = TfidfVectorizer(**params)
            source = {"words": texts, "chars": [t[:LEAD] for t in texts], "fields": fields}[part]
            # a field-less history still gets a (one-term) field vocabulary, so shapes stay fixed
            vectorizer.fit([*source, "none=none"] if part == "fields" else source)
            parts[part] = vectorizer
        return cls(parts)

    def transform(self, texts: Sequence[str], fields: Sequence[str]) -> sp.csr_matrix:
        """Cleaned texts (``prepare``) and their field tokens -> one row each."""
        sources = {"words": texts, "chars": [t[:LEAD] for t in texts], "fields": fields}
        blocks = [self.parts[p].transform(sources[p]) for p in _PARTS]
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def transform_one(self, text: str, fields: str) -> tuple[np.ndarray, np.ndarray]:
        """One ticket's non-zero columns (ascending) and values: the same numbers as
        ``transform`` gives for a one-row batch, without its per-call overhead (about 1 ms),
        which would dominate classifying a single ticket at intake."""
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for n, part in enumerate(_PARTS):
            vocabulary = self.parts[part].vocabulary_
            source = fields if part == "fields" else (text[:LEAD] if part == "chars" else text)
            counts: dict[int, int] = {}
            for term, count in Counter(self._analyzers[part](source)).items():  # counted in C
                column = vocabulary.get(term)
                if column is not None:
                    counts[column] = count
            if not counts:
                continue
            ids = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
            tf = np.log(np.array([counts[i] for i in ids.tolist()], dtype=np.float64)) + 1.0  # sublinear
            weights = tf * self._idf[part][ids]
            weights /= np.sqrt(np.dot(weights, weights))
            columns.append(ids + self.offsets[n])
            values.append(weights.astype(np.float32))
        if not columns:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return np.concatenate(columns), np.concatenate(values)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Each part's terms (in column order) and IDF weights."""
        arrays = {}
        for part in _PARTS:
            vectorizer = self.parts[part]
            arrays[f"{part}_terms"] = vectorizer.get_feature_names_out().astype(str)
            arrays[f"{part}_idf"] = vectorizer.idf_.astype(np.float32)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> FeatureSpace:
        parts = {}
        for part, params in _PARTS.items():
            terms = arrays[f"{part}_terms"].tolist()
            kept = {k: v for k, v in params.items() if k not in ("min_df", "max_features")}
            vectorizer = TfidfVectorizer(**kept, vocabulary={t: n for n, t in enumerate(terms)})
            vectorizer.idf_ = arrays[f"{part}_idf"].astype(np.float64)
            parts[part] = vectorizer
        return cls(parts)


def prepare(tickets: Sequence[TicketText]) -> tuple[list[str], list[str], list[tuple[str, ...]]]:
    """Cleaned texts, field tokens and the cleaning notes of ``tickets``."""
    texts, fields, notes = [], [], []
    for ticket in tickets:
        clean = clean_text(ticket.title, ticket.body)
        texts.append(clean.text)
        fields.append(field_tokens(ticket.fields))
        notes.append(clean.notes)
    return texts, fields, notes


STRONGEST = 80
"""Columns per severity an explanation is drawn from (the largest contributions)."""


def attribute(
    space: FeatureSpace, text: str, columns: np.ndarray, contributions: np.ndarray, *, top: int = 5
) -> list[list[tuple[str, float]]]:
    """Per row of ``contributions`` (one per class: each non-zero column's share of that class's
    score), the words, phrases and fields that pushed most (largest first). A character
    n-gram's share goes to the words of ``text``'s lead that contain it, split evenly."""
    positive = np.maximum(contributions, 0.0)
    # the strongest columns decide the top words; the long tail of tiny shares cannot, and
    # walking it would cost milliseconds on a long body
    strongest_per_class: list[list[int]] = []
    for row in positive:
        picked = np.flatnonzero(row)
        if len(picked) > STRONGEST:
            picked = picked[np.argpartition(row[picked], -STRONGEST)[-STRONGEST:]]
        strongest_per_class.append([int(j) for j in picked])
    wanted: dict[str, int] = {}  # character n-gram -> its position among ``columns``
    for chosen in strongest_per_class:
        for j in chosen:
            column = int(columns[j])
            if space.kinds[column] == "chars":
                wanted[space.names[column]] = j
    holders: dict[int, list[str]] = {}
    if wanted:
        for token in dict.fromkeys(text[:LEAD].lower().split()):
            word = token.strip(".,;:!?()[]{}\"'")
            if not word:
                continue
            padded = f" {token} "
            grams = {padded[i : i + n] for n in range(2, 6) for i in range(len(padded) - n + 1)}
            for gram in grams.intersection(wanted):
                holders.setdefault(wanted[gram], []).append(word)
    ranked_per_class = []
    for row, chosen in zip(positive, strongest_per_class, strict=True):
        pushes: dict[str, float] = {}
        for j in chosen:
            value = float(row[j])
            column = int(columns[j])
            kind, name = space.kinds[column], space.names[column]
            if kind == "chars":
                words = holders.get(j, ())
                for word in words:
                    pushes[word] = pushes.get(word, 0.0) + value / len(words)
            elif kind == "fields":
                key, _, raw = name.partition("=")
                pushes[f"{FIELD_LABELS.get(key, key)}: {raw}"] = value
            else:
                pushes[name] = pushes.get(name, 0.0) + value
        # stop words carry weight in the model (with their neighbours) but explain nothing alone
        ranked = sorted(
            ((w, v) for w, v in pushes.items() if len(w) > 1 and w not in FUNCTION_WORDS),
            key=lambda kv: (-kv[1], kv[0]),
        )
        ranked_per_class.append(ranked[:top])
    return ranked_per_class
