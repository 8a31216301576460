"""Cross-reference checks: everything that relates two values of the policy file.

Works on a ``Draft`` (see ``draft``), so one broken section does not hide the problems of the
others. Rules, severity rules and gates are checked in ``rule_checks``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from sevflow.domain.severity import Severity
from sevflow.policy.calendars import check_calendar
from sevflow.policy.draft import Draft, SlaRow, severity_or_none
from sevflow.policy.durations import format_minutes, parse_minutes, uses_days
from sevflow.policy.findings import Finding, PathPart, format_path, listing, raw_at, unknown
from sevflow.policy.notifications_doc import check_notifications
from sevflow.policy.oncall_doc import oncall_problems, parse_oncall
from sevflow.policy.rule_checks import check_gates, check_rules, check_severity_rules
from sevflow.policy.schema import OwnerPairDoc, SlaCellDoc
from sevflow.policy.values import DEFAULT_OWNERS

_CELL_FIELDS = "first_response, update_every, resolution and calendar"


def cross_check(draft: Draft) -> list[Finding]:
    """Every cross-reference problem of ``draft``, section by section."""
    return [
        *_severities(draft),
        *_tiers(draft),
        *_calendars(draft),
        *_service_lines(draft),
        *_sla(draft),
        *check_rules(draft),
        *check_severity_rules(draft),
        *check_gates(draft),
        *_manual(draft),
        *check_notifications(
            draft.raw.get("notifications"),
            service_lines=None if draft.service_lines is None else tuple(draft.service_lines),
            customer_tiers=draft.customer_tiers,
        ),
        *_oncall(draft),
    ]


def _oncall(draft: Draft) -> list[Finding]:
    try:
        docs = parse_oncall(draft.raw.get("oncall") or {})
    except ValidationError:
        return []  # reported by the schema
    found = oncall_problems(docs)
    teams = draft.team_names
    if teams is not None:
        found += [
            unknown(("oncall", team), "team", team, sorted(teams)) for team in docs if team not in teams
        ]
    return found


def _same_severity_twice(loc: tuple[PathPart, ...], section: Any) -> list[Finding]:
    if not isinstance(section, Mapping):
        return []
    first: dict[Severity, str] = {}
    found = []
    for key in section:
        severity = severity_or_none(key)
        if severity is None:
            continue
        if severity in first:
            found.append(
                Finding((*loc, str(key)), f"{key!r} and {first[severity]!r} are the same severity; keep one")
            )
        else:
            first[severity] = str(key)
    return found


def _severities(draft: Draft) -> list[Finding]:
    found = _same_severity_twice(("severities",), draft.raw.get("severities"))
    if draft.severities is not None:
        missing = [s.value for s in Severity if s not in draft.severities]
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            found.append(
                Finding(
                    ("severities",),
                    f"{listing(missing)} {verb} not defined; define each of Sev1, Sev2, Sev3, Sev4 "
                    "with a title and a definition",
                )
            )
    return found


def _tiers(draft: Draft) -> list[Finding]:
    found = []
    first: dict[str, int] = {}
    for index, tier in enumerate(draft.tiers or ()):
        if tier in first:
            found.append(
                Finding(
                    ("tiers", index),
                    f"{tier!r} is already tiers[{first[tier]}]; "
                    "each tier appears once in the escalation chain",
                )
            )
        first.setdefault(tier, index)
    return found


def _calendars(draft: Draft) -> list[Finding]:
    found: list[Finding] = []
    for name, written in (draft.calendars or {}).items():
        found += check_calendar(name, written)
    return found


def _service_lines(draft: Draft) -> list[Finding]:
    found: list[Finding] = []
    team_at: dict[str, tuple[PathPart, ...]] = {}
    service_line_of: dict[str, str] = {}
    for name, line in (draft.service_lines or {}).items():
        loc: tuple[PathPart, ...] = ("service_lines", name)
        teams = line.teams or {}
        if draft.tiers is not None and line.teams is not None:
            found += _teams_per_tier((*loc, "teams"), teams, draft.tiers)
        for tier, team in teams.items():
            if team is None:
                continue
            team_loc = (*loc, "teams", tier, "name")
            if team.name in team_at:
                found.append(
                    Finding(
                        team_loc,
                        f"team name {team.name!r} is already used at {format_path(team_at[team.name])}; "
                        "team names must be unique (rules reassign by team name)",
                    )
                )
            team_at.setdefault(team.name, team_loc)
        for index, service in enumerate(line.services or ()):
            if service in service_line_of:
                found.append(
                    Finding(
                        (*loc, "services", index),
                        f"service {service!r} already belongs to service line {service_line_of[service]}; "
                        "a service belongs to one service line",
                    )
                )
            service_line_of.setdefault(service, name)
        if line.owners is not None:
            found += _owners((*loc, "owners"), line.owners)
    return found


def _teams_per_tier(
    loc: tuple[PathPart, ...], teams: Mapping[str, Any], tiers: tuple[str, ...]
) -> list[Finding]:
    found = [unknown((*loc, t), "tier", t, tiers) for t in teams if t not in tiers]
    missing = [t for t in dict.fromkeys(tiers) if t not in teams]
    if missing:
        found.append(
            Finding(
                loc,
                f"no team for {listing(missing)}; a service line needs a team for every tier: "
                f"{', '.join(dict.fromkeys(tiers))}",
            )
        )
    return found


def _owners(loc: tuple[PathPart, ...], owners: Mapping[str, OwnerPairDoc | None]) -> list[Finding]:
    found = _same_severity_twice(loc, owners)
    covered = {key if key == DEFAULT_OWNERS else severity_or_none(key) for key in owners}
    if DEFAULT_OWNERS not in covered:
        missing = [s.value for s in Severity if s not in covered]
        if missing:
            found.append(
                Finding(loc, f"no owners for {listing(missing)}; list them or add a 'default' entry")
            )
    for key, pair in owners.items():
        if pair is not None and pair.primary == pair.secondary:
            found.append(
                Finding(
                    (*loc, key, "secondary"),
                    f"{pair.secondary!r} is also the primary owner; the secondary must be someone else "
                    "(a ticket moves to the secondary when the primary does not accept it)",
                )
            )
    return found


def _sla(draft: Draft) -> list[Finding]:
    if draft.sla is None:
        return []
    found = _same_severity_twice(("sla",), draft.raw.get("sla"))
    tiers = draft.customer_tiers
    for severity in Severity:
        row = draft.sla.get(severity)
        if row is None:
            if tiers is not None:
                found.append(
                    Finding(
                        ("sla", severity.value),
                        f"no targets for {severity.value}; give {_CELL_FIELDS} for each customer tier: "
                        f"{', '.join(tiers)}",
                    )
                )
        elif row.cells is not None:
            found += _sla_row(draft, row, row.cells, tiers)
    return found


def _sla_row(
    draft: Draft, row: SlaRow, cells: Mapping[str, SlaCellDoc | None], tiers: tuple[str, ...] | None
) -> list[Finding]:
    found: list[Finding] = []
    for tier in tiers or ():
        if tier not in cells:
            found.append(
                Finding(
                    ("sla", row.key, tier),
                    f"missing; every severity needs {_CELL_FIELDS} for every customer tier",
                )
            )
    for tier, cell in cells.items():
        loc: tuple[PathPart, ...] = ("sla", row.key, tier)
        if tiers is not None and tier not in tiers:
            found.append(unknown(loc, "customer tier", tier, tiers))
        written = raw_at(row.raw, (tier,))
        if not isinstance(written, Mapping):
            continue
        if cell is not None and cell.resolution < cell.first_response:
            found.append(
                Finding(
                    (*loc, "resolution"),
                    f"{format_minutes(cell.resolution)} is shorter than first_response "
                    f"{format_minutes(cell.first_response)}; resolution includes the first response",
                )
            )
        calendar = written.get("calendar")
        if not isinstance(calendar, str) or draft.calendars is None:
            continue
        if calendar not in draft.calendars:
            found.append(unknown((*loc, "calendar"), "calendar", calendar, draft.calendars))
        elif not draft.always_open(calendar):
            found += _days_on_office_calendar(loc, written, calendar)
    return found


def _days_on_office_calendar(
    loc: tuple[PathPart, ...], cell: Mapping[str, Any], calendar: str
) -> list[Finding]:
    found = []
    for field in ("first_response", "update_every", "resolution"):
        written = cell.get(field)
        if not uses_days(written):
            continue
        try:
            counted = format_minutes(parse_minutes(written))
        except ValueError:
            continue  # reported by the schema validation
        found.append(
            Finding(
                (*loc, field),
                f"{written!r} would count {counted} of opening hours on {calendar}, not working days; "
                "write the opening hours instead (e.g. 24h for three 8-hour days)",
            )
        )
    return found


def _manual(draft: Draft) -> list[Finding]:
    customer_after = raw_at(draft.raw, ("manual_escalation", "customer_after"))
    if not isinstance(customer_after, Mapping) or draft.customer_tiers is None:
        return []
    loc = ("manual_escalation", "customer_after")
    return [
        unknown((*loc, str(tier)), "customer tier", str(tier), draft.customer_tiers)
        for tier in customer_after
        if str(tier) not in draft.customer_tiers
    ]
