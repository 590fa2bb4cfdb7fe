"""A protocol in plain English, for the advisory group to read and sign off.

The document opens with what the rules did in the review (records checked, excluded,
flagged, unsure, passed) and, once, how any criterion reads its records; then each
criterion becomes sentences ("A record is excluded when its year is 2007 or earlier. A
record with no year is left for a human."), with two counts that answer different
questions — the records it *matched*, and the records it *excluded first*, which is what
the PRISMA flow counts (a record two criteria exclude is counted under the first) — the
rules audit's finding, and example records it excluded, flagged or left unsure, with the
matched words marked and database codes in plain words. A header names the review, the
protocol file, its SHA-256 and when it last changed; the Markdown and HTML forms end with
a sign-off table. Every value that comes from a record is escaped in HTML and Markdown.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from ..console import clean
from ..records.normalise import language_name
from .protocol import (
    Condition,
    Criterion,
    FieldTest,
    PeerReviewTest,
    Protocol,
    TextTest,
    leaves,
)
from .terms import Phrase, Term

_FIELD_NAMES = {"publication_type": "publication type", "source_id": "accession number", "doi": "DOI",
                "issn": "ISSN", "isbn": "ISBN", "url": "URL"}
_MARK = re.compile(r"\[([^\[\]]+)\]")


@dataclass(frozen=True)
class Example:
    """A record a criterion excluded, flagged or left unsure, with the evidence."""

    title: str
    evidence: str
    """As the rules give it: matched words between [brackets]."""
    marks: tuple[tuple[int, int], ...] = ()
    """Where the criterion's words are in the title (start, end)."""


@dataclass(frozen=True)
class Header:
    """What the document explains: the review, and the protocol file as it is now."""

    review: str = ""
    protocol_file: str = ""
    sha256: str = ""
    changed: str = ""
    """When the protocol last changed, in words ("last committed on 2026-11-30")."""


@dataclass(frozen=True)
class Totals:
    """What the protocol as a whole did to the review's records."""

    records: int
    excluded: int
    flagged: int
    unsure: int
    passed: int


@dataclass(frozen=True)
class Explained:
    """One criterion in plain English, with what it did."""

    criterion: Criterion
    sentences: list[str]
    counts: dict[str, int] | None = None
    """Records this criterion matched (exclude or flag), left unsure, and passed."""
    first: int | None = None
    """Records this criterion decided: the first of the protocol to exclude (or flag) them."""
    examples: list[Example] = field(default_factory=list)
    unsure: list[Example] = field(default_factory=list)
    audit: str = ""
    """The rules audit's finding for this criterion."""


@dataclass(frozen=True)
class Document:
    """The whole explanation."""

    protocol: Protocol
    header: Header
    general: list[str]
    items: list[Explained]
    totals: Totals | None = None


def _list(items: list[str], joiner: str = "or") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {joiner} {items[-1]}"


def _field_name(name: str) -> str:
    return _FIELD_NAMES.get(name, name)


def _phrase(phrase: Phrase) -> str:
    return "“" + " ".join(w[:-1] + "…" if w.endswith("*") else w for w in phrase.words) + "”"


def describe_term(term: Term) -> str:
    """A term in words: “child…”, “mental health”, “restrain…” within 5 words of “staff”."""
    if len(term.phrases) == 2:
        return f"{_phrase(term.phrases[0])} within {term.distance} words of {_phrase(term.phrases[1])}"
    return _phrase(term.phrases[0])


def _terms(terms: tuple[Term, ...], joiner: str) -> str:
    return _list([describe_term(term) for term in terms], joiner)


def _where(fields: tuple[str, ...]) -> str:
    return f"its {_list(list(fields))}"


