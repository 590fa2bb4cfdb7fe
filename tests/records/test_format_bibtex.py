"""BibTeX: Web of Science, Scopus, EBSCOhost and JabRef files, LaTeX, macros, damage."""

from __future__ import annotations

from pathlib import Path

import pytest

from screenrev.errors import InputError
from screenrev.records.formats import Notes, bibtex
from screenrev.records.parse import detect, read_export
from screenrev.records.textio import split_lines

DATA = Path(__file__).resolve().parents[1] / "data" / "bibtex"
EXPORTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "exports"


def _read(tmp_path: Path, text: str, name: str = "test.bib", **kwargs):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_export(path, **kwargs)


@pytest.mark.parametrize(
    "name",
    ["web_of_science_bib.bib", "scopus_bib.bib", "ebsco_bib.bib", "BibtexImporter.examples.bib"],
)
def test_detected_as_bibtex(name: str) -> None:
    lines = split_lines((DATA / name).read_text(encoding="utf-8-sig"))
    assert detect(lines, name) is bibtex


def test_web_of_science() -> None:
    parsed = read_export(DATA / "web_of_science_bib.bib")
    assert parsed.format == "bibtex"
    proceedings, article = parsed.records
    # The file starts with a BOM and two blank lines.
    assert proceedings["line"] == 3
    assert article["line"] == 28
    assert proceedings["source_id"] == "WOS:000223334444221"  # Unique-ID
    assert proceedings["authors"] == ["Writerone, Julia", "Writertwo, Paul"]
    assert proceedings["journal"] == "A BOOKTITLE"
    assert proceedings["doi"] == "10.1007/999-9-999-99999-9_3"  # "\_" unescaped
    assert proceedings["issn"] == ["0111-9119", "1111-3333"]  # ISSN and EISSN
    assert proceedings["publication_type"] == ["inproceedings"]
    raw = dict(proceedings["raw"])
    assert raw["@key"] == "WOS:000223334444221"  # "{ WOS:…," : the space is not the key
    assert raw["ResearcherID-Numbers"] == (
        "Writerone, Julia/GLU-2222-2022\n   Writertwo, Paul/F-3333-2012\n   "
    )
    assert article["title"] == "A dummy title's"
    assert article["year"] == "2022"
    assert (article["volume"], article["issue"], article["pages"]) == ("22", "3", "111-188")
    assert article["doi"] == "10.1111/artjul.2021.0011"


def test_scopus() -> None:
    parsed = read_export(DATA / "scopus_bib.bib")
    assert len(parsed.records) == 11
    first = parsed.records[0]
    assert first["line"] == 2
    assert first["authors"] == ["Firstwriter, Z.", "Secondwriter, T.", "Thirdwriter, L."]
    assert first["doi"] == "10.1111/88888888.2022.7777777"
    assert first["journal"] == "Public Dummy Review One"
    # The EID comes from the Scopus record link.
    assert first["source_id"] == "11111111111111111111"
    assert first["publication_type"] == ["article", "Article"]
    assert ("note", "cited By 0") in first["raw"]
    review = parsed.records[6]
    assert review["source_id"] == "2-s2.0-85116700878"
    chapter = parsed.records[7]
    assert chapter["publication_type"] == ["book", "Book Chapter"]
    assert chapter["pages"] == "30-64"
    # "language = {undefined}" is no language; the raw tag keeps it.
    tenth = parsed.records[9]
    assert tenth["language"] is None
    assert ("language", "undefined") in tenth["raw"]
    # A key with a space in it (anonymised file) is still read up to the comma.
    assert ("@key", "Conference paper2022775") in tenth["raw"]


def test_ebsco_unbalanced_braces_read_line_by_line() -> None:
    parsed = read_export(DATA / "ebsco_bib.bib")
    first, damaged = parsed.records
    assert first["title"] == "Paper title."
    assert first["authors"] == ["Smith, Tom", "Steward, Hugo"]
    assert first["pages"] == "1-10"
    assert first["issn"] == ["1234-5678"]
    assert first["keywords"] == ["Keyword 1", "keyword 2"]
    assert first["source_id"] == "11111111111111111"  # the key, which is EBSCO's AN
    # The second entry's Keywords hold scraped page text with unbalanced braces: by
    # brace counting the entry would end inside Keywords and lose the Title.
    assert damaged["line"] == 15
    assert damaged["title"] == "When sharing fixes prices."
    assert damaged["authors"] == ["Tom Cruise"]
    assert [tag for tag, _ in damaged["raw"]] == [
        "@type", "@key", "Abstract", "Author", "Journal", "Keywords", "Title",
    ]
    assert any("line 15" in warning and "line by line" in warning for warning in parsed.warnings)


def test_jabref_examples_latex_sets_and_macros() -> None:
    parsed = read_export(DATA / "BibtexImporter.examples.bib")
    book, set1, set2, article = parsed.records
    assert [r["line"] for r in parsed.records] == [1, 14, 22, 31]
    assert book["authors"] == ["Preißel, René"]
    assert book["isbn"] == ["9783864903113"]
    assert book["url"] == ["http://d-nb.info/107601965X"]
    assert book["publication_type"] == ["book"]
    assert set1["publication_type"] == ["set"]
    assert ("entryset", "herrmann,aksin,yoon") in set1["raw"]
    assert article["authors"] == [
        "Aksın, Özge",
        "Türkmen, Hayati",
        "Artok, Levent",
        "Çetinkaya, Bekir",
        "Ni, Chaoying",
        "Büyükgüngör, Orhan",
        "Özkal, Erhan",
    ]
    assert article["title"] == (
        "Effect of immobilization on catalytic characteristics of saturated "
        "Pd-N-heterocyclic carbenes in Mizoroki-Heck reactions"
    )
    # biblatex "date", bare numbers, and an undefined @string macro kept by name.
    assert (article["year"], article["volume"], article["issue"]) == ("2006", "691", "13")
    assert article["journal"] == "jomch"
    assert any("'jomch' is not defined" in warning for warning in parsed.warnings)
    # The raw tags keep the LaTeX as written.
    assert dict(article["raw"])["author"].startswith("Aks{\\i}n, {\\\"O}zge and")


