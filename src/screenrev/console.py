"""The only module that talks to the terminal: results on stdout, the rest on stderr.

Text from records (titles, abstracts, names, keys) is whatever authors, indexers and
exports put there, escape sequences included: ``ESC]0;…BEL`` retitles a terminal and
``ESC[2J`` clears it. Everything printed here passes through ``clean``, which shows
control characters, escapes and bidirectional overrides as visible symbols; results
written straight to a terminal (CSV, RIS or JSON on stdout) do too. Output redirected to
a file or a pipe is data, and stays as it is.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.segment import Segment
from rich.text import Text

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional marks and overrides.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": ESC shows as ␛
    return "\u2421" if code == 0x7F else "\ufffd"


def clean(text: str) -> str:
    """Text as a terminal may show it: control characters, escape sequences' introducers and
    bidirectional overrides replaced by visible symbols (tabs and newlines kept)."""
    return _UNSAFE.sub(_visible, text)


class _CleanConsole(Console):
    """A console that cleans every piece of text it writes; its own control codes (clearing
    the screen, moving the cursor, colours) are added after cleaning and kept."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            segment if segment.control else Segment(clean(segment.text), segment.style, segment.control)
            for segment in buffer
        )


class _CleanStream:
    """A text stream that cleans what it writes (results going straight to a terminal)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(clean(text))

    def flush(self) -> None:
        self._stream.flush()


def results() -> TextIO:
    """Where results go: stdout, cleaned when it is a terminal."""
    return _CleanStream(sys.stdout) if sys.stdout.isatty() else sys.stdout  # type: ignore[return-value]


# A fixed width when not on a terminal keeps tables identical across machines and CI.
_WIDTH = None if os.isatty(1) else int(os.environ.get("COLUMNS", "120"))

console = _CleanConsole(width=_WIDTH, highlight=False)
err_console = _CleanConsole(stderr=True, highlight=False)


def error(message: str) -> None:
    """One red line on stderr."""
    err_console.print(Text.assemble(("Error: ", "bold red"), message), soft_wrap=True)


def warning(message: str) -> None:
    """One yellow line on stderr."""
    err_console.print(Text.assemble(("Warning: ", "yellow"), message), soft_wrap=True)


def info(message: str) -> None:
    """A progress or status line on stderr."""
    err_console.print(Text(message), soft_wrap=True)


def progress() -> Progress:
    """A progress display on stderr, hidden when stderr is not a terminal."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
