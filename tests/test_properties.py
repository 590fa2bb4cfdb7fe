"""Invariants over generated input: RIS round-trips, and no record is ever lost silently."""

from __future__ import annotations

import io
import json
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screenrev.errors import InputError
from screenrev.records.formats import ris
from screenrev.records.normalise import _MISSING
from screenrev.records.parse import read_export
from screenrev.records.record import FIELDS
from screenrev.records.workspace import _dumps

# Values as they stand after normalisation: no surrounding or repeated white space.
_WORD = st.text(alphabet=string.ascii_letters + string.digits + "éøüßçñ'()[]:,.?!", min_size=1, max_size=12)
_VALUE = st.lists(_WORD, min_size=1, max_size=8).map(" ".join)
_NAME = st.builds(lambda a, b: f"{a}, {b}", _WORD, _WORD)
_YEAR = st.integers(1900, 2030).map(str)
_DOI = st.builds(lambda a, b: f"10.{a}/{b}".lower(), st.integers(1000, 99999), st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10))
_ISSN = st.builds(lambda a, b: f"{a:04d}-{b:04d}", st.integers(0, 9999), st.integers(0, 9999))


def _optional(strategy):
    return st.one_of(st.none(), strategy)


_RECORD = st.fixed_dictionaries({
    "title": _optional(_VALUE),
    # "NA", "null"… are placeholders that normalisation reads as no abstract.
    "abstract": _optional(_VALUE.filter(lambda v: v.lower() not in _MISSING)),
    "authors": st.lists(_NAME, max_size=5, unique=True),
    "year": _optional(_YEAR),
    "journal": _optional(_VALUE),
    "volume": _optional(st.integers(1, 300).map(str)),
    "issue": _optional(st.integers(1, 12).map(str)),
    "pages": _optional(st.builds(lambda a, n: f"{a}-{a + n}", st.integers(1, 900), st.integers(1, 99))),
    "doi": _optional(_DOI),
    "issn": st.lists(_ISSN, max_size=2, unique=True),
    "isbn": st.just([]),
    "language": _optional(st.sampled_from(["en", "de", "fr", "nl"])),
    "publication_type": st.just(["JOUR"]),
    "keywords": st.lists(_VALUE, max_size=5, unique=True),
    "url": st.lists(st.builds(lambda w: f"https://example.org/{w}", st.text(string.ascii_lowercase, min_size=1, max_size=8)), max_size=2, unique=True),
    "source_id": _optional(st.text(string.ascii_uppercase + string.digits + ":-", min_size=1, max_size=16)),
})


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_RECORD, min_size=1, max_size=6))
def test_records_written_as_ris_read_back_equal(records: list[dict]) -> None:
    out = io.StringIO()
    ris.write(records, out)
    parsed = read_export("roundtrip.ris", out.getvalue().encode("utf-8"))
    assert [{name: r[name] for name in FIELDS} for r in parsed.records] == records


_TAGS = st.sampled_from(["TI", "AU", "A1", "AB", "N2", "PY", "KW", "DO", "JF", "T2", "SN", "M3", "NL"])
_LINE_END = st.sampled_from(["\n", "\r\n", "\r"])
_JUNK = st.sampled_from(["", "1.", "Record #3 of 9", "Provider: x", "   continued text", "lower case prose"])


@st.composite
def _ris_file(draw) -> tuple[bytes, int]:
    """A RIS-like file with dialect noise; returns its bytes and how many TY lines it has."""
    end = draw(_LINE_END)
    parts: list[str] = []
    count = draw(st.integers(0, 5))
    for _ in range(count):
        parts.extend(draw(st.lists(_JUNK, max_size=2)))
        separator = draw(st.sampled_from(["  - ", "  -  ", " - "]))
        parts.append(f"TY{separator}JOUR")
        for _ in range(draw(st.integers(0, 5))):
            parts.append(f"{draw(_TAGS)}{separator}{draw(_VALUE)}")
            parts.extend(draw(st.lists(_JUNK, max_size=1)))
        if draw(st.booleans()):
            parts.append("ER  - ")
    text = end.join(parts) + draw(st.sampled_from(["", end]))
    prefix = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    return prefix + text.encode("utf-8"), count


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_ris_file())
def test_no_record_is_lost_without_an_error(generated: tuple[bytes, int]) -> None:
    data, count = generated
    try:
        parsed = read_export("generated.ris", data, accept_risks=True)
    except InputError:
        return  # refusing the file is allowed; losing records quietly is not
    assert len(parsed.records) == count


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_records_or_a_clear_error(data: bytes) -> None:
    try:
        read_export("random.bin", data)
    except InputError as error:
        assert str(error).startswith("random.bin")


_FIXTURES = sorted(
    path for path in (Path(__file__).parent / "data").rglob("*")
    if path.is_file() and path.suffix != ".md" and "dedup" not in path.parts
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.sampled_from(_FIXTURES),
    st.floats(0.0, 1.0),
    st.sampled_from(["cut", "drop-line", "duplicate-line", "garble"]),
)
def test_damaged_real_exports_give_records_or_a_clear_error(path: Path, where: float, damage: str) -> None:
    """Cut, shuffled or garbled exports never crash a parser: records, or an InputError."""
    data = path.read_bytes()
    at = int(len(data) * where)
    if damage == "cut":
        data = data[:at]
    elif damage == "garble":
        data = data[:at] + b"\x00\xff<{%@\"" + data[at:]
    else:
        lines = data.split(b"\n")
        index = min(int(len(lines) * where), len(lines) - 1)
        if damage == "drop-line":
            del lines[index]
        else:
            lines.insert(index, lines[index])
        data = b"\n".join(lines)
    try:
        parsed = read_export(path.name, data, accept_risks=True)
    except InputError:
        return
    assert len(parsed.records) == len(parsed.raws) > 0


# Raw tags and extra columns as parsers make them: any text, control characters included.
_TAGS = st.lists(st.tuples(st.text(max_size=6), st.text()), max_size=8)
_EXTRA = st.dictionaries(st.text(max_size=10), st.text(), max_size=4)


@settings(max_examples=300)
@given(_TAGS, _EXTRA)
def test_workspace_json_is_the_standard_librarys(tags: list[tuple[str, str]], extra: dict[str, str]) -> None:
    # Workspaces written before orjson stored json.dumps text: the same bytes keep them valid.
    standard = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    assert _dumps(tags) == standard(tags)
    assert _dumps(extra) == standard(extra)
    assert [tuple(pair) for pair in json.loads(_dumps(tags))] == tags
