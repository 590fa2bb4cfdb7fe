"""Applying a protocol to records: an outcome and its evidence for every criterion.

Each condition answers yes (it applies), no, or "cannot tell" (None) when the data it
needs is missing; ``all_of`` and ``any_of`` combine those answers with three-valued logic
(yes and unknown is unknown). A criterion that applies excludes the record or flags it; one
that cannot tell leaves it **unsure**: missing data never excludes a record.

A record's outcome does not depend on the order of the criteria. Its exclusion reason is
the first excluding criterion in the protocol, as PRISMA's hierarchy of reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial
from typing import NamedTuple

from ..records.record import LIST_FIELDS
from . import doctypes, language
from .protocol import (
    Condition,
    Criterion,
    FieldTest,
    PeerReviewTest,
    Protocol,
    TextTest,
    leaves,
)
from .spelling import fold, fold_ascii
from .terms import Matcher, Span, Term, Words, near, word_end

EXCLUDE, FLAG, PASS, UNSURE = "exclude", "flag", "pass", "unsure"
OUTCOMES = (EXCLUDE, FLAG, UNSURE, PASS)
_CONTEXT = 40
_SEPARATOR = " \0 "
_MAX_SHOWN = 3


class Outcome(NamedTuple):
    """What one criterion made of one record."""

    criterion: str
    outcome: str
    """exclude, flag, pass or unsure."""
    evidence: str
    """The field value, or the matched words in context, or what was missing."""


class Verdict(NamedTuple):
    """What the protocol as a whole made of one record."""

    outcome: str
    """exclude (by a rule), flag (for a human), unsure (a rule could not tell) or pass."""
    criterion: str
    """The criterion that decided it (empty for pass)."""
    reason: str
    """That criterion's label."""


class _Terms(NamedTuple):
    """A list of terms ready to look up in what the matcher found."""

    terms: tuple[tuple[Term, tuple[int, ...]], ...]
    """Each term and its phrase numbers (two for NEAR)."""
    phrases: frozenset[int]


def _compile(terms: tuple[Term, ...], matcher: Matcher) -> _Terms:
    numbered = tuple((term, tuple(matcher.index[phrase] for phrase in term.phrases)) for term in terms)
    return _Terms(numbered, frozenset(n for _term, numbers in numbered for n in numbers))


class _Text:
    """A record's text fields, folded and scanned together once, on first use.

    The fields are joined with a NUL character between spaces, which no term can match
    across, so one fold and one pass of the automaton serve every criterion and field;
    where each field lies in the joined text tells which field a term was found in.
    """

    __slots__ = ("record", "matcher", "fields", "filled", "shown", "folded", "found", "bounds", "_words")

    def __init__(self, record: dict, matcher: Matcher, fields: tuple[str, ...]) -> None:
        self.record = record
        self.matcher = matcher
        self.fields = fields
        self.found: dict[int, list[Span]] | None = None

    def scan(self) -> None:
        """Fold and scan the fields (once)."""
        record = self.record
        originals = [("; ".join(record.get(field) or ()) if field in LIST_FIELDS else record.get(field) or "")
                     for field in self.fields]
        self.filled = frozenset(field for field, text in zip(self.fields, originals) if text and not text.isspace())
        combined = _SEPARATOR.join(originals)
        if combined.isascii():
            data = fold_ascii(combined)
            self.shown, self.folded = combined, data.decode("ascii")
            self.found = self.matcher.find(self.folded, data)
            lengths = [len(text) for text in originals]
        else:
            folded, aligned = fold(combined)
            if aligned:
                self.shown, lengths = combined, [len(text) for text in originals]
            else:  # a character folded into two (ß → ss): the evidence shows the folded text
                parts = [fold(text)[0] for text in originals]
                folded = self.shown = _SEPARATOR.join(parts)
                lengths = [len(part) for part in parts]
            self.folded = folded
            self.found = self.matcher.find(folded)
        self.bounds, start = {}, 0
        for field, length in zip(self.fields, lengths):
            self.bounds[field] = (start, start + length)
            start += length + len(_SEPARATOR)

    @property
    def words(self) -> Words:
        """Where the folded text's words start (worked out for NEAR terms only: most records need none)."""
        try:
            return self._words
        except AttributeError:
            self._words = Words(self.folded)
            return self._words

    def hits(self, terms: _Terms, fields: tuple[str, ...]) -> list[tuple[Term, str, Span]]:
        """(term, field, span) for each term found: its first occurrence in the first of
        ``fields`` that has one."""
        found = self.found
        if terms.phrases.isdisjoint(found):
            return []
        bounds = self.bounds
        found_terms = []
        for term, numbers in terms.terms:
            spans = found.get(numbers[0])
            if spans is None:
                continue
            if len(numbers) == 2:
                other = found.get(numbers[1])
                if other is None:
                    continue
                for field in fields:
                    low, high = bounds[field]
                    inside = near([span for span in spans if low <= span[0] < high],
                                  [span for span in other if low <= span[0] < high], term.distance, self.folded,
                                  words=self.words, first_only=True)
                    if inside:
                        found_terms.append((term, field, inside[0]))
                        break
                continue
            hit = None
            for field in fields:
                low, high = bounds[field]
                for span in spans:
                    if low <= span[0] < high:
                        hit = (term, field, span)
                        break
                if hit:
                    found_terms.append(hit)
                    break
        return found_terms

    def context(self, field: str, span: Span) -> str:
        """The words around a span of a field, the span between [brackets]."""
        low, high = self.bounds[field]
        return _context(self.shown, span[0], word_end(self.folded, span[1]), low, high)


