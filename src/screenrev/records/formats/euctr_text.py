"""The EU Clinical Trials Register's "Download full trial details" text file
(clinicaltrialsregister.eu): after a sentence about the file, one block per protocol,
each starting with a ``Summary`` line and ``EudraCT Number: …``, then sections ``A.``
to ``P.`` of ``code name: value`` lines (``A.3 Full title of the trial: …``).

A multi-state trial has one protocol per member state (and a state may list several
versions of its protocol): each is a record of its own, as the register and the WHO
ICTRP list them, with the ICTRP's id for it (``EUCTR2022-002568-62-ES``); that they are
one trial is for dedup to find (their EudraCT number is kept among the ``Secondary IDs``).

A line starting with a section code (``E.2.1``, ``D.IMP``, ``B.3.1 and B.3.2``), naming
a lettered section (``P. End of Trial Status: …``) or a heading (``Sponsor 2``) starts a tag, cut at its first
``": "``; any other line continues the value before it (criteria run over many lines).
Translations keep their language in the tag (``A.3 Full title of the trial (es)``). The
records have no end marker, but every protocol ends with section P: its ``P. End of Trial
Status`` line, at times the ``P. Date of the global end of the trial`` line, then a blank
line (after the file's last protocol too). A file that ends anywhere before that is a cut
download, a risk as a RIS file without its last ``ER`` is (``_cut_off``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from ..record import RawRecord, empty_fields
from . import Notes, continue_value, every, first, group_tags
from .trials import record_types, secondary_ids

NAME = "euctr_text"
LABEL = "EU CTR full trial details (text)"
DATABASE = "EU CTR"

_START = "Summary"
_NUMBER = "EudraCT Number"
_PREAMBLE = "This file contains full details on each clinical trial"
_CODE = re.compile(r"[A-P]\.(?:\d+(?:\.\d+)*|IMP)(?:\s+(?:and|to)\s+[A-P]\.\d+(?:\.\d+)*)?(?=[\s:]|$)")
# Lettered sections and their lines, and the two headings that have no code.
_HEADING = re.compile(
    r"[A-P]\. (?:Protocol Information|Sponsor Information|Applicant Identification|IMP Identification"
    r"|General Information on the Trial|Population of Trial Subjects|Investigator Networks"
    r"|Review by the Competent Authority|Competent Authority Decision|Date of Competent Authority"
    r"|Ethics Committee Opinion|Date of Ethics Committee Opinion|End of Trial|Date of the global end)"
    r"|Sponsor \d+\s*$|MedDRA Classification\s*$"
)
_KEY = re.compile(r":(?:\s|$)")
_LINK = re.compile(r"/trial/(?P<number>\d{4}-\d{6}-\d{2})/(?P<state>[A-Za-z0-9]+)/?\s*$")
# What the summary and the protocol each say once: a second one means a missing ``Summary`` line.
_ONCE = (_NUMBER, "A.1 Member State Concerned", "A.2 EudraCT number")
_STATUS = "P. End of Trial Status"
_END_DATE = "P. Date of the global end of the trial"
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_start(line: str, following: str) -> bool:
    """A ``Summary`` line directly followed by ``EudraCT Number:``."""
    return line.strip() == _START and following.startswith(_NUMBER + ":")


def sniff(lines: list[str]) -> bool:
    """A protocol's ``Summary`` and ``EudraCT Number:`` lines near the top (after the
    register's sentence about the file, when it is there)."""
    return any(_is_start(line, following) for line, following in pairwise(lines[:11]))


def starts(lines: list[str]) -> list[int]:
    """Every ``Summary`` line directly followed by ``EudraCT Number:``."""
    return [number for number, (line, following) in enumerate(zip(lines, lines[1:] + [""]), 1)
            if line[:7] == _START and _is_start(line, following)]


