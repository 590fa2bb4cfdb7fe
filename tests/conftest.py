"""Shared fixtures: paths to the bundled data and a CLI runner that keeps stderr apart."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# Rich wraps at the terminal width: fix it so output is the same on every machine.
os.environ["COLUMNS"] = "120"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def review_dir(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty review folder, made current directory."""
    from screenrev.cli import app

    folder = tmp_path / "review"
    result = runner.invoke(app, ["init", str(folder), "--title", "Test review"], catch_exceptions=False)
    assert result.exit_code == 0
    monkeypatch.chdir(folder)
    return folder


def invoke(runner: CliRunner, *args: str, ok: bool = True):
    """Run a command; on ``ok`` runs, let exceptions through and require exit status 0."""
    from screenrev.cli import app

    result = runner.invoke(app, list(args), catch_exceptions=not ok)
    if ok:
        assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of examples/ibd-psychology, made current directory."""
    folder = tmp_path / "ibd-psychology"
    shutil.copytree(EXAMPLES / "ibd-psychology", folder, ignore=shutil.ignore_patterns(".screenrev", "out"))
    monkeypatch.chdir(folder)
    return folder
