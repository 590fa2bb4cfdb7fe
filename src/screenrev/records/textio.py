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
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
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


def decode(data: bytes, path: str | Path, encoding: str | None = None) -> Decoded:
    """Decode an export: BOMs, UTF-16 with or without BOM, UTF-8, else Windows-1252.

    A file that is mostly UTF-8 but holds invalid bytes is corrupted, not another
    encoding: that is an error naming the line, never a silent replacement.
    """
    if encoding:
        try:
            return Decoded(data.decode(encoding), encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            offset = getattr(exc, "start", 0)
            raise InputError(
                f"cannot be decoded as {encoding}: {exc.reason if hasattr(exc, 'reason') else exc}",
                path=path,
                line=_line_of(data, offset),
            ) from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(name.replace("-sig", ""))
                return Decoded(text, name.replace("-sig", "") + " with BOM")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"byte {exc.start} is not valid {name} although the file starts with "
                    "a byte-order mark (file corrupted?)",
                    path=path,
                    line=_line_of(data, exc.start),
                ) from None
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return Decoded(data.decode(utf16), utf16, [f"decoded as {utf16} (no byte-order mark)"])
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise InputError(
            "contains NUL bytes: binary file or an unsupported encoding",
            path=path,
            line=_line_of(data, data.index(b"\x00")),
        )
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
    if _UTF8_MULTIBYTE.search(data):
        raise InputError(
            f"invalid UTF-8 byte 0x{data[bad]:02x} in a file that is otherwise UTF-8 "
            "(truncated or corrupted download?); re-export the file, or pass --encoding",
            path=path,
            line=_line_of(data, bad),
        )
    undefined = next((i for i, byte in enumerate(data) if byte in _CP1252_UNDEFINED), None)
    if undefined is not None:
        raise InputError(
            f"neither UTF-8 nor Windows-1252 (byte 0x{data[undefined]:02x}); name the "
            "encoding with --encoding, e.g. latin-1 or cp437",
            path=path,
            line=_line_of(data, undefined),
        )
    return Decoded(
        data.decode("cp1252"),
        "windows-1252",
        [
            f"not UTF-8: decoded as Windows-1252 (first non-ASCII byte on line "
            f"{_line_of(data, bad)}); pass --encoding if that is wrong"
        ],
    )


def split_lines(text: str) -> list[str]:
    """Split on CRLF, LF and lone CR alike (a lone CR separates values in WoS RIS)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines
