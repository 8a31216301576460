"""Loading a policy file: YAML -> checked document -> frozen domain ``Policy``.

Loading either returns a complete ``Policy`` or raises ``PolicyError`` listing *every* problem
(YAML syntax, keys given twice, schema, cross-references), sorted by their place in the file.
Nothing is half-applied.

The version is the first 12 hex digits of the SHA-256 of the checked document's canonical
JSON: comments, blank lines, key order and equivalent spellings (``60m`` vs ``1h``) do not
change it; any change of meaning does.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from sevflow.domain.errors import InvalidInput, PolicyError, PolicyProblem
from sevflow.domain.policy import Policy
from sevflow.policy.checks import cross_check
from sevflow.policy.convert import to_policy
from sevflow.policy.draft import read_draft
from sevflow.policy.findings import Finding, format_path
from sevflow.policy.problems import findings_from
from sevflow.policy.schema import PolicyDocument
from sevflow.policy.templates import read_template_folder
from sevflow.policy.yamlfile import read_yaml

_SECTIONS = ", ".join(PolicyDocument.model_fields)
_OPTIONAL_SECTIONS = ("notifications", "oncall", "paging", "triage")


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """Read and check the policy file at ``path`` (UTF-8 YAML). Raises ``PolicyError``."""
    source = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(
            source, [PolicyProblem("", "no such file; `sevflow init` writes a starter policy")]
        ) from None
    except IsADirectoryError:
        raise PolicyError(source, [PolicyProblem("", "is a directory, not a policy file")]) from None
    except UnicodeDecodeError as err:
        raise PolicyError(
            source, [PolicyProblem("", f"not UTF-8 text (byte {err.start}); save it as UTF-8")]
        ) from None
    except OSError as err:
        raise PolicyError(source, [PolicyProblem("", f"cannot be read: {err.strerror}")]) from None
    policy = load_policy_text(text, source)
    folder = policy.routing.templates_folder
    if folder is not None:
        _, problems = read_template_folder(Path(path).parent / folder)
        if problems:
            raise PolicyError(source, [PolicyProblem("notifications.templates", p) for p in problems])
    return policy


def load_policy_text(text: str, source: str) -> Policy:
    """Check the policy in ``text``; ``source`` names it in errors (a path or a label)."""
    return to_checked_policy(read_document(text, source), source)


def read_document(text: str, source: str) -> PolicyDocument:
    """The checked document of ``text`` (before conversion). Raises ``PolicyError``."""
    parsed = read_yaml(text)
    if parsed.problems and parsed.data is None:  # syntax error: nothing else can be checked
        raise _error(source, parsed.problems)
    raw = parsed.data
    if raw is None:
        raise PolicyError(
            source, [PolicyProblem("", "the file is empty; `sevflow init` writes a starter policy")]
        )
    if not isinstance(raw, Mapping):
        message = f"expected a mapping of sections ({_SECTIONS}), got a {type(raw).__name__}"
        raise PolicyError(source, [PolicyProblem("", message)])
    findings = list(parsed.problems)
    document: PolicyDocument | None = None
    try:
        document = PolicyDocument.model_validate(raw)
    except ValidationError as err:
        findings += findings_from(err, PolicyDocument, raw)
    findings += cross_check(read_draft(raw))
    if findings or document is None:
        ordered = sorted(dict.fromkeys(findings), key=lambda f: parsed.line_of(f.loc))
        raise _error(source, ordered)
    return document


def to_checked_policy(document: PolicyDocument, source: str) -> Policy:
    try:
        return to_policy(document, version=policy_version(document))
    except InvalidInput as err:  # defensive: the checks should have caught it
        raise PolicyError(source, [PolicyProblem("", str(err))]) from None


def policy_version(document: PolicyDocument) -> str:
    """First 12 hex digits of the SHA-256 of the document's canonical JSON. Sections added
    since version 1 of the format count only when given (``_OPTIONAL_SECTIONS``), so a policy
    that does not use them keeps its version."""
    data = document.model_dump(mode="json")
    for section in _OPTIONAL_SECTIONS:
        if not data.get(section):
            data.pop(section, None)
    for rule in data.get("severity_rules", []):
        if not rule.get("force"):
            rule.pop("force", None)  # added later: a rule that does not force keeps its version
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def _error(source: str, findings: list[Finding]) -> PolicyError:
    return PolicyError(source, [PolicyProblem(format_path(f.loc), f.message) for f in findings])
