"""Labelled examples for the severity model: read from history files through a mapping
(``analytics.mapping``), and split in time order.

A row is an example when it has text (title or description) and a severity the mapping's
``severity_values`` translate; other rows are counted as skipped, by reason. Service lines and
customer tiers are translated by the mapping's ``policy_names``, so the model learns the names
intake will give it. An event log
(many rows per case) gives one example per case: its first row, as the ticket looked at intake.

The time-ordered split holds out the latest share of examples: by ``created`` when every file
maps it, otherwise by position within each file (a file per severity, oldest first, as in the
Mozilla data: the latest 20 % of every file is held out).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sevflow.analytics.cells import instant_expr
from sevflow.analytics.mapping import HistoryMapping
from sevflow.analytics.reading import RECORD, read_records
from sevflow.domain.errors import InvalidInput
from sevflow.domain.severity import Severity
from sevflow.triage.features import FIELD_NAMES, TicketText

TEXT_FIELDS = ("title", "text")


@dataclass
class Examples:
    """Tickets with the severity their team gave them, in reading order."""

    tickets: list[TicketText] = field(default_factory=list)
    labels: list[Severity] = field(default_factory=list)
    raw_labels: list[str] = field(default_factory=list)
    """The file's own severity value of each example (e.g. ``blocker``)."""
    created: list[datetime | None] = field(default_factory=list)
    source: list[tuple[int, int]] = field(default_factory=list)
    """(file number, position within the file) of each example."""
    skipped: Counter[str] = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, rows: Sequence[int]) -> Examples:
        picked = Examples(files=list(self.files))
        for n in rows:
            picked.tickets.append(self.tickets[n])
            picked.labels.append(self.labels[n])
            picked.raw_labels.append(self.raw_labels[n])
            picked.created.append(self.created[n])
            picked.source.append(self.source[n])
        return picked

    def counts(self) -> dict[str, int]:
        """Examples per severity, most urgent first."""
        counted = Counter(self.labels)
        return {s.value: counted[s] for s in sorted(counted, key=lambda s: s.rank)}


def read_examples(paths: Sequence[Path], mapping: HistoryMapping) -> Examples:
    """The labelled examples in ``paths`` (read in order). ``InvalidInput`` if the mapping
    lacks a severity or any text column, or a file cannot be read; none at all is an error."""
    mapping.require(("severity",), "severity triage")
    if not any(mapping.column(f) for f in TEXT_FIELDS):
        raise InvalidInput("the mapping must name the column of: title or text (for severity triage)")
    if not mapping.severity_values:
        raise InvalidInput("the mapping must translate its severities to Sev1..Sev4 (severity_values)")
    examples = Examples()
    for number, path in enumerate(paths):
        examples.files.append(str(path))
        _read_file(examples, number, path, mapping)
    if not examples.labels:
        reasons = (
            ", ".join(f"{n} {why}" for why, n in examples.skipped.most_common()) or "the files are empty"
        )
        raise InvalidInput(f"no labelled examples in {', '.join(map(str, paths))}: {reasons}")
    return examples


def _read_file(examples: Examples, number: int, path: Path, mapping: HistoryMapping) -> None:
    frame = read_records(path, mapping)
    if mapping.event_log is not None and mapping.column("id"):
        frame = frame.unique(subset=[mapping.columns["id"]], keep="first", maintain_order=True)

    def column(name: str) -> list[str | None]:
        source = mapping.column(name)
        return frame[source].to_list() if source else [None] * frame.height

    titles, texts, severities = column("title"), column("text"), column("severity")
    source = mapping.column("created")
    created = (
        frame.select(instant_expr(source, mapping).alias("at"))["at"].to_list()
        if source
        else [None] * frame.height
    )
    fields = {name: column(name) for name in FIELD_NAMES}
    # history names -> the policy's, so the model's field features match what intake gives it
    for name, translate in mapping.policy_names.items():
        fields[name] = [None if v is None else translate.get(v, v) for v in fields[name]]
    values = {k.strip().lower(): v for k, v in mapping.severity_values.items()}
    for n, position in enumerate(frame[RECORD].to_list()):
        raw = (severities[n] or "").strip()
        severity = values.get(raw.lower())
        title, text = titles[n] or "", texts[n] or ""
        if not raw:
            examples.skipped["had no severity"] += 1
            continue
        if severity is None:
            examples.skipped[f"had severity {raw!r}, which severity_values does not translate"] += 1
            continue
        if not (title.strip() or text.strip()):
            examples.skipped["had no text"] += 1
            continue
        examples.tickets.append(
            TicketText(title, text, {k: cell for k, v in fields.items() if (cell := v[n]) is not None})
        )
        examples.labels.append(severity)
        examples.raw_labels.append(raw)
        examples.created.append(created[n])
        examples.source.append((number, position))


def time_split(examples: Examples, held_out: float = 0.2) -> tuple[list[int], list[int]]:
    """Row numbers of the earlier (training) and the latest ``held_out`` share (testing)."""
    if not 0 < held_out < 1:
        raise InvalidInput(f"the held-out share must be between 0 and 1, got {held_out}")
    if examples.created and all(c is not None for c in examples.created):
        order = sorted(range(len(examples)), key=lambda n: (examples.created[n], n))
        cut = round(len(order) * (1 - held_out))
        return sorted(order[:cut]), sorted(order[cut:])
    by_file: dict[int, list[int]] = {}
    for n, (file, _) in enumerate(examples.source):
        by_file.setdefault(file, []).append(n)
    train: list[int] = []
    test: list[int] = []
    for rows in by_file.values():
        rows.sort(key=lambda n: examples.source[n][1])
        cut = round(len(rows) * (1 - held_out))
        train += rows[:cut]
        test += rows[cut:]
    return sorted(train), sorted(test)