def describe_condition(condition: Condition) -> str:
    """The condition as the end of "A record is excluded when …"."""
    if isinstance(condition, FieldTest):
        return _describe_field(condition)
    if isinstance(condition, PeerReviewTest):
        return ("it is not a peer-reviewed journal article, going by the publication type the database "
                "gives (for example a book, a thesis, a conference paper, a report, an editorial or a letter)")
    if isinstance(condition, TextTest):
        verb, joiner = {"any": ("mentions", "or"), "all": ("mentions each of", "and"),
                         "none": ("mentions none of", "or")}[condition.mode]
        sentence = f"{_where(condition.fields)} {verb} {_terms(condition.terms, joiner)}"
        if condition.unless:
            sentence += f", unless it also mentions {_terms(condition.unless, 'or')}"
        return sentence
    parts = [describe_condition(part) for part in condition.parts]
    joined = "; ".join(f"({chr(97 + n)}) {part}" for n, part in enumerate(parts))
    return f"{'all' if condition.mode == 'all_of' else 'at least one'} of the following is true: {joined}"


def _describe_field(test: FieldTest) -> str:
    name = _field_name(test.field)
    if test.test == "missing":
        return f"it has no {name}"
    if test.field == "year":
        year = test.value
        return {
            "at_most": f"its year is {year} or earlier",
            "at_least": f"its year is {year} or later",
            "before": f"its year is before {year}",
            "after": f"its year is after {year}",
            "between": f"its year is between {year[0]} and {year[1]} (both included)" if isinstance(year, tuple) else "",
        }[test.test]
    values = [language_name(v) if test.field == "language" else v for v in test.value]
    if test.test == "in":
        return f"its {name} is {_list(values)}"
    return f"its {name} is not {_list(values)}"


_WILDCARD = "A word ending in … stands for any ending"


def _missing_data(condition: Condition) -> list[str]:
    """What a criterion does when the data it reads is missing (sentences of its own)."""
    if isinstance(condition, FieldTest):
        if condition.test == "missing":  # missing data is what it tests
            return []
        if condition.field == "language":
            return ["A record without a language field has its language detected from its title and "
                    "abstract; when that text is too short or unclear, the record is left for a human."]
        return [f"A record with no {_field_name(condition.field)} is left for a human."]
    if isinstance(condition, PeerReviewTest):
        return ["A record with no publication type, or one that says nothing about peer review (such as "
                "“Generic” or “Other”), is left for a human."]
    if isinstance(condition, TextTest):
        if len(condition.fields) > 1:
            return [f"When a record has no {_list(list(condition.fields[1:]))}, only what it has is read; if "
                    "that does not settle the criterion, the record is left for a human."]
        return []
    return [sentence for part in condition.parts for sentence in _missing_data(part)]


def general_sentences(protocol: Protocol) -> list[str]:
    """How every criterion reads records, said once for the whole document."""
    sentences = ["Missing data never excludes a record: when a criterion needs something a record does not "
                 "say, the record is left for a human (“unsure”)."]
    texts = [test for c in protocol.criteria for test in leaves(c.condition) if isinstance(test, TextTest)]
    if texts:
        sentences.append("Words are looked for in the parts of a record each criterion names. Capitals and "
                         "accents are ignored, British and American spellings are both found (behaviour, "
                         "behavior), and a space in a phrase also matches a hyphen.")
        phrases = [p for test in texts for t in (*test.terms, *test.unless) for p in t.phrases
                   if any(w.endswith("*") for w in p.words)]
        if phrases:
            # A single word makes the clearest example; a phrase only when there is no word.
            example = min(phrases, key=lambda p: len(p.words))
            shown = _phrase(example)[1:-1]
            what = "word" if len(example.words) == 1 else "phrase"
            sentences.append(f"{_WILDCARD}: “{shown}” finds every {what} that starts with "
                             f"“{shown.replace('…', '')}”.")
    if any(c.action == "exclude" for c in protocol.criteria) and any(c.action == "flag" for c in protocol.criteria):
        sentences.append("Criteria that exclude decide from what the databases record; criteria that flag only "
                         "point a screener at a record, and the screener decides.")
    return sentences


