"""Ovid tagged exports and Ovid's citation display text.

No real Ovid *tagged* file can be bundled (the samples found are AGPL or unlicensed), so
the tagged tests read hand-written input in the layout the real files have (record
header ``<n. >``, ``XX  - `` tags, six-space and unindented continuation lines); the real
files are checked by the INDEX test when ../shared/data is present. The citation-display
tests read JabRef's MIT fixtures (tests/data/ovid, see SOURCES.md).
"""

from __future__ import annotations

import pytest

from screenrev.errors import InputError
from screenrev.records.formats import Notes, ovid, ovid_display
from screenrev.records.parse import detect, read_export
from screenrev.records.textio import split_lines

from ..conftest import DATA

OVID = DATA / "ovid"

# Hand-written, in the layout of Ovid's Embase / PsycINFO / Journals@Ovid direct exports.
TAGGED = """\
<1. >
VN  - Ovid Technologies
DB  - Embase
UI  - 630000001
TI  - Screening tools for frailty in primary care: A systematic review.
SO  - Journal of Example Medicine. 12 (3) (pp 45-67), 2019. Date of Publication: March 2019.
AU  - Doe J.
AU  - Roe R.A.
IN  - (Doe) Department of Examples, Some University, Somewhere
      (Roe) Institute of Samples, Elsewhere
MH  - *frailty
MH  - primary health care
AB  - Background: first paragraph of the abstract.
Method(s): second paragraph, written without indentation.
IS  - 1234-5678
DO  - http://dx.doi.org/10.1000/example.123
LG  - English
PT  - Journal: Article
YR  - 2019
XL  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&AN=630000001

<2. >
VN  - Ovid Technologies
DB  - APA PsycInfo
AN  - Peer Reviewed Journal: 2015-00001-001.
TI  - A made-up study of reading.
SO  - Journal of Invented Psychology. Vol.7(2), 2015, pp. 101-109.
AU  - Smith, Anna
KW  - reading;  attention;  children.
LG  - English
PT  - Journal; Peer Reviewed Journal
XL  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&AN=2015-00001-001

<3. >
VN  - Ovid Technologies
DB  - Journals@Ovid
AN  - 00000001-201506000-00001.
AU  - Lee, Kim MD, PhD 1,*
AU  - Park, Min-Ji RN 2
TI  - A fictional report of a rare case.  [Article]
SO  - Journal of Made Up Cases June 2015;58(6):688-696
DI  - 10.1000/example.456
XL  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&AN=00000001-201506000-00001
"""


def _read(text: str, **options) -> object:
    return read_export("export.txt", text.encode("utf-8"), **options)


def test_tagged_is_detected_and_records_counted() -> None:
    assert detect(split_lines(TAGGED), "export.txt").NAME == "ovid"
    parsed = _read(TAGGED)
    assert parsed.format == "ovid"
    assert [record["line"] for record in parsed.records] == [1, 22, 34]


def test_tagged_embase_record() -> None:
    record = _read(TAGGED).records[0]
    assert record["title"] == "Screening tools for frailty in primary care: A systematic review."
    assert record["authors"] == ["Doe J.", "Roe R.A."]
    assert record["year"] == "2019"
    assert record["journal"] == "Journal of Example Medicine"
    assert (record["volume"], record["issue"], record["pages"]) == ("12", "3", "45-67")
    assert record["doi"] == "10.1000/example.123"
    assert record["issn"] == ["1234-5678"]
    assert record["language"] == "en"
    assert record["keywords"] == ["frailty", "primary health care"]
    assert record["source_id"] == "630000001"
    # The unindented abstract paragraph belongs to AB; the six-space line to IN.
    assert record["abstract"] == (
        "Background: first paragraph of the abstract. "
        "Method(s): second paragraph, written without indentation."
    )
    raw = dict(record["raw"])
    assert raw["IN"].split("\n") == [
        "(Doe) Department of Examples, Some University, Somewhere",
        "(Roe) Institute of Samples, Elsewhere",
    ]
    assert [value for tag, value in record["raw"] if tag == "MH"] == ["*frailty", "primary health care"]


