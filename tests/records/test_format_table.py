"""CSV/TSV spreadsheet exports, read from real files (tests/data/table, see SOURCES.md)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from screenrev.errors import InputError, UnknownFormatError
from screenrev.records.formats import Notes, table
from screenrev.records.parse import detect, read_export
from screenrev.records.textio import decode, split_lines

from ..conftest import DATA

TABLE = DATA / "table"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
EXPORTS = SHARED / "exports"


def _lines(path: Path) -> list[str]:
    return split_lines(decode(path.read_bytes(), str(path)).text)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# --- real exports ------------------------------------------------------------------------


def test_embase_csv_multiline_cells_and_source_citation() -> None:
    parsed = read_export(TABLE / "embase_newpage.csv")
    assert parsed.format == "table"
    assert len(parsed.records) == 6
    # Each abstract starts with "TEST", a blank line, then the text: one cell over three lines.
    assert [r["line"] for r in parsed.records] == [2, 5, 8, 11, 14, 17]
    first = parsed.records[0]
    assert first["title"] == "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    assert first["authors"] == ["Liu R.", "Adler D.G."]
    assert first["abstract"].startswith("TEST Gastrointestinal tract duplication cysts are rare")
    raw = dict(first["raw"])
    assert raw["Abstract"].startswith("TEST\n\nGastrointestinal")
    # Embase's "Source" cell is a citation: journal (year) volume:issue (pages).
    assert first["journal"] == "Endoscopic Ultrasound"
    assert (first["year"], first["volume"], first["issue"], first["pages"]) == ("2014", "3", "3", "152-160")
    # The DOI only appears inside the OpenURL link.
    assert first["doi"] == "10.4103/2303-9027.138783"
    # Emtree terms are separated by commas, but not those inside parentheses.
    assert "bronchogenic duplication cyst (diagnosis, surgery)" in first["keywords"]
    assert "endoscopic ultrasonography" in first["keywords"]


def test_embase1_pui_and_source_title() -> None:
    parsed = read_export(TABLE / "Embase1_first8.csv")
    assert len(parsed.records) == 8
    first = parsed.records[0]
    assert first["authors"][:2] == ["Martínez-de la Puente J.", "Gutiérrez-López R."]
    assert len(first["authors"]) == 6
    assert first["journal"] == "Frontiers in Microbiology"
    assert first["year"] == "2020"
    assert first["volume"] == "11"
    assert first["doi"] == "10.3389/fmicb.2020.562220"
    assert first["source_id"] == "L633990898"
    assert first["publication_type"] == ["Article"]
    assert first["keywords"][:3] == ["Culex pipiens", "ecology-diseases", "malaria"]
    assert first["extra"] == {"Embase Accession ID": "", "Medline PMID": "", "PUI": "L633990898"}


def test_scopus_old_generation_quoted_when_needed() -> None:
    parsed = read_export(TABLE / "Scopus1_first5.csv")
    assert len(parsed.records) == 5
    first = parsed.records[0]
    assert first["title"].startswith("Modelling the trends of inpatient and outpatient rehabilitation")
    # Old Scopus "Authors": names separated by ", " after the initials.
    assert first["authors"] == ["Mushanyu J.", "Nyabadza F.", "Stewart A.G.R."]
    assert first["year"] == "2015"
    assert first["journal"] == "BMC Research Notes"
    assert (first["volume"], first["issue"]) == ("8", "1")
    assert first["doi"] == "10.1186/s13104-015-1741-4"
    assert first["source_id"] == "2-s2.0-84950252162"
    assert first["abstract"].startswith("Background: Dependence on methamphetamine")
    assert "Methamphetamine" in first["keywords"] and "methamphetamine" in first["keywords"]
    assert first["extra"] == {"EID": "2-s2.0-84950252162"}
    # Every cell is kept, empty ones too, in column order.
    assert [name for name, _ in first["raw"]][:3] == ["Authors", "Author(s) ID", "Title"]
    assert len(first["raw"]) == 24


def test_scopus_funding_text_cells_beyond_the_header_are_realigned() -> None:
    parsed = read_export(TABLE / "scopus_litstudy_rows_1_9_21.csv")
    assert parsed.encoding == "utf-8 with BOM"
    assert len(parsed.records) == 3
    assert any("Funding Text" in w for w in parsed.warnings)
    first, second, third = parsed.records
    assert first["title"] == "Scalable molecular dynamics with NAMD"
    assert first["authors"][0] == "Phillips J.C." and first["authors"][-1] == "Schulten K."
    assert first["pages"] == "1781-1802"
    assert first["issn"] == ["0192-8651"]
    assert first["language"] == "en"
    assert first["source_id"] == "2-s2.0-27344436659"
    assert len(first["raw"]) == 45
    # Rows 2 and 3 have one more cell: Funding Text 2, right after Funding Text 1.
    names = [name for name, _ in second["raw"]]
    assert len(names) == 46
    assert names[names.index("Funding Text 1") + 1] == "Funding Text 2"
    assert dict(second["raw"])["Document Type"] == "Conference Review"
    assert second["extra"] == {"PubMed ID": "", "EID": "2-s2.0-85080066604"}
    assert second["authors"] == []  # "[No author name available]"
    assert third["authors"] == ["Del Cerro L.F.", "Inoue K."]
    assert third["isbn"] == ["9781119005223", "9781848216808"]
    assert third["publication_type"] == ["Book"]


def test_screening_set_keeps_ids_and_labels_in_extra() -> None:
    parsed = read_export(TABLE / "nagtegaal_2019_first22.csv")
    assert len(parsed.records) == 22
    first = parsed.records[0]
    assert first["title"].startswith("A prospective, controlled trial of a pharmacy-driven alert system")
    assert first["abstract"].startswith("Although venous thromboembolism is an important cause")
    assert first["source_id"] == "1"
    assert first["extra"] == {
        "record_id": "1",
        "label_included": "0",
        "label_abstract_screening": "1",
        "duplicate_record_id": "",
    }
    assert [name for name, _ in first["raw"]] == [
        "record_id", "title", "abstract", "label_included", "label_abstract_screening",
        "duplicate_record_id",
    ]
    assert all(r["extra"]["duplicate_record_id"] in ("",) or r["extra"]["duplicate_record_id"].isdigit()
               for r in parsed.records)
    assert not any("nan" in r["extra"].values() for r in parsed.records)


def test_pubmed_csv_with_bom_and_crlf() -> None:
    parsed = read_export(TABLE / "pubmed_csv.csv")
    assert parsed.encoding == "utf-8 with BOM"
    (record,) = parsed.records
    assert record["title"] == "Paper title"
    assert record["authors"] == ["Smith A", "Walter B"]
    assert record["journal"] == "Nature"
    assert record["year"] == "2021"
    # Volume, issue and pages only exist inside PubMed's "Citation" cell.
    assert (record["volume"], record["issue"], record["pages"]) == ("1", "2", "10-11")
    assert record["doi"] == "10.1111/nature1111"
    assert record["source_id"] == "11223344"
    assert record["extra"] == {"PMID": "11223344", "PMCID": "PMC1122334"}


def test_springer_authors_written_without_separator() -> None:
    parsed = read_export(TABLE / "springer.csv")
    assert len(parsed.records) == 18
    first, second = parsed.records[:2]
    assert first["authors"] == ["Araz R. Aliev", "Nigar T. Ismayilova"]
    assert first["publication_type"] == ["Chapter"]
    assert first["doi"] == "10.1007/978-3-030-92127-9_33"
    assert second["authors"][:2] == ["Prof. Rafik A. Aliev", "Prof. Dr. Janusz Kacprzyk"]
    assert len(second["authors"]) == 6


def test_ieee_comma_separated_full_names() -> None:
    parsed = read_export(TABLE / "ieee_csv.csv")
    assert len(parsed.records) == 2
    first = parsed.records[0]
    assert first["authors"] == ["Joseph Rottman", "Erran Carmel", "Mary Lacity"]
    assert first["journal"] == "Computer"
    assert first["publication_type"] == ["Magazine"]
    assert first["doi"] == "10.1109/mc.2011.377"


@pytest.mark.parametrize("name", sorted(p.name for p in TABLE.iterdir()))
def test_detected_and_counted_independently(name: str) -> None:
    lines = _lines(TABLE / name)
    assert detect(lines, name) is table
    records = list(table.parse(lines, Notes(name)))
    assert [r.line for r in records] == table.starts(lines)


# --- dialects built in the test ----------------------------------------------------------

SCOPUS_NEW = (
    '"Authors","Author full names","Author(s) ID","Title","Year","Source title","Volume",'
    '"Issue","Art. No.","Page start","Page end","DOI","Abstract","Author Keywords",'
    '"Language of Original Document","Document Type","Source","EID"\n'
    '"Doe J.; Roe R.A.","Doe, Jane (57000000001); Roe, Richard A. (57000000002)",'
    '"57000000001; 57000000002","A made-up title, with a comma",2024,"Journal of Tests","12",'
    '"3","","101","110","10.1000/test.1","An abstract\nover two lines.","alpha; beta",'
    '"English","Article","Scopus","2-s2.0-85000000001"\n'
)


def test_scopus_new_generation_prefers_full_names(tmp_path: Path) -> None:
    (record,) = read_export(_write(tmp_path, "scopus_new.csv", SCOPUS_NEW)).records
    assert record["authors"] == ["Doe, Jane", "Roe, Richard A."]
    assert record["title"] == "A made-up title, with a comma"
    assert record["journal"] == "Journal of Tests"  # not "Scopus", the database in "Source"
    assert record["pages"] == "101-110"
    assert record["abstract"] == "An abstract over two lines."
    assert record["keywords"] == ["alpha", "beta"]
    assert record["language"] == "en"
    assert record["source_id"] == "2-s2.0-85000000001"


WOS_HEADER = "PT\tAU\tAF\tTI\tSO\tLA\tDT\tDE\tID\tAB\tSN\tEI\tPY\tVL\tIS\tBP\tEP\tDI\tSP\tUT"


def test_wos_tab_delimited_without_quoting_and_trailing_tab(tmp_path: Path) -> None:
    rows = [
        "J\tKanjo, E; Younis, EMG\tKanjo, Eiman; Younis, Eman M. G.\t\"Smart\" sensing of emotion"
        "\tINFORMATION FUSION\tEnglish\tArticle\tAffective computing; Machine learning"
        "\tAIR-POLLUTION; NOISE EXPOSURE\tAn abstract.\t1566-2535\t1872-6305\t2018\t40\t\t18\t31"
        "\t10.1016/j.inffus.2017.05.005\tSome sponsor\tWOS:000413059200002\t",
        "J\tDoe, J\tDoe, Jane\tA second \"record\tNATURE\tEnglish\tArticle\t\t\t\t0028-0836\t\t2020"
        "\t1\t2\t3\t4\t\t\tWOS:000000000000001\t",
    ]
    path = _write(tmp_path, "savedrecs.txt", WOS_HEADER + "\n" + "\n".join(rows) + "\n")
    parsed = read_export(path)
    assert parsed.format == "table"
    assert [r["line"] for r in parsed.records] == [2, 3]
    first, second = parsed.records
    assert first["title"] == '"Smart" sensing of emotion'
    assert first["authors"] == ["Kanjo, Eiman", "Younis, Eman M. G."]
    assert first["journal"] == "INFORMATION FUSION"
    assert first["keywords"] == ["Affective computing", "Machine learning", "AIR-POLLUTION", "NOISE EXPOSURE"]
    assert first["pages"] == "18-31"  # BP/EP, not SP (conference sponsors in WoS)
    assert first["issn"] == ["1566-2535", "1872-6305"]
    assert first["source_id"] == "WOS:000413059200002"
    assert first["extra"] == {"UT": "WOS:000413059200002"}
    assert second["title"] == 'A second "record'
    assert not parsed.warnings  # the trailing tab is part of the format


def test_semicolon_delimited_with_blank_lines(tmp_path: Path) -> None:
    text = (
        'Title;Authors;Year;Included\r\n\r\nFirst;"Smith, J; Doe, K";2001;yes\r\n\r\n'
        '"Second; with semicolon";;2002;no\r\n'
    )
    parsed = read_export(_write(tmp_path, "semi.csv", text))
    assert [r["line"] for r in parsed.records] == [3, 5]
    assert parsed.records[0]["authors"] == ["Smith, J", "Doe, K"]
    assert parsed.records[1]["title"] == "Second; with semicolon"
    assert parsed.records[1]["extra"] == {"Included": "no"}


def test_quotes_that_open_only_at_a_cell_start(tmp_path: Path) -> None:
    # A quote inside an unquoted cell is text; a doubled quote at a line end stays inside.
    text = (
        'title,abstract,label\n'
        'an "exact" title,plain,1\n'
        '"ends with quote ""\nand goes on",x,0\n'
        '"""quoted"" start",y,1\n'
    )
    path = _write(tmp_path, "q.csv", text)
    lines = _lines(path)
    assert table.starts(lines) == [2, 3, 5]
    parsed = read_export(path)
    assert [r["line"] for r in parsed.records] == [2, 3, 5]
    assert parsed.records[0]["title"] == 'an "exact" title'
    assert dict(parsed.records[1]["raw"])["title"] == 'ends with quote "\nand goes on'
    assert parsed.records[2]["title"] == '"quoted" start'