def explain_criterion(criterion: Criterion) -> list[str]:
    """The sentences that explain one criterion."""
    what = "excluded automatically" if criterion.action == "exclude" else "flagged for a human to check"
    sentences = [f"A record is {what} when {describe_condition(criterion.condition)}."]
    sentences += list(dict.fromkeys(_missing_data(criterion.condition)))
    return sentences


def explain(protocol: Protocol, counts: dict[str, dict[str, int]] | None = None,
            examples: dict[str, list[Example]] | None = None, *, header: Header | None = None,
            first: dict[str, int] | None = None, unsure: dict[str, list[Example]] | None = None,
            totals: Totals | None = None, audit: dict[str, str] | None = None) -> Document:
    """The protocol explained, with what it did when the counts are given."""
    items = [
        Explained(c, explain_criterion(c), (counts or {}).get(c.id), (first or {}).get(c.id) if first else None,
                  (examples or {}).get(c.id, []), (unsure or {}).get(c.id, []), (audit or {}).get(c.id, ""))
        for c in protocol.criteria
    ]
    return Document(protocol, header or Header(), general_sentences(protocol), items, totals)


# --- database codes in plain words ---------------------------------------------------

#: Publication type codes (RIS, BibTeX, EndNote) in words.
TYPE_WORDS = {
    "jour": "journal article", "ejour": "journal article (online)", "jfull": "whole journal issue",
    "inpr": "article in press", "abst": "abstract", "cpaper": "conference paper", "conf": "conference proceedings",
    "thes": "thesis", "book": "book", "ebook": "book (online)", "edbook": "edited book", "chap": "book chapter",
    "echap": "book chapter (online)", "rprt": "report", "gen": "generic (any kind of item)", "elec": "web page",
    "news": "newspaper article", "mgzn": "magazine article", "unpb": "unpublished work", "ser": "serial",
    "govdoc": "government document", "pat": "patent", "data": "dataset", "video": "video", "stand": "standard",
    "manscpt": "manuscript", "pamp": "pamphlet", "comp": "computer program", "case": "legal case", "bill": "bill",
    "hear": "hearing", "stat": "statute", "map": "map", "art": "artwork", "encyc": "encyclopaedia entry",
    "dict": "dictionary entry", "grant": "grant", "pcomm": "personal communication", "sound": "sound recording",
    "inproceedings": "conference paper", "phdthesis": "doctoral thesis", "mastersthesis": "master's thesis",
    "techreport": "technical report", "incollection": "book chapter", "inbook": "book chapter",
    "misc": "miscellaneous", "article": "journal article", "proceedings": "conference proceedings",
}
_KINDS = {"journal article": "a journal article", "not peer reviewed": "not peer-reviewed research",
          "not a journal article": "not a journal article"}
_TYPE = re.compile(r"\btype: (.+?) \((journal article|not peer reviewed|not a journal article)\)")
_TYPE_FIELD = re.compile(r"\bpublication_type: ([^()]+?)$")
_TERM = re.compile(r"'([^']+)' in (\w+):")
_UNKNOWN_TYPE = re.compile(r"\btype not recognised: ([^;]+)")
_LANGUAGE = re.compile(r"\blanguage: ([a-z]{2,3})\b(?: \(detected from title and abstract, p=([0-9.]+)\))?")
_UNCLEAR = re.compile(r"no language field, and the text is not clearly in one language \(p=[0-9.]+\)")


def type_words(value: str) -> str:
    """A publication type as a reader says it: ``CPAPER`` → ``conference paper``; other values as they are."""
    return TYPE_WORDS.get(value.strip().lower(), value)


