"""The package shows the pipeline: one package per stage, and no import from a lower stage to a higher one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "screenrev"

#: The stages, lowest first: a module may import its own stage and the ones before it.
STAGES = ("review", "records", "dedup", "rules", "decisions", "rank", "flow")
#: Shared by every stage; they import no stage and no command.
SHARED = ("errors", "console", "forked", "fingerprint")
#: The command line and the entry points sit above every stage.
TOP = ("cli", "__main__")


def layer(module: str) -> tuple[str, int]:
    """The layer of a ``screenrev.…`` module: its name and its height."""
    parts = module.split(".")
    head = parts[1] if len(parts) > 1 else "__init__"
    if head in SHARED or head in ("__init__", "__version__"):
        return head, -1
    if head in STAGES:
        return head, STAGES.index(head)
    if head in TOP:
        return head, len(STAGES)
    raise AssertionError(f"{module}: not in a stage, the shared modules or the command line")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(module: str, source: str, *, is_package: bool) -> list[tuple[int, str]]:
    """``(line, imported module)`` for every import of a ``screenrev`` module in ``source``."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "screenrev":
                # ``from screenrev import forked``: the names are the modules imported.
                found.extend((node.lineno, f"screenrev.{alias.name}") for alias in node.names)
            elif target.startswith("screenrev."):
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names if alias.name.startswith("screenrev."))
    return found


def upward_imports(sources: dict[Path, str], root: Path) -> list[str]:
    """Every import that runs from a lower layer to a higher one, as ``file:line: a -> b``."""
    problems = []
    for path, source in sorted(sources.items()):
        module = module_name(path, root)
        name, height = layer(module)
        for line, target in imports(module, source, is_package=path.name == "__init__.py"):
            target_name, target_height = layer(target)
            if target_name == name:
                continue
            if height < 0 and target_height >= 0 or target_height > height:
                problems.append(f"{path.relative_to(root)}:{line}: {name} imports {target_name}")
    return problems


def package_sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py")}


def test_no_stage_imports_a_higher_one() -> None:
    assert upward_imports(package_sources(), PACKAGE) == []


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("records/parse.py", "from ..rules.engine import Screener"),
        ("dedup/stage.py", "from ..flow import counts"),
        ("rules/engine.py", "    from screenrev.rank.stage import Ranker"),
        ("errors.py", "from .review.folder import Review"),
        ("flow/counts.py", "from ..cli._app import app"),
        ("review/folder.py", "from screenrev import records"),
    ],
)
def test_an_upward_import_is_found(module: str, line: str) -> None:
    sources = package_sources()
    path = PACKAGE / module
    sources[path] += f"\n\ndef later():\n{line if line.startswith(' ') else '    ' + line}\n"
    problems = upward_imports(sources, PACKAGE)
    assert len(problems) == 1 and problems[0].startswith(f"{module}:"), problems


def test_the_top_level_holds_the_stages_the_command_line_and_shared_modules() -> None:
    names = {path.name for path in PACKAGE.iterdir() if path.name != "__pycache__"}
    expected = {*STAGES, "cli", "__init__.py", "__main__.py", *(f"{name}.py" for name in SHARED)}
    assert names == expected


@pytest.mark.parametrize("stage", [stage for stage in STAGES if stage != "review"])
def test_every_stage_runs_over_a_review_in_a_module_named_stage(stage: str) -> None:
    assert (PACKAGE / stage / "stage.py").is_file()
