"""What the clinical-trial register formats share (``ctgov_csv``, ``ctgov_json``,
``ictrp_xml``, ``euctr_text``): how a registry record is typed, and the trial's other
identifiers kept beside the canonical fields.

A registry record's ``source_id`` is the trial's registration number as the WHO ICTRP
writes the record (``NCT01234567``, ``ChiCTR2600122961``, ``EUCTR2018-004758-39-IT`` for
one member state's record of a EudraCT trial), so that the same record has the same id
in every register that publishes it. Its other identifiers (sponsor's protocol code,
registration numbers in other registers) are kept in ``extra`` under ``SECONDARY_IDS``.
"""

from __future__ import annotations

import re

from . import LIST_SPLIT, split_values

#: The publication type of every registry record: not a journal article, not peer reviewed
#: (``rules/doctypes``; Cochrane CENTRAL types its register entries so too).
TRIAL_RECORD = "Trial Registry Record"

#: The column of ``extra`` holding a record's other identifiers, ``"; "``-separated.
SECONDARY_IDS = "Secondary IDs"

_ENUM = re.compile(r"[A-Z][A-Z0-9_]*")
_TYPED = re.compile(r"\s*([A-Z][A-Z0-9_]*): (.*)", re.DOTALL)


def marks(lines: list[str], hint: str, pattern: re.Pattern[str]) -> list[int]:
    """The line of every match of ``pattern`` (looked for in the lines holding ``hint``),
    once per match: the independent count of a format whose records start at a mark that
    may stand several times on one line."""
    found: list[int] = []
    for number, line in enumerate(lines, 1):
        if hint in line:
            found.extend([number] * len(pattern.findall(line)))
    return found


def words(value: str) -> str:
    """An enumeration written as words (``DIETARY_SUPPLEMENT`` → ``Dietary Supplement``),
    as the classic ClinicalTrials.gov site wrote it; other text unchanged."""
    value = value.strip()
    if _ENUM.fullmatch(value) and (len(value) > 3 or "_" in value):
        return value.replace("_", " ").title()
    return value


def intervention(kind: str, name: str) -> str:
    """An intervention as ``Type: name`` (``Drug: Memantine``)."""
    kind, name = words(kind), name.strip()
    return f"{kind}: {name}" if kind and name else kind or name


def typed(value: str) -> str:
    """An intervention the current site writes ``DRUG: name`` as the classic site wrote it
    (``Drug: name``); other text unchanged."""
    match = _TYPED.match(value)
    return intervention(match[1], match[2]) if match else value.strip()


def record_types(study_type: str | None) -> list[str]:
    """The record's publication types: a registry record, and the kind of study registered."""
    kind = words(study_type) if study_type else ""
    return [TRIAL_RECORD, kind] if kind else [TRIAL_RECORD]


def secondary_ids(values: list[str], own: str | None, pattern: re.Pattern[str] | None = None) -> dict[str, str]:
    """``extra`` holding the identifiers in ``values`` (cut at ``pattern``, ``;`` and
    newlines by default) other than the record's own, in file order; empty when none."""
    ids = split_values(values, pattern or LIST_SPLIT)
    kept = [value for value in dict.fromkeys(ids) if value != own]
    return {SECONDARY_IDS: "; ".join(kept)} if kept else {}
