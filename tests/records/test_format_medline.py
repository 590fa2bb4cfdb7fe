"""PubMed MEDLINE (.nbib/.txt), ERIC and PubMed Central exports, read from real files
(tests/data/medline, see SOURCES.md) and, when ../shared/data is present, from
every MEDLINE file in its INDEX."""

from __future__ import annotations

from pathlib import Path

import pytest

from screenrev.errors import InputError
from screenrev.records.formats import Notes, medline
from screenrev.records.parse import detect, read_export
from screenrev.records.textio import split_lines

from ..conftest import DATA

MEDLINE = DATA / "medline"
PUBMED = MEDLINE / "pubmed-balloongui-set-first3.nbib"
PMC = MEDLINE / "pmc_medlars.txt"
ERIC = MEDLINE / "eric_nbib.nbib"
MULTIPLE = MEDLINE / "MedlinePlainImporterTestMultipleEntries.txt"


def _parse(text: str) -> tuple[list, Notes]:
    notes = Notes("inline.nbib")
    lines = split_lines(text)
    raws = list(medline.parse(lines, notes))
    assert [raw.line for raw in raws] == medline.starts(lines)
    return raws, notes


@pytest.mark.parametrize("path", [PUBMED, PMC, ERIC, MULTIPLE], ids=lambda path: path.name)
def test_detected_by_content(path: Path) -> None:
    lines = split_lines(path.read_bytes().decode("utf-8"))
    assert detect(lines, str(path)).NAME == "medline"


def test_ris_and_ovid_files_are_not_claimed() -> None:
    ris = ["TY  - JOUR", "AU  - Smith, J", "TI  - A title", "ER  - "]
    assert not medline.sniff(ris)
    ovid = ["<1. >", "VN  - Ovid Technologies", "DB  - Embase", "UI  - 621381829", "AU  - Behan L."]
    assert not medline.sniff(ovid)
    # A RIS file holding a PsycNet ``PMID  -`` tag is still RIS.
    assert not medline.sniff(["TY  - JOUR", "PMID  - 123", "ER  - "])


def test_pubmed_records_crlf() -> None:
    parsed = read_export(PUBMED)
    assert parsed.format == "medline"
    assert parsed.warnings == [] and parsed.risks == []
    records = parsed.records
    assert [record["line"] for record in records] == [1, 284, 396]
    first = records[0]
    assert first["source_id"] == "30776994"
    assert first["title"] == (
        "Impact of Balloon Guide Catheter Use on Clinical and Angiographic Outcomes in the "
        "STRATIS Stroke Thrombectomy Registry."
    )
    assert first["abstract"].startswith("Background and Purpose- Mechanical thrombectomy has been shown")
    assert first["authors"][:3] == ["Zaidat, Osama O", "Mueller-Kronast, Nils H", "Hassan, Ameer E"]
    assert len(first["authors"]) == 65
    assert first["authors"][-1] == "STRATIS Investigators"  # CN, a corporate author
    assert first["year"] == "2019"
    assert first["journal"] == "Stroke"
    assert (first["volume"], first["issue"], first["pages"]) == ("50", "3", "697-704")
    assert first["doi"] == "10.1161/strokeaha.118.021126"
    assert first["issn"] == ["1524-4628", "0039-2499"]
    assert first["language"] == "en"
    assert first["publication_type"] == [
        "Journal Article",
        "Multicenter Study",
        "Research Support, Non-U.S. Gov't",
    ]
    assert "Brain Ischemia/diagnostic imaging/therapy" in first["keywords"]
    second, third = records[1], records[2]
    assert second["journal"] == "Journal of neurointerventional surgery"
    assert second["doi"] == "10.1136/neurintsurg-2017-013179"
    assert third["authors"][0] == "Velasco, Aglaé"
    assert third["source_id"] == "26789499"


def test_raw_tags_keep_repeats_order_and_line_breaks() -> None:
    raw = read_export(PUBMED).raws[0]
    tags = [tag for tag, _ in raw.tags]
    assert tags[:12] == ["PMID", "OWN", "STAT", "DCOM", "LR", "IS", "IS", "VI", "IP", "DP", "TI", "PG"]
    assert [value for tag, value in raw.tags if tag == "IS"] == [
        "1524-4628 (Electronic)",
        "0039-2499 (Linking)",
    ]
    # Continuation lines are joined with a line break, their indentation removed.
    title = next(value for tag, value in raw.tags if tag == "TI")
    assert title == (
        "Impact of Balloon Guide Catheter Use on Clinical and Angiographic Outcomes in the\n"
        "STRATIS Stroke Thrombectomy Registry."
    )
    assert tags.count("FAU") == 64 and tags.count("AU") == 64 and tags.count("CN") == 1


def test_pmc_variant_starts_each_record_with_pmc() -> None:
    parsed = read_export(PMC)
    assert parsed.format == "medline"
    assert [record["line"] for record in parsed.records] == [2, 47, 109, 153, 191]
    first = parsed.raws[0]
    assert first.tags[:2] == [("PMC", "PMC6055010"), ("PMID", "30042925")]
    record = parsed.records[0]
    assert record["source_id"] == "30042925"
    assert record["doi"] == "10.1016/j.mex.2018.03.007"
    assert record["journal"] == "MethodsX"
    assert record["pages"] == "283-298"
    assert record["abstract"] is None  # "AB  - " empty; OAB is another tag
    assert record["authors"][0] == "Takeuchi, Yuichi"
    assert parsed.records[2]["source_id"] == "25150679"


def test_eric_variant() -> None:
    parsed = read_export(ERIC)
    assert parsed.format == "medline"
    [record] = parsed.records
    assert record["line"] == 2
    assert record["source_id"] == "EJ1131633"  # no PMID: ERIC's own accession (OID)
    assert record["title"] == "Paper title"
    assert record["authors"] == ["Smith, Tom", "Hunter, Shawn"]  # AU when there is no FAU
    assert record["year"] == "2000"
    assert record["journal"] == "Journal Name"
    assert (record["volume"], record["issue"], record["pages"]) == ("10", "1", "1-9")
    assert record["doi"] == "10.1000/123456789"  # from the dx.doi.org AID link
    assert record["issn"] == ["1234-4567"]  # "ISSN - ISSN-1234-4567", a five-column tag
    assert record["language"] == "en"
    assert record["keywords"] == ["Keyword 1", "Keyword 2"]
    assert record["publication_type"] == ["Journal Articles", "Reports - Research"]
    assert record["url"] == ["http://dx.doi.org/10.1000/123456789", "http://eric.ed.gov/?id=EJ1131633"]
    assert ("ISSN", "ISSN-1234-4567") in parsed.raws[0].tags


def test_blocks_without_pmid_in_a_pubmed_file_are_records_and_reported() -> None:
    # JabRef's fixture: 5 PMID lines, but its blocks starting "PMC -22664230" and
    # "PMCR- 20481061" are records too (JabRef's own test expects 7 entries), and the
    # free-text line 53 belongs to no record.
    parsed = read_export(MULTIPLE)
    records = parsed.records
    assert [record["line"] for record in records] == [1, 55, 77, 87, 91, 95, 99]
    assert records[0]["title"].startswith("From danger and motherhood to health and beauty")
    assert records[0]["authors"] == ["Long, Vicky", "Marland, Hilary"]
    assert records[1]["source_id"] == "22664230"  # the PMC id, as there is no PMID
    assert records[1]["abstract"] == "Old Abstract new abstract"
    assert [value for tag, value in parsed.raws[1].tags if tag == "AB"] == ["Old Abstract", "new abstract"]
    assert records[2]["title"] == (
        "This is a Testtitle This title should be appended: This title should also be "
        "appended. Another append to the Title? LastTitle"
    )
    assert records[3]["doi"] == "10.1016/j.cpr.2005.02.002"  # "AID - doi:10.1016/..."
    assert records[4]["journal"] == "Inproceedings book title"
    assert records[6]["keywords"] == ["Female"]
    assert any(w.startswith("line 55: 2 record(s) without a PMID") for w in parsed.warnings)
    assert any(w.startswith("line 53: 1 line(s) of text outside any record") for w in parsed.warnings)


def test_truncated_file_is_a_risk_naming_the_record() -> None:
    text = PUBMED.read_bytes().decode("utf-8")
    cut = text[: text.index("AB  - Purpose To evaluate")]  # third record loses AB..SO
    with pytest.raises(InputError) as caught:
        read_export("cut.nbib", cut.encode("utf-8"))
    assert "line 396: the last record has no SO line" in str(caught.value)
    accepted = read_export("cut.nbib", cut.encode("utf-8"), accept_risks=True)
    assert len(accepted.records) == 3 and accepted.risks


def test_records_run_together_are_split_at_the_second_pmid() -> None:
    raws, notes = _parse(
        "PMID- 1\nTI  - First\nSO  - J. 2000.\nPMID- 2\nTI  - Second\n      title\nSO  - J. 2001.\n"
    )
    assert [raw.line for raw in raws] == [1, 4]
    assert raws[1].tags == [("PMID", "2"), ("TI", "Second\ntitle"), ("SO", "J. 2001.")]
    assert notes.warnings and "not separated" in notes.warnings[0]


def test_malformed_lines_are_kept_not_merged_into_other_values() -> None:
    # JabRef's MedlinePlainImporterStringOutOfBounds.txt: a tag line without its dash,
    # one without a space after the dash.
    raws, notes = _parse(
        "\nPMID- 27433151\nSO  invalid line\nTI  - This is a test title\n\n"
        "PMID- 27394443\nSO- another invalid line\nTI  -This is also a test title\n"
    )
    assert [raw.line for raw in raws] == [2, 6]
    assert raws[0].tags == [("PMID", "27433151"), ("", "SO  invalid line"), ("TI", "This is a test title")]
    assert raws[1].tags[1:] == [("SO", "another invalid line"), ("TI", "This is also a test title")]
    assert medline.to_fields(raws[0])["source_id"] == "27433151"
    assert notes.warnings and "neither tag lines" in notes.warnings[0]


def test_indented_lines_after_a_blank_line_stay_with_their_value() -> None:
    raws, notes = _parse("PMID- 1\nAB  - First part\n\n      second part\nSO  - J.\n")
    assert len(raws) == 2  # the SO line after the blank line starts a block of its own
    assert raws[0].tags[1] == ("AB", "First part\nsecond part")
    assert any("joined to the value above" in warning for warning in notes.warnings)


def test_file_without_records_is_an_error() -> None:
    with pytest.raises(InputError) as caught:
        read_export("x.nbib", b"just some text\n\nmore text\n", format="medline")
    assert "no records" in str(caught.value)


def test_book_chapter_fields() -> None:
    raws, _ = _parse(
        "PMID- 21249755\nSTAT- Publisher\nDP  - 2009\nTI  - Peutz-Jeghers Syndrome\n"
        "BTI - Cancer Syndromes\nFED - Riegert-Johnson, Douglas L\nED  - Riegert-Johnson DL\n"
        "FAU - Riegert-Johnson, Douglas\nAU  - Riegert-Johnson D\nCN  - Some Consortium\n"
        "ISBN- 978-3-86680-192-9\nPT  - Book Chapter\nAID - NBK1826 [bookaccession]\n"
    )
    fields = medline.to_fields(raws[0])
    assert fields["title"] == "Peutz-Jeghers Syndrome"
    assert fields["journal"] == "Cancer Syndromes"  # the book holding the chapter
    assert fields["authors"] == ["Riegert-Johnson, Douglas", "Some Consortium"]  # editors left out
    assert fields["isbn"] == ["978-3-86680-192-9"]
    assert fields["source_id"] == "21249755"