def test_tagged_psycinfo_and_journals_at_ovid_records() -> None:
    _, psyc, jovid = _read(TAGGED).records
    assert psyc["source_id"] == "2015-00001-001"
    assert psyc["journal"] == "Journal of Invented Psychology"
    assert (psyc["volume"], psyc["issue"], psyc["pages"], psyc["year"]) == ("7", "2", "101-109", "2015")
    assert psyc["keywords"] == ["reading", "attention", "children"]
    assert jovid["title"] == "A fictional report of a rare case."
    assert jovid["authors"] == ["Lee, Kim", "Park, Min-Ji"]
    assert jovid["journal"] == "Journal of Made Up Cases"
    assert (jovid["volume"], jovid["issue"], jovid["pages"], jovid["year"]) == ("58", "6", "688-696", "2015")
    assert jovid["source_id"] == "00000001-201506000-00001"


@pytest.mark.parametrize(
    "variant",
    [
        TAGGED.replace("  - ", " - "),  # "XX - " with one space
        "\n".join(" " + line if line else line for line in TAGGED.split("\n")),  # indented
        TAGGED.replace("\n", "\r\n"),
    ],
    ids=["single-space", "indented-by-one", "crlf"],
)
def test_tagged_dialects(variant: str) -> None:
    parsed = _read(variant)
    assert parsed.format == "ovid"
    assert [r["source_id"] for r in parsed.records] == [
        "630000001", "2015-00001-001", "00000001-201506000-00001"
    ]
    assert parsed.records[0]["abstract"].endswith("written without indentation.")


def test_tagged_dialect_is_held_for_the_whole_file() -> None:
    # In a two-space file, an abstract paragraph starting "HIV - " is not a tag.
    text = TAGGED.replace("Method(s): second", "HIV - second")
    record = _read(text).records[0]
    assert "HIV - second paragraph" in record["abstract"]
    assert "HIV" not in dict(record["raw"])


def test_tagged_search_history_before_first_record_is_reported() -> None:
    text = "Database: Embase <1974 to 2019>\nSearch Strategy:\n----\n1 exp frailty/ (123)\n\n" + TAGGED
    parsed = _read(text)
    assert len(parsed.records) == 3
    assert any("line 1" in w and "before the first record" in w for w in parsed.warnings)


def test_tagged_tag_before_first_header_is_an_error() -> None:
    with pytest.raises(InputError) as caught:
        _read("VN  - Ovid Technologies\nTI  - lost header\n\n" + TAGGED)
    assert caught.value.line == 1


def test_tagged_cut_last_record_is_a_risk() -> None:
    text = TAGGED.replace("\nXL  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&AN=00000001-201506000-00001", "")
    with pytest.raises(InputError, match="line 34"):
        _read(text)
    assert len(_read(text, accept_risks=True).records) == 3


def test_tagged_starts_matches_parse() -> None:
    lines = split_lines(TAGGED)
    assert ovid.starts(lines) == [raw.line for raw in ovid.parse(lines, Notes("x"))]


def test_source_strings_of_several_databases() -> None:
    cases = {
        "Forest Ecology & Management. 201(2-3):327-334, November 15, 2004.":
            ("Forest Ecology & Management", "201", "2-3", "327-334", "2004"),
        "Acta Example Sinica August 2011;43(8):647-653":
            ("Acta Example Sinica", "43", "8", "647-653", "2011"),
        "Journal of Political Examples 12, Winter 2007: 7-14.":
            ("Journal of Political Examples", "12", None, "7-14", "2007"),
        "Example Medicine. 98(12):e14890, 2019 Mar.":
            ("Example Medicine", "98", "12", "e14890", "2019"),
        "BMC Examples. Conference: 2nd Meeting. Spain. 12 (Supplement 3) (no pagination), 2018.":
            ("BMC Examples", "12", "Supplement 3", None, "2018"),
    }
    for source, expected in cases.items():
        got = ovid.parse_source(source)
        assert (got["journal"], got["volume"], got["issue"], got["pages"], got["year"]) == expected, source


