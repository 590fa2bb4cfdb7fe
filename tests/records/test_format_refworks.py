"""RefWorks tagged format.

The only real RefWorks files at hand are Zotero's test inputs (AGPL-3.0-or-later): they
are not copied here but read in tests/test_exports_index.py, skipped when ../shared/data is absent.
The records below were written for these tests, in the layout RefWorks exports (header
with a tag legend, ``RT`` starting each record, two-character tags).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screenrev.errors import InputError
from screenrev.records.formats import endnote_tagged, refer, refworks
from screenrev.records.parse import detect, read_export
from screenrev.records.textio import split_lines

EXPORT = """\
Refworks Export Tagged Format

Character Set=utf-8

Tag legend
*****
RT=Reference Type
A1=Primary Authors
T1=Primary Title
*****
BEGIN EXPORTED REFERENCES


RT Journal Article
SR Print(0)
ID 17
A1 Moreau, Claire
A1 Ahmed, Bilal
T1 Noise exposure and sleep in intensive care units
JF Journal of Critical Care Nursing
JO J Crit Care Nurs
YR 2019
FD Mar
VO 34
IS 2
SP 211
OP 219
K1 noise
K1 sleep; intensive care
AB Background: patients in intensive care sleep poorly.
Methods: we measured noise for 30 nights.
DO 10.5555/JCCN.2019.034
SN 1234-5678
LA English
AN 2019-12345-001
UL https://example.org/jccn/34/211

RT Book, Section
A1 Tanaka, Yui
T1 Measuring sound in hospitals
T2 Acoustics in Health Care
YR 2015
SP 45-60
SN 978-0-12-345678-6
NO doi: 10.5555/ach.2015.4
PMID 31000001

RT Dissertation
A1 Lindqvist, Per
T1 Quiet wards
YR 2021
"""


def test_detection() -> None:
    lines = split_lines(EXPORT)
    assert detect(lines, "export.txt") is refworks
    assert not endnote_tagged.sniff(lines) and not refer.sniff(lines)


def test_other_formats_are_not_claimed() -> None:
    wos = "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nTI A title\nRT x\nSO J\nER\n"
    ris = "TY  - JOUR\nTI  - A title\nAU  - Smith, J\nER  - \n"
    refer_text = "%0 Journal Article\n%T A title\n%A Smith, J\n"
    tweet = "RT @someone: a retweet\nsome text\n"
    for text in (wos, ris, refer_text, tweet):
        assert not refworks.sniff(split_lines(text)), text


def test_records_and_fields() -> None:
    parsed = read_export("export.txt", EXPORT.encode())
    assert parsed.format == "refworks"
    assert [r["line"] for r in parsed.records] == [14, 38, 48]
    assert refworks.starts(split_lines(EXPORT)) == [14, 38, 48]
    assert not parsed.warnings and not parsed.risks
    article, section, thesis = parsed.records
    assert article["title"] == "Noise exposure and sleep in intensive care units"
    assert article["authors"] == ["Moreau, Claire", "Ahmed, Bilal"]
    assert article["year"] == "2019"
    assert article["journal"] == "Journal of Critical Care Nursing"
    assert (article["volume"], article["issue"], article["pages"]) == ("34", "2", "211-219")
    assert article["doi"] == "10.5555/jccn.2019.034"
    assert article["issn"] == ["1234-5678"] and article["isbn"] == []
    assert article["language"] == "en"
    assert article["source_id"] == "2019-12345-001"
    assert article["keywords"] == ["noise", "sleep", "intensive care"]
    assert article["url"] == ["https://example.org/jccn/34/211"]
    assert article["publication_type"] == ["Journal Article"]
    assert article["abstract"].startswith("Background: patients in intensive care sleep poorly. Methods:")
    # Raw tags: file order, repeats kept, continuation joined with a newline.
    assert [v for t, v in article["raw"] if t == "K1"] == ["noise", "sleep; intensive care"]
    assert ("AB", "Background: patients in intensive care sleep poorly.\nMethods: we measured noise for 30 nights.") in article["raw"]
    assert article["raw"][0] == ("RT", "Journal Article")

    assert section["journal"] == "Acoustics in Health Care"
    assert section["pages"] == "45-60"
    assert section["isbn"] == ["9780123456786"]
    assert section["doi"] == "10.5555/ach.2015.4"
    assert section["source_id"] == "31000001"
    assert thesis["title"] == "Quiet wards" and thesis["publication_type"] == ["Dissertation"]


def test_unknown_text_before_the_first_record_is_reported() -> None:
    parsed = read_export("x.txt", b"Exported 3 May\nRT Generic\nT1 Only a title\n")
    assert len(parsed.records) == 1
    assert parsed.warnings and "line 1:" in parsed.warnings[0]


def test_file_cut_at_the_start_is_an_error(tmp_path: Path) -> None:
    lines = split_lines(EXPORT)
    # The download lost everything up to and including the first record's RT line.
    cut = "\n".join(lines[14:]) + "\n"
    path = tmp_path / "cut.txt"
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_export(path)
    assert caught.value.line == 1
    assert "before any RT line" in str(caught.value)


def test_missing_rt_line_inside_the_file_is_an_error(tmp_path: Path) -> None:
    lines = split_lines(EXPORT)
    assert lines[47] == "RT Dissertation"
    broken = "\n".join(lines[:47] + lines[48:]) + "\n"
    with pytest.raises(InputError) as caught:
        read_export(tmp_path / "broken.txt", broken.encode())
    assert caught.value.line == 49
    assert "second T1" in str(caught.value)
