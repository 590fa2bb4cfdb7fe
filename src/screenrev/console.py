"""The only module that talks to the terminal: results on stdout, the rest on stderr."""

from __future__ import annotations

import os

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

# A fixed width when not on a terminal keeps tables identical across machines and CI.
_WIDTH = None if os.isatty(1) else int(os.environ.get("COLUMNS", "120"))

console = Console(width=_WIDTH, highlight=False)
err_console = Console(stderr=True, highlight=False)


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