def _tag(line: str, summary: bool) -> tuple[str, str] | None:
    """``(name, value)`` when the line starts a tag: any ``name: value`` line of the summary,
    a section code, a heading or an ``EudraCT Number`` (a protocol's first) below it."""
    if not (summary or _CODE.match(line) or _HEADING.match(line) or line.startswith(_NUMBER + ":")):
        return None
    key = _KEY.search(line)
    if key is None:
        return None if summary else (line.rstrip(), "")
    return line[:key.start()].rstrip(), line[key.end():].strip()


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """The protocols in file order, each at its ``Summary`` line; a file that ends inside
    its last protocol is a risk (``_cut_off``)."""
    record: RawRecord | None = None
    summary = False
    blank = 0  # blank lines not yet known to be inside a value
    for number, line in enumerate(lines, 1):
        if line[:7] == _START and _is_start(line, lines[number] if number < len(lines) else ""):
            if record is not None:
                yield _with_ids(record)
            record, summary, blank = RawRecord(number, []), True, 0
            continue
        if record is None:
            if line.strip() and not line.startswith(_PREAMBLE):
                if _tag(line, False):
                    raise notes.error(number, "a protocol's line before the first 'Summary' line: "
                                              "the file lost its start? Download it again")
                notes.warn(number, "text before the first protocol, not part of any record, skipped")
            continue
        if line.strip() == _START and not any(later.strip() for later in lines[number:]):
            notes.risk(number, "the file ends with the 'Summary' line of a protocol and nothing "
                               "after it: truncated download?")
            break
        if not line.strip():
            summary = summary and not record.tags
            blank += 1
            continue
        tag = _tag(line, summary)
        if tag is not None:
            if tag[0] in _ONCE and any(name == tag[0] for name, _ in record.tags):
                raise notes.error(number, f"a second '{tag[0]}' line in the protocol that starts on line "
                                          f"{record.line}: its own 'Summary' line is missing?")
            record.tags.append(tag)
        elif record.tags:
            continue_value(record, "\n" * blank + line.rstrip())
        else:
            record.tags.append(("", line.rstrip()))
        blank = 0
    if record is not None:
        cut = _cut_off(record, blank, notes.ends_mid_line)
        if cut is not None:
            notes.risk(record.line, f"the file ends inside this protocol ({cut}): truncated download?")
        yield _with_ids(record)


def _cut_off(last: RawRecord, blank: int, ends_mid_line: bool) -> str | None:
    """What the file's last protocol lacks of the end every protocol has (``blank``: the
    blank lines after its last line, ``ends_mid_line``: no line break after that line);
    None when it ends whole: with its end of trial status followed by the blank line, or
    with the date of the global end of the trial, which is the last line when it is there."""
    name, value = last.tags[-1]
    if name not in (_STATUS, _END_DATE):
        return f"no '{_STATUS}' line, with which every protocol ends"
    if "\n" in value:
        return f"lines after its '{name}' line that start no protocol: the next one cut off?"
    if blank or (name == _END_DATE and _FULL_DATE.fullmatch(value)):
        return None
    if ends_mid_line:
        return f"its '{name}' line is cut off"
    # Only that blank line tells a whole status line from one cut before the end date below it.
    lost = f": its '{_END_DATE}' line lost?" if name == _STATUS else ""
    return f"no blank line after its '{name}' line, as after every protocol{lost}"


def _source_id(tags: dict[str, list[str]]) -> str | None:
    """The ICTRP's id for this member state's protocol, from its link; else the EudraCT number."""
    match = _LINK.search(first(tags, "Link") or "")
    if match is None:
        return first(tags, _NUMBER, "A.2 EudraCT number")
    return f"EUCTR{match['number']}-{match['state'].upper()}"


def to_fields(raw: RawRecord) -> dict:
    """The protocol's English values mapped onto canonical fields (translations stay in the raw tags)."""
    tags = group_tags(raw.tags)
    fields = empty_fields()
    fields["source_id"] = _source_id(tags)
    fields["title"] = first(
        tags, "A.3.1 Title of the trial for lay people, in easily understood, i.e. non-technical, language",
        "A.3 Full title of the trial",
    )
    fields["abstract"] = first(tags, "E.2.1 Main objective of the trial")
    fields["authors"] = every(tags, "B.1.1 Name of Sponsor")
    fields["year"] = first(tags, "Date on which this record was first entered in the EudraCT database")
    fields["url"] = every(tags, "Link")
    fields["publication_type"] = record_types(None)
    fields["keywords"] = every(
        tags, "E.1.1 Medical condition(s) being investigated", "E.1.1.1 Medical condition in easily understood language",
        "E.1.1.2 Therapeutic area", "D.3.1 Product name", "D.3.8 INN - Proposed INN",
    )
    return fields


def _with_ids(raw: RawRecord) -> RawRecord:
    """The record with its ``extra``: the EudraCT number, the sponsor's protocol code and
    its numbers in other registers (``A.5``)."""
    tags = group_tags(raw.tags)
    ids = every(tags, _NUMBER, "Sponsor's Protocol Code Number", "A.4.1 Sponsor's protocol code number")
    ids += [value for name, value in raw.tags if name.startswith("A.5") and value]
    raw.extra = secondary_ids(ids, _source_id(tags))
    return raw