# --- broken input ------------------------------------------------------------------------


def test_truncated_inside_a_quoted_cell_names_the_row(tmp_path: Path) -> None:
    data = (TABLE / "embase_newpage.csv").read_text(encoding="utf-8")
    cut = data.index("BACKGROUND. The management of foregut duplication cysts")
    path = _write(tmp_path, "truncated.csv", data[:cut])
    with pytest.raises(InputError) as caught:
        read_export(path)
    assert caught.value.line == 5
    assert "never closed" in str(caught.value)


def test_row_with_more_cells_than_the_header(tmp_path: Path) -> None:
    text = "title,abstract\nfirst,one\nsecond, with a comma,two\nthird,three\n"
    with pytest.raises(InputError) as caught:
        read_export(_write(tmp_path, "wide.csv", text))
    assert caught.value.line == 3
    assert "3 cells but the header has 2" in str(caught.value)


def test_stray_quote_that_swallows_rows_is_an_error(tmp_path: Path) -> None:
    text = 'title,abstract\n"first,one\nsecond,two\nthird,"three\n'
    with pytest.raises(InputError) as caught:
        read_export(_write(tmp_path, "stray.csv", text))
    assert caught.value.line == 2


def test_short_rows_are_padded_with_a_warning(tmp_path: Path) -> None:
    text = "title,year,label\nfirst,2001\nsecond,2002,1\n"
    parsed = read_export(_write(tmp_path, "short.csv", text))
    assert parsed.records[0]["extra"] == {"label": ""}
    assert parsed.records[0]["year"] == "2001"
    assert any("fewer cells" in w for w in parsed.warnings)


