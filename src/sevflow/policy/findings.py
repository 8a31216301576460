"""Problems as found, before they become ``PolicyProblem``s: a path as parts (so problems can
be sorted by their place in the file) and a message. Plus the phrasing helpers shared by the
checks, so every message reads the same way."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sevflow.domain.errors import InvalidInput

PathPart = str | int


@dataclass(frozen=True)
class Finding:
    loc: tuple[PathPart, ...]
    message: str


def format_path(parts: tuple[PathPart, ...]) -> str:
    """``("rules", 3, "when", "clock")`` -> ``rules[3].when.clock``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def unknown(loc: tuple[PathPart, ...], what: str, value: str, allowed: Iterable[str]) -> Finding:
    """``unknown tier 'L9'; allowed: L1, L2`` at ``loc``."""
    return Finding(loc, str(InvalidInput.unknown(what, value, allowed)))


def listing(items: Iterable[str]) -> str:
    """``a``; ``a and b``; ``a, b and c``."""
    names = list(items)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def raw_at(raw: Any, loc: tuple[PathPart, ...]) -> Any:
    """The raw value at ``loc`` in the parsed YAML, or ``None``."""
    for part in loc:
        if isinstance(raw, Mapping):
            raw = raw.get(part)
        elif isinstance(raw, list) and isinstance(part, int) and 0 <= part < len(raw):
            raw = raw[part]
        else:
            return None
    return raw