def test_author_names_lose_ovid_additions_only() -> None:
    assert ovid.split_authors(["Werner, S. M. [Author, Reprint Author; E-mail: a@b.org]"]) == ["Werner, S. M."]
    assert ovid.split_authors(["Bunkers, Sandra Schmidt RN; PhD; FAAN 1"]) == ["Bunkers, Sandra Schmidt"]
    # Without "Surname, Given" a last word may be initials: kept.
    assert ovid.split_authors(["Smith MD", "Wang, Xiao Ma"]) == ["Smith MD", "Wang, Xiao Ma"]


# --- Ovid citation display (JabRef fixtures) --------------------------------------------


def test_display_records_and_fields() -> None:
    parsed = read_export(OVID / "OvidImporterTest6.txt")
    assert parsed.format == "ovid_display"
    (record,) = parsed.records
    assert record["line"] == 1
    assert record["title"] == (
        "Correct positioning of percutaneous iliosacral screws with computer-navigated versus "
        "fluoroscopically guided surgery in traumatic pelvic ring fractures."
    )
    assert record["authors"] == ["Verbeek, Jan", "Hermans, Erik", "van Vugt, Arie", "Frolke, Jan Paul"]
    assert record["journal"] == "Journal of Orthopaedic Trauma"
    assert record["doi"] == "10.1097/bot.0000000000000502"
    assert record["issn"] == ["0890-5339"]
    assert record["source_id"] == "00005131-900000000-99049"
    assert record["abstract"] == "Lorem ipsum abstract"
    assert record["keywords"][:3] == ["iliosacral", "iliosacral screw", "IS screw"]
    raw = dict(record["raw"])
    assert raw["Institution"].split("\n")[1] == "(+)Department of Surgery, Medical Spectrum Twente, Enschede, The Netherlands."


def test_display_source_line_gives_volume_issue_pages() -> None:
    (record,) = read_export(OVID / "OvidImporterTest5.txt").records
    assert record["authors"] == ["Bunkers, Sandra Schmidt"]
    assert record["journal"] == "Nursing Science Quarterly"
    assert (record["volume"], record["issue"], record["pages"], record["year"]) == ("28", "2", "103-106", "2015")
    assert record["doi"] == "10.1177/0894318415571606"


def test_display_five_records_with_blank_lines_and_spaced_headers() -> None:
    parsed = read_export(OVID / "OvidImporterTest1.txt")
    assert [r["line"] for r in parsed.records] == [1, 22, 35, 49, 59]
    first = parsed.records[0]
    assert first["authors"] == ["Mustermann", "Musterfrau"]
    assert first["title"] == "Einleitung"  # the chapter title, for a chapter
    assert first["publication_type"] == []  # "-" is a placeholder
    assert parsed.records[2]["publication_type"] == ["Book"]
    assert (parsed.records[2]["volume"], parsed.records[2]["issue"]) == ("28", "2")


def test_display_without_record_headers_is_a_clear_error() -> None:
    with pytest.raises(InputError) as caught:
        read_export(OVID / "OvidImporterTest2Invalid.txt")
    assert caught.value.line == 2
    assert "no record headers" in caught.value.message


def test_display_starts_matches_parse_and_sniffs_apart_from_tagged() -> None:
    lines = split_lines((OVID / "OvidImporterTest1.txt").read_text(encoding="utf-8"))
    assert ovid_display.starts(lines) == [raw.line for raw in ovid_display.parse(lines, Notes("x"))]
    assert not ovid.sniff([line for line in lines if line.strip()])
    assert not ovid_display.sniff([line for line in split_lines(TAGGED) if line.strip()])
