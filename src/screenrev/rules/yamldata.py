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
#: Limits that keep a hostile file from exhausting memory, time or the stack; each is far
#: beyond any real protocol (the seed review's has a few hundred values) and says itself.
MAX_BYTES = 20_000_000
MAX_VALUES = 2_000_000
MAX_DEPTH = 64
MAX_DIGITS = 50
#: Aliases may reuse values, but not expand a file into many times its size (a "billion laughs").
ALIAS_CHECK = 100_000
ALIAS_RATIO = 10


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
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise ProtocolError(f"the file is {size:,} bytes: a protocol may be at most {MAX_BYTES:,}", path=path)
    depth = _flow_depth(text)
    if depth > MAX_DEPTH:
        raise ProtocolError(f"lists or mappings are nested {depth:,} deep: at most {MAX_DEPTH} levels are read",
                            path=path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        # Where the problem starts (an unclosed bracket, a quote) is PyYAML's context mark;
        # where it gave up (often the end of the file) is the problem mark.
        start, found = exc.context_mark, exc.problem_mark
        mark = start or found
        problem = exc.problem or exc.context or "not valid YAML"
        detected = ""
        if start is not None and found is not None and (found.line, found.column) != (start.line, start.column):
            detected = f", {problem} at line {found.line + 1}, column {found.column + 1}"
            problem = exc.context or problem
        raise ProtocolError(
            f"not valid YAML: {problem}{detected} (check indentation, colons, brackets and quotes)",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise ProtocolError(f"not valid YAML: {exc}", path=path) from None
    except RecursionError:  # block nesting deeper than the parser's stack
        raise ProtocolError(f"lists or mappings are nested too deep: at most {MAX_DEPTH} levels are read",
                            path=path) from None
    if node is None:
        return Located({}, 1, 1)
    return _Converter(path).convert(node)


def _flow_depth(text: str) -> int:
    """How deep ``[`` and ``{`` nest outside quotes and comments (a cheap bound, before parsing)."""
    deepest = depth = 0
    quote = ""
    for line in text.splitlines():
        for position, char in enumerate(line):
            if quote:
                if char == quote:
                    quote = ""
            elif char in "'\"" and (position == 0 or not line[position - 1].isalnum()):
                quote = char
            elif char == "#" and (position == 0 or line[position - 1].isspace()):
                break
            elif char in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif char in "]}":
                depth = max(0, depth - 1)
        if quote == "'":
            quote = ""  # an unclosed quote is the parser's to report
    return deepest


class _Converter:
    def __init__(self, path: str | Path | None) -> None:
        self.path = path
        self.nodes = 0
        self.distinct: set[int] = set()
        self.depth = 0
        self.constructor = yaml.SafeLoader("")

    def convert(self, node: yaml.Node) -> Located:
        self.nodes += 1
        self.distinct.add(id(node))
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if self.nodes > ALIAS_CHECK and self.nodes > ALIAS_RATIO * len(self.distinct):
            raise ProtocolError(f"aliases (*name) repeat the same values {self.nodes // len(self.distinct):,} times "
                                "over and more: write them out where they are needed", path=self.path, line=line)
        if self.nodes > MAX_VALUES:
            raise ProtocolError(f"the file holds more than {MAX_VALUES:,} values", path=self.path, line=line)
        if isinstance(node, yaml.ScalarNode) and node.tag in (f"{_PLAIN}int", f"{_PLAIN}float") \
                and len(node.value) > MAX_DIGITS:
            raise ProtocolError(f"a number of {len(node.value):,} characters: numbers have at most {MAX_DIGITS}",
                                path=self.path, line=line, column=column)
        if node.tag not in _ALLOWED:
            raise ProtocolError(
                f"the YAML tag {node.tag.replace(_PLAIN, '!!')!r} is not allowed: a protocol is plain "
                "data (text, numbers, lists and mappings) and nothing in it is executed",
                path=self.path, line=line, column=column,
            )
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ProtocolError(f"lists or mappings are nested more than {MAX_DEPTH} levels deep",
                                    path=self.path, line=line, column=column)
            try:
                if isinstance(node, yaml.MappingNode):
                    return Located(self._mapping(node), line, column)
                return Located([self.convert(item) for item in node.value], line, column)
            finally:
                self.depth -= 1
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
