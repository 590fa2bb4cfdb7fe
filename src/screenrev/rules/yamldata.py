"""YAML read as plain data, with the line and column of every value.

A protocol is read by composing YAML nodes with PyYAML's safe loader and turning them
into values here: nothing in the file is ever constructed as an object or executed, and
any tag beyond YAML's plain types (``!!python/object``, ``!include``…) is refused. Each
value remembers where it was written, so that every error can name its line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import ProtocolError

_PLAIN = "tag:yaml.org,2002:"
_ALLOWED = {
    f"{_PLAIN}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
}
_MAX_NODES = 200_000  # aliases could otherwise expand a small file into a huge one


@dataclass(frozen=True)
class Located:
    """A value from the file and where it was written (1-based line and column)."""

    value: object
    """A str, int, float, bool, None, list of Located, or dict of str → Located."""
    line: int
    column: int
    text: str = ""
    """The scalar as written (``no`` stays ``no``, not False)."""

    def error(self, message: str, path: str | Path | None, field: str | None = None) -> ProtocolError:
        """A ProtocolError pointing at this value."""
        return ProtocolError(message, path=path, line=self.line, column=self.column, field=field)


def load(text: str, path: str | Path | None = None) -> Located:
    """Parse YAML text into Located values, or raise a ProtocolError with line and column."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not valid YAML"
        raise ProtocolError(
            f"not valid YAML: {problem} (check indentation, colons and quotes)",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise ProtocolError(f"not valid YAML: {exc}", path=path) from None
    if node is None:
        return Located({}, 1, 1)
    return _Converter(path).convert(node)


class _Converter:
    def __init__(self, path: str | Path | None) -> None:
        self.path = path
        self.nodes = 0
        self.constructor = yaml.SafeLoader("")

    def convert(self, node: yaml.Node) -> Located:
        self.nodes += 1
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if self.nodes > _MAX_NODES:
            raise ProtocolError("the file expands to too many values (aliases?)", path=self.path, line=line)
        if node.tag not in _ALLOWED:
            raise ProtocolError(
                f"the YAML tag {node.tag.replace(_PLAIN, '!!')!r} is not allowed: a protocol is plain "
                "data (text, numbers, lists and mappings) and nothing in it is executed",
                path=self.path, line=line, column=column,
            )
        if isinstance(node, yaml.MappingNode):
            return Located(self._mapping(node), line, column)
        if isinstance(node, yaml.SequenceNode):
            return Located([self.convert(item) for item in node.value], line, column)
        if node.tag == f"{_PLAIN}timestamp":
            return Located(node.value, line, column, text=node.value)  # a date stays as written
        value = self.constructor.construct_object(node)
        return Located(value, line, column, text=node.value)

    def _mapping(self, node: yaml.MappingNode) -> dict[str, Located]:
        mapping: dict[str, Located] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_PLAIN}merge":
                raise ProtocolError(
                    "merge keys (<<) are not supported: write the values out",
                    path=self.path, line=key_node.start_mark.line + 1, column=key_node.start_mark.column + 1,
                )
            key = self.convert(key_node)
            if not isinstance(key.value, (str, int, float, bool)) or key.value is None:
                raise key.error("a key must be a plain word", self.path)
            name = key.text
            if name in mapping:
                raise key.error(
                    f"{name!r} is given twice in the same place (the first is on line "
                    f"{mapping[name].line}); keep one", self.path,
                )
            mapping[name] = self.convert(value_node)
        return mapping
