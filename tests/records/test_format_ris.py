"""RIS in the vendors' dialects, read from real exports (tests/data/ris, see SOURCES.md)."""

from pathlib import Path

import pytest

from screenrev.errors import InputError
from screenrev.records.formats import ris
from screenrev.records.parse import read_export
from screenrev.records.textio import split_lines

from ..conftest import DATA

RIS = DATA / "ris"


def test_embase_record_maps_vendor_tags_and_keeps_repeats() -> None:
    parsed = read_export(RIS / "embase.ris")
    assert parsed.format == "ris"
    assert parsed.encoding == "utf-8 with BOM"
    assert len(parsed.records) == 6
    first = parsed.records[0]
    assert first["title"] == "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    assert first["authors"] == ["Liu R.", "Adler D.G."]
    assert first["year"] == "2014"
    assert first["journal"] == "Endoscopic Ultrasound"
    assert first["pages"] == "152-160"
    assert first["doi"] == "10.4103/2303-9027.138783"
    assert first["issn"] == ["2226-7190"]
    assert first["language"] == "en"
    assert first["source_id"] == "L373791783"
    assert first["abstract"].startswith("Gastrointestinal tract duplication cysts are rare")
    # The raw tags keep every repeat: two SN lines, and both databases where Embase lists two.
    assert [v for t, v in first["raw"] if t == "SN"] == ["2226-7190", "2226-7190"]
    databases = [[v for t, v in r["raw"] if t == "DB"] for r in parsed.records]
    assert ["Embase", "Medline"] in databases


def test_bom_does_not_cost_the_first_record() -> None:
    parsed = read_export(RIS / "example_bom.ris")
    assert len(parsed.records) == 1
    assert parsed.records[0]["doi"] == "10.1186/s40981-020-0316-0"


def test_header_lines_before_each_record_are_skipped() -> None:
    parsed = read_export(RIS / "example_extraneous_data.ris")
    assert [r["title"] for r in parsed.records] == ["Title of reference", "The title of the reference"]
    assert parsed.records[0]["authors"] == ["Marx, Karl", "Lindgren, Astrid"]
    assert parsed.records[0]["pages"] == "e0815"


def test_continuation_lines_join_the_value() -> None:
    parsed = read_export(RIS / "example_multiline.ris")
    assert parsed.records[0]["abstract"] == "first line, ER then second line and at the end the last line"


def test_records_without_er_are_closed_by_the_next_ty() -> None:
    parsed = read_export(RIS / "RisImporterTest1.ris")
    assert len(parsed.records) == 11
    assert any("without an ER line" in w for w in parsed.warnings)


def test_psycnet_doi_in_m3_is_not_a_publication_type() -> None:
    record = read_export(RIS / "psycinfo_ris.ris").records[0]
    assert record["doi"] == "10.1011/hea0004444"
    assert record["publication_type"] == ["JOUR"]
    assert record["source_id"] == "2020-55555-005"


def test_wos_ris_accession_and_both_issns() -> None:
    record = read_export(RIS / "web_of_science.txt").records[0]
    assert record["source_id"] == "WOS:000444108200009"
    assert record["issn"] == ["2211-3681", "2211-369X"]
    assert record["keywords"][:2] == ["Police custody", "Interview"]


def test_proquest_full_record() -> None:
    record = read_export(RIS / "proquest.ris").records[0]
    assert record["authors"][0] == "Jones, Hannah"
    assert record["journal"] == "Journal of Traumatic Stress"
    assert record["doi"] == "10.1002/jts.22387"


def test_cochrane_style_separator_with_two_spaces() -> None:
    text = "Record #1 of 1\nProvider: x\n\nTY  -  JOUR\nAN  -  CN-01\nT1  -  A trial\nER  -  \n"
    lines = split_lines(text)
    assert ris.starts(lines) == [4]
    parsed = read_export("c.ris", text.encode())
    assert parsed.records[0]["title"] == "A trial"
    assert parsed.records[0]["source_id"] == "CN-01"


def test_truncated_file_needs_acceptance(tmp_path: Path) -> None:
    data = (RIS / "proquest.ris").read_bytes()
    truncated = data[: data.rindex(b"ER  -") - 200]
    with pytest.raises(InputError) as caught:
        read_export(tmp_path / "cut.ris", truncated)
    assert "truncated" in str(caught.value)
    assert "--accept-risks" in str(caught.value)
    accepted = read_export(tmp_path / "cut.ris", truncated, accept_risks=True)
    assert len(accepted.records) == 6
    assert accepted.risks


def test_tag_lines_before_any_record_are_an_error() -> None:
    with pytest.raises(InputError) as caught:
        read_export("x.ris", b"TI  - orphan title\nAU  - Someone\nTY  - JOUR\nTI  - ok\nER  - \n")
    assert caught.value.line == 1
    assert "outside a record" in str(caught.value)


def test_tags_after_er_stay_with_the_record_and_are_reported(tmp_path: Path) -> None:
    # Ovid writes NL after a record's ER line.
    path = tmp_path / "ovid.ris"
    path.write_text("TY  - JOUR\nTI  - First\nER  - \nNL  - 2\n\nTY  - JOUR\nTI  - Second\nER  - \n", encoding="utf-8")
    parsed = read_export(path)
    assert [[tag for tag, _ in raw.tags] for raw in parsed.raws] == [["TY", "TI", "NL"], ["TY", "TI"]]
    assert parsed.warnings == ["line 4: tags after a record's ER line were kept with that record"]


def test_a_tag_repeated_after_er_is_a_record_that_lost_its_ty_line(tmp_path: Path) -> None:
    path = tmp_path / "lost.ris"
    path.write_text("TY  - JOUR\nTI  - First\nER  - \nTI  - Second\nER  - \n", encoding="utf-8")
    with pytest.raises(InputError, match="lost.ris:4: 'TI' line after the end"):
        read_export(path)
