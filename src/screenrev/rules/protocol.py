"""A protocol: the review's eligibility criteria, read from YAML and checked.

Every problem is reported with the line and column where it was written and how to fix
it. ``check`` collects all problems (for ``screenrev rules check``); ``load_protocol``
raises the first one.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from ..errors import ProtocolError
from ..records.normalise import language as normalise_language
from ..records.record import FIELDS
from .terms import Term, TermError, parse_term
from .yamldata import Located, load

ACTIONS = ("exclude", "flag")
TEXT_FIELDS = ("title", "abstract", "keywords", "journal")
DEFAULT_TEXT = ("title", "abstract")
YEAR_TESTS = ("at_most", "at_least", "before", "after", "between")
LIST_TESTS = ("in", "not_in")
PRESENCE_TESTS = ("missing",)
TERM_LISTS = ("any", "all", "none")
COMBINATIONS = ("all_of", "any_of")
_CONDITION_KEYS = ("field", *YEAR_TESTS, *LIST_TESTS, *PRESENCE_TESTS, "text", *TERM_LISTS, "unless",
                   "peer_reviewed", *COMBINATIONS)
_CRITERION_KEYS = ("id", "label", "description", "action", *_CONDITION_KEYS)
_TOP_KEYS = ("title", "description", "criteria", "full_text_reasons")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class FieldTest:
    """A test on one field: a year range, membership in a list, or absence."""

    field: str
    test: str
    """One of YEAR_TESTS, LIST_TESTS or ``missing``."""
    value: object
    """An int, a pair of ints (between), a tuple of str (lists), or a bool (missing)."""


@dataclass(frozen=True)
class TextTest:
    """Terms looked for in the record's text."""

    fields: tuple[str, ...]
    mode: str
    """``any``: one of the terms appears; ``all``: each appears; ``none``: none appears."""
    terms: tuple[Term, ...]
    unless: tuple[Term, ...] = ()
    """Terms whose presence stops the criterion from applying."""


@dataclass(frozen=True)
class PeerReviewTest:
    """The record is not a peer-reviewed journal article, going by its type."""


@dataclass(frozen=True)
class Combination:
    """Several conditions: ``all_of`` of them, or ``any_of`` them."""

    mode: str
    parts: tuple[Condition, ...]


Condition = Union[FieldTest, TextTest, PeerReviewTest, Combination]


def leaves(condition: Condition) -> Iterator[Condition]:
    """The field, text and peer-review tests of a condition, through any all_of/any_of."""
    if isinstance(condition, Combination):
        for part in condition.parts:
            yield from leaves(part)
    else:
        yield condition


@dataclass(frozen=True)
class Criterion:
    """One eligibility criterion: when it applies, and what happens then."""

    id: str
    label: str
    """The plain-language reason, as shown in the PRISMA flow."""
    condition: Condition
    action: str = "exclude"
    """``exclude`` automatically, or ``flag`` the record for a human."""
    description: str = ""
    line: int = 0


@dataclass(frozen=True)
class Protocol:
    """The criteria of a review, in the order they are written."""

    criteria: tuple[Criterion, ...]
    title: str = ""
    description: str = ""
    full_text_reasons: tuple[str, ...] = ()
    path: str = ""
    sha256: str = ""
    terms: tuple[Term, ...] = field(default=(), repr=False)
    """Every term of every criterion (for the matcher)."""

    def criterion(self, id: str) -> Criterion:
        """The criterion with this id."""
        return next(c for c in self.criteria if c.id == id)


def load_protocol(path: str | Path) -> Protocol:
    """Read and check a protocol; raise the first problem as a ProtocolError."""
    protocol, problems = check(path)
    if problems:
        first = problems[0]
        if len(problems) > 1:
            first.message += f" (and {len(problems) - 1} more problems: run 'screenrev rules check {path}')"
        raise first
    return protocol


