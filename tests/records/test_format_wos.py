"""Web of Science tagged exports, read from real files (tests/data/wos, see
SOURCES.md) and, when ../shared/data is present, from every WoS file in its INDEX."""

from __future__ import annotations

from pathlib import Path

import pytest

from screenrev.errors import InputError
from screenrev.records.formats import Notes, wos
from screenrev.records.parse import detect, read_export
from screenrev.records.textio import split_lines

from ..conftest import DATA

WOS = DATA / "wos"


def _lines(text: str) -> list[str]:
    return split_lines(text)


def test_wos_file_with_ris_extension_is_detected_by_content() -> None:
    lines = split_lines((WOS / "example_wos.ris").read_text(encoding="utf-8"))
    assert detect(lines, "example_wos.ris").NAME == "wos"


def test_wos_core_collection_records() -> None:
    parsed = read_export(WOS / "example_wos.ris")
    assert parsed.format == "wos"
    assert len(parsed.records) == 2
    first, second = parsed.records
    assert first["line"] == 3 and second["line"] == 112
    assert first["title"] == (
        "Interactions stabilizing the structure of the core light-harvesting complex (LHl) "
        "of photosynthetic bacteria and its subunit (B820)"
    )
    assert first["authors"] == ["Parkes-Loach, PS", "Majeed, AP", "Law, CJ", "Loach, PA"]
    assert first["year"] == "2004"
    assert first["journal"] == "BIOCHEMISTRY"
    assert (first["volume"], first["issue"], first["pages"]) == ("43", "22", "7003-7016")
    assert first["doi"] == "10.1021/bi049798f"
    assert first["issn"] == ["0006-2960"]
    assert first["language"] == "en"
    assert first["publication_type"] == ["J", "Article"]
    assert first["source_id"] == "WOS:000221807500019"
    assert first["abstract"].startswith("Reconstitution experiments with a chemically synthesized")
    # ID keywords wrapped across lines at a space are unwrapped before splitting on ";".
    assert second["keywords"][:4] == [
        "SPERM-WHALE MYOGLOBIN",
        "RESONANCE RAMAN-SCATTERING",
        "CARBON-MONOXIDE BINDING",
        "POCKET DOCKING SITE",
    ]
    assert second["authors"][-1] == "Champion, PM"
    assert second["pages"] == "7017-7027"


def test_full_names_af_preferred_and_raw_tags_kept_in_order() -> None:
    record = read_export(WOS / "IsiImporterTestWOS.isi").records[0]
    assert record["authors"] == [
        "Gamernyk, RV", "Gnatenko, YP", "Bukivskij, PM", "Skubenko, PA", "Slivka, VY"
    ]
    assert record["source_id"] == "ISI:000238592600006"
    assert record["journal"] == "JOURNAL OF PHYSICS-CONDENSED MATTER"
    # Every tag is kept as provenance, list fields as one value with one item per line.
    tags = [tag for tag, _ in record["raw"]]
    assert tags[:4] == ["PT", "AU", "TI", "SO"]
    cited = dict(record["raw"])["CR"].split("\n")
    assert len(cited) == 17 and cited[0] == "BERCHA DM, 1997, FIZ TVERD TELA, V39, P1219"


def test_inspec_and_medline_records_on_the_isi_platform() -> None:
    inspec = read_export(WOS / "IsiImporterTestInspec.isi").records
    assert len(inspec) == 2
    assert inspec[0]["source_id"] == "INSPEC:9027814"
    assert inspec[0]["authors"] == ["Degl'Innocenti, R.", "Guarino, A.", "Poberaj, G.", "Gunter, P."]
    assert "optical pumping" in inspec[0]["keywords"]
    medline = read_export(WOS / "IsiImporterTestMedline.isi").records
    # MEDLINE on WoS writes every author on one AU line, separated by ";".
    assert medline[1]["authors"][:2] == ["Joffe, Hadine", "Hall, Janet E"]
    assert len(medline[1]["authors"]) == 7
    assert medline[1]["pages"] == "411-422"
    assert medline[0]["source_id"] == "MEDLINE:16842170"


def test_repeated_tags_are_all_kept() -> None:
    text = (
        "FN Clarivate Analytics Web of Science\nVR 1.0\n"
        "PT J\nAU Doe, J\nTI A title\nSN 1234-5678\nSN 2345-6789\nUT WOS:1\nER\n\nEF"
    )
    parsed = read_export("x.txt", text.encode())
    assert [value for tag, value in parsed.records[0]["raw"] if tag == "SN"] == ["1234-5678", "2345-6789"]
    assert parsed.records[0]["issn"] == ["1234-5678", "2345-6789"]


def test_truncated_file_is_a_risk_naming_the_record(tmp_path: Path) -> None:
    text = (WOS / "example_wos.ris").read_text(encoding="utf-8")
    cut = text[: text.index("AB We use laser flash photolysis")]
    path = tmp_path / "cut.txt"
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_export(path)
    assert "line 112" in str(caught.value) and "truncated" in str(caught.value)
    accepted = read_export(path, accept_risks=True)
    assert len(accepted.records) == 2
    assert accepted.risks


def test_tag_line_outside_a_record_is_an_error_with_its_line(tmp_path: Path) -> None:
    text = (WOS / "IsiImporterTestWOS.isi").read_text(encoding="utf-8")
    # Remove the second record's PT line: its tags would otherwise be lost or merged.
    broken = text.replace("ER\n\nPT J\nAU Guarino, A", "ER\n\nAU Guarino, A", 1)
    assert broken != text
    path = tmp_path / "broken.isi"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_export(path)
    assert caught.value.line == broken.split("\n").index("AU Guarino, A") + 1
    assert "outside a record" in caught.value.message


def test_header_only_export_says_no_records() -> None:
    with pytest.raises(InputError, match="no records"):
        read_export("empty.txt", b"FN Clarivate Analytics Web of Science\nVR 1.0\nEF")


def test_missing_er_between_records_is_a_warning_not_a_loss() -> None:
    text = "FN ISI Export Format\nVR 1.0\nPT J\nTI One\nPT J\nTI Two\nER\nEF"
    parsed = read_export("x.txt", text.encode())
    assert [r["title"] for r in parsed.records] == ["One", "Two"]
    assert any("without an ER line" in warning for warning in parsed.warnings)


def test_glued_tag_and_unindented_continuations_are_reported() -> None:
    text = (
        "FN Thomson Reuters Web of Knowledge\nVR 1.0\n"
        "PT J\nAUGilles, H\n   Girard, S\nTI Simple technique for measuring\nthe effect\nER\nEF"
    )
    parsed = read_export("x.txt", text.encode())
    record = parsed.records[0]
    assert record["authors"] == ["Gilles, H", "Girard, S"]
    assert record["title"] == "Simple technique for measuring the effect"
    assert any("line 4" in w and "without the space" in w for w in parsed.warnings)
    assert any("line 7" in w and "indent" in w for w in parsed.warnings)


def test_starts_is_independent_of_parse() -> None:
    lines = _lines((WOS / "example_wos.ris").read_text(encoding="utf-8"))
    assert wos.starts(lines) == [raw.line for raw in wos.parse(lines, Notes("x"))] == [3, 112]


def test_sniff_rejects_other_formats() -> None:
    assert not wos.sniff(["TY  - JOUR", "TI  - A title", "ER  - "])
    assert not wos.sniff(["PMID- 123", "TI  - A title"])
    assert wos.sniff(["FN Thomson Reuters Web of Science\u2122", "VR 1.0", "PT J"])
