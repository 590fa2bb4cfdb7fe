"""EndNote XML: pretty-printed with <style> wrappers (JabRef/Bookends), one-line (EndNote 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from screenrev.errors import InputError
from screenrev.records.formats import Notes, endnote_xml
from screenrev.records.parse import detect, read_export
from screenrev.records.textio import split_lines

DATA = Path(__file__).resolve().parents[1] / "data" / "endnote_xml"
EXPORTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "exports"


def _lines(name: str) -> list[str]:
    return split_lines((DATA / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "name",
    [
        "EndnoteXmlImporterTestArticle.xml",
        "EndnoteXmlImporterTestLabelAndMultiTitle.xml",
        "copper_first3.xml",
    ],
)
def test_detected_as_endnote_xml(name: str) -> None:
    lines = _lines(name)
    assert detect(lines, name) is endnote_xml


def test_style_wrapped_article() -> None:
    parsed = read_export(DATA / "EndnoteXmlImporterTestArticle.xml")
    assert parsed.format == "endnote_xml"
    assert len(parsed.records) == 1
    record = parsed.records[0]
    assert record["line"] == 4
    assert record["title"] == (
        "Trends in the lifetime risk of developing cancer in Great Britain: "
        "comparison of risk for those born from 1930 to 1960"
    )
    assert record["authors"] == ["Ahmad, AS", "Ormiston-Smith, N", "Sasieni, PD"]
    assert record["year"] == "2015"
    assert record["journal"] == "Br J Cancer"  # only titles/secondary-title in this record
    assert record["volume"] == "112"
    assert record["issue"] == "5"
    assert record["pages"] == "943-947"
    assert record["doi"] == "10.1038/bjc.2014.606"
    # EndNote's one <isbn> field holds the ISSNs here, separated by &#xD;.
    assert record["issn"] == ["1532-1827", "0007-0920"]
    assert record["isbn"] == []
    assert record["abstract"] == "test abstract"
    assert record["publication_type"] == ["Journal Article"]
    assert record["keywords"][:3] == ["Age Factors", "Aged", "Aged, 80 and over"]
    assert len(record["keywords"]) == 13
    assert record["url"] == ["http://www.ncbi.nlm.nih.gov/pubmed/25647015"]
    assert record["source_id"] == "25647015"
    raw = record["raw"]
    # Repeated elements are all kept, in order, with their path inside <record>.
    assert [value for tag, value in raw if tag == "contributors/authors/author"] == [
        "Ahmad, AS",
        "Ormiston-Smith, N",
        "Sasieni, PD",
    ]
    assert ("ref-type@name", "Journal Article") in raw
    assert ("ref-type", "17") in raw
    assert ("isbn", "1532-1827 (Electronic)\n0007-0920 (Linking)") in raw
    # The local PDF link is kept in the raw tags but is not a web link.
    assert any(tag == "urls/pdf-urls/url" and value.startswith("file://") for tag, value in raw)


def test_pretty_printed_lines_and_multi_style_title() -> None:
    parsed = read_export(DATA / "EndnoteXmlImporterTestLabelAndMultiTitle.xml")
    assert [record["line"] for record in parsed.records] == [4, 89, 174]
    first, book, skua = parsed.records
    assert first["source_id"] == "ISI:000200148800007"
    assert first["journal"] == "Ecology"
    assert first["language"] == "en"
    assert first["issn"] == ["0012-9658"]
    assert book["publication_type"] == ["Book"]
    # Three <style> runs (normal, italic, normal) make one title.
    assert skua["title"] == (
        "A demographic study of the south polar skua Catharacta maccormicki at Cape Crozier"
    )
    # No accession number: the EndNote record number is the id.
    assert skua["source_id"] == "650"
    assert ("label", "B4") in skua["raw"]
    # <database> text and its name attribute differ in this file: both are kept.
    assert ("database", "test.enl") in skua["raw"]
    assert ("database@name", "birdsurvival-Converted.enl") in skua["raw"]


def test_single_line_export() -> None:
    lines = _lines("copper_first3.xml")
    assert len(lines) == 1
    # Every record starts on line 1: starts() lists it once per <record> tag.
    assert endnote_xml.starts(lines) == [1, 1, 1]
    parsed = read_export(DATA / "copper_first3.xml")
    assert len(parsed.records) == 3
    embase, pubmed, third = parsed.records
    assert embase["title"] == (
        "Zinc, copper, CD4 T-cell count and some hematological parameters of "
        "HIV-infected subjects in Southern Nigeria"
    )
    assert embase["authors"][:2] == ["Asemota, E. A.", "Okafor, I. M."]
    assert embase["journal"] == "Integrative Medicine Research"
    assert embase["doi"] == "10.1016/j.imr.2018.01.008"
    assert embase["publication_type"] == ["Journal Article", "Article"]  # ref-type, work-type
    assert embase["source_id"] == "258"  # rec-number: no accession-num in this record
    assert embase["abstract"].startswith("Background: Low concentration of trace elements")
    assert pubmed["source_id"] == "29629291"
    assert pubmed["journal"] == "Integr Med Res"
    assert third["year"] == "2013"
    assert third["pages"] == "150-153"
    assert third["language"] == "en"
    assert ("dates/pub-dates/date", "Apr") in third["raw"]


def test_single_and_multi_line_give_the_same_tags() -> None:
    text = (DATA / "copper_first3.xml").read_text(encoding="utf-8")
    one_line = list(endnote_xml.parse(split_lines(text), Notes("a")))
    spread = split_lines(text.replace("><", ">\n<"))
    many_lines = list(endnote_xml.parse(spread, Notes("b")))
    assert [r.tags for r in one_line] == [r.tags for r in many_lines]
    assert [r.line for r in many_lines] == endnote_xml.starts(spread)


def test_not_claimed_by_endnote_xml() -> None:
    assert not endnote_xml.sniff(["TY  - JOUR", "TI  - <xml> in a title", "ER  - "])
    assert not endnote_xml.sniff(['<?xml version="1.0"?>', "<PubmedArticleSet>", "<PubmedArticle>"])


def test_truncated_file_names_the_open_record(tmp_path: Path) -> None:
    text = (DATA / "EndnoteXmlImporterTestLabelAndMultiTitle.xml").read_text(encoding="utf-8")
    cut = "\n".join(text.splitlines()[:120])  # inside the second record (lines 89-173)
    path = tmp_path / "cut.xml"
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_export(path)
    assert caught.value.line == 120
    assert "record that starts on line 89" in caught.value.message


def test_truncated_single_line_file(tmp_path: Path) -> None:
    data = (DATA / "copper_first3.xml").read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as caught:
        read_export(path)
    assert caught.value.line == 1
    assert "truncated" in caught.value.message


def test_broken_markup_is_an_error_with_its_line(tmp_path: Path) -> None:
    text = (DATA / "EndnoteXmlImporterTestArticle.xml").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert "</style>" in lines[31]
    lines[31] = lines[31].replace("</style>", "</styl>")
    path = tmp_path / "bad.xml"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_export(path)
    assert caught.value.line == 32
    assert "not well-formed" in caught.value.message


def test_dtd_and_entities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dtd.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY big "lots">]>\n'
        "<xml><records><record><titles><title>&big;</title></titles></record></records></xml>\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_export(path)
    assert caught.value.line == 2
    assert "DTD" in caught.value.message


def test_leading_blank_lines_and_empty_elements(tmp_path: Path) -> None:
    path = tmp_path / "blank.xml"
    path.write_text(
        '\n\n<?xml version="1.0" encoding="UTF-8"?>\n<xml><records>\n'
        "<record><ref-type name=\"Book\">6</ref-type><keywords><keyword/></keywords>"
        "<titles><title>A &amp; B</title></titles><urls/></record>\n"
        "<record><titles><title>Second</title></titles></record>\n"
        "</records></xml>\n",
        encoding="utf-8",
    )
    parsed = read_export(path)
    assert [r["line"] for r in parsed.records] == [5, 6]
    assert parsed.records[0]["title"] == "A & B"
    assert parsed.records[0]["keywords"] == []
    assert parsed.records[0]["raw"] == [
        ("ref-type", "6"),
        ("ref-type@name", "Book"),
        ("titles/title", "A & B"),
    ]