def check(path: str | Path) -> tuple[Protocol | None, list[ProtocolError]]:
    """Read a protocol and every problem in it, in the order they occur in the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, [ProtocolError("no such file", path=path)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [ProtocolError("not UTF-8 text: save the file as UTF-8", path=path, line=line)]
    try:
        document = load(text, path)
    except ProtocolError as exc:
        return None, [exc]
    reader = _Reader(path)
    protocol = reader.protocol(document, hashlib.sha256(data).hexdigest())
    problems = sorted(reader.problems, key=lambda p: (p.line or 0, p.column or 0))
    return (None if problems else protocol), problems


def _suggest(name: str, valid: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}valid here: {', '.join(valid)}"


class _Reader:
    """Turns Located YAML into a Protocol, collecting problems instead of stopping at the first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[ProtocolError] = []
        self.terms: list[Term] = []

    def problem(self, at: Located, message: str, field: str | None = None) -> None:
        self.problems.append(at.error(message, self.path, field))

    def protocol(self, document: Located, sha256: str) -> Protocol:
        if not isinstance(document.value, dict):
            self.problem(document, "a protocol is a mapping with 'criteria:' (a list of criteria)")
            return Protocol(())
        top = document.value
        for key, value in top.items():
            if key not in _TOP_KEYS:
                self.problem(value, f"unknown setting {key!r}: {_suggest(key, _TOP_KEYS)}")
        criteria_node = top.get("criteria")
        criteria: list[Criterion] = []
        if criteria_node is None:
            self.problem(document, "no 'criteria:' list: add one (it may be empty: criteria: [])")
        elif not isinstance(criteria_node.value, list):
            self.problem(criteria_node, "'criteria' must be a list: start each criterion with '- id: …'")
        else:
            seen: dict[str, int] = {}
            for node in criteria_node.value:
                id_node = node.value.get("id") if isinstance(node.value, dict) else None
                id = self.text(id_node, "id") if id_node is not None else ""
                if id and id in seen:
                    self.problem(id_node, f"the id {id!r} is already used on line {seen[id]}: give each "
                                 "criterion its own id", "id")
                elif id:
                    seen[id] = node.line
                criterion = self.criterion(node)
                if criterion is not None:
                    criteria.append(criterion)
        reasons = self.strings(top["full_text_reasons"], "full_text_reasons") if "full_text_reasons" in top else ()
        return Protocol(
            criteria=tuple(criteria),
            title=self.text(top.get("title"), "title"),
            description=self.text(top.get("description"), "description"),
            full_text_reasons=tuple(reasons or ()),
            path=str(self.path),
            sha256=sha256,
            terms=tuple(dict.fromkeys(self.terms)),
        )

    def text(self, node: Located | None, name: str) -> str:
        if node is None or node.value is None:
            return ""
        if isinstance(node.value, (dict, list)):
            self.problem(node, "must be text", name)
            return ""
        return str(node.text or node.value).strip()

    def strings(self, node: Located, name: str) -> tuple[str, ...] | None:
        if not isinstance(node.value, list):
            self.problem(node, "must be a list: write it as [a, b] or one '- item' per line", name)
            return None
        if not node.value:
            self.problem(node, "an empty list: add at least one item or remove the setting", name)
            return None
        values = []
        for item in node.value:
            if isinstance(item.value, (dict, list)) or item.value is None:
                self.problem(item, "each item must be a word or phrase", name)
                continue
            values.append(str(item.text or item.value).strip())
        return tuple(values)

    def criterion(self, node: Located) -> Criterion | None:
        if not isinstance(node.value, dict):
            self.problem(node, "each criterion is a mapping: '- id: …' then label, and when it applies")
            return None
        values = node.value
        before = len(self.problems)
        for key, value in values.items():
            if key not in _CRITERION_KEYS:
                self.problem(value, f"unknown setting {key!r}: {_suggest(key, _CRITERION_KEYS)}")
        id_node = values.get("id")
        id = self.text(id_node, "id")
        if id_node is None:
            self.problem(node, "this criterion has no id: add 'id: a-short-name'")
        elif not _ID.match(id):
            self.problem(id_node, f"{id!r} is not a usable id: lower-case letters, digits, - and _ "
                         "(e.g. year-2007)", "id")
        label = self.text(values.get("label"), "label")
        if not label:
            self.problem(values.get("label", node), "no label: add 'label:' with the exclusion reason as "
                         "it should appear in the PRISMA flow", "label")
        action = self.text(values.get("action"), "action") or "exclude"
        if action not in ACTIONS:
            self.problem(values["action"], f"unknown action {action!r}: use exclude (automatic) or flag "
                         "(left for a human)", "action")
        condition = self.condition(node, criterion=True)
        if len(self.problems) > before or condition is None:
            return None
        return Criterion(id=id, label=label, condition=condition, action=action,
                         description=self.text(values.get("description"), "description"), line=node.line)

    def condition(self, node: Located, *, criterion: bool = False) -> Condition | None:
        if not isinstance(node.value, dict):
            self.problem(node, "a condition is a mapping, e.g. {field: year, at_most: 2007} or {any: [child*]}")
            return None
        values = node.value
        if not criterion:
            for key, value in values.items():
                if key not in _CONDITION_KEYS:
                    self.problem(value, f"unknown setting {key!r}: {_suggest(key, _CONDITION_KEYS)}")
        kinds = []
        if "field" in values or any(k in values for k in (*YEAR_TESTS, *LIST_TESTS, *PRESENCE_TESTS)):
            kinds.append("field")
        if any(k in values for k in (*TERM_LISTS, "text", "unless")):
            kinds.append("text")
        if "peer_reviewed" in values:
            kinds.append("peer_reviewed")
        kinds += [k for k in COMBINATIONS if k in values]
        if not kinds:
            self.problem(node, "says nothing about when it applies: add a field test (field: year, "
                         "at_most: 2007), terms (any: [...]), peer_reviewed: false, or all_of/any_of")
            return None
        if len(kinds) > 1:
            self.problem(node, f"mixes {' and '.join(kinds)}: put each condition in its own item of "
                         "all_of: or any_of:")
            return None
        kind = kinds[0]
        if kind == "field":
            return self.field_test(node)
        if kind == "text":
            return self.text_test(node)
        if kind == "peer_reviewed":
            value = values["peer_reviewed"]
            if value.value is not False:
                self.problem(value, "write 'peer_reviewed: false' (the criterion applies to records that "
                             "are not peer-reviewed journal articles)", "peer_reviewed")
                return None
            return PeerReviewTest()
        parts_node = values[kind]
        if not isinstance(parts_node.value, list) or len(parts_node.value) < 2:
            self.problem(parts_node, f"{kind} needs a list of at least two conditions", kind)
            return None
        parts = [self.condition(part) for part in parts_node.value]
        if any(part is None for part in parts):
            return None
        return Combination(kind, tuple(parts))

    def field_test(self, node: Located) -> FieldTest | None:
        values = node.value
        field_node = values.get("field")
        if field_node is None:
            self.problem(node, "a test on a field needs 'field:' (e.g. field: year)")
            return None
        name = self.text(field_node, "field")
        if name not in FIELDS:
            self.problem(field_node, f"unknown field {name!r}: {_suggest(name, FIELDS)}", "field")
            return None
        tests = [k for k in (*YEAR_TESTS, *LIST_TESTS, *PRESENCE_TESTS) if k in values]
        if len(tests) != 1:
            self.problem(field_node, "give exactly one test for the field: "
                         f"{', '.join((*YEAR_TESTS, *LIST_TESTS, *PRESENCE_TESTS))}", name)
            return None
        test = tests[0]
        value_node = values[test]
        if test in YEAR_TESTS:
            if name != "year":
                self.problem(value_node, f"{test} compares years: use it with field: year", test)
                return None
            return self.year_test(value_node, test)
        if test in PRESENCE_TESTS:
            if value_node.value is not True:
                self.problem(value_node, "write 'missing: true' (the criterion applies when the field is empty)",
                             test)
                return None
            return FieldTest(name, test, True)
        items = self.strings(value_node, test)
        if items is None:
            return None
        if name == "language":
            codes = []
            for item, item_node in zip(items, value_node.value):
                code = normalise_language(item)
                if code is None or len(code) != 2:
                    self.problem(item_node, f"{item!r} is not a language screenrev knows: use a name "
                                 "(English) or an ISO 639-1 code (en)", test)
                    return None
                codes.append(code)
            items = tuple(codes)
        else:
            items = tuple(item.lower() for item in items)
        return FieldTest(name, test, items)

    def year_test(self, node: Located, test: str) -> FieldTest | None:
        if test == "between":
            items = node.value if isinstance(node.value, list) else None
            if not items or len(items) != 2 or not all(_is_year(i.value) for i in items):
                self.problem(node, "between takes two years, e.g. between: [1990, 2007]", test)
                return None
            low, high = items[0].value, items[1].value
            if low > high:
                self.problem(node, f"between: the first year ({low}) is after the second ({high})", test)
                return None
            return FieldTest("year", test, (low, high))
        if not _is_year(node.value):
            self.problem(node, f"{test} takes a year as a number, e.g. {test}: 2007", test)
            return None
        return FieldTest("year", test, node.value)

    def text_test(self, node: Located) -> TextTest | None:
        values = node.value
        fields = DEFAULT_TEXT
        if "text" in values:
            text_node = values["text"]
            raw = [text_node] if not isinstance(text_node.value, list) else text_node.value
            chosen = []
            for item in raw:
                name = str(item.text or item.value)
                if name not in TEXT_FIELDS:
                    self.problem(item, f"unknown text field {name!r}: {_suggest(name, TEXT_FIELDS)}", "text")
                    return None
                chosen.append(name)
            if not chosen:
                self.problem(text_node, f"name the text to search: {', '.join(TEXT_FIELDS)}", "text")
                return None
            fields = tuple(dict.fromkeys(chosen))
        modes = [k for k in TERM_LISTS if k in values]
        if len(modes) != 1:
            at = values.get("unless") or values.get("text") or node
            self.problem(at, "give exactly one list of terms: any (one of them appears), all (each "
                         "appears) or none (none appears)")
            return None
        mode = modes[0]
        terms = self.term_list(values[mode], mode)
        unless = self.term_list(values["unless"], "unless") if "unless" in values else ()
        if terms is None or unless is None:
            return None
        return TextTest(fields, mode, terms, unless)

    def term_list(self, node: Located, name: str) -> tuple[Term, ...] | None:
        items = node.value if isinstance(node.value, list) else None
        if items is None:
            self.problem(node, "must be a list of terms: [child*, adolescen*] or one '- term' per line", name)
            return None
        if not items:
            self.problem(node, "an empty list of terms: add terms or remove the setting", name)
            return None
        terms = []
        for item in items:
            if isinstance(item.value, (dict, list)) or item.value is None:
                self.problem(item, "each term is a word or phrase (quote it if it contains a colon)", name)
                return None
            try:
                term = parse_term(str(item.text or item.value))
            except TermError as exc:
                self.problem(item, str(exc), name)
                return None
            terms.append(term)
        self.terms.extend(terms)
        return tuple(terms)


def _is_year(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 2999
