"""Turning an export's bytes into text and lines without losing or inventing anything."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Bytes that Windows-1252 leaves undefined: a file holding them is not cp1252 text either.
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


@dataclass
class Decoded:
    """An export decoded to text, with how it was decoded and what was noticed."""

    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _utf16_without_bom(data: bytes) -> str | None:
    """Spot UTF-16 without a byte-order mark from where the NUL bytes fall."""
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    return None


#: How much of a file tells its encoding's errors and its format before it is decoded whole.
HEAD_BYTES = 1 << 20

@dataclass(frozen=True)
class _Choice:
    """How a file's bytes are decoded."""

    codec: str
    name: str
    """The encoding as reported (``Decoded.encoding``)."""
    skip: int = 0
    """Bytes of byte-order mark before the text."""
    warning: str | None = None


def _choose(data: bytes, path: str | Path, encoding: str | None, whole: bool = True) -> _Choice:
    """The encoding of an export, told from its byte-order mark, its first bytes and scans
    that copy nothing, raising what they show to be wrong: garbage is refused before it is
    decoded whole. UTF-8 is checked on the first ``HEAD_BYTES``; ``decode`` finds an
    invalid byte further on. ``data`` is the start of the file unless ``whole``: only
    what the rest cannot change is then raised."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise InputError(f"cannot be decoded as {encoding}: {exc}", path=path, line=1) from None
        return _Choice(encoding, encoding)
    for bom, name in _BOMS:
        if data.startswith(bom):
            codec = name.replace("-sig", "")
            return _Choice(codec, codec + " with BOM", len(bom))
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _Choice(utf16, utf16, warning=f"decoded as {utf16} (no byte-order mark)")
    if b"\x00" in data:
        raise _binary(data, path)
    try:
        codecs.utf_8_decode(data[:HEAD_BYTES], "strict", len(data) <= HEAD_BYTES)
    except UnicodeDecodeError as exc:
        return _not_utf8(data, path, exc.start, whole)
    return _Choice("utf-8", "utf-8")


def _binary(data: bytes, path: str | Path) -> InputError:
    return InputError(
        "contains NUL bytes: binary file or an unsupported encoding",
        path=path,
        line=_line_of(data, data.index(b"\x00")),
    )


def _not_utf8(data: bytes, path: str | Path, bad: int, whole: bool = True) -> _Choice:
    """Windows-1252 for a file that is not UTF-8 (its first invalid byte at ``bad``), or the
    error saying why it is neither (of the start of a file, unless ``whole``: UTF-8 further
    on would make it the first error)."""
    if _UTF8_MULTIBYTE.search(data):
        raise InputError(
            f"invalid UTF-8 byte 0x{data[bad]:02x} in a file that is otherwise UTF-8 "
            "(truncated or corrupted download?); re-export the file, or pass --encoding",
            path=path,
            line=_line_of(data, bad),
        )
    undefined = _CP1252_UNDEFINED.search(data) if whole else None
    if undefined is not None:
        raise InputError(
            f"neither UTF-8 nor Windows-1252 (byte 0x{data[undefined.start()]:02x}); name the "
            "encoding with --encoding, e.g. latin-1 or cp437",
            path=path,
            line=_line_of(data, undefined.start()),
        )
    return _Choice(
        "cp1252",
        "windows-1252",
        warning=f"not UTF-8: decoded as Windows-1252 (first non-ASCII byte on line "
                f"{_line_of(data, bad)}); pass --encoding if that is wrong",
    )


def decode(data: bytes, path: str | Path, encoding: str | None = None) -> Decoded:
    """Decode an export: BOMs, UTF-16 with or without BOM, UTF-8, else Windows-1252.

    A file that is mostly UTF-8 but holds invalid bytes is corrupted, not another
    encoding: that is an error naming the line, never a silent replacement.
    """
    choice = _choose(data, path, encoding)
    try:
        text = str(memoryview(data)[choice.skip:], choice.codec)
    except UnicodeDecodeError as exc:
        if encoding:
            raise InputError(f"cannot be decoded as {encoding}: {exc.reason}", path=path,
                             line=_line_of(data, exc.start)) from None
        if choice.skip:
            raise InputError(
                f"byte {exc.start} is not valid {choice.codec} although the file starts with "
                "a byte-order mark (file corrupted?)",
                path=path,
                line=_line_of(data, choice.skip + exc.start),
            ) from None
        if choice.codec != "utf-8":  # UTF-16 guessed from where its NUL bytes fall
            raise _binary(data, path) from None
        choice = _not_utf8(data, path, exc.start)  # UTF-8 at the start only
        text = data.decode(choice.codec)
    return Decoded(text, choice.name, [choice.warning] if choice.warning else [])


def head(data: bytes, path: str | Path, encoding: str | None = None, whole: bool = True) -> str:
    """The first ``HEAD_BYTES`` of an export as text, decoded as ``decode`` decodes the file
    (a line cut at the end keeps its start, which is what tells an XML file written on one
    line): enough to tell its format before a large file is decoded whole, with what is
    wrong with its encoding raised first. ``data`` may be only the start of the file
    (``whole`` False, ``HEAD_BYTES`` and a few more)."""
    choice = _choose(data, path, encoding, whole)
    end = choice.skip + HEAD_BYTES
    return codecs.getincrementaldecoder(choice.codec)(errors="replace").decode(
        data[choice.skip:end], final=whole and end >= len(data))


def split_lines(text: str) -> list[str]:
    """Split on CRLF, LF and lone CR alike (a lone CR separates values in WoS RIS)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines
