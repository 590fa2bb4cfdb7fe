"""Every example review runs end to end from its files and gives the flow its manifest expects."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from .conftest import EXAMPLES, invoke

REVIEWS = sorted(path.parent.name for path in EXAMPLES.glob("*/screenrev.toml"))


def _copy(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / name
    shutil.copytree(EXAMPLES / name, folder, ignore=shutil.ignore_patterns(".screenrev", "out"))
    monkeypatch.chdir(folder)
    return folder


def test_there_are_examples() -> None:
    assert {"ibd-psychology", "nagtegaal-2019"} <= set(REVIEWS)


@pytest.mark.parametrize("name", REVIEWS)
def test_example_runs_and_matches_its_expected_flow(
    name: str, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copy(name, tmp_path, monkeypatch)
    invoke(runner, "run")
    assert (folder / "out" / "prisma-flow.svg").is_file()
    assert invoke(runner, "flow", "--check").stdout.startswith("OK")


def test_nagtegaal_decisions_are_regenerated_from_the_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy("nagtegaal-2019", tmp_path, monkeypatch)
    committed = {path.name: path.read_bytes() for path in (folder / "decisions").glob("*.csv")}
    for path in (folder / "decisions").glob("*.csv"):
        path.unlink()
    subprocess.run([sys.executable, "make_decisions.py"], cwd=folder, check=True, capture_output=True)
    assert {path.name: path.read_bytes() for path in (folder / "decisions").glob("*.csv")} == committed


def test_nagtegaal_flow(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _copy("nagtegaal-2019", tmp_path, monkeypatch)
    flow = json.loads(invoke(runner, "run", "--json").stdout)
    # 11 duplicates known in the data set, and records 1961/1962, the same article labelled included twice.
    assert (flow["identified"], flow["duplicates"], flow["records_screened"]) == (2019, 12, 2007)
    assert (flow["dbr_sought_reports"], flow["dbr_assessed"], flow["new_studies"]) == (388, 388, 100)
