"""Decoding exports: every encoding the databases produce, and a clear error otherwise."""

import codecs

import pytest

from screenrev.errors import InputError
from screenrev.records.parse import read_export
from screenrev.records.textio import HEAD_BYTES, decode, head, split_lines

TEXT = "TY  - JOUR\nTI  - Über café naïve — ‘quotes’\nER  - \n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8 with BOM"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le with BOM"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be with BOM"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_unicode_encodings_decode_to_the_same_text(data: bytes, encoding: str) -> None:
    decoded = decode(data, "x.ris")
    assert decoded.text == TEXT
    assert decoded.encoding == encoding


def test_windows_1252_decodes_with_a_warning() -> None:
    decoded = decode(TEXT.encode("cp1252"), "x.ris")
    assert decoded.text == TEXT
    assert decoded.encoding == "windows-1252"
    assert "Windows-1252" in decoded.warnings[0] and "line 2" in decoded.warnings[0]


def test_corrupted_utf8_is_an_error_naming_the_line() -> None:
    data = TEXT.encode("utf-8") + b"AB  - broken \xe9 byte\n"
    with pytest.raises(InputError) as caught:
        decode(data, "x.ris")
    assert caught.value.line == 4
    assert str(caught.value).startswith("x.ris:4: invalid UTF-8 byte 0xe9")


def test_forced_encoding_is_used() -> None:
    assert decode("é".encode("latin-1"), "x", encoding="latin-1").text == "é"


def test_binary_file_is_refused() -> None:
    with pytest.raises(InputError, match="NUL bytes"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06", "x.png")


def test_line_endings_crlf_lf_and_lone_cr_all_split() -> None:
    assert split_lines("a\r\nb\nc\rd") == ["a", "b", "c", "d"]
    assert split_lines("a\n") == ["a"]
    assert split_lines("a\n\nb") == ["a", "", "b"]


def test_bytes_undefined_in_windows_1252_ask_for_an_encoding() -> None:
    data = "TY  - JOUR\nAU  - M".encode("ascii") + b"\x81nch, J\x92s\n"
    with pytest.raises(InputError) as caught:
        decode(data, "x.csv")
    assert caught.value.line == 2
    assert "--encoding" in str(caught.value) and "0x81" in str(caught.value)


# A large file's encoding is told from its first megabyte (``HEAD_BYTES``), and what
# lies further on is still checked when it is decoded whole.


def test_an_invalid_utf8_byte_after_the_first_megabyte_is_still_an_error() -> None:
    data = TEXT.encode("utf-8") * (HEAD_BYTES // len(TEXT) + 10) + b"AB  - broken \xe9 byte\n"
    with pytest.raises(InputError, match="invalid UTF-8 byte 0xe9"):
        decode(data, "x.ris")


def test_windows_1252_first_seen_after_the_first_megabyte_decodes_with_a_warning() -> None:
    data = b"TY  - JOUR\nTI  - plain\nER  - \n" * (HEAD_BYTES // 30) + TEXT.encode("cp1252")
    decoded = decode(data, "x.ris")
    assert decoded.encoding == "windows-1252" and decoded.text.endswith(TEXT)


def test_a_file_written_on_one_line_longer_than_the_head_still_tells_its_format() -> None:
    record = "<record><titles><title>A title</title></titles></record>"
    data = ('<?xml version="1.0"?>\n<xml><records>' + record * (2 * HEAD_BYTES // len(record))
            + "</records></xml>\n").encode()
    assert len(head(data, "x.xml")) <= HEAD_BYTES
    assert read_export("x.xml", data).format == "endnote_xml"
