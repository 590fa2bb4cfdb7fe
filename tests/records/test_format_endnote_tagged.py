"""EndNote tagged (.enw) and refer/BibIX: real fixtures in tests/data/endnote_tagged.

Sources: tests/data/SOURCES.md. The classic refer records (no ``%0``) are
written here: the only real ones are Zotero's AGPL test inputs, read in tests/test_exports_index.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screenrev.errors import InputError
from screenrev.records.formats import endnote_tagged, refer
from screenrev.records.parse import detect, read_export
from screenrev.records.textio import split_lines

DATA = Path(__file__).resolve().parents[1] / "data" / "endnote_tagged"

CLASSIC_REFER = """\
%A Ward, Ann
%A Okafor, Chidi
%T Hand hygiene
compliance in two wards
%J Journal of Ward Studies
%D 1998
%V 12
%N 4
%P 101-109
%K hand hygiene
%K nursing

%Q Working Group on Ward Safety
%T A second report
%D 2001
%I Ward Press
"""


def _lines(path: Path) -> list[str]:
    return split_lines(path.read_text(encoding="utf-8"))


def test_detection_goes_by_the_type_line() -> None:
    for name in ("ais_enl.txt", "Endnote.book.example.enw", "Endnote.entries.enw", "refer.bibIX.ref"):
        assert detect(_lines(DATA / name), name) is endnote_tagged, name
    assert detect(split_lines(CLASSIC_REFER), "x.ref") is refer
    # Each %-tag file goes to exactly one of the two.
    for lines in (_lines(DATA / "ais_enl.txt"), split_lines(CLASSIC_REFER)):
        assert endnote_tagged.sniff(lines) != refer.sniff(lines)


def test_other_formats_are_not_claimed() -> None:
    bibtex = split_lines("% Encoding: UTF-8\n\n@article{key,\n  title = {A},\n}\n")
    ris = split_lines("TY  - JOUR\nTI  - A title\nAU  - Smith, J\nER  - \n")
    wos = split_lines("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nTI A\nER\n")
    refworks = split_lines("RT Journal Article\nA1 Smith, J\nT1 A title\nYR 2001\n")
    for lines in (bibtex, ris, wos, refworks):
        assert not endnote_tagged.sniff(lines)
        assert not refer.sniff(lines)


def test_ais_elibrary_records_with_and_without_type_line() -> None:
    parsed = read_export(DATA / "ais_enl.txt")
    assert parsed.format == "endnote_tagged"
    assert [r["line"] for r in parsed.records] == [1, 17, 27, 37, 50, 61]
    first = parsed.records[0]
    assert first["title"].startswith("How Trust Leads to Commitment on Microsourcing Platforms")
    assert first["authors"] == ["Guo, Wenbo", "Straub, Detmar W.", "Zhang, Pengzhu", "Cai, Zhao"]
    assert first["year"] == "2021"
    assert first["journal"] == "Management Information Systems Quarterly"
    assert (first["volume"], first["issue"], first["pages"]) == ("45", "3", "1309-1348")
    assert first["url"] == ["https://aisel.aisnet.org/misq/vol45/iss3/13"]
    assert first["abstract"].startswith("IS research has extensively examined the role of trust")
    assert first["publication_type"] == ["Journal Article"]
    # %T comes before %0 in this record: both belong to it, in file order.
    assert [tag for tag, _ in first["raw"][:2]] == ["T", "0"]
    # Records without any %0 line are records all the same.
    toc = parsed.records[1]
    assert toc["title"] == "MISQ Volume 45, Issue 3 Table of Contents"
    assert toc["publication_type"] == [] and toc["authors"] == []
    assert parsed.records[3]["authors"][2:4] == ["Osório, Gerardo", "Carvalho, João P. P."]
    assert parsed.records[5]["pages"] == "1044-1061"
    assert not parsed.warnings and not parsed.risks


def test_book_example() -> None:
    parsed = read_export(DATA / "Endnote.book.example.enw")
    assert len(parsed.records) == 1
    book = parsed.records[0]
    assert book["title"] == "Git : dezentrale Versionsverwaltung im Team : Grundlagen und Workflows"
    assert book["authors"] == ["Preißel, René", "Stachmann, Bjørn"]
    assert book["year"] == "2016"
    assert book["isbn"] == ["9783864903113"]
    assert book["issn"] == []
    assert book["keywords"] == ["Versionsverwaltung"]
    assert book["url"] == ["http://d-nb.info/107601965X"]
    assert book["publication_type"] == ["Book"]


def test_records_without_blank_lines_split_at_each_new_type_line() -> None:
    parsed = read_export(DATA / "Endnote.entries.enw")
    # JabRef's own test reads 5 entries from this file: a run of %0 lines with nothing
    # between them is one record with several types, not eight empty records.
    assert [r["line"] for r in parsed.records] == [1, 7, 23, 25, 28]
    assert endnote_tagged.starts(_lines(DATA / "Endnote.entries.enw")) == [1, 7, 23, 25, 28]
    first, second, *_, last = parsed.records
    assert first["title"] == "testT"
    assert first["authors"] == ["testA0", "testA1"]
    assert second["publication_type"][:2] == ["Journal", "Book Section"]
    assert len(second["publication_type"]) == 9
    assert second["journal"] == "testJ"
    # Repeated tags are all kept in the raw tags.
    assert [v for t, v in second["raw"] if t == "J"] == ["testJ", "testJ1"]
    assert [v for t, v in last["raw"] if t == "R"] == ["testRw", "doi:testR"]
    assert last["doi"] is None
    assert last["abstract"] == "testX"
    assert any("consecutive %0" in w for w in parsed.warnings)


def test_refer_bibix_with_type_lines() -> None:
    parsed = read_export(DATA / "refer.bibIX.ref")
    assert parsed.format == "endnote_tagged"
    assert [r["line"] for r in parsed.records] == [1, 18, 39, 61]
    paper = parsed.records[1]
    assert paper["title"] == "PTitle"
    assert paper["journal"] == "Proceedings Title"
    assert paper["publication_type"] == ["Conference Paper"]
    # %E editors are not authors; %A lines are, repeats kept.
    assert paper["authors"] == ["AuthorL, AuthorsF I", "ContributorL, ContributorF I", "Series EditorL, SeriesF I"]
    assert ("E", "EditorL, EditorF I") in paper["raw"]
    assert parsed.records[0]["language"] == "en"


def test_classic_refer_without_type_lines() -> None:
    parsed = read_export("classic.ref", CLASSIC_REFER.encode())
    assert parsed.format == "refer"
    assert [r["line"] for r in parsed.records] == [1, 13]
    first, second = parsed.records
    assert first["title"] == "Hand hygiene compliance in two wards"
    assert ("T", "Hand hygiene\ncompliance in two wards") in first["raw"]
    assert first["authors"] == ["Ward, Ann", "Okafor, Chidi"]
    assert (first["year"], first["journal"], first["volume"], first["issue"], first["pages"]) == (
        "1998",
        "Journal of Ward Studies",
        "12",
        "4",
        "101-109",
    )
    assert first["keywords"] == ["hand hygiene", "nursing"]
    assert second["authors"] == ["Working Group on Ward Safety"]
    assert second["year"] == "2001"


def test_continuation_lines_and_identifiers() -> None:
    text = (
        "%0 Journal Article\n%T A trial\n%A Lee, K\n%X First sentence.\nSecond sentence.\n"
        "%K alpha\nbeta; gamma\n%R https://doi.org/10.1000/XYZ.1\n%@ 1234-5678\n%G English\n"
        "%M PMID:999\n%U https://a.example/1\nhttps://b.example/2\n%9 Randomized Controlled Trial\n"
    )
    record = read_export("x.enw", text.encode()).records[0]
    assert ("X", "First sentence.\nSecond sentence.") in record["raw"]
    assert record["abstract"] == "First sentence. Second sentence."
    assert record["keywords"] == ["alpha", "beta", "gamma"]
    assert record["doi"] == "10.1000/xyz.1"
    assert record["issn"] == ["1234-5678"]
    assert record["language"] == "en"
    assert record["source_id"] == "PMID:999"
    assert record["url"] == ["https://a.example/1", "https://b.example/2"]
    assert record["publication_type"] == ["Journal Article", "Randomized Controlled Trial"]


def test_records_run_together_are_an_error(tmp_path: Path) -> None:
    lines = _lines(DATA / "ais_enl.txt")
    # Remove the two blank lines between the 2nd and 3rd records (lines 25-26).
    assert lines[24:26] == ["", ""]
    broken = "\n".join(lines[:24] + lines[26:]) + "\n"
    path = tmp_path / "glued.enw"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_export(path)
    assert caught.value.line == 25
    assert "second %T" in str(caught.value)


def test_file_cut_at_the_start_needs_acceptance(tmp_path: Path) -> None:
    data = (DATA / "ais_enl.txt").read_bytes()
    # Cut inside the first record's abstract (line 14): its start is gone.
    cut = data[data.index(b"little research") :]
    with pytest.raises(InputError) as caught:
        read_export(tmp_path / "cut.enw", cut)
    assert "line 1:" in str(caught.value) and "truncated" in str(caught.value)
    accepted = read_export(tmp_path / "cut.enw", cut, accept_risks=True)
    assert len(accepted.records) == 5
