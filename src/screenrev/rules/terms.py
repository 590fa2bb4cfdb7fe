"""Search terms in rule files, and finding all of them in one pass over a text.

A term is a word (``carer``), a word with a wildcard ending (``child*``), a phrase
(``mental health``, ``young* people``) or two of those near each other
(``restrain* NEAR/5 staff``). Matching ignores case and accents, finds British and
American spellings, respects word boundaries, and treats a space in a phrase as any run
of spaces or hyphens (``follow up`` finds ``follow-up``).

Speed comes from a multi-pattern automaton (Aho–Corasick): every term of every criterion
contributes its first word, the text is scanned once for all of them, and only the places
where a first word occurs are checked against the whole term with a regular expression.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import product

import ahocorasick_rs

from .spelling import fold_words, spellings

_NEAR = re.compile(r"\s+NEAR/(\d+)\s+", re.IGNORECASE)
_WORD_CHARS = re.compile(r"^[\w'’.]+\*?$")
_WORDS_BETWEEN = re.compile(r"\w+")
_MAX_VARIANTS = 32
MAX_DISTANCE = 50


class TermError(ValueError):
    """A term cannot be read; the message says how to write it."""


@dataclass(frozen=True)
class Phrase:
    """One or more words, each possibly ending in a wildcard."""

    words: tuple[str, ...]
    """Folded words, a trailing ``*`` kept."""

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Term:
    """A term as written in a rule file, parsed."""

    text: str
    """As written (shown in explanations)."""
    phrases: tuple[Phrase, ...]
    """One phrase, or two for a NEAR term."""
    distance: int = 0
    """For NEAR terms: the most words allowed between the two phrases."""


def parse_term(text: str) -> Term:
    """Read a term, or raise TermError saying what is wrong and how to write it."""
    written = " ".join(str(text).split())
    if not written:
        raise TermError("an empty term: write a word or a phrase, or remove the line")
    parts = _NEAR.split(written)
    if len(parts) == 3:
        distance = int(parts[1])
        if not 1 <= distance <= MAX_DISTANCE:
            raise TermError(f"NEAR/{distance}: the distance must be between 1 and {MAX_DISTANCE} words")
        return Term(written, (_phrase(parts[0], written), _phrase(parts[2], written)), distance)
    if len(parts) > 3:
        raise TermError(f"{written!r}: only one NEAR per term; split it into two criteria or use all:")
    if re.search(r"\bNEAR\b", written, re.IGNORECASE):
        raise TermError(f"{written!r}: write proximity as 'A NEAR/5 B' (a number of words after NEAR/)")
    return Term(written, (_phrase(written, written),))


def _phrase(text: str, term: str) -> Phrase:
    words = []
    for word in re.split(r"[\s\-\u2010-\u2015]+", text.strip()):
        if not word:
            continue
        if word.upper() in ("OR", "AND", "NOT"):
            raise TermError(
                f"{term!r}: {word} is not an operator here; put alternatives as separate terms "
                "of the list, use 'all:' when every term must appear, 'unless:' for exceptions"
            )
        if word == "*" or word.startswith("*"):
            raise TermError(f"{term!r}: a wildcard must follow the start of a word, as in child*")
        if "*" in word[:-1]:
            raise TermError(
                f"{term!r}: a wildcard can only end a word (child*); for other spellings list each word"
            )
        if not _WORD_CHARS.match(word):
            raise TermError(
                f"{term!r}: only letters, digits, hyphens, apostrophes and a final * can be used "
                "(no quotes, brackets or other symbols)"
            )
        stem, wildcard = (word[:-1], "*") if word.endswith("*") else (word, "")
        parts = fold_words(stem)
        if parts:
            words += parts[:-1] + [parts[-1] + wildcard]
    if not words:
        raise TermError(f"{term!r}: no words in this term")
    return Phrase(tuple(words))


def _word_pattern(word: str) -> list[str]:
    open_end = word.endswith("*")
    stem = word[:-1] if open_end else word
    return [re.escape(variant) + (r"\w*" if open_end else "") for variant in sorted(spellings(stem, open_end=open_end))]


def _variants(phrase: Phrase) -> list[tuple[str, str | None]]:
    """(string to look for, regex source or None) for each spelling of the phrase.

    In folded text words are separated by spaces, and the text is scanned with a space
    added at each end, so a term is found as one string with its boundaries: " carer "
    for carer, " child" for child*, " mental health " for the phrase. A wildcard inside a
    phrase (``young* people``) also needs a regular expression, tried where its first word
    occurs.
    """
    choices = [_word_pattern(word) for word in phrase.words]
    inner_wildcard = any(word.endswith("*") for word in phrase.words[:-1])
    open_end = phrase.words[-1].endswith("*")
    variants: list[tuple[str, str | None]] = []
    for combination in product(*choices):
        if inner_wildcard:
            source = r" +".join(combination) + ("" if open_end else r"(?!\w)")
            variants.append((" " + combination[0].removesuffix(r"\w*").replace("\\", ""), source))
        else:
            literal = " ".join(part.removesuffix(r"\w*").replace("\\", "") for part in combination)
            variants.append((f" {literal}" + ("" if open_end else " "), None))
        if len(variants) >= _MAX_VARIANTS:
            break
    return variants


#: Where a term was found in a text: (start, end) offsets.
Span = tuple[int, int]

_WORD_END = re.compile(r"\w*")


class Matcher:
    """All the phrases of a protocol, found in one scan of each text."""

    def __init__(self, phrases: list[Phrase]) -> None:
        self.phrases = list(dict.fromkeys(phrases))
        self.index = {phrase: number for number, phrase in enumerate(self.phrases)}
        triggers: dict[str, list[tuple[int, int, re.Pattern | None]]] = {}
        for number, phrase in enumerate(self.phrases):
            for literal, source in _variants(phrase):
                # Most terms need no regular expression: the literal is the whole term (up to
                # a final wildcard), and only its boundaries are left to check. A match ends
                # after the space that follows a word, and at the end of a wildcard's stem.
                if source is not None:
                    check = (number, 0, re.compile(source))
                else:
                    check = (number, 1 if phrase.words[-1].endswith("*") else 2, None)
                triggers.setdefault(literal, []).append(check)
        self.trigger_words = sorted(triggers)
        self.checks = [triggers[word] for word in self.trigger_words]
        self.automaton = self.ascii_automaton = None
        if self.trigger_words:
            self.automaton = ahocorasick_rs.AhoCorasick(
                self.trigger_words, matchkind=ahocorasick_rs.MatchKind.Standard)
        ascii_words = [word for word in self.trigger_words if word.isascii()]
        if ascii_words:
            # Folded ASCII text is scanned as bytes, by a DFA: a sixth faster than as str.
            self.ascii_automaton = ahocorasick_rs.BytesAhoCorasick(
                [word.encode() for word in ascii_words],
                matchkind=ahocorasick_rs.MatchKind.Standard, implementation=ahocorasick_rs.Implementation.DFA)
            self.ascii_checks = [checks for word, checks in zip(self.trigger_words, self.checks) if word.isascii()]

    def find(self, folded: str, ascii_bytes: bytes | None = None) -> dict[int, list[Span]]:
        """Phrase number → where it occurs in an already folded text.

        ``ascii_bytes`` is the same text as bytes when it is all ASCII (as ``fold_ascii``
        gives it). A wildcard word's span ends with its stem; ``word_end`` gives the whole word.
        """
        found: dict[int, list[Span]] = {}
        if self.automaton is None or not folded:
            return found
        if ascii_bytes is not None:
            if self.ascii_automaton is None:
                return found
            checks = self.ascii_checks
            matches = self.ascii_automaton.find_matches_as_indexes(b" " + ascii_bytes + b" ", overlapping=True)
        else:
            checks = self.checks
            matches = self.automaton.find_matches_as_indexes(f" {folded} ", overlapping=True)
        for trigger, start, end in matches:
            # In the padded text the match starts at the space before the term; in the
            # folded text that is where the term starts.
            for number, cut, pattern in checks[trigger]:
                if pattern is None:
                    span = (start, end - cut)
                else:
                    match = pattern.match(folded, start)
                    if match is None:
                        continue
                    span = (start, match.end())
                spans = found.get(number)
                if spans is None:
                    found[number] = [span]
                elif spans[-1] != span:
                    spans.append(span)
        return found


def word_end(folded: str, end: int) -> int:
    """Where the word that goes on at ``end`` finishes (to show a whole wildcard match)."""
    return _WORD_END.match(folded, end).end()


class Words:
    """Where every word of a folded text starts, so that the words between two places are
    counted by bisection instead of by scanning the text between them."""

    def __init__(self, folded: str) -> None:
        self.starts = [match.start() for match in _WORDS_BETWEEN.finditer(folded)]

    def index(self, position: int) -> int:
        """How many words start before ``position``."""
        return bisect_left(self.starts, position)

    def between(self, start: int, end: int) -> int:
        """Words starting at or after ``start`` and before ``end``."""
        return self.index(end) - self.index(start)


def near(first: list[Span], second: list[Span], distance: int, folded: str, *, words: Words | None = None,
         first_only: bool = False) -> list[Span]:
    """Spans covering an occurrence of each phrase at most ``distance`` words apart, in the
    order of ``first`` and then of ``second`` (``first_only``: the first such span alone).

    Each occurrence is compared only with the other phrase's occurrences within reach (by
    word number, found by bisection), so the cost grows with the pairs in reach rather than
    with every pair times the text between them: a long text repeating one word is no
    slower than any other.
    """
    if not first or not second:
        return []
    words = words or Words(folded)
    ends = {span: word_end(folded, span[1]) for span in (*first, *second)}
    length = max(words.between(span[0], ends[span]) for span in (*first, *second))
    reach = distance + length + 1
    placed = sorted((words.index(span[0]), order) for order, span in enumerate(second))
    numbers = [number for number, _ in placed]
    pairs = []
    for a in first:
        at = words.index(a[0])
        window = placed[bisect_left(numbers, at - reach):bisect_right(numbers, at + reach)]
        for _, order in sorted(window, key=lambda item: item[1]):
            b = second[order]
            left, right = (a, b) if a[0] <= b[0] else (b, a)
            left_end = ends[left]
            if right[0] < left_end:
                continue
            if words.between(left_end, right[0]) <= distance:
                pairs.append((left[0], max(left_end, ends[right])))
                if first_only:
                    return pairs
    return pairs


def term_spans(term: Term, matcher: Matcher, found: dict[int, list[Span]], folded: str) -> list[Span]:
    """Where a term occurs, given what the matcher found in the text."""
    spans = [found.get(matcher.index[phrase], []) for phrase in term.phrases]
    if len(spans) == 1:
        return spans[0]
    if not spans[0] or not spans[1]:
        return []
    return near(spans[0], spans[1], term.distance, folded)
