"""The command line: one short module per command group; the work is done in the library."""

from . import _decisions, _dedup, _flow, _fulltext, _records, _review, _rules, _simulate, _update  # noqa: F401 - importing registers the commands
from ._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point for the ``screenrev`` command."""
    app()
