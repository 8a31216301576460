"""sevflow's own JSON ticket format (the generic webhook), and the field checks every intake
adapter shares.

The sender owns its id space, so its ``external_id`` is kept as given but namespaced:
``webhook:<external_id>``. That keeps it apart from ``zendesk:``/``jira:``/``email:`` ids (a
generic sender cannot address a Zendesk ticket by sending ``zendesk:35436``).

JSON ``null`` counts as "not given" for every optional field. Every problem in a payload is
reported at once, joined with ``"; "``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NoReturn

from sevflow.domain.errors import InvalidInput
from sevflow.domain.incoming import IncomingKind, IncomingTicket
from sevflow.domain.instants import parse_instant
from sevflow.domain.severity import Severity
from sevflow.domain.status import Status

MAX_EXTERNAL_ID_CHARS = 200
GENERIC_PREFIX = "webhook:"
GENERIC_FIELDS = frozenset(
    {
        "external_id",
        "event",
        "title",
        "description",
        "requester",
        "organisation",
        "labels",
        "service_line",
        "customer_tier",
        "severity",
        "severity_reason",
        "users_affected",
        "status",
        "comment",
        "comment_public",
        "occurred_at",
    }
)
_EVENTS = {"created": IncomingKind.CREATED, "updated": IncomingKind.UPDATED}


class Problems:
    """Collects what is wrong with one payload, so the sender hears about all of it at once."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.items: list[str] = []

    def add(self, message: str) -> None:
        # "; " separates problems, so one problem never contains it (the domain's messages do)
        self.items.append(message.replace("; ", ", "))

    def raise_if_any(self) -> None:
        """Raise ``InvalidInput`` listing every problem found, if there is one."""
        if self.items:
            raise InvalidInput(f"{self.what}: {len(self.items)} problem(s): " + "; ".join(self.items))

    def fail(self, message: str) -> NoReturn:
        """Add a problem that makes reading further pointless, and raise with all found so far."""
        self.add(message)
        self.raise_if_any()
        raise AssertionError("unreachable")  # pragma: no cover


def shown(value: object) -> str:
    """A short, safe rendering of a bad value and its JSON type, for error messages."""
    kinds = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }
    kind = "null" if value is None else kinds.get(type(value), type(value).__name__)
    text = repr(value)
    return f"{text[:60]}… ({kind})" if len(text) > 60 else f"{text} ({kind})"


def optional_text(value: object, path: str, problems: Problems) -> str | None:
    """``value`` stripped if it is a string, ``None`` if absent or blank; a problem otherwise."""
    if value is None:
        return None
    if not isinstance(value, str):
        problems.add(f"{path} must be a string, got {shown(value)}")
        return None
    return value.strip() or None