def test_short_last_row_is_a_risk(tmp_path: Path) -> None:
    text = "title,year,label\nfirst,2001,0\nsecond,20"
    path = _write(tmp_path, "cut.csv", text)
    with pytest.raises(InputError, match="truncated"):
        read_export(path)
    parsed = read_export(path, accept_risks=True)
    assert len(parsed.records) == 2
    assert parsed.records[1]["extra"] == {"label": ""}


def test_trailing_empty_cells_are_dropped(tmp_path: Path) -> None:
    text = "title,year\nfirst,2001,,\nsecond,2002\n"
    parsed = read_export(_write(tmp_path, "trailing.csv", text))
    assert len(parsed.records) == 2
    assert len(parsed.records[0]["raw"]) == 2
    assert any("beyond the header" in w for w in parsed.warnings)


def test_header_only_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no records"):
        read_export(_write(tmp_path, "empty.csv", "Title,Authors,Year\n"))


def test_sniff_needs_a_title_column_and_rejects_prose() -> None:
    assert table.sniff(["record_id,title,abstract,label_included"])
    assert table.sniff(["Title\tAuthors"])
    assert not table.sniff(["merged_ids"])
    assert not table.sniff(["id,name,value"])
    assert not table.sniff(["Title, abstract and keywords were screened by two reviewers."])
    assert not table.sniff(["TY  - JOUR", "TI  - A title", "ER  - "])


