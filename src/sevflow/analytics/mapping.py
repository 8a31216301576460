"""A mapping file: how another system's ticket history reads as sevflow's cases, without code.

```yaml
format: csv                    # csv or jsonl
encoding: utf-8                # any Python codec (latin-1, cp1252, utf-16...); a BOM is dropped
delimiter: ","
missing: ["?", ""]             # cells that mean "no value"
zone: Europe/Berlin            # the zone of timestamps written without an offset
timestamp_formats: ["%d/%m/%Y %H:%M"]   # tried in order after ISO 8601
event_log: {order_by: sys_mod_count}    # many rows per case: fold them (omit: one row per case)
columns:                       # sevflow's field -> the file's column
  id: number                   # required
  created: opened_at           # required
  resolved: resolved_at
  severity: priority
  team: assignment_group
  ...
severity_values: {"1 - Critical": Sev1, "2 - High": Sev2}   # raw value -> Sev1..Sev4
policy_names: {service_line: {"Category 23": payments}}  # history value -> the policy's name
```

``load_mapping(path)`` and ``preset(name)`` (``servicenow``, ``zendesk``, ``jira``: files in
``presets/``) check the file with pydantic and name the bad field and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sevflow.domain.errors import InvalidInput
from sevflow.domain.severity import Severity

PRESETS = ("servicenow", "zendesk", "jira", "bugzilla")
PRESET_FOLDER = Path(__file__).resolve().parent / "presets"

FIELDS: Mapping[str, str] = {
    "id": "the case's identifier (required)",
    "created": "when the case was opened (required)",
    "first_response": "when the first agent reply was sent",
    "first_response_minutes": "minutes from opening to the first reply (instead of first_response)",
    "resolved": "when the case was resolved",
    "closed": "when the case was closed",
    "updated": "when this row's change happened (event logs)",
    "status": "the case's status at this row",
    "severity": "priority or severity (see severity_values)",
    "impact": "reported impact",
    "urgency": "reported urgency",
    "customer_tier": "the customer's tier or plan",
    "service_line": "product, service or category",
    "category": "a finer category",
    "team": "the group or team working on the case at this row",
    "assignee": "the person working on it at this row",
    "channel": "how the case came in (phone, e-mail, web...)",
    "reassignments": "how many times it was reassigned (a count)",
    "reopens": "how many times it was reopened (a count)",
    "made_sla": "whether it met its SLA (true/false)",
    "title": "the subject line",
    "text": "the description",
}
REQUIRED = ("id", "created")
"""The fields a history analysis needs (``HistoryMapping.require``); severity triage needs others."""


class EventLog(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_by: str | None = None
    """A column that orders a case's rows (a counter or a timestamp); default: file order."""


class HistoryMapping(BaseModel):
    """A checked mapping file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    name: str = "custom"
    format: Literal["csv", "jsonl"] = "csv"
    encoding: str = "utf-8"
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] = ","
    header: bool = True
    """False: the CSV has no header row; its columns are named column_0, column_1, ..."""
    missing: list[str] = ["", "?", "NULL", "null", "N/A"]
    zone: str = "UTC"
    timestamp_formats: list[str] = []
    event_log: EventLog | None = None
    columns: dict[str, str]
    severity_values: dict[str, Severity] = {}
    policy_names: dict[Literal["service_line", "customer_tier"], dict[str, str]] = {}
    """History values -> the policy's names, for proposed rules (e.g. a category -> a service line)."""
    true_values: list[str] = ["true", "yes", "1", "y", "t"]
    false_values: list[str] = ["false", "no", "0", "n", "f"]

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(
                f"unknown encoding {value!r}; use a Python codec such as utf-8, latin-1, cp1252"
            ) from None
        return value

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin") from None
        return value

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; the fields are {', '.join(FIELDS)}")
        return value

    @field_validator("severity_values", mode="before")
    @classmethod
    def _severities(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        try:
            return {str(k): Severity.parse(str(v)) for k, v in value.items()}
        except InvalidInput as err:
            raise ValueError(str(err)) from None

    def column(self, field: str) -> str | None:
        return self.columns.get(field)

    def require(self, fields: tuple[str, ...], purpose: str) -> None:
        """``InvalidInput`` unless the mapping names a column for each of ``fields``."""
        missing = [f for f in fields if f not in self.columns]
        if missing:
            raise InvalidInput(f"the mapping must name the column of: {', '.join(missing)} (for {purpose})")


def parse_mapping(data: object, source: str) -> HistoryMapping:
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: a mapping file holds keys such as columns, zone, format")
    try:
        return HistoryMapping.model_validate(data)
    except ValidationError as err:
        problems = []
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"]) or "(top level)"
            message = e["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {message}")
        raise InvalidInput(f"{source}: " + "; ".join(problems)) from None


def load_mapping(path: Path) -> HistoryMapping:
    """The mapping in the YAML file at ``path``; ``InvalidInput`` naming what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InvalidInput(f"cannot read the mapping file {path}: {err.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise InvalidInput(f"{path}: not valid YAML ({err})") from None
    return parse_mapping(data, str(path))


def preset(name: str) -> HistoryMapping:
    """One of the shipped mappings (``PRESETS``)."""
    if name not in PRESETS:
        raise InvalidInput.unknown("preset", name, PRESETS)
    return load_mapping(PRESET_FOLDER / f"{name}.yaml")


def chosen_mapping(preset_name: str | None, mapping_file: Path | None) -> HistoryMapping:
    """The mapping a command was given: a preset's name or a mapping file, exactly one of them."""
    if (preset_name is None) == (mapping_file is None):
        raise InvalidInput("give either --preset NAME or --mapping FILE (one of them)")
    if preset_name is not None:
        return preset(preset_name)
    assert mapping_file is not None
    return load_mapping(mapping_file)