def text_list(value: object, path: str, problems: Problems) -> list[str]:
    """The strings of a JSON list; a problem for a non-list or a non-string item."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(f"{path} must be a list of strings, got {shown(value)}")
        return []
    found: list[str] = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            found.append(item)
        else:
            problems.add(f"{path}[{i}] must be a string, got {shown(item)}")
    return found


def labels_of(items: Iterable[str]) -> tuple[str, ...]:
    """Lower-cased, stripped, blank ones dropped, first occurrence kept."""
    return tuple(dict.fromkeys(s.strip().lower() for s in items if s.strip()))


def instant(value: object, path: str, problems: Problems) -> datetime | None:
    """An ISO 8601 time with an offset (``Z`` allowed) as aware UTC; naive times are refused."""
    text = optional_text(value, path, problems)
    if text is None:
        return None
    try:
        return parse_instant(text, path)
    except InvalidInput as err:
        problems.add(str(err))
        return None


def is_blank(value: object) -> bool:
    """Absent or blank. A value of the wrong type is not blank: it is reported as such, so a
    required field is not also reported as missing."""
    return value is None or (isinstance(value, str) and not value.strip())


def person(text: str | None) -> str | None:
    """A requester: an e-mail address is lower-cased, a name is kept as written."""
    if text is None:
        return None
    return text.lower() if "@" in text else text


def parse_generic(payload: Mapping[str, Any]) -> IncomingTicket:
    """Translate sevflow's own JSON ticket format into an ``IncomingTicket`` (source ``webhook``).

    ``payload`` is the parsed JSON object. Fields (see README.md): ``external_id`` (required,
    non-empty, at most 200 characters), ``event`` (``created`` default, or ``updated``),
    ``title`` (required for ``created``; an update without one has title ``""``), ``description``,
    ``requester``, ``organisation``, ``labels`` (list of strings), ``service_line``,
    ``customer_tier``, ``severity`` (Sev1..Sev4, needs ``severity_reason``), ``users_affected``
    (integer >= 0), ``status`` (a sevflow status), ``comment``, ``comment_public`` (boolean,
    default true), ``occurred_at`` (ISO 8601 with an offset).

    Raises ``InvalidInput`` naming every unknown field, wrong type and missing value at once.
    """
    problems = Problems("sevflow webhook payload")
    if not isinstance(payload, Mapping):
        problems.fail(f"the payload must be a JSON object, got {shown(payload)}")
    unknown = sorted(set(payload) - GENERIC_FIELDS)
    if unknown:
        problems.add(
            f"unknown field(s) {', '.join(map(repr, unknown))} (allowed: {', '.join(sorted(GENERIC_FIELDS))})"
        )
    external_id = _external_id(payload.get("external_id"), problems)
    kind = _kind(payload.get("event"), problems)
    title = optional_text(payload.get("title"), "title", problems)
    if title is None and kind is IncomingKind.CREATED and is_blank(payload.get("title")):
        problems.add("title is required for a created ticket: a non-empty string")
    severity = optional_text(payload.get("severity"), "severity", problems)
    reason = optional_text(payload.get("severity_reason"), "severity_reason", problems)
    if severity is not None:
        try:
            severity = Severity.parse(severity).value
        except InvalidInput as err:
            problems.add(str(err))
        if reason is None and is_blank(payload.get("severity_reason")):
            problems.add("severity_reason is required when severity is given: say why, as a non-empty string")
    status = optional_text(payload.get("status"), "status", problems)
    if status is not None:
        try:
            status = Status.parse(status).value
        except InvalidInput as err:
            problems.add(str(err))
    ticket = IncomingTicket(
        source="webhook",
        external_id=GENERIC_PREFIX + (external_id or ""),
        kind=kind,
        title=title or "",
        description=optional_text(payload.get("description"), "description", problems) or "",
        requester=person(optional_text(payload.get("requester"), "requester", problems)),
        organisation=optional_text(payload.get("organisation"), "organisation", problems),
        labels=labels_of(text_list(payload.get("labels"), "labels", problems)),
        service_line=optional_text(payload.get("service_line"), "service_line", problems),
        customer_tier=optional_text(payload.get("customer_tier"), "customer_tier", problems),
        severity=severity,
        severity_reason=reason if severity is not None else None,
        users_affected=_users_affected(payload.get("users_affected"), problems),
        status=status,
        comment=optional_text(payload.get("comment"), "comment", problems),
        comment_public=_flag(payload.get("comment_public"), "comment_public", problems),
        occurred_at=instant(payload.get("occurred_at"), "occurred_at", problems),
    )
    problems.raise_if_any()
    return ticket


def _external_id(value: object, problems: Problems) -> str | None:
    expected = f"a non-empty string of at most {MAX_EXTERNAL_ID_CHARS} characters"
    if value is None:
        problems.add(f"external_id is required: {expected}")
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(f"external_id must be {expected}, got {shown(value)}")
        return None
    text = value.strip()
    if len(text) > MAX_EXTERNAL_ID_CHARS:
        problems.add(f"external_id must be {expected}, got {len(text)} characters")
        return None
    return text


def _kind(value: object, problems: Problems) -> IncomingKind:
    if value is None:
        return IncomingKind.CREATED
    if isinstance(value, str) and value.strip().lower() in _EVENTS:
        return _EVENTS[value.strip().lower()]
    problems.add(f"event must be one of: {', '.join(_EVENTS)}, got {shown(value)}")
    return IncomingKind.CREATED


def _users_affected(value: object, problems: Problems) -> int:
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    problems.add(f"users_affected must be a whole number >= 0, got {shown(value)}")
    return 0


def _flag(value: object, path: str, problems: Problems) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return value
    problems.add(f"{path} must be true or false, got {shown(value)}")
    return True
