"""PubMed XML (PubmedArticleSet), read from real files (tests/data/pubmed_xml, see
SOURCES.md) and, when ../shared/data is present, from every PubMed XML file in
its INDEX."""

from __future__ import annotations

from pathlib import Path

import pytest

from screenrev.errors import InputError
from screenrev.records.formats import Notes, pubmed_xml
from screenrev.records.parse import detect, read_export
from screenrev.records.textio import split_lines

from ..conftest import DATA

XML = DATA / "pubmed_xml"
NBIB = XML / "MedlineImporterTestNbib.xml"
ITALICS = XML / "MedlineImporterTestArticleItalics-norefs.xml"


def _parse(text: str) -> tuple[list, Notes]:
    notes = Notes("inline.xml")
    lines = split_lines(text)
    raws = list(pubmed_xml.parse(lines, notes))
    assert [raw.line for raw in raws] == pubmed_xml.starts(lines)
    return raws, notes


@pytest.mark.parametrize("path", [NBIB, ITALICS], ids=lambda path: path.name)
def test_detected_by_content(path: Path) -> None:
    lines = split_lines(path.read_bytes().decode("utf-8"))
    assert detect(lines, str(path)).NAME == "pubmed_xml"


def test_not_claiming_other_files() -> None:
    assert not pubmed_xml.sniff(["TY  - JOUR", "AB  - about <PubmedArticleSet> files", "ER  - "])
    assert not pubmed_xml.sniff(['<?xml version="1.0"?>', "<xml><records><record>"])


def test_article_and_book_article() -> None:
    parsed = read_export(NBIB)
    assert parsed.format == "pubmed_xml"
    assert parsed.warnings == []
    article, book = parsed.records
    assert (article["line"], book["line"]) == (4, 237)
    assert article["source_id"] == "23633646"
    assert article["title"] == (
        "Predictors of treatment failure, incipient hypothyroidism, and weight gain following "
        "radioiodine therapy for Graves' thyrotoxicosis."
    )
    assert article["abstract"] == "BACKGROUND: Just a dummy text. And another dummy"
    assert article["authors"] == ["Gibb, F W Jr", "Zamm itt, NaN", "Beckett, G", "Strachan, M W J"]
    assert article["year"] == "2013"
    assert article["journal"] == "Journal of endocrinological investigation"
    assert (article["volume"], article["issue"], article["pages"]) == ("36", "9", "764-769")
    assert article["doi"] == "10.3275/8949"
    assert article["issn"] == ["1720-8386", "0391-4097"]
    assert article["language"] == "en"
    assert article["publication_type"] == ["Journal Article"]
    # MeSH headings written as MEDLINE's MH lines are, then author keywords.
    assert article["keywords"][:2] == ["Female", "Graves Disease/*radiotherapy"]
    assert "Iodine Radioisotopes/adverse effects/*therapeutic use" in article["keywords"]
    assert article["keywords"][-2:] == ["keyword", "another keyword"]
    assert article["url"] == ["https://pubmed.ncbi.nlm.nih.gov/23633646/"]

    assert book["source_id"] == "21413195"
    assert book["title"] == (
        "Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults"
    )
    assert book["authors"] == ["National Collaborating Centre for Chronic Conditions (UK)"]
    assert book["year"] == "2009"
    assert book["isbn"] == ["9781860163593"]
    assert book["publication_type"] == ["Review", "Practice Guideline"]
    assert book["abstract"] == "just a dummy."


