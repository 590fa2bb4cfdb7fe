"""Errors a user can fix. The CLI prints each as one line on stderr and exits 1."""

from __future__ import annotations

from pathlib import Path


class ScreenrevError(Exception):
    """Base class: something in the review's files or the command's input is wrong."""


class InputError(ScreenrevError):
    """An input file cannot be read faithfully."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class UnknownFormatError(InputError):
    """The content of a file matches no supported export format."""


class ReviewNotFoundError(ScreenrevError):
    """No review folder (a directory with screenrev.toml) here or in any parent directory."""

    def __init__(self, start: Path) -> None:
        super().__init__(
            f"no screenrev.toml in {start} or any parent directory "
            "(run 'screenrev init' to start a review)"
        )


class ManifestError(InputError):
    """screenrev.toml is malformed or inconsistent with the review folder."""


class SearchConflictError(ScreenrevError):
    """A different file is already imported under the same search name."""


class ProtocolError(InputError):
    """A protocol (rule file) is malformed; the message says where and how to fix it."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None,
                 column: int | None = None, field: str | None = None) -> None:
        super().__init__(message, path=path, line=line, field=field)
        self.column = column

    def __str__(self) -> str:
        where = self.path or "protocol"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f"{self.field}: " if self.field else ""
        return f"{where}: {field}{self.message}"


class DecisionError(InputError):
    """A decision file (or a decision being added) is invalid: the message names file, line and field."""


class ConflictError(ScreenrevError):
    """Reviewers disagree on records and nothing settles it (no resolver decision, no conflict policy)."""


class RankingError(ScreenrevError):
    """Records cannot be ranked or a labelled review replayed as asked (e.g. no relevant record)."""