def _context(text: str, start: int, end: int, low: int, high: int) -> str:
    left = max(low, start - _CONTEXT)
    right = min(high, end + _CONTEXT)
    if left > low:
        left = text.find(" ", left, start) + 1 or left
    if right < high:
        cut = text.rfind(" ", end, right)
        right = cut if cut > 0 else right
    before = ("…" if left > low else "") + text[left:start]
    after = text[end:right] + ("…" if right < high else "")
    return " ".join(f"{before}[{text[start:end]}]{after}".split())


def describe_hits(text: _Text, hits: list[tuple[Term, str, Span]]) -> str:
    """Evidence text: each term found, where, with the words around its first occurrence."""
    shown: dict[str, tuple[Term, str, Span]] = {}
    for hit in hits:
        shown.setdefault(hit[0].text, hit)
    parts = [f'{term.text!r} in {field}: "{text.context(field, span)}"'
             for term, field, span in list(shown.values())[:_MAX_SHOWN]]
    if len(shown) > _MAX_SHOWN:
        parts.append(f"and {len(shown) - _MAX_SHOWN} more terms")
    return "; ".join(parts)


class Screener:
    """A protocol ready to apply to records, one at a time."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.matcher = Matcher([phrase for term in protocol.terms for phrase in term.phrases])
        self.compiled: dict[int, tuple[_Terms, _Terms]] = {}
        for criterion in protocol.criteria:
            for test in _text_tests(criterion.condition):
                self.compiled[id(test)] = (_compile(test.terms, self.matcher), _compile(test.unless, self.matcher))
        self.labels = {criterion.id: criterion.label for criterion in protocol.criteria}
        self._evaluators = [(c.id, {None: UNSURE, True: c.action, False: PASS}, _evaluator(c.condition))
                            for c in protocol.criteria]
        # Each phrase is highlighted in the colour of the first criterion that uses it.
        self.criterion_of_phrase: dict[int, str] = {}
        for criterion in protocol.criteria:
            for term in _terms(criterion.condition):
                for phrase in term.phrases:
                    self.criterion_of_phrase.setdefault(self.matcher.index[phrase], criterion.id)
        tests = [test for criterion in protocol.criteria for test in _text_tests(criterion.condition)]
        self.text_fields = tuple(dict.fromkeys(field for test in tests for field in test.fields)) or ("title",)

    def outcomes(self, record: dict) -> list[Outcome]:
        """The outcome of every criterion for one record, in protocol order."""
        context = _Record(record, _Text(record, self.matcher, self.text_fields), self.compiled, {})
        outcomes = []
        for id, named, evaluate in self._evaluators:
            applies, evidence = evaluate(context)
            outcomes.append(Outcome(id, named[applies], evidence))
        return outcomes

    def marked_title(self, record: dict, criterion: Criterion) -> str:
        """The record's title with the criterion's terms found in it between [brackets]."""
        title, marks = self.title_marks(record, criterion)
        pieces, last = [], 0
        for start, end in marks:
            pieces += [title[last:start], f"[{title[start:end]}]"]
            last = end
        return "".join(pieces) + title[last:]

    def title_marks(self, record: dict, criterion: Criterion) -> tuple[str, tuple[Span, ...]]:
        """The record's title as shown, and where the criterion's terms are in it (whole words, in order)."""
        text = _Text(record, self.matcher, ("title",))
        text.scan()
        shown, folded, found = text.shown, text.folded, text.found
        spans = set()
        for term in _terms(criterion.condition):
            numbers = [self.matcher.index[phrase] for phrase in term.phrases]
            if len(numbers) == 1:
                spans.update(found.get(numbers[0], []))
            elif numbers[0] in found and numbers[1] in found:
                spans.update(near(found[numbers[0]], found[numbers[1]], term.distance, folded))
        marks, last = [], 0
        for start, end in sorted(spans):
            if start < last:
                continue
            end = word_end(folded, end)
            marks.append((start, end))
            last = end
        return shown, tuple(marks)

    def highlights(self, text: str) -> list[Span]:
        """Where any of the protocol's terms occurs in ``text`` (whole words), for showing it."""
        folded, aligned = fold(text)
        if not aligned:
            return []
        spans = {(start, word_end(folded, end)) for spans in self.matcher.find(folded).values() for start, end in spans}
        merged: list[Span] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def highlights_by_criterion(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, criterion id)`` for every whole-word occurrence of a protocol term in
        ``text``, without overlaps, each attributed to the first criterion that uses the term."""
        folded, aligned = fold(text)
        if not aligned:
            return []
        spans = sorted(
            (start, word_end(folded, end), self.criterion_of_phrase[phrase])
            for phrase, found in self.matcher.find(folded).items()
            for start, end in found
        )
        shown: list[tuple[int, int, str]] = []
        for start, end, criterion in spans:
            if shown and start < shown[-1][1]:
                continue
            shown.append((start, end, criterion))
        return shown

    def verdict(self, outcomes: list[Outcome]) -> Verdict:
        """The record's overall outcome from its criteria's outcomes."""
        for wanted in (EXCLUDE, FLAG, UNSURE):
            for outcome in outcomes:
                if outcome.outcome == wanted:
                    return Verdict(wanted, outcome.criterion, self.labels[outcome.criterion])
        return Verdict(PASS, "", "")


class _Record(NamedTuple):
    record: dict
    text: _Text
    compiled: dict[int, tuple[_Terms, _Terms]]
    cache: dict
    """Values worked out once per record (its language)."""


def _text_tests(condition: Condition) -> list[TextTest]:
    return [test for test in leaves(condition) if isinstance(test, TextTest)]


def _terms(condition: Condition) -> list[Term]:
    return [term for test in _text_tests(condition) for term in (*test.terms, *test.unless)]


Evaluator = Callable[[_Record], tuple[bool | None, str]]


def _evaluator(condition: Condition) -> Evaluator:
    """The function that evaluates a condition for a record, chosen once per protocol."""
    if isinstance(condition, TextTest):
        return _text_evaluator(condition)
    if isinstance(condition, PeerReviewTest):
        return lambda context: _peer_review(context.record)
    if isinstance(condition, FieldTest):
        return _field_evaluator(condition)
    return partial(_combination, condition.mode, [_evaluator(part) for part in condition.parts])


_MEMO_LIMIT = 100_000


def _field_evaluator(test: FieldTest) -> Evaluator:
    """A field test remembering its answer for each value of the field it reads.

    A review holds few distinct years, languages and type lists, so most records are
    answered by one dictionary lookup. The language detected from the text is the one
    value that is not in the record: those records are worked out one by one.
    """
    memo: dict = {}
    reads_language = test.field == "language" and test.test != "missing"

    def evaluate(context: _Record) -> tuple[bool | None, str]:
        record = context.record
        if reads_language:
            value = record.get("language") or record.get("language_detected")
            if value is None:
                return _field(test, record, context.cache)
        else:
            value = record.get(test.field)
        if isinstance(value, list):
            value = tuple(value)
        answer = memo.get(value)
        if answer is None:
            answer = _field(test, record, context.cache)
            if len(memo) < _MEMO_LIMIT:
                memo[value] = answer
        return answer

    return evaluate


def _combination(mode: str, parts: list[Evaluator], context: _Record) -> tuple[bool | None, str]:
    results = [evaluate(context) for evaluate in parts]
    decisive = False if mode == "all_of" else True
    for applies, evidence in results:
        if applies is decisive:
            return decisive, evidence
    if any(applies is None for applies, _ in results):
        return None, "; ".join(evidence for applies, evidence in results if applies is None)
    return not decisive, "; ".join(evidence for _, evidence in results)


def _field(test: FieldTest, record: dict, cache: dict) -> tuple[bool | None, str]:
    if test.field == "year":
        return _year(test, record.get("year"))
    if test.field == "language" and test.test != "missing":
        return _language(test, record, cache)
    value = record.get(test.field)
    values = [v for v in (value or [])] if test.field in LIST_FIELDS else ([value] if value else [])
    shown = "; ".join(values)
    if test.test == "missing":
        return (False, f"{test.field}: {shown}") if values else (True, f"no {test.field}")
    if not values:
        return None, f"no {test.field}"
    found = any(v.lower() in test.value for v in values)
    applies = found if test.test == "in" else not found
    return applies, f"{test.field}: {shown}"


def _year(test: FieldTest, value: str | None) -> tuple[bool | None, str]:
    if not value or not str(value)[:4].isdigit():
        return None, "no year"
    year = int(str(value)[:4])
    limit, kind = test.value, test.test
    if kind == "at_most":
        applies = year <= limit
    elif kind == "at_least":
        applies = year >= limit
    elif kind == "before":
        applies = year < limit
    elif kind == "after":
        applies = year > limit
    else:
        applies = limit[0] <= year <= limit[1]
    return applies, f"year {year}"


def _language(test: FieldTest, record: dict, cache: dict) -> tuple[bool | None, str]:
    if "language" not in cache:
        cache["language"] = language.of_record(record)
    found: language.Language = cache["language"]
    if found.code is None:
        if found.probability:
            return None, f"no language field, and the text is not clearly in one language (p={found.probability})"
        return None, "no language field, and too little text to detect it"
    codes = found.code.split(";")
    inside = any(code in test.value for code in codes)
    applies = inside if test.test == "in" else not inside
    if found.source == "record":
        return applies, f"language: {found.code}"
    return applies, f"language: {found.code} (detected from title and abstract, p={found.probability})"


def _peer_review(record: dict) -> tuple[bool | None, str]:
    return _peer_review_of(tuple(record.get("publication_type") or ()))


@lru_cache(maxsize=4096)
def _peer_review_of(types: tuple[str, ...]) -> tuple[bool | None, str]:
    # A review holds a few dozen distinct type lists: each is read once.
    kind, value = doctypes.kind(list(types))
    if kind is None:
        return None, f"type not recognised: {value}" if value else "no publication type"
    return kind != doctypes.JOURNAL, f"type: {value} ({kind})"


@lru_cache(maxsize=1024)
def _absent(fields: tuple[str, ...], filled: frozenset[str]) -> tuple[tuple[str, ...], str, str]:
    """The fields that have text, and the evidence for terms not found: in what is there, and
    what is missing."""
    present = tuple(field for field in fields if field in filled)
    missing = [field for field in fields if field not in filled]
    return (present, f"none of the terms in {' or '.join(present)}",
            f"no {' or '.join(missing)}" if missing else "")


def _text_evaluator(test: TextTest) -> Evaluator:
    """A text test remembering its answer for records where none of its terms occurs.

    Such an answer depends only on which of the fields have text, so most records are
    answered by one dictionary lookup once the scan is done.
    """
    unfound: dict[frozenset[str], tuple[bool | None, str]] = {}
    none_of = test.mode == "none"  # then the unless terms are looked for even when no term is found

    def evaluate(context: _Record) -> tuple[bool | None, str]:
        text = context.text
        if text.found is None:
            text.scan()
        terms, unless = context.compiled[id(test)]
        if terms.phrases.isdisjoint(text.found) and (none_of is False or unless.phrases.isdisjoint(text.found)):
            answer = unfound.get(text.filled)
            if answer is None:
                answer = unfound[text.filled] = _text(test, context)
            return answer
        return _text(test, context)

    return evaluate


def _text(test: TextTest, context: _Record) -> tuple[bool | None, str]:
    text = context.text
    if text.found is None:
        text.scan()
    present, none_found, gap = _absent(test.fields, text.filled)
    if not present:
        return None, f"no {' or '.join(test.fields)}"
    terms, unless = context.compiled[id(test)]
    hits = text.hits(terms, test.fields)
    mode = test.mode
    if not hits:
        if mode != "none":
            return (None, f"{none_found}; {gap}") if gap else (False, none_found)
        if gap:
            return None, f"{none_found}, but {gap}"
        evidence = none_found
    elif mode == "none":
        return False, describe_hits(text, hits)  # a term is there: what is missing cannot change that
    elif mode == "all" and len({hit[0] for hit in hits}) < len(terms.terms):
        evidence = describe_hits(text, hits)
        return (None, f"{evidence}; {gap}") if gap else (False, evidence)
    else:
        evidence = describe_hits(text, hits)
    if test.unless:
        exceptions = text.hits(unless, test.fields)
        if exceptions:
            return False, f"{evidence}; but {describe_hits(text, exceptions)}"
        if gap:
            return None, f"{evidence}; exceptions not checked: {gap}"
    return True, evidence
