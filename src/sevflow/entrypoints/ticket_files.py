"""Tickets to import, read from a file: JSON Lines (``.jsonl``, ``.ndjson``: one object per
line) or CSV (``.csv``: a header row, then one ticket per row; UTF-8, a BOM is allowed).

Fields: ``title``, ``service_line``, ``customer``, ``customer_tier`` (required), and
``description``, ``services`` (a list; in CSV separated by ``;``), ``users_affected``,
``severity`` (Sev1..Sev4), ``severity_reason``, ``channel`` (default ``import``),
``external_id`` (the ticket's id in the system it comes from: re-importing skips it).

Every problem in the file is collected with its line number; the caller decides what to do.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sevflow.domain.errors import InvalidInput
from sevflow.domain.severity import Severity
from sevflow.services.tickets import NewTicket

FIELDS = (
    "title",
    "service_line",
    "customer",
    "customer_tier",
    "description",
    "services",
    "users_affected",
    "severity",
    "severity_reason",
    "channel",
    "external_id",
)
REQUIRED = FIELDS[:4]
FORMATS = {".jsonl": "json", ".ndjson": "json", ".csv": "csv"}
SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class Row:
    """One ticket of the file and the line it starts on."""

    line: int
    ticket: NewTicket


class TicketFileError(InvalidInput):
    """The file cannot be imported; ``problems`` lists ``(line, message)`` for all of them."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]) -> None:
        self.path = path
        self.problems = problems
        shown = "\n".join(f"  line {line}: {message}" for line, message in problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{path}: {len(problems)} {noun}, nothing was imported:\n{shown}{tail}")


@dataclass(frozen=True)
class TicketFile:
    rows: list[Row]
    """The tickets that could be read, in file order."""
    problems: list[tuple[int, str]]
    """``(line, message)`` for each record that could not: bad JSON, unknown or missing
    fields, bad values, an external id given twice."""


def read_ticket_file(path: Path) -> TicketFile:
    """Read every record of ``path``. Refuses (``InvalidInput``) only what makes the whole file
    unusable: an unknown file type, a missing or unreadable file, a file without tickets."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InvalidInput(
            f"cannot import {path}: unknown file type {path.suffix or '(none)'!r}; "
            f"use one of {', '.join(sorted(FORMATS))}"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"cannot import {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"cannot import {path}: {error}") from None
    records = _json_records(text) if kind == "json" else _csv_records(text)
    rows: list[Row] = []
    problems: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}
    for line, record in records:
        if isinstance(record, str):
            problems.append((line, record))
            continue
        external = record.get("external_id")
        if isinstance(external, str | int) and not isinstance(external, bool) and str(external).strip():
            key = str(external).strip()
            if key in first_line:  # reported even if either line has other problems too
                problems.append((line, f"external_id {key!r} is also on line {first_line[key]}"))
                continue
            first_line[key] = line
        try:
            ticket = _ticket(record)
        except InvalidInput as error:
            problems.append((line, str(error)))
            continue
        rows.append(Row(line, ticket))
    if not rows and not problems:
        raise InvalidInput(f"cannot import {path}: it holds no tickets")
    return TicketFile(rows, problems)


def _json_records(text: str) -> Iterator[tuple[int, Mapping[str, Any] | str]]:
    # split on line feeds only: JSON strings may hold U+2028 and friends unescaped
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, f"not valid JSON ({error.msg} at column {error.colno})"
            continue
        if not isinstance(value, dict):
            yield number, f"expected a JSON object, got {type(value).__name__}"
            continue
        yield number, value


def _csv_records(text: str) -> Iterator[tuple[int, Mapping[str, Any] | str]]:
    reader = csv.reader(io.StringIO(text, newline=""))  # quoted values may span lines
    header = next(reader, None)
    if header is None:
        return
    names = [h.strip() for h in header]
    unknown = [n for n in names if n not in FIELDS]
    missing = [n for n in REQUIRED if n not in names]
    if unknown or missing:
        parts = [f"unknown column(s) {', '.join(map(repr, unknown))}"] if unknown else []
        parts += [f"missing column(s) {', '.join(missing)}"] if missing else []
        yield 1, f"{'; '.join(parts)}; the columns are {', '.join(FIELDS)}"
        return
    while True:
        number = reader.line_num + 1  # the line the next row starts on
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield number, f"not valid CSV ({error})"
            return
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(names):
            yield number, f"{len(values)} values for {len(names)} columns"
            continue
        record: dict[str, Any] = {n: v for n, v in zip(names, values, strict=True) if v.strip()}
        if "services" in record:
            record["services"] = record["services"].split(";")
        yield number, record


def _ticket(record: Mapping[str, Any]) -> NewTicket:
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        raise InvalidInput(
            f"unknown field(s) {', '.join(map(repr, unknown))}; the fields are {', '.join(FIELDS)}"
        )
    missing = [n for n in REQUIRED if record.get(n) in (None, "")]
    if missing:
        raise InvalidInput(f"missing {', '.join(missing)} (required: {', '.join(REQUIRED)})")
    texts = {n: _text(record, n) for n in FIELDS if n not in ("services", "users_affected", "severity")}
    services = record.get("services", [])
    if isinstance(services, str):
        services = services.split(",")
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        raise InvalidInput("services must be a list of service names")
    severity = record.get("severity")
    return NewTicket(
        title=texts["title"] or "",
        service_line=texts["service_line"] or "",
        customer=texts["customer"] or "",
        customer_tier=texts["customer_tier"] or "",
        description=texts["description"] or "",
        services=tuple(s.strip() for s in services if s.strip()),
        users_affected=_count(record.get("users_affected", 0)),
        severity=None if severity in (None, "") else Severity.parse(str(severity)),
        severity_reason=texts["severity_reason"],
        channel=texts["channel"] or "import",
        external_id=texts["external_id"],
    )


def _text(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidInput(f"{name} must be text, got {json.dumps(value)}")
    return str(value).strip() or None


def _count(value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise InvalidInput(f"users_affected must be a whole number >= 0, got {json.dumps(value)}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"users_affected must be a whole number >= 0, got {value!r}") from None
    if number < 0:
        raise InvalidInput(f"users_affected must be a whole number >= 0, got {value!r}")
    return number
