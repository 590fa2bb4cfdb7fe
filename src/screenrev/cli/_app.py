"""The typer application, the error handling shared by every command, and small helpers."""

import json
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from typer.core import TyperGroup, TyperOption

from .. import __version__, console
from ..errors import ScreenrevError
from ..review.folder import Review

if TYPE_CHECKING:
    from ..records.workspace import Workspace


#: The commands in pipeline order, as ``--help`` lists them (each in its panel).
PIPELINE = (
    "init", "import", "sources",                 # Set up
    "dedup", "screen", "rules",                  # Prepare
    "rank", "review", "decide", "agreement",     # Screen
    "status", "flow", "export", "run",           # Report
    "simulate",                                  # Research
)


class _Commands(TyperGroup):
    """Turns the errors a user can fix into one red line on stderr and exit status 1, and
    lists the commands in pipeline order."""

    def list_commands(self, ctx):  # noqa: ANN001, ANN201 - click's signature
        names = super().list_commands(ctx)
        rank = {name: position for position, name in enumerate(PIPELINE)}
        return sorted(names, key=lambda name: (rank.get(name, len(rank)), name))

    def invoke(self, ctx):  # noqa: ANN001, ANN201 - click's signature
        try:
            return super().invoke(ctx)
        except ScreenrevError as exc:
            console.error(str(exc))
            raise typer.Exit(1) from None


def _type_unless_flag(self: TyperOption, ctx) -> str | None:  # noqa: ANN001 - click's context
    return None if self.is_flag else _display_type(self, ctx)


# typer 0.29 shows a flag's type (``--json <bool>``); a flag takes no value, so its help shows none.
_display_type = getattr(TyperOption, "display_type_rich", None)
if _display_type is not None:
    TyperOption.display_type_rich = _type_unless_flag

app = typer.Typer(
    name="screenrev",
    cls=_Commands,
    help="Reproducible screening for scoping and systematic reviews.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
export_app = typer.Typer(help="Write the review's records out for other tools.", no_args_is_help=True)
app.add_typer(export_app, name="export", rich_help_panel="Report")

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


def open_workspace(review: Review, *, up_to: str | None = None, say=console.info) -> "Workspace":
    """The review's workspace, rebuilt from its files (with a line on stderr) when needed.

    With ``up_to`` (``"dedup"`` or ``"rules"``), the stages up to that one are brought up to
    date first, one line on stderr for each stage recomputed, so that a command reading
    their output sees what the review's files say now: after a clone, a new export, a new
    duplicate-pair decision or an edited protocol. ``say`` takes each of those lines.
    """
    from ..records.workspace import Workspace

    workspace = Workspace.open(
        review, on_rebuild=lambda search: say(f"Rebuilding workspace: reading {search.file}")
    )
    if up_to is not None:
        from ..rules.stage import bring_up_to_date

        try:
            bring_up_to_date(review, workspace, say=say, rules=up_to == "rules")
        except BaseException:
            workspace.close()
            raise
    return workspace


def print_json(data: object) -> None:
    """Write ``data`` as indented JSON on stdout."""
    console.results().write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
