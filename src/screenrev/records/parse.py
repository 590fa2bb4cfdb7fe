"""Reading one export file into canonical records, checked against an independent count."""

from __future__ import annotations

import gc
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import islice
from pathlib import Path
from types import ModuleType

from ..errors import InputError, UnknownFormatError
from ..forked import idle_processes
from . import formats, normalise
from .formats import Notes
from .pieces import PartWorker
from .record import RawRecord
from .textio import HEAD_BYTES, decode, head, split_lines

SNIFF_LINES = 200


@dataclass
class ParsedFile:
    """An export read and checked in full; its records are mapped to canonical fields on demand."""

    path: str
    sha256: str
    format: str
    encoding: str
    raws: list[RawRecord]
    """The records as parsed, in file order."""
    warnings: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    """Possible data loss the user accepted (importing stops on these otherwise)."""
    elsewhere: list[PartWorker] = field(default_factory=list)
    """The later parts of a large file, parsed, mapped and being stored by forked workers
    (``Split``); ``raws`` then holds the first part."""
    _scratch: tempfile.TemporaryDirectory | None = None

    @property
    def count(self) -> int:
        """How many records the file holds."""
        return len(self.raws) + sum(part.count for part in self.elsewhere)

    def close(self) -> None:
        """Stop any workers still storing parts, and remove their files."""
        for part in self.elsewhere:
            part.stop()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    @cached_property
    def records(self) -> list[dict]:
        """Canonical fields plus ``line`` (start line), ``raw`` (tags) and ``extra``."""
        return list(self.map())

    def map(self, start: int = 0, stop: int | None = None) -> Iterator[dict]:
        """The records mapped and normalised one at a time, in file order (``raws[start:stop]``)."""
        module = formats.by_name(self.format)
        for raw in islice(self.raws, start, stop):
            yield canonical(module, raw)


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of a file's bytes, as recorded in the manifest."""
    return hashlib.sha256(data).hexdigest()


def sha256_of_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_start(path: Path, encoding: str | None = None) -> ModuleType:
    """Refuse a file whose first megabyte already shows that it is no export (undecodable,
    or in no format screenrev reads), before the file is read whole: a gigabyte of garbage
    costs a megabyte of memory. Returns the format that megabyte shows."""
    with path.open("rb") as handle:
        start = handle.read(HEAD_BYTES + 4)  # and a byte-order mark
    return detect(_head(head(start, str(path), encoding, whole=len(start) <= HEAD_BYTES)), str(path))


def detect(lines: list[str], path: str) -> ModuleType:
    """The format of a file, from its content."""
    head = [line for line in lines[: SNIFF_LINES * 4] if line.strip()][:SNIFF_LINES]
    if not head:
        raise UnknownFormatError("the file is empty: no records", path=path)
    for module in formats.registry():
        if module.sniff(head):
            return module
    raise UnknownFormatError(
        "format not recognised from the content (supported: "
        + ", ".join(module.LABEL for module in formats.registry())
        + ")",
        path=path,
        line=1,
    )


@dataclass(frozen=True)
class Split:
    """How to read a large export on several cores.

    The file's lines are cut where records start; forked workers parse the later parts,
    check each against its own count of record starts, map them and store their rows
    (``pieces.PartWorker``) while this process parses the first part. A part with anything
    to note (a record without its end marker, a warning, an error) sends the whole file
    through one pass instead, so messages, records and counts are those of one pass.
    """

    processes: int | None
    """How many (None: one per idle core, ``forked.processes_for``)."""
    folder: Path
    """Where the workers' files go (the review's workspace folder)."""
    rows: Callable[[ParsedFile], Iterable[tuple[str, tuple]]]
    """The rows of a part (identity, row), positions numbered from 1."""
    table: str
    columns: tuple[str, ...]


#: Smaller files are read in one pass: forking would cost more than it saves.
SPLIT_CHARACTERS = 10_000_000


