"""Every real export in ../shared/data/exports imports with exactly its independent count.

INDEX.tsv counts each file's records with a format-specific rule that knows nothing of
screenrev's parsers. Where that rule is wrong for a file, the correction and its evidence
are in CORRECTED below; rows counted 0 are corrupted or empty fixtures and must give a
clear error. Skipped when ../shared is absent (a clone of the project alone).
"""

from __future__ import annotations

import csv

import pytest

from screenrev.errors import InputError
from screenrev.records.parse import read_export

from ..conftest import SHARED

INDEX = SHARED / "exports" / "INDEX.tsv"

# local_path → (records, why INDEX.tsv's count is not the number of records)
CORRECTED: dict[str, tuple[int, str]] = {
    "bibtex/jabref_encoding/tiny-BE-noBOM.bib": (
        1,
        "UTF-16-BE without a byte-order mark: INDEX could not decode it; one @article entry",
    ),
    "nbib/jabref/MedlinePlainImporterTestMultipleEntries.txt": (
        7,
        "INDEX counts PMID lines; the 'PMC -22664230' and 'PMCR- 20481061' blocks are records "
        "too (JabRef's test for this file expects 7 entries)",
    ),
    "endnote_tagged/ais_enl.txt": (
        6,
        "INDEX counts '%0 ' lines; 4 of the 6 blank-line-separated records have no %0 line "
        "(CoLRev's expected output for this file, ais_enl_result.bib, has 6 records)",
    ),
    "endnote_tagged/jabref/Endnote.entries.enw": (
        5,
        "INDEX counts '%0 ' lines; 8 of them follow each other directly (types of one entry); "
        "JabRef's own test (EndnoteImporterTest.importEntries0) expects 5 entries",
    ),
}


# INDEX.tsv's format column → the formats that may read it ("refer" files that carry
# EndNote's %0 type lines are EndNote tagged).
MODULES = {
    "ris": {"ris"}, "wos": {"wos"}, "nbib": {"medline"}, "ovid_tagged": {"ovid"},
    "ovid_display": {"ovid_display"}, "endnote_xml": {"endnote_xml"},
    "pubmed_xml": {"pubmed_xml"}, "bibtex": {"bibtex"}, "csv": {"table"}, "tsv": {"table"},
    "refworks": {"refworks"}, "enw": {"endnote_tagged"}, "refer": {"refer", "endnote_tagged"},
}


# Files that really are damaged: importing them needs --accept-risks.
EXPECTED_RISKS = {
    # The last record (PMID 26153366) stops mid-word at "endometriu", with no SO line.
    "nbib/pubmed/medline_test.medline",
}


def _rows() -> list[dict]:
    if not INDEX.exists():
        return []
    with INDEX.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.mark.shared
@pytest.mark.skipif(not INDEX.exists(), reason="../shared/data is not present")
@pytest.mark.parametrize("row", _rows(), ids=lambda row: row["local_path"])
def test_export_imports_with_its_independent_count(row: dict) -> None:
    path = SHARED / "exports" / row["local_path"]
    expected = CORRECTED.get(row["local_path"], (int(row["n_records"]), ""))[0]
    if expected == 0:
        with pytest.raises(InputError) as caught:
            read_export(path, accept_risks=True)
        assert str(caught.value).startswith(str(path))
        return
    if row["local_path"] in EXPECTED_RISKS:
        with pytest.raises(InputError, match="--accept-risks"):
            read_export(path)
    parsed = read_export(path, accept_risks=True)
    assert parsed.format in MODULES[row["format"]]
    assert len(parsed.raws) == expected
    assert bool(parsed.risks) == (row["local_path"] in EXPECTED_RISKS), parsed.risks
    # Only a file that ends in the middle of a line (the fixtures of other tools' test
    # suites, stored without their final line break) may be taken for a cut one.
    if row["local_path"] not in EXPECTED_RISKS and path.read_bytes().endswith((b"\n", b"\r")):
        assert not [warning for warning in parsed.warnings if "cut off" in warning]
