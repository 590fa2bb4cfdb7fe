"""No record of the real exports is excluded for want of data, publication types above all.

Every export in ../shared/data/exports is read once (risks accepted, as
``screenrev import --accept-risks`` reads it) and screened with the seed review's
protocol, whose year, language and peer-review criteria exclude automatically. Skipped
when ../shared is absent (a clone of the project alone).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screenrev.errors import InputError
from screenrev.records.parse import read_export
from screenrev.rules import doctypes, language
from screenrev.rules.engine import Outcome, Screener
from screenrev.rules.protocol import load_protocol

from ..conftest import SHARED

EXPORTS = SHARED / "exports"
CARR = Path(__file__).resolve().parents[2] / "protocols" / "carr2023-social-care-harm.yaml"
YEAR, LANGUAGE, PEER = "conducted-2007-or-earlier", "not-english", "not-peer-reviewed"

if not EXPORTS.is_dir():
    pytest.skip("../shared/data is not present", allow_module_level=True)

pytestmark = pytest.mark.shared


def type_values(record: dict) -> list[str]:
    return [v.strip() for t in record.get("publication_type") or [] for v in doctypes._SEPARATORS.split(t) if v.strip()]


@pytest.fixture(scope="module")
def screened() -> list[tuple[str, dict, dict[str, Outcome]]]:
    """(file, record, outcome by criterion) for every record of every export read."""
    screener = Screener(load_protocol(CARR))
    found = []
    for path in sorted(EXPORTS.rglob("*")):
        if not path.is_file() or path.suffix == ".md" or path.name == "INDEX.tsv":
            continue
        try:
            records = read_export(path.name, path.read_bytes(), accept_risks=True).records
        except InputError:
            continue  # the corrupted and empty fixtures: tests/records/test_exports_index.py
        name = path.relative_to(EXPORTS).as_posix()
        found += [(name, record, {o.criterion: o for o in screener.outcomes(record)}) for record in records]
    return found


def test_the_protocol_has_the_criteria_checked() -> None:
    criteria = {c.id for c in load_protocol(CARR).criteria}
    assert {YEAR, LANGUAGE, PEER} <= criteria


def test_no_record_whose_types_are_generic_or_unrecognised_is_excluded_by_peer_review(screened) -> None:
    generic = unrecognised = untyped = 0
    for name, record, outcomes in screened:
        values = type_values(record)
        if not values:
            untyped += 1
        elif all(v.lower() in doctypes.GENERIC for v in values):
            generic += 1  # whatever the vocabularies hold
        elif doctypes.kind(values)[0] is None:
            unrecognised += 1
        else:
            continue
        assert outcomes[PEER].outcome == "unsure", (name, record.get("title"), values, outcomes[PEER])
    # The exports do hold each kind: GEN, SER, OTHER; subject codes, field names; no type at all.
    assert generic >= 9 and unrecognised >= 15 and untyped >= 30


def test_no_record_is_excluded_for_want_of_data(screened) -> None:
    excluded = {YEAR: 0, LANGUAGE: 0, PEER: 0}
    for name, record, outcomes in screened:
        where = (name, record.get("title"))
        if outcomes[YEAR].outcome == "exclude":
            excluded[YEAR] += 1
            year = str(record.get("year") or "")
            assert year[:4].isdigit() and int(year[:4]) <= 2007, (*where, year)
        if outcomes[LANGUAGE].outcome == "exclude":
            excluded[LANGUAGE] += 1
            found = language.of_record(record)
            assert found.code and "en" not in found.code.split(";"), (*where, found)
        if outcomes[PEER].outcome == "exclude":
            excluded[PEER] += 1
            kind = doctypes.kind(type_values(record))[0]
            assert kind in (doctypes.NOT_PEER_REVIEWED, doctypes.NOT_JOURNAL), (*where, record["publication_type"])
    # Each criterion does exclude records of the real exports, each for what it reads.
    assert all(count > 0 for count in excluded.values()), excluded