def test_raw_tags_are_paths_with_attributes_and_sibling_indexes() -> None:
    raw = read_export(NBIB).raws[0]
    assert raw.tags[:6] == [
        ("MedlineCitation/@Owner", "NLM"),
        ("MedlineCitation/@Status", "MEDLINE"),
        ("MedlineCitation/@VersionDate", "Date"),
        ("MedlineCitation/@VersionID", "5"),
        ("MedlineCitation/PMID/@Version", "1"),
        ("MedlineCitation/PMID", "23633646"),
    ]
    tags = dict(raw.tags)
    assert tags["MedlineCitation/Article/ELocationID[1]/@EIdType"] == "doi"
    assert tags["MedlineCitation/Article/ELocationID[1]"] == "10.3275/8949"
    assert tags["MedlineCitation/Article/AuthorList/Author[2]/LastName"] == "Zamm itt"
    assert tags["MedlineCitation/Article/Abstract/AbstractText[1]/@Label"] == "BACKGROUND"
    # Repeated elements all kept: six cited references' PMIDs.
    cited = [v for t, v in raw.tags if t.endswith("/PMID") and "CommentsCorrections" in t]
    assert cited == ["18519880", "18541904", "12044394", "16896111", "2969199", "19175285"]


def test_inline_markup_kept_as_text() -> None:
    parsed = read_export(ITALICS)
    [record] = parsed.records
    assert record["line"] == 2
    assert record["title"] == "Genome-wide significant risk factors on chromosome 19 and the APOE locus."
    assert record["abstract"].startswith("The apolipoprotein E ( APOE) gene on chromosome 19q13.32")
    assert "1.60 x 10 -19)" in record["abstract"]
    assert "APOE-\u01902" in record["abstract"]  # &#x190; resolved
    assert record["authors"][1] == "Hernández, Isabel"
    assert len(record["authors"]) == 24
    assert record["doi"] == "10.18632/oncotarget.25083"
    assert record["pages"] == "24590-24600"
    assert record["source_id"] == "29872490"
    # No pair for the <i> elements themselves.
    assert not any(tag.endswith("/i") for tag, _ in parsed.raws[0].tags)


def test_title_of_only_inline_markup_and_records_on_one_line() -> None:
    raws, notes = _parse(
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
        "<ArticleTitle><i>E. coli</i></ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        "<PubmedArticle><MedlineCitation><PMID>2</PMID></MedlineCitation></PubmedArticle>"
        "<DeleteCitation><PMID>5</PMID></DeleteCitation></PubmedArticleSet>"
    )
    assert [raw.line for raw in raws] == [1, 1]
    assert pubmed_xml.to_fields(raws[0])["title"] == "E. coli"
    assert pubmed_xml.to_fields(raws[1])["source_id"] == "2"
    assert notes.warnings and "DeleteCitation" in notes.warnings[0]


def test_truncated_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    data = NBIB.read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: data.index(b"<PubmedBookArticle>") + 400])
    with pytest.raises(InputError) as caught:
        read_export(cut)
    assert caught.value.line is not None and caught.value.line > 236
    assert "malformed XML" in str(caught.value)


def test_two_documents_joined_is_an_error() -> None:
    data = NBIB.read_bytes()
    with pytest.raises(InputError) as caught:
        read_export("joined.xml", data + data)
    assert caught.value.line == 374
    assert "joined" in str(caught.value)


def test_entity_declarations_are_refused() -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n<!ENTITY lol "lol">\n]>\n'
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1&lol;</PMID>"
        b"</MedlineCitation></PubmedArticle></PubmedArticleSet>\n"
    )
    with pytest.raises(InputError) as caught:
        read_export("entities.xml", data)
    assert caught.value.line == 3
    assert "entities" in str(caught.value)


def test_opening_tag_in_a_comment_is_caught_by_the_count() -> None:
    data = (
        b"<PubmedArticleSet>\n<!-- <PubmedArticle> -->\n<PubmedArticle>\n"
        b"<MedlineCitation><PMID>1</PMID></MedlineCitation></PubmedArticle></PubmedArticleSet>\n"
    )
    with pytest.raises(InputError):
        read_export("comment.xml", data)


def test_empty_set_is_an_error() -> None:
    with pytest.raises(InputError) as caught:
        read_export("empty.xml", b'<?xml version="1.0"?>\n<PubmedArticleSet>\n</PubmedArticleSet>\n')
    assert "no records" in str(caught.value)