def read_export(
    path: str | Path,
    data: bytes | None = None,
    *,
    encoding: str | None = None,
    format: str | None = None,
    accept_risks: bool = False,
    sha256: str | None = None,
    split: Split | None = None,
) -> ParsedFile:
    """Decode, detect, parse, map and normalise one export; nothing lost without an error.

    ``sha256`` is the hash of ``data`` when the caller has computed it already (hashing a
    large export twice costs a tenth of a second per 100,000 records). With ``split``, a
    large file in a format that can be cut is read on several cores; the caller then
    stores it and closes it (``ParsedFile.close``).
    """
    path = str(path)
    if data is None:
        if not format:
            check_start(Path(path), encoding)
        data = Path(path).read_bytes()
    if sha256 is None:
        sha256 = sha256_of(data)
    if format:
        try:
            module = formats.by_name(format)
        except KeyError:
            raise InputError(f"unknown format {format!r}", path=path) from None
    else:
        # Told from the first megabyte: a gigabyte of garbage is refused before it is decoded.
        module = detect(_head(head(data, path, encoding)), path)
    decoded = decode(data, path, encoding)
    del data  # the caller may have let it go too: a large export is then held once, decoded
    encoding_used, notes = decoded.encoding, Notes(path)
    notes.warnings.extend(decoded.warnings)
    text = decoded.text
    del decoded
    notes.ends_mid_line = _ends_mid_line(text)
    if "\r" in text:  # as split_lines reads them
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if split is not None and len(text) >= SPLIT_CHARACTERS and hasattr(module, "is_start"):
        processes = split.processes if split.processes is not None else idle_processes()
        with bulk():  # the workers map too
            parsed = _read_in_parts(module, text, processes, split, ParsedFile(
                path=path, sha256=sha256, format=module.NAME, encoding=encoding_used, raws=[],
                warnings=notes.warnings), notes.ends_mid_line)
        if parsed is not None:
            return parsed
    lines = split_lines(text)
    del text  # a large export is held once, as lines, not twice
    with bulk():
        raws: list[RawRecord] = list(module.parse(lines, notes))
    _check_count(module, lines, raws, notes)
    _check_end(module, raws, notes)
    if not raws:
        raise notes.error(None, f"no records found in this {module.LABEL} file")
    if notes.risks and not accept_risks:
        raise InputError(
            notes.risks[0]
            + (f" (and {len(notes.risks) - 1} more)" if len(notes.risks) > 1 else "")
            + "; re-export the file, or pass --accept-risks to import it as it is",
            path=path,
        )
    return ParsedFile(
        path=path,
        sha256=sha256,
        format=module.NAME,
        encoding=encoding_used,
        raws=raws,
        warnings=notes.warnings,
        risks=notes.risks,
    )


#: Formats whose records have no end marker nor closing structure (RIS and WoS end each
#: record with ER, XML, BibTeX and tables close what they open).
_NO_END_MARKER = frozenset({"medline", "endnote_tagged", "refer", "refworks", "ovid", "ovid_display"})


def _ends_mid_line(text: str) -> bool:
    """Whether the text's last line has no line break after it: a download cut off there.

    Spaces and tabs after the last line break count only in a file that writes such lines
    elsewhere (otherwise they are the indentation of a continuation line, cut); a file of
    CRLF lines that ends with a lone CR was cut between the two.
    """
    tail = text[-4096:]
    last_break = max(tail.rfind("\n"), tail.rfind("\r"))
    unfinished = tail[last_break + 1:]
    if unfinished.strip(" \t"):
        return True
    if unfinished:
        return _SPACES_LINE.search(text, 0, len(text) - len(unfinished)) is None
    return last_break >= 0 and tail[last_break] == "\r" and "\r\n" in text


_SPACES_LINE = re.compile(r"[\r\n][ \t]+[\r\n]")


def _check_end(module: ModuleType, raws: list[RawRecord], notes: Notes) -> None:
    """Say so when the last record may have been cut off, in a file whose records have no
    end marker (``_NO_END_MARKER``, and RIS written without ER): nothing else tells a
    download cut in its last record from a whole file.

    A cut removes the end of a record, so the signs are at its end: the last record lacks
    the line every other record ends with (a cut between two lines), or the format's last
    line (``ends_whole``: False); or the file ends in the middle of a line (every export's
    writer ends its lines with a line break), unless that line is the format's last line,
    whole (``ends_whole``: True, e.g. PubMed's ``SO`` citation, RefWorks' ``OL``).
    """
    if not raws or not (module.NAME in _NO_END_MARKER or notes.open_ended):
        return
    last = raws[-1]
    if not last.tags:
        notes.warn(last.line, "the last record has nothing after its first line: is the file cut off? "
                              "(re-export it to be sure)")
        return
    if len(raws) >= 3 and all(raw.tags for raw in raws[:-1]):
        closing = {raw.tags[-1][0] for raw in raws[:-1]}
        tag = closing.pop() if len(closing) == 1 else None
        if tag is not None and all(own != tag for own, _ in last.tags):
            shown = f"%{tag}" if module.NAME in ("endnote_tagged", "refer") else tag
            notes.warn(last.line, f"the last record has no {shown} line, with which every other "
                                  "record ends: is the file cut off? (re-export it to be sure)")
            return
    ends_whole = getattr(module, "ends_whole", None)
    whole = ends_whole(last) if ends_whole is not None else None
    if whole is False:
        notes.warn(last.line, "the last record stops before the line that ends every "
                              f"{module.LABEL} record of its kind: is the file cut off? "
                              "(re-export it to be sure)")
    elif notes.ends_mid_line and whole is None:
        notes.warn(last.line, "the file ends in the middle of a line of the last record (no line "
                              "break after it): is the file cut off? (check that record, or re-export "
                              "the file to be sure)")


