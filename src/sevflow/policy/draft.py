"""A partial reading of a policy document, so cross-references can be checked even when some
parts are broken -- the user then sees every problem in one go.

Sections, their entries and (where a check needs it) the parts of an entry are validated on
their own; a field that fails is dropped if it is optional. In a ``Draft``:

- ``None`` for a section means it is missing or not even the right container (the schema
  validation has reported that); checks that need it are skipped;
- ``None`` for an entry means it could not be read (also already reported); its *name* still
  counts as defined, so a misspelt field inside ``customer_tiers.enterprise`` does not also make
  every SLA cell for ``enterprise`` "unknown".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from sevflow.domain.severity import Severity
from sevflow.policy.schema import (
    ActionDoc,
    GateDoc,
    OwnerPairDoc,
    SeverityRuleDoc,
    SlaCellDoc,
    TeamDoc,
    TriggerDoc,
)
from sevflow.policy.values import Name, parse_severity

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

_NAMES: TypeAdapter[list[str]] = TypeAdapter(list[Name])


@dataclass(frozen=True)
class SlaRow:
    """One severity's row of the SLA matrix: the key as written (``Sev2`` or ``sev2``), its
    cells by customer tier (``None`` if the row is not a mapping) and the raw row."""

    key: str
    cells: dict[str, SlaCellDoc | None] | None
    raw: Any


@dataclass(frozen=True)
class LineParts:
    teams: dict[str, TeamDoc | None] | None
    owners: dict[str, OwnerPairDoc | None] | None  # keys as written
    services: tuple[str, ...] | None


@dataclass(frozen=True)
class ActionParts:
    """An action: the field names as written (to count them) and what could be read."""

    keys: frozenset[str] | None  # None: not even a mapping (reported by the schema)
    doc: ActionDoc | None


@dataclass(frozen=True)
class RuleParts:
    """A rule: the ``when`` field names as written (to pair time conditions), the readable
    part of ``when``, and its actions."""

    when_keys: frozenset[str]
    when: TriggerDoc | None
    then: list[ActionParts] | None


@dataclass(frozen=True)
class Draft:
    raw: Mapping[str, Any]
    severities: frozenset[Severity] | None
    customer_tiers: tuple[str, ...] | None
    calendars: dict[str, Any] | None  # name -> the calendar as written
    tiers: tuple[str, ...] | None
    service_lines: dict[str, LineParts] | None
    sla: dict[Severity, SlaRow] | None
    rules: list[RuleParts] | None
    severity_rules: list[SeverityRuleDoc | None] | None
    gates: list[GateDoc | None] | None

    @property
    def gate_names(self) -> frozenset[str] | None:
        """Names of the gates as written (also of gates that are otherwise broken)."""
        section = self.raw.get("gates", [])
        if not isinstance(section, list):
            return None
        return frozenset(
            str(g["name"]) for g in section if isinstance(g, Mapping) and g.get("name") is not None
        )

    @property
    def team_names(self) -> frozenset[str] | None:
        if self.service_lines is None:
            return None
        return frozenset(
            team.name for line in self.service_lines.values() for team in (line.teams or {}).values() if team
        )

    @property
    def services(self) -> frozenset[str] | None:
        if self.service_lines is None:
            return None
        return frozenset(s for line in self.service_lines.values() for s in line.services or ())

    def always_open(self, calendar: str) -> bool:
        written = (self.calendars or {}).get(calendar)
        return isinstance(written, Mapping) and written.get("always_open") is True


def read_draft(raw: Mapping[str, Any]) -> Draft:
    calendars = raw.get("calendars")
    return Draft(
        raw=raw,
        severities=_severity_keys(raw.get("severities")),
        customer_tiers=_keys(raw.get("customer_tiers")),
        calendars={str(k): v for k, v in calendars.items()} if isinstance(calendars, Mapping) else None,
        tiers=_names(raw.get("tiers")),
        service_lines=_mapping(raw.get("service_lines"), _line),
        sla=_sla(raw.get("sla")),
        rules=_list(raw.get("rules", []), _rule),
        severity_rules=_list(raw.get("severity_rules", []), lambda v: lenient(SeverityRuleDoc, v)),
        gates=_list(raw.get("gates", []), lambda v: lenient(GateDoc, v)),
    )


def lenient(model: type[M], value: Any) -> M | None:
    """``value`` validated as ``model``, leaving out optional fields that do not validate and
    unknown fields; ``None`` if a required field is missing or broken."""
    if not isinstance(value, Mapping):
        return None
    data = dict(value)
    while True:
        try:
            return model.model_validate(data)
        except ValidationError as err:
            broken = {str(e["loc"][0]) for e in err.errors() if e["loc"]} & {str(k) for k in data}
            if not broken:
                return None
            data = {k: v for k, v in data.items() if str(k) not in broken}


def _mapping(section: Any, read: Any) -> Any:
    if not isinstance(section, Mapping):
        return None
    return {str(name): read(value) for name, value in section.items()}


def _list(section: Any, read: Any) -> Any:
    return [read(item) for item in section] if isinstance(section, list) else None


def _keys(section: Any) -> tuple[str, ...] | None:
    return tuple(str(k) for k in section) if isinstance(section, Mapping) else None


def _names(section: Any) -> tuple[str, ...] | None:
    try:
        return tuple(_NAMES.validate_python(section))
    except ValidationError:
        return None


def severity_or_none(value: Any) -> Severity | None:
    try:
        return parse_severity(value)
    except ValueError:
        return None


def _severity_keys(section: Any) -> frozenset[Severity] | None:
    if not isinstance(section, Mapping):
        return None
    return frozenset(s for s in map(severity_or_none, section) if s is not None)


def _line(value: Any) -> LineParts:
    line = value if isinstance(value, Mapping) else {}
    services = line.get("services", [])
    return LineParts(
        teams=_mapping(line.get("teams"), lambda v: lenient(TeamDoc, v)),
        owners=_mapping(line.get("owners"), lambda v: lenient(OwnerPairDoc, v)),
        services=_names(services),
    )


def keys_of(value: Any) -> frozenset[str]:
    """Keys given a value (``key:`` with nothing after it counts as not given, as in the schema)."""
    if not isinstance(value, Mapping):
        return frozenset()
    return frozenset(str(k) for k, v in value.items() if v is not None)


def _rule(value: Any) -> RuleParts:
    rule = value if isinstance(value, Mapping) else {}
    when = rule.get("when")
    return RuleParts(
        when_keys=keys_of(when),
        when=lenient(TriggerDoc, when),
        then=_list(rule.get("then"), _action),
    )


def _action(value: Any) -> ActionParts:
    keys = keys_of(value) if isinstance(value, Mapping) else None
    return ActionParts(keys, lenient(ActionDoc, value))


def _sla(section: Any) -> dict[Severity, SlaRow] | None:
    if not isinstance(section, Mapping):
        return None
    rows: dict[Severity, SlaRow] = {}
    for key, row in section.items():
        severity = severity_or_none(key)
        if severity is not None and severity not in rows:
            rows[severity] = SlaRow(str(key), _mapping(row, lambda v: lenient(SlaCellDoc, v)), row)
    return rows
