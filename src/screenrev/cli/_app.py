"""The typer application, the error handling shared by every command, and small helpers."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from .. import __version__, console
from ..errors import ScreenrevError
from ..records.workspace import Workspace
from ..review.folder import Review


class _Commands(TyperGroup):
    """Turns the errors a user can fix into one red line on stderr and exit status 1."""

    def invoke(self, ctx):  # noqa: ANN001, ANN201 - click's signature
        try:
            return super().invoke(ctx)
        except ScreenrevError as exc:
            console.error(str(exc))
            raise typer.Exit(1) from None


app = typer.Typer(
    name="screenrev",
    cls=_Commands,
    help="Reproducible screening for scoping and systematic reviews.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
export_app = typer.Typer(help="Write the review's records out for other tools.", no_args_is_help=True)
app.add_typer(export_app, name="export")

JsonOption = Annotated[bool, typer.Option("--json", help="Print a machine-readable summary on stdout.")]


def _version(value: bool) -> None:
    if value:
        console.console.print(f"screenrev {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = None,
) -> None:
    """Reproducible screening for scoping and systematic reviews."""


def open_workspace(review: Review) -> Workspace:
    """The review's workspace, rebuilt from its files (with a line on stderr) when needed."""
    return Workspace.open(
        review, on_rebuild=lambda search: console.info(f"Rebuilding workspace: reading {search.file}")
    )


def print_json(data: object) -> None:
    """Write ``data`` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
