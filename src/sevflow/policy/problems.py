"""Turning pydantic's validation errors into problems a support manager can act on:
a dotted path as they would read it (``sla.Sev2.enterprise.resolution``, ``rules[3].when.clock``)
and a message saying what was wrong and what is allowed."""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from sevflow.policy.findings import Finding, PathPart
from sevflow.policy.values import show

_KEY = "[key]"

_EXPECTED = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "dict_type": "expected a mapping (indented 'key: value' lines)",
    "model_type": "expected a mapping (indented 'key: value' lines)",
    "model_attributes_type": "expected a mapping (indented 'key: value' lines)",
    "list_type": "expected a list",
    "date_type": "expected a date such as 2026-12-24",
    "date_parsing": "expected a date such as 2026-12-24",
    "date_from_datetime_parsing": "expected a date such as 2026-12-24",
    "date_from_datetime_inexact": "expected a date without a time, such as 2026-12-24",
}


def findings_from(error: ValidationError, root: type[BaseModel], data: Any) -> list[Finding]:
    """One problem per pydantic error, in pydantic's order. ``data`` is the raw input (used to
    name the allowed fields and to drop list indexes where the file gave a single value)."""
    return [_finding(detail, root, data) for detail in error.errors(include_url=False)]


def _finding(detail: ErrorDetails, root: type[BaseModel], data: Any) -> Finding:
    loc = tuple(detail["loc"])
    kind = detail["type"]
    if loc and loc[-1] == _KEY:
        loc = loc[:-1]
    path = _as_written(loc, data)
    ctx = detail.get("ctx") or {}
    value = detail.get("input")
    if kind == "value_error" and "error" in ctx:
        return Finding(path, str(ctx["error"]))
    if kind == "missing":
        return Finding(path, "required, but missing")
    if kind == "extra_forbidden":
        allowed = _fields_at(root, loc[:-1])
        listed = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return Finding(path, f"unknown field {loc[-1]!r}{listed}")
    if kind == "too_short":
        return Finding(path, f"must not be empty (at least {ctx.get('min_length', 1)} entry needed)")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = {
            "greater_than_equal": "at least",
            "less_than_equal": "at most",
            "greater_than": "more than",
            "less_than": "less than",
        }[kind]
        limit = next(iter(ctx.values()), "?")
        return Finding(path, f"must be {bound} {limit}, got {show(value)}")
    if kind in _EXPECTED:
        return Finding(path, f"{_EXPECTED[kind]}, got {show(value)}")
    message = detail["msg"]
    return Finding(path, f"{message[:1].lower()}{message[1:]}, got {show(value)}")


def _as_written(loc: tuple[PathPart, ...], data: Any) -> tuple[PathPart, ...]:
    """Drop a list index where the file gave one value instead of a list (``severity: Sev7``)."""
    out: list[PathPart] = []
    node = data
    for part in loc:
        if isinstance(part, int) and not isinstance(node, list):
            continue
        out.append(part)
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


def _fields_at(root: type[BaseModel], loc: tuple[PathPart, ...]) -> list[str]:
    """Field names of the model found by following ``loc`` from ``root`` ([] if not a model)."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) is list:
            current = get_args(current)[0]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated[...]`` and ``X | None`` down to the container or model type."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            annotation = members[0]
        else:
            return annotation
