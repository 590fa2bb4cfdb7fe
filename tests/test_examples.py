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
    assert {"ibd-psychology", "nagtegaal-2019", "kitchenham-update"} <= set(REVIEWS)


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


def test_kitchenham_update_flow(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _copy("kitchenham-update", tmp_path, monkeypatch)
    flow = json.loads(invoke(runner, "run", "--json").stdout)
    # The second run finds all 1,704 records; 1,207 the first version had found count as duplicates.
    assert (flow["identified"], flow["duplicates"], flow["records_screened"]) == (1704, 1209, 495)
    # Two pairs of the earlier version's 33 reports are linked: 31 studies.
    assert (flow["previous_studies"], flow["new_studies"], flow["total_studies"]) == (31, 12, 43)
    assert (flow["previous_reports"], flow["new_reports"], flow["total_reports"]) == (33, 12, 45)
    runs = {s["search"]: s for s in json.loads(invoke(runner, "sources", "--json").stdout)["searches"]}
    assert (runs["search"]["new"], runs["search-run2"]["new"], runs["search-run2"]["update_of"]) == (1207, 497, "search")


def test_kitchenham_update_is_rebuilt_from_the_data_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = EXAMPLES.parents[1] / "shared" / "data" / "screening" / "kitchenham_2010" / "Kitchenham_2010.csv"
    if not source.is_file():
        pytest.skip("../shared is not beside the project")
    folder = _copy("kitchenham-update", tmp_path, monkeypatch)
    committed = {path.relative_to(folder).as_posix(): path.read_bytes()
                 for path in [*(folder / "searches").iterdir(), *(folder / "decisions").iterdir(),
                              folder / "screenrev.toml"]}
    subprocess.run([sys.executable, "build.py", str(source)], cwd=folder, check=True, capture_output=True)
    rebuilt = {path.relative_to(folder).as_posix(): path.read_bytes()
               for path in [*(folder / "searches").iterdir(), *(folder / "decisions").iterdir(),
                            folder / "screenrev.toml"]}
    assert rebuilt == committed  # byte for byte: the example is what its script makes of the data set