def plain_evidence(evidence: str) -> str:
    """The rules' evidence with database codes in words: ``type: CPAPER (not a journal article)``
    → ``publication type: conference paper (“CPAPER”), not a journal article``."""
    def typed(match: re.Match) -> str:
        return f"publication type: {_type_shown(match.group(1))}, {_KINDS[match.group(2)]}"

    def language(match: re.Match) -> str:
        name = language_name(match.group(1))
        if match.group(2) is None:
            return f"language: {name}"
        sure = float(match.group(2))
        shown = "over 99.9" if sure >= 0.9995 else f"{100 * sure:.1f}"
        return f"language: {name} (worked out from the title and abstract, {shown} % sure)"

    text = clean(evidence)
    text = _TERM.sub(lambda m: f"“{m.group(1).replace('*', '…')}” in {m.group(2)}:", text)
    text = _TYPE.sub(typed, text)
    text = _UNKNOWN_TYPE.sub(lambda m: f"publication type “{type_words(m.group(1).strip())}” says nothing about "
                                       "peer review", text)
    text = _UNCLEAR.sub("no language given, and the title and abstract are not clearly in one language", text)
    text = _LANGUAGE.sub(language, text)
    text = _TYPE_FIELD.sub(lambda m: "publication type: " + "; ".join(
        _type_shown(value) for value in m.group(1).split("; ")), text)
    for name, words in _FIELD_NAMES.items():
        text = text.replace(f"{name}:", f"{words}:")
    return text


def _type_shown(value: str) -> str:
    words = type_words(value)
    return words if words == value else f"{words} (“{value}”)"


# --- rendering -------------------------------------------------------------------------


def _with_marks(title: str, marks: tuple[tuple[int, int], ...], plain, mark) -> str:
    """The title with each marked span through ``mark`` and the rest through ``plain``
    (control characters and direction overrides shown as symbols first: one for one, so
    the marks still hold)."""
    title = clean(title)
    pieces, last = [], 0
    for start, end in sorted(marks):
        if start < last:
            continue
        pieces += [plain(title[last:start]), mark(plain(title[start:end]))]
        last = end
    return "".join(pieces) + plain(title[last:])


def _totals_rows(totals: Totals) -> list[tuple[str, int]]:
    return [
        ("Records checked", totals.records),
        ("Excluded automatically", totals.excluded),
        ("Flagged for a human to check", totals.flagged),
        ("Left for a human because data was missing or unclear (unsure)", totals.unsure),
        ("Passed every criterion", totals.passed),
    ]


_CHECKED = "The records checked are the unique records: duplicates found across the databases were set aside first."
_WHY_TWO_COUNTS = ("Each criterion below has two counts. “Matched” is every record the criterion applies to. "
                   "“Excluded first” (or “flagged first”) counts a record only under the first criterion in this "
                   "list that excludes (or flags) it, so those counts add up to the totals above. The PRISMA flow "
                   "diagram reports the “excluded first” counts, less any record a reviewer screened anyway or "
                   "the rules audit sent back to screening.")


def _count_sentence(item: Explained) -> str:
    counts = item.counts or {}
    if item.criterion.action == "exclude":
        matched, verb = counts.get("exclude", 0), "excluded"
    else:
        matched, verb = counts.get("flag", 0), "flagged"
    first = f"; {verb} first by this criterion: {item.first:,}" if item.first is not None else ""
    return (f"Matched: {matched:,}{first}; left unsure: {counts.get('unsure', 0):,}; passed: "
            f"{counts.get('pass', 0):,}.")


def _header_lines(header: Header) -> list[str]:
    lines = []
    if header.review:
        lines.append(f"Review: {header.review}")
    if header.protocol_file:
        lines.append(f"Protocol file: {header.protocol_file}" + (f", {header.changed}" if header.changed else ""))
    if header.sha256:
        lines.append(f"SHA-256 of the protocol file: {header.sha256}")
    return lines


def render_text(document: Document) -> str:
    """Plain text for the terminal; matched words between [brackets]."""
    protocol = document.protocol
    lines = [protocol.title or "Eligibility criteria", *_header_lines(document.header), ""]
    if protocol.description:
        lines += [protocol.description, ""]
    if document.totals is not None:
        lines += ["What the rules did in this review:",
                  *(f"  {label}: {n:,}" for label, n in _totals_rows(document.totals)), "", _CHECKED,
                  _WHY_TWO_COUNTS, ""]
    lines += ["How the criteria read records:", *(f"  {sentence}" for sentence in document.general), ""]
    for number, item in enumerate(document.items, 1):
        lines.append(f"{number}. {item.criterion.label}  (id: {item.criterion.id})")
        lines += [f"   {sentence}" for sentence in item.sentences]
        if item.criterion.description:
            lines.append(f"   Note: {item.criterion.description}")
        if item.counts is not None:
            lines.append(f"   In this review: {_count_sentence(item)}")
        if item.audit:
            lines.append(f"   Rules {item.audit}")
        for heading, examples in (("Examples", item.examples), ("Left unsure, for example", item.unsure)):
            if examples:
                lines.append(f"   {heading}:")
            for example in examples:
                lines.append(f"   - {_with_marks(example.title, example.marks, str, lambda t: f'[{t}]')}")
                lines.append(f"     {plain_evidence(example.evidence)}")
        lines.append("")
    return "\n".join(lines)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def _md(text: str) -> str:
    """Text from a record, safe in Markdown: its markup characters escaped, HTML too."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_evidence(evidence: str) -> str:
    """Evidence in Markdown: matched words (between brackets) bold, everything else escaped."""
    return "".join(f"**{_md(part[1:-1])}**" if part.startswith("[") else _md(part)
                   for part in re.split(r"(\[[^\[\]]+\])", plain_evidence(evidence)) if part)


_SIGN_OFF_ROWS = 4


def render_markdown(document: Document) -> str:
    """Markdown; matched words in bold, every value from a record escaped."""
    protocol = document.protocol
    lines = [f"# {_md(protocol.title or 'Eligibility criteria')}", ""]
    lines += [f"{_md(line)}  " for line in _header_lines(document.header)] + [""]
    if protocol.description:
        lines += [_md(protocol.description), ""]
    if document.totals is not None:
        lines += ["## What the rules did in this review", ""]
        lines += [f"- {label}: {n:,}" for label, n in _totals_rows(document.totals)]
        lines += ["", _CHECKED, "", _WHY_TWO_COUNTS, ""]
    lines += ["## How the criteria read records", ""] + [f"- {sentence}" for sentence in document.general] + [""]
    for number, item in enumerate(document.items, 1):
        lines += [f"## {number}. {_md(item.criterion.label)}", "", _md(" ".join(item.sentences)), ""]
        if item.criterion.description:
            lines += [f"> {_md(item.criterion.description)}", ""]
        if item.counts is not None:
            lines += [f"**In this review:** {_count_sentence(item)}", ""]
        if item.audit:
            lines += [f"**Rules {_md(item.audit)}**", ""]
        for heading, examples in (("Examples", item.examples), ("Left unsure, for example", item.unsure)):
            if not examples:
                continue
            lines += [f"{heading}:", ""]
            for example in examples:
                lines.append(f"- {_with_marks(example.title, example.marks, _md, lambda t: f'**{t}**')}  ")
                lines.append(f"  {_md_evidence(example.evidence)}")
            lines.append("")
    lines += ["## Sign-off", "", "Read and checked by the advisory group:", "",
              "| Name | Role | Date | Comments |", "|---|---|---|---|"]
    lines += ["|   |   |   |   |"] * _SIGN_OFF_ROWS
    return "\n".join(lines) + "\n"


_STYLE = """
body{font-family:Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;line-height:1.5;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ccc}
.header{color:#444;font-size:.9em}.sha{font-family:monospace;font-size:.85em;word-break:break-all}
.note{border-left:3px solid #aaa;padding-left:.8em;color:#444}
.counts{background:#f4f4f4;padding:.3em .6em}.audit{background:#eef6ee;padding:.3em .6em}
mark{background:#ffe58a;padding:0 .1em}ul.examples li{margin-bottom:.5em}.evidence{color:#555;font-size:.9em}
table.totals td{padding:.1em .8em}table.totals td.n{text-align:right;font-variant-numeric:tabular-nums}
table.signoff{border-collapse:collapse;width:100%}table.signoff th,table.signoff td{border:1px solid #888;
padding:.4em;text-align:left}table.signoff td{height:2.2em}
@media print{body{max-width:none}h2{break-after:avoid}}
"""


def _html_evidence(evidence: str) -> str:
    return "".join(f"<mark>{html.escape(part[1:-1])}</mark>" if part.startswith("[") else html.escape(part)
                   for part in re.split(r"(\[[^\[\]]+\])", plain_evidence(evidence)) if part)


def render_html(document: Document) -> str:
    """One self-contained HTML page; matched words highlighted, every value escaped."""
    protocol = document.protocol
    title = html.escape(protocol.title or "Eligibility criteria")
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{title}</title><style>{_STYLE}</style></head><body>", f"<h1>{title}</h1>"]
    header = document.header
    rows = [html.escape(line) for line in _header_lines(Header(header.review, header.protocol_file, "", header.changed))]
    if header.sha256:
        rows.append(f'SHA-256 of the protocol file: <span class="sha">{html.escape(header.sha256)}</span>')
    if rows:
        parts.append(f'<p class="header">{"<br>".join(rows)}</p>')
    if protocol.description:
        parts.append(f"<p>{html.escape(protocol.description)}</p>")
    if document.totals is not None:
        parts.append("<h2>What the rules did in this review</h2>")
        parts.append('<table class="totals">')
        for label, n in _totals_rows(document.totals):
            parts.append(f'<tr><td>{html.escape(label)}</td><td class="n">{n:,}</td></tr>')
        parts.append("</table>")
        parts.append(f"<p>{html.escape(_CHECKED)} {html.escape(_WHY_TWO_COUNTS)}</p>")
    parts.append("<h2>How the criteria read records</h2><ul>")
    parts += [f"<li>{html.escape(sentence)}</li>" for sentence in document.general]
    parts.append("</ul>")
    for number, item in enumerate(document.items, 1):
        parts.append(f"<h2>{number}. {html.escape(item.criterion.label)}</h2>")
        parts.append(f"<p>{html.escape(' '.join(item.sentences))}</p>")
        if item.criterion.description:
            parts.append(f'<p class="note">{html.escape(item.criterion.description)}</p>')
        if item.counts is not None:
            parts.append(f'<p class="counts"><b>In this review:</b> {html.escape(_count_sentence(item))}</p>')
        if item.audit:
            parts.append(f'<p class="audit"><b>Rules {html.escape(item.audit)}</b></p>')
        for heading, examples in (("Examples", item.examples), ("Left unsure, for example", item.unsure)):
            if not examples:
                continue
            parts.append(f'<p>{heading}:</p><ul class="examples">')
            for example in examples:
                shown = _with_marks(example.title, example.marks, lambda t: html.escape(t, quote=False),
                                    lambda t: f"<mark>{t}</mark>")
                parts.append(f'<li>{shown}<br><span class="evidence">{_html_evidence(example.evidence)}</span></li>')
            parts.append("</ul>")
    parts.append("<h2>Sign-off</h2><p>Read and checked by the advisory group:</p>")
    parts.append('<table class="signoff"><tr><th>Name</th><th>Role</th><th>Date</th><th>Comments</th></tr>')
    parts += ["<tr><td></td><td></td><td></td><td></td></tr>"] * _SIGN_OFF_ROWS
    parts.append("</table></body></html>")
    return "\n".join(parts) + "\n"


RENDERERS = {"text": render_text, "md": render_markdown, "html": render_html}
