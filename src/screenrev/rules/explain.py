"""A protocol in plain English, for the advisory group to read and sign off.

Each criterion becomes sentences ("A record is excluded when its year is 2007 or
earlier. A record with no year is left for a human."), with what it did in the current
review and example titles with the matched words marked. The same document is rendered
as text, Markdown or one self-contained HTML page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from .protocol import (
    Condition,
    Criterion,
    FieldTest,
    PeerReviewTest,
    Protocol,
    TextTest,
)
from .terms import Phrase, Term

_LANGUAGE_NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "sv": "Swedish", "da": "Danish", "no": "Norwegian",
    "fi": "Finnish", "pl": "Polish", "cs": "Czech", "ru": "Russian", "tr": "Turkish",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ar": "Arabic", "he": "Hebrew",
    "el": "Greek", "hu": "Hungarian", "ro": "Romanian", "fa": "Persian", "hi": "Hindi",
}
_FIELD_NAMES = {"publication_type": "publication type", "source_id": "accession number", "doi": "DOI",
                "issn": "ISSN", "isbn": "ISBN", "url": "URL"}
_MARK = re.compile(r"\[([^\[\]]+)\]")


@dataclass(frozen=True)
class Example:
    """A record a criterion excluded or flagged, with the evidence."""

    title: str
    evidence: str


@dataclass(frozen=True)
class Explained:
    """One criterion in plain English, with what it did."""

    criterion: Criterion
    sentences: list[str]
    counts: dict[str, int] | None = None
    examples: list[Example] = field(default_factory=list)


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
    values = [_LANGUAGE_NAMES.get(v, v) if test.field == "language" else v for v in test.value]
    if test.test == "in":
        return f"its {name} is {_list(values)}"
    return f"its {name} is not {_list(values)}"


def _missing_data(condition: Condition) -> list[str]:
    if isinstance(condition, FieldTest):
        if condition.test == "missing":  # missing data is what it tests
            return []
        if condition.field == "language":
            return ["A record without a language field has its language detected from its title and "
                    "abstract; when that text is too short or unclear, the record is left for a human."]
        return [f"A record with no {_field_name(condition.field)} is left for a human."]
    if isinstance(condition, PeerReviewTest):
        return ["A record with no publication type, or one screenrev does not recognise, is left for a human."]
    if isinstance(condition, TextTest):
        sentences = []
        phrases = [p for t in (*condition.terms, *condition.unless) for p in t.phrases
                   if any(w.endswith("*") for w in p.words)]
        if phrases:
            # A single word makes the clearest example; a phrase only when there is no word.
            example = min(phrases, key=lambda p: len(p.words))
            shown = _phrase(example)[1:-1]
            what = "word" if len(example.words) == 1 else "phrase"
            sentences.append(f"A word ending in … stands for any ending: “{shown}” finds every {what} that "
                             f"starts with “{shown.replace('…', '')}”.")
        sentences.append("Capitals and accents are ignored, British and American spellings are both found "
                         "(behaviour, behavior), and a space in a phrase also matches a hyphen.")
        if len(condition.fields) > 1:
            sentences.append(f"When a record has no {_list(list(condition.fields[1:]))}, only what it has is "
                             "read; if that does not settle the criterion, the record is left for a human.")
        return sentences
    return [sentence for part in condition.parts for sentence in _missing_data(part)]


def explain_criterion(criterion: Criterion) -> list[str]:
    """The sentences that explain one criterion."""
    what = "excluded automatically" if criterion.action == "exclude" else "flagged for a human to check"
    sentences = [f"A record is {what} when {describe_condition(criterion.condition)}."]
    sentences += list(dict.fromkeys(_missing_data(criterion.condition)))
    return sentences


def explain(protocol: Protocol, counts: dict[str, dict[str, int]] | None = None,
            examples: dict[str, list[Example]] | None = None) -> list[Explained]:
    """Every criterion of the protocol explained, with counts and examples when given."""
    return [
        Explained(c, explain_criterion(c), (counts or {}).get(c.id), (examples or {}).get(c.id, []))
        for c in protocol.criteria
    ]


def _count_line(counts: dict[str, int]) -> str:
    return (f"In this review: {counts.get('exclude', 0):,} excluded, {counts.get('flag', 0):,} flagged, "
            f"{counts.get('unsure', 0):,} left unsure, {counts.get('pass', 0):,} passed.")


def render_text(protocol: Protocol, explained: list[Explained]) -> str:
    """Plain text for the terminal; matched words between [brackets]."""
    lines = [protocol.title or "Eligibility criteria", ""]
    if protocol.description:
        lines += [protocol.description, ""]
    for number, item in enumerate(explained, 1):
        lines.append(f"{number}. {item.criterion.label}  (id: {item.criterion.id})")
        lines += [f"   {sentence}" for sentence in item.sentences]
        if item.criterion.description:
            lines.append(f"   Note: {item.criterion.description}")
        if item.counts is not None:
            lines.append(f"   {_count_line(item.counts)}")
        for example in item.examples:
            lines.append(f"   - {example.title}")
            lines.append(f"     {example.evidence}")
        lines.append("")
    return "\n".join(lines)


def _bold(text: str) -> str:
    return _MARK.sub(r"**\1**", text)


def render_markdown(protocol: Protocol, explained: list[Explained]) -> str:
    """Markdown; matched words in bold."""
    lines = [f"# {protocol.title or 'Eligibility criteria'}", ""]
    if protocol.description:
        lines += [protocol.description, ""]
    for number, item in enumerate(explained, 1):
        lines += [f"## {number}. {item.criterion.label}", "", f"*id: `{item.criterion.id}`*", ""]
        lines += [" ".join(item.sentences), ""]
        if item.criterion.description:
            lines += [f"> {item.criterion.description}", ""]
        if item.counts is not None:
            lines += [_count_line(item.counts), ""]
        for example in item.examples:
            lines.append(f"- {_bold(example.title)}  ")
            lines.append(f"  {_bold(example.evidence)}")
        if item.examples:
            lines.append("")
    return "\n".join(lines)


_STYLE = """
body{font-family:Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;line-height:1.5;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ccc}
.id{color:#666;font-size:.85em;font-family:monospace}.note{border-left:3px solid #aaa;padding-left:.8em;color:#444}
.counts{background:#f4f4f4;padding:.3em .6em}mark{background:#ffe58a;padding:0 .1em}
ul.examples li{margin-bottom:.5em}.evidence{color:#555;font-size:.9em}
"""


def render_html(protocol: Protocol, explained: list[Explained]) -> str:
    """One self-contained HTML page; matched words highlighted."""
    def marked(text: str) -> str:
        return _MARK.sub(r"<mark>\1</mark>", html.escape(text, quote=False))

    title = html.escape(protocol.title or "Eligibility criteria")
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{title}</title><style>{_STYLE}</style></head><body>", f"<h1>{title}</h1>"]
    if protocol.description:
        parts.append(f"<p>{html.escape(protocol.description)}</p>")
    for number, item in enumerate(explained, 1):
        parts.append(f"<h2>{number}. {html.escape(item.criterion.label)}</h2>")
        parts.append(f'<p class="id">id: {html.escape(item.criterion.id)}</p>')
        parts.append(f"<p>{html.escape(' '.join(item.sentences))}</p>")
        if item.criterion.description:
            parts.append(f'<p class="note">{html.escape(item.criterion.description)}</p>')
        if item.counts is not None:
            parts.append(f'<p class="counts">{html.escape(_count_line(item.counts))}</p>')
        if item.examples:
            parts.append('<ul class="examples">')
            for example in item.examples:
                parts.append(f'<li>{marked(example.title)}<br><span class="evidence">{marked(example.evidence)}'
                             "</span></li>")
            parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


RENDERERS = {"text": render_text, "md": render_markdown, "html": render_html}
