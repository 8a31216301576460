"""Reading the policy YAML: plain data plus where each field sits in the file.

Two YAML 1.1 surprises are switched off, because a support manager would not expect them:

- ``yes``/``no``/``on``/``off`` are text, not booleans (``country: NO`` is Norway, not ``False``);
  only ``true``/``false`` are booleans, as in YAML 1.2.
- ``1:30`` is text, not the base-60 number 90; numbers with leading zeros are decimal.

A key given twice in one mapping is reported (PyYAML would silently keep the last one).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sevflow.policy.findings import Finding, PathPart

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_VALUE = "tag:yaml.org,2002:value"


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-like booleans and numbers (see the module docstring)."""


class _FastLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """The same rules on libyaml's C parser (about twice as fast). Its syntax-error wording
    differs, so a file that fails to parse is parsed again with ``_Loader`` for the message."""


for _cls in (_Loader, _FastLoader):
    _cls.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT, _VALUE)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _cls.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    _cls.add_implicit_resolver(_INT, re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
    _cls.add_implicit_resolver(
        _FLOAT,
        re.compile(
            r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$"
        ),
        list("-+.0123456789"),
    )


def _construct_int(loader: yaml.SafeLoader, node: ScalarNode) -> int | str:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return int(text)
    except ValueError:  # an explicit !!int tag on something that is not a decimal number
        return str(node.value)


def _construct_timestamp(loader: yaml.SafeLoader, node: ScalarNode) -> Any:
    # "2026-13-45" looks like a date but is not one: keep the text so validation reports it
    # with its field path instead of failing the whole file.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return str(node.value)


for _cls in (_Loader, _FastLoader):
    _cls.add_constructor(_INT, _construct_int)
    _cls.add_constructor(_TIMESTAMP, _construct_timestamp)


@dataclass
class YamlDocument:
    """The parsed file: ``data`` (``None`` if unreadable), the 1-based line of every field path,
    and the problems found while reading (syntax errors, duplicate keys)."""

    data: Any
    lines: dict[tuple[PathPart, ...], int] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)

    def line_of(self, path: tuple[PathPart, ...]) -> int:
        """Line of ``path`` or of its nearest ancestor present in the file (0 if none)."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 0


def read_yaml(text: str) -> YamlDocument:
    """Parse ``text`` (one YAML document). Never raises for bad input: problems are collected."""
    document = _read_with(_FastLoader, text)
    if document.problems and _FastLoader is not _Loader:
        return _read_with(_Loader, text)  # the pure-Python parser words syntax errors better
    return document


def _read_with(loader_class: type[yaml.SafeLoader], text: str) -> YamlDocument:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        doc = YamlDocument(data=None)
        if node is not None:
            _walk(node, (), doc, set())
            doc.data = loader.construct_document(node)
        return doc
    except yaml.MarkedYAMLError as err:
        return YamlDocument(data=None, problems=[Finding((), _syntax_message(err))])
    except yaml.YAMLError as err:
        return YamlDocument(data=None, problems=[Finding((), f"YAML syntax error: {err}")])
    finally:
        loader.dispose()


def _syntax_message(err: yaml.MarkedYAMLError) -> str:
    mark = err.problem_mark or err.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    what = (err.problem or err.context or "unreadable YAML").removeprefix("but ")
    context = f" ({err.context})" if err.context and err.problem else ""
    return f"YAML syntax error{where}: {what}{context}"


def _walk(node: Node, path: tuple[PathPart, ...], doc: YamlDocument, seen: set[int]) -> None:
    if id(node) in seen:  # an alias pointing back into itself
        return
    seen = seen | {id(node)}
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), doc, seen)
    elif isinstance(node, MappingNode):
        first_line: dict[Hashable, int] = {}
        for key_node, value_node in node.value:
            key = _key_text(key_node)
            line = key_node.start_mark.line + 1
            if key in first_line:
                doc.problems.append(
                    Finding(
                        (*path, key), f"{key!r} is given twice ({_lines(first_line[key], line)}); keep one"
                    )
                )
                continue
            first_line[key] = line
            doc.lines.setdefault((*path, key), line)
            _walk(value_node, (*path, key), doc, seen)


def _lines(first: int, second: int) -> str:
    return f"both on line {first}" if first == second else f"lines {first} and {second}"


def _key_text(node: Node) -> str:
    return (
        str(node.value)
        if isinstance(node, ScalarNode)
        else f"<complex key at line {node.start_mark.line + 1}>"
    )
