"""Communication templates: Jinja2 in a sandbox, shipped with sevflow and replaceable from the
policy folder.

A template is plain text. Its first line is ``Subject: ...``; the rest, after a blank line, is
the body. Templates see the notification's facts (``domain.notice_facts``: ``ticket``,
``title``, ``severity``, ``due.resolution``, ``event.reason``, ...) plus ``ticket_url`` and
``ack_url`` where known, and these filters: ``when`` (an ISO instant as ``2026-11-24 14:05
UTC``) and ``humanize`` (``sla_breached`` -> ``sla breached``). Customer templates see only the
customer-visible facts.

The sandbox refuses attribute tricks (``__class__``, ...), and rendering never raises: a template
that fails falls back to a plain, safe message and says why (``Rendered.error``), so a
notification is never dropped for a broken template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from sevflow.domain.notice_facts import customer_facts
from sevflow.domain.routing import Template

SUFFIX = ".j2"
_MAX_BODY = 20_000


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    error: str | None = None
    """Why the template could not be used (the fallback was sent instead)."""


def builtin_templates() -> dict[str, str]:
    """The shipped templates, by name."""
    folder = resources.files("sevflow.policy") / "templates"
    return {t.value: (folder / f"{t.value}{SUFFIX}").read_text(encoding="utf-8") for t in Template}


def read_template_folder(folder: Path) -> tuple[dict[str, str], list[str]]:
    """The templates of ``folder`` that replace built-ins (``NAME.j2``), and problems: unknown
    names, unreadable files, syntax errors (each as a sentence naming the file)."""
    if not folder.is_dir():
        return {}, [f"{folder}: no such folder of templates"]
    found: dict[str, str] = {}
    problems: list[str] = []
    names = [t.value for t in Template]
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        name = path.name[: -len(SUFFIX)]
        if name not in names:
            problems.append(f"{path.name}: not a template sevflow uses; allowed names: {', '.join(names)}")
            continue
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            problems.append(f"{path.name}: cannot be read ({err})")
            continue
        problem = syntax_problem(source)
        if problem:
            problems.append(f"{path.name}: {problem}")
            continue
        found[name] = source
    return found, problems


def syntax_problem(source: str) -> str | None:
    """Why ``source`` is not a usable template, or ``None``."""
    if not source.startswith("Subject:"):
        return "the first line must be `Subject: ...`"
    try:
        _environment().parse(source)
    except TemplateError as err:
        line = getattr(err, "lineno", None)
        return f"line {line}: {err}" if line else str(err)
    return None


def _when(value: object) -> str:
    if not isinstance(value, str) or not value:
        return "-"
    try:
        at = datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        return value
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _humanize(value: object) -> str:
    return str(value or "").replace("_", " ")


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False
    )
    env.filters["when"] = _when
    env.filters["humanize"] = _humanize
    return env


class Renderer:
    """Renders notifications with ``sources`` (name -> Jinja2 source; the built-ins where a
    name is missing). Compiled templates are kept."""

    def __init__(self, sources: Mapping[str, str] | None = None) -> None:
        self._sources = {**builtin_templates(), **(sources or {})}
        self._env = _environment()
        self._compiled: dict[str, Any] = {}

    def render(
        self, name: str, facts: Mapping[str, Any], *, customer: bool = False, **extra: Any
    ) -> Rendered:
        """The subject and text of template ``name`` for ``facts`` (customer templates see only
        the customer-visible facts). Never raises: see the module docstring."""
        context = dict(facts)
        if customer or name == Template.CUSTOMER_UPDATE:
            context = customer_facts(context)
        context.update(extra)
        try:
            template = self._compiled.get(name)
            if template is None:
                template = self._env.from_string(self._sources[name])
                self._compiled[name] = template
            output = template.render(context)
        except KeyError:
            return fallback(facts, f"no template named {name!r}")
        except Exception as err:  # a template is user code: any failure becomes the fallback
            return fallback(facts, f"template {name!r} failed: {type(err).__name__}: {err}")
        head, _, body = output.partition("\n")
        subject = head.removeprefix("Subject:").strip()
        if not subject:
            return fallback(facts, f"template {name!r} rendered an empty subject")
        return Rendered(subject[:250], body.strip("\n")[:_MAX_BODY] + "\n")


def fallback(facts: Mapping[str, Any], error: str) -> Rendered:
    """A plain message from the facts alone, for when a template cannot be used."""
    ticket = facts.get("ticket")
    event = facts.get("event") or {}
    kind = _humanize(event.get("kind") if isinstance(event, Mapping) else "") or "update"
    drill = "[DRILL] " if facts.get("drill") else ""
    subject = f"{drill}[{facts.get('severity', '?')}] #{ticket} {kind}: {facts.get('title', '')}"
    text = f"Ticket #{ticket} had an update ({kind}). Open sevflow for the details.\n"
    return Rendered(subject[:250], text, error)
