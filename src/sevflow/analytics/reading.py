"""Reading a history file into a table of text cells, one row per record, with its number.

Polars reads it (multi-threaded, quoted newlines handled). Every cell is read as text; the
mapping decides later what each column means. Files in another encoding are decoded by Python's
codec first (Polars reads only UTF-8); a UTF-8 byte order mark is dropped. A column the mapping
names but the file lacks is refused with the missing names and the columns the file has.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import polars as pl

from sevflow.analytics.mapping import HistoryMapping
from sevflow.domain.errors import InvalidInput

RECORD = "__record"
"""The column holding each row's record number: 1 for the first row after the header (and, for
JSON Lines, the line number)."""


def read_records(path: Path, mapping: HistoryMapping) -> pl.DataFrame:
    """Every record of ``path`` as text cells (``None`` for the mapping's missing markers), the
    mapped columns only, plus ``RECORD``."""
    if not path.is_file():
        raise InvalidInput(f"cannot read {path}: no such file")
    wanted = sorted(set(mapping.columns.values()) | _order_column(mapping))
    utf8 = codecs.lookup(mapping.encoding).name == "utf-8"
    # UTF-8 (the usual case) is read by Polars straight from the file, only the mapped columns
    source: Path | io.BytesIO = path if utf8 else io.BytesIO(_recoded(path, mapping.encoding))
    if mapping.format == "jsonl":
        frame = _read_jsonl(source, path)
    else:
        frame = _read_csv(source, mapping, path, wanted)
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise InvalidInput(
            f"{path}: the mapping needs column(s) {', '.join(repr(c) for c in missing)}, which the file "
            f"does not have; its columns are: {', '.join(frame.columns[:60])}"
        )
    cells = [pl.col(c).cast(pl.String).str.strip_chars().alias(c) for c in wanted]
    frame = frame.select(cells).with_row_index(RECORD, offset=1)
    markers = list(mapping.missing)
    if markers:
        frame = frame.with_columns(
            [pl.when(pl.col(c).is_in(markers)).then(None).otherwise(pl.col(c)).alias(c) for c in wanted]
        )
    return frame


def _order_column(mapping: HistoryMapping) -> set[str]:
    if mapping.event_log is not None and mapping.event_log.order_by:
        return {mapping.event_log.order_by}
    return set()


def _recoded(path: Path, encoding: str) -> bytes:
    """The file decoded from ``encoding`` and written as UTF-8 (Polars reads only UTF-8)."""
    try:
        text = path.read_bytes().decode(encoding)
    except UnicodeDecodeError as err:
        raise InvalidInput(f"{path} is not {encoding} (byte {err.start}): {err.reason}") from None
    except OSError as err:
        raise InvalidInput(f"cannot read {path}: {err.strerror}") from None
    return text.lstrip("\ufeff").encode("utf-8")


def _not_utf8(path: Path) -> InvalidInput:
    with path.open("rb") as f:
        raw = f.read()
    try:
        raw.decode("utf-8")
        where = ""
    except UnicodeDecodeError as err:
        where = f" (byte {err.start} is {raw[err.start : err.start + 1]!r})"
    return InvalidInput(
        f"{path} is not UTF-8{where}; name its encoding in the mapping, e.g. encoding: latin-1 or cp1252"
    )


def _read_csv(
    source: Path | io.BytesIO, mapping: HistoryMapping, path: Path, wanted: list[str]
) -> pl.DataFrame:
    try:
        return pl.read_csv(
            source,
            separator=mapping.delimiter,
            infer_schema=False,
            empty_string_is_null=True,
            columns=wanted,
            has_header=mapping.header,
        )
    except pl.exceptions.ColumnNotFoundError:
        if isinstance(source, io.BytesIO):
            source.seek(0)
        # read the header alone, to name every missing column and the ones the file has
        return pl.read_csv(
            source, separator=mapping.delimiter, infer_schema=False, n_rows=1, has_header=mapping.header
        ).clear()
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if "utf-8" in first.lower() or "utf8" in first.lower():
            raise _not_utf8(path) from None
        raise InvalidInput(
            f"{path} cannot be read as CSV with delimiter {mapping.delimiter!r}: {first}"
        ) from None


def _read_jsonl(source: Path | io.BytesIO, path: Path) -> pl.DataFrame:
    try:
        return pl.read_ndjson(source, infer_schema_length=None)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if "utf-8" in first.lower() or "utf8" in first.lower():
            raise _not_utf8(path) from None
        raise InvalidInput(f"{path} cannot be read as JSON Lines: {first}") from None