def test_utf16_with_bom_and_windows_1252(tmp_path: Path) -> None:
    text = (DATA / "web_of_science_bib.bib").read_text(encoding="utf-8-sig")
    path = tmp_path / "utf16.bib"
    path.write_bytes(("\ufeff% Encoding: UTF-16LE\n" + text).encode("utf-16-le"))
    parsed = read_export(path)
    assert [r["source_id"] for r in parsed.records] == [
        "WOS:000223334444221",
        "WOS:000444488888888",
    ]
    path = tmp_path / "cp1252.bib"
    path.write_bytes(b"% Encoding: windows-1252\n\n@Article{,\n  abstract = {25\xb0 C},\n}\n")
    parsed = read_export(path)
    assert parsed.records[0]["abstract"] == "25° C"
    assert parsed.records[0]["source_id"] is None  # empty key
    assert parsed.records[0]["line"] == 3


def test_strings_comments_preamble_and_value_forms(tmp_path: Path) -> None:
    parsed = _read(
        tmp_path,
        "% a comment line\n"
        '@preamble{ "\\newcommand{\\noopsort}[1]{}" }\n'
        "@STRING{jn = {Journal of } # \"Things\"}\n"
        "@comment{jabref-meta: databaseType:bibtex;}\n"
        "@Article{ key1 ,\n"
        '  title = "The {\\"U}ber {DNA} \\& {\\textit{in vivo}} -- study",\n'
        "  journal = jn # { Weekly},\n"
        "  year = 2001, month = aug,\n"
        "  author = {van der Berg, Jan and {Barnes and Noble} and others},\n"
        "  keywords = {a, b; c},\n"
        "  pages = {10--20},\n"
        "  eprint = {2101.00001}, archiveprefix = {arXiv},\n"
        "}\n"
        "@misc(key2, title = {Paren (delimited)})\n",
    )
    first, second = parsed.records
    assert [first["line"], second["line"]] == [5, 14]
    assert first["title"] == "The Über DNA & in vivo – study"
    assert first["journal"] == "Journal of Things Weekly"
    assert first["authors"] == ["van der Berg, Jan", "Barnes and Noble"]
    assert first["keywords"] == ["a, b", "c"]  # ";" present: it is the separator
    assert first["pages"] == "10-20"
    assert first["source_id"] == "arXiv:2101.00001"
    assert ("month", "August") in first["raw"]
    assert ("@key", "key1") in first["raw"]
    assert second["title"] == "Paren (delimited)"
    assert second["source_id"] == "key2"
    assert parsed.warnings == []


def test_latex_conversion() -> None:
    latex = bibtex.latex
    assert latex("Fran{\\c c}ois G\\\"odel \\v{C}apek Ni\\~{n}o") == "François Gödel Čapek Niño"
    assert latex("{\\'\\i}ndice Stra\\ss e R{\\o}mer") == "índice Straße Rømer"
    assert latex("\\L{}\\\"od\\'z") == "Łödź"
    assert latex("50\\% \\$5 \\{x\\} $\\alpha$-helix a---b") == "50% $5 {x} α-helix a—b"
    assert latex("{\\textless}5 \\emph{x} \\unknown{y} \\foo") == "<5 x y \\foo"


def test_unterminated_entry_names_its_start(tmp_path: Path) -> None:
    text = (DATA / "scopus_bib.bib").read_text(encoding="utf-8")
    cut = text[: text.index("Article classified as document_type Editorial")]
    with pytest.raises(InputError) as caught:
        _read(tmp_path, cut)
    assert caught.value.line == 43
    assert "ends inside this @article entry" in caught.value.message


def test_entry_closed_early_is_a_risk(tmp_path: Path) -> None:
    text = "@article{a,\n title = {T}},\n year = {2000},\n}\n@article{b, title = {U}}\n"
    with pytest.raises(InputError) as caught:
        _read(tmp_path, text)
    assert "line 3" in caught.value.message
    parsed = _read(tmp_path, text, accept_risks=True)
    assert [r["title"] for r in parsed.records] == ["T", "U"]


def test_entries_that_cannot_be_counted_are_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        _read(tmp_path, "@article{a, title = {T}}\n@article{b, title={U}} @article{c, title={V}}\n")
    assert caught.value.line == 2
    with pytest.raises(InputError) as caught:
        _read(tmp_path, "@article{a, title = {T}}\n@article\n{b, title={U}}\n")
    assert caught.value.line == 2


def test_starts_is_independent_of_the_parser() -> None:
    lines = ["@String{x = {y}}", "  @ARTICLE {a,", "}", "@comment{z}", "@Preamble{p}"]
    lines.append("\ufeff@book(b,")
    assert bibtex.starts(lines) == [2, 6]
    text = (DATA / "scopus_bib.bib").read_text(encoding="utf-8")
    lines = split_lines(text)
    assert [r.line for r in bibtex.parse(lines, Notes("x"))] == bibtex.starts(lines)


def test_not_claimed_by_bibtex() -> None:
    assert not bibtex.sniff(["TY  - JOUR", "AB  - see", "@WHO (2019, WHO) said", "ER  - "])
    assert bibtex.sniff(["@dataset{key,", "  title = {x}", "}"])