# --- real data outside the repository (skipped without ../shared) ------------------------


def _shared_tables() -> list:
    folders = [SHARED / "screening", SHARED / "dedup"]
    if not all(folder.is_dir() for folder in folders):
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared/data is not present"))]
    paths = sorted(path for folder in folders for path in folder.rglob("*.csv"))
    return [pytest.param(path, id=str(path.relative_to(SHARED))) for path in paths]


_ID_OR_LABEL = re.compile(r"^(label|record_?id$|id$|pubmed_?id$)|duplicate", re.IGNORECASE)


@pytest.mark.shared
@pytest.mark.parametrize("path", _shared_tables())
def test_screening_and_dedup_tables(path: Path) -> None:
    data = path.read_bytes()
    encoding = None
    try:
        parsed = read_export(path)
    except UnknownFormatError:
        # Ground-truth files (merged_record_ids.csv: one "merged_ids" column) hold no records.
        header = data.decode("utf-8-sig").splitlines()[0]
        assert not any(table._fold(cell) in table._TITLE_NAMES for cell in header.split(","))
        return
    except InputError as error:
        # Kitchenham (FASTREAD) mixes Windows-1252 and CP437 bytes: not decodable unaided.
        assert "decoded" in str(error) or "UTF-8" in str(error)
        encoding = "latin-1"
        parsed = read_export(path, encoding=encoding)
    text = data.decode(encoding or "utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(parsed.records) == len(rows) - 1
    header = rows[0]
    wanted = [name for name in header if _ID_OR_LABEL.search(name.strip())]
    if path.parent.name == "kitchenham_2010_fastread":
        wanted += ["abs"]
    for record, row in zip(parsed.records[:50], rows[1:51]):
        for name in wanted:
            assert record["extra"][name] == row[header.index(name)]
