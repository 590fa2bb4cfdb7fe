"""Classic refer / BibIX: ``%A``, ``%T``, ``%J``, ``%D`` … lines without a ``%0`` type line.

The line layout, the record rule and the field mapping are EndNote tagged's (this module
imports them from ``endnote_tagged``): records are blank-line separated blocks of
``%``-tag lines. A file with a ``%0`` line is EndNote's dialect of refer and is read by
``endnote_tagged``, which detection tries first; this module takes the files without one.
Refer's ``%Q`` is a corporate author (in EndNote it is a translated title), so it is
added to the authors here only.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..record import RawRecord
from . import Notes, every, group_tags
from .endnote_tagged import has_type_line, parse_tagged, percent_file, tagged_fields
from .endnote_tagged import starts as _tagged_starts

NAME = "refer"
LABEL = "Refer/BibIX"


def sniff(lines: list[str]) -> bool:
    """``%``-tag lines and no ``%0`` line (those are EndNote tagged)."""
    return percent_file(lines) and not has_type_line(lines)


def starts(lines: list[str]) -> list[int]:
    """The first tag line of the file and every first tag line after a blank line."""
    return _tagged_starts(lines)


def parse(lines: list[str], notes: Notes) -> Iterator[RawRecord]:
    """Blank-line separated records of ``%``-tag lines, every tag kept in order."""
    return parse_tagged(lines, notes, LABEL)


def to_fields(raw: RawRecord) -> dict:
    """EndNote's mapping, plus ``%Q`` corporate authors."""
    fields = tagged_fields(raw)
    fields["authors"] = fields["authors"] + every(group_tags(raw.tags), "Q")
    return fields