def _head(text: str) -> list[str]:
    """The first lines of a text, enough to tell its format (``detect``)."""
    end = 0
    for _ in range(SNIFF_LINES * 4):
        end = text.find("\n", end) + 1
        if not end:
            return split_lines(text)
    return split_lines(text[:end])


def _read_in_parts(
    module: ModuleType, text: str, processes: int, split: Split, file: ParsedFile, ends_mid_line: bool
) -> ParsedFile | None:
    """The file read by ``processes`` processes (``Split``), or None when it must be read in one pass."""
    cuts = _cuts(module, text, processes)
    if len(cuts) < 3:
        return None
    # Each part is split into lines by the process that reads it, which numbers its
    # records from the lines before it (counted there too, meanwhile).
    scratch = tempfile.TemporaryDirectory(dir=split.folder, prefix=".parts-")
    workers: list[PartWorker] = []
    try:
        for index in range(1, len(cuts) - 1):
            def read(index: int = index) -> tuple[int, Iterable[tuple[str, tuple]]] | None:
                before = text.count("\n", 0, cuts[index])
                last = index == len(cuts) - 2
                raws = _read_part(module, text[cuts[index]:cuts[index + 1]], before, file.path,
                                  ends_mid_line if last else None)
                return None if raws is None else (len(raws), split.rows(replace(file, raws=raws)))
            try:
                workers.append(PartWorker(os.path.join(scratch.name, f"part-{index}.sqlite"),
                                          split.table, split.columns, read))
            except OSError:  # no process to spare
                return None
        first = _read_part(module, text[:cuts[1]], 0, file.path)
        if first is None or not all([worker.ready() for worker in workers]):
            return None
        parsed = replace(file, raws=first, elsewhere=workers, _scratch=scratch)
        workers = []
        return parsed
    finally:
        if workers:
            for worker in workers:
                worker.stop()
            scratch.cleanup()


def _cuts(module: ModuleType, text: str, parts: int) -> list[int]:
    """Where each part starts (the start of a line where a record starts), and the end."""
    cuts = [0]
    for part in range(1, parts):
        at = text.find("\n", max(len(text) * part // parts, cuts[-1])) + 1
        while at:
            end = text.find("\n", at)
            if module.is_start(text[at:end] if end >= 0 else text[at:]):
                break
            at = end + 1
        if not at:
            break
        cuts.append(at)
    return cuts + [len(text)]


def _read_part(module: ModuleType, text: str, first_line: int, path: str,
               ends_mid_line: bool | None = None) -> list[RawRecord] | None:
    """The records of one part of a file, numbered as in the file (its first line being
    ``first_line`` + 1); None when the part has anything to note, so that one pass over the
    whole file reads it. The last part of a file is given how the file ends
    (``ends_mid_line``), and its end is checked (``_check_end``)."""
    lines, notes = split_lines(text), Notes(path, partial=True)
    try:
        raws = list(module.parse(lines, notes))
    except InputError:
        return None
    if ends_mid_line is not None:
        notes.ends_mid_line = ends_mid_line
        _check_end(module, raws, notes)
    if notes.warnings or notes.risks or not _counts_agree(module.starts(lines), raws):
        return None
    for raw in raws:
        raw.line += first_line
    return raws


@contextmanager
def bulk() -> Iterator[None]:
    """Cyclic garbage collection paused while millions of small objects are made.

    Records hold no reference cycles, so nothing is lost; measured on 100,000 Web of
    Science records, parsing takes a third of the time and mapping a quarter.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def canonical(module: ModuleType, raw: RawRecord) -> dict:
    """One record mapped by its format and normalised, with its line, raw tags and extra columns."""
    fields = normalise.finish(module.to_fields(raw))
    fields["line"] = raw.line
    fields["raw"] = raw.tags
    fields["extra"] = raw.extra
    return fields


def _counts_agree(starts: list[int], raws: list[RawRecord]) -> bool:
    """Whether the records read start on the lines where the independent count found starts."""
    return len(starts) == len(raws) and all(line == raw.line for line, raw in zip(starts, raws))


def _check_count(module: ModuleType, lines: list[str], raws: list[RawRecord], notes: Notes) -> None:
    expected = module.starts(lines)
    if _counts_agree(expected, raws):
        return
    parsed_lines = {raw.line for raw in raws}
    missing = next((line for line in expected if line not in parsed_lines), None)
    if missing is not None:
        raise notes.error(
            missing,
            f"a record starts here but was not read ({len(raws)} records read, "
            f"{len(expected)} record starts counted): malformed record?",
        )
    counted = set(expected)
    extra = next((raw.line for raw in raws if raw.line not in counted), None)
    raise notes.error(
        extra,
        f"{len(raws)} records read but {len(expected)} record starts counted: "
        "the file does not have the structure expected of its format",
    )
