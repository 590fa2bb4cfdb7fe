"""``screenrev import`` killed (SIGKILL) at chosen points, and the folder afterwards.

The child process is the real command with one seam opened by a small preamble: at the
point the test names, it signals (a file) and waits to be killed, so the kill falls exactly
there, without timing. Whatever the point, the next commands work, nothing the manifest
names is lost, and no copy is left in ``searches/``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from screenrev.records.parse import sha256_of_file
from screenrev.review.folder import Review

from ..conftest import DATA, invoke

PREAMBLE = r"""
import os, sys, time
from pathlib import Path

from screenrev.records import stage
from screenrev.review.folder import Review

control = Path(os.environ["IMPORT_CONTROL"])
point = os.environ["IMPORT_KILL_AT"]


def paused(real):
    def wait_for_the_word(*args, **kwargs):
        (control / "here").touch()
        while not (control / "go").exists():
            time.sleep(0.01)
        return real(*args, **kwargs)
    return wait_for_the_word


def held(real):
    def wait_for_the_kill(*args, **kwargs):
        if point == "copied":
            real(*args, **kwargs)  # the copy is complete, under its hidden name
        (control / "here").touch()
        time.sleep(600)
    return wait_for_the_kill


if point == "copied":
    stage._copy_and_hash = held(stage._copy_and_hash)
elif point == "saving":
    Review.edit_searches = held(Review.edit_searches)
elif point == "placing":
    stage._place = held(stage._place)
elif point == "paused":  # before the manifest is written, holding searches/
    Review.edit_searches = paused(Review.edit_searches)

from screenrev.cli import main

sys.argv = ["screenrev", "import", *sys.argv[1:]]
main()
"""

EXPORT = DATA / "ris" / "proquest.ris"


def _killed(folder: Path, control: Path, point: str, *args: str, meanwhile: Callable[[], None] = lambda: None) -> None:
    """Run ``screenrev import ARGS`` in ``folder``, call ``meanwhile`` when it reaches
    ``point``, and kill it (SIGKILL) there."""
    environment = {**os.environ, "IMPORT_CONTROL": str(control), "IMPORT_KILL_AT": point}
    child = subprocess.Popen([sys.executable, "-c", PREAMBLE, *args], cwd=folder, env=environment,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (control / "here").exists():
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the import never reached the point"
            time.sleep(0.01)
        meanwhile()
        child.send_signal(signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
        child.stderr.close()


def _hidden(folder: Path) -> list[str]:
    return sorted(path.name for path in (folder / "searches").iterdir() if path.name != ".gitkeep"
                  and path.name.startswith("."))


@pytest.fixture
def control(tmp_path: Path) -> Path:
    folder = tmp_path / "control"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("point", ["copied", "saving", "placing"])
def test_an_import_killed_leaves_a_folder_the_next_commands_use(point: str, runner: CliRunner, review_dir: Path,
                                                               control: Path, tmp_path: Path) -> None:
    _killed(review_dir, control, point, str(EXPORT), "-d", "ProQuest")
    invoke(runner, "status")
    assert _hidden(review_dir) == []
    searches = Review(review_dir).searches()
    if point == "placing":  # the manifest was written: the search is whole, its export in place
        (search,) = searches
        assert sha256_of_file(review_dir / search.file) == search.sha256 == sha256_of_file(EXPORT)
        assert json.loads(invoke(runner, "sources", "--json").stdout)["total"] == search.records > 0
        return
    assert searches == []
    # A new download of the export, with other content, is imported under the same name:
    # no copy the manifest does not name stands in its way.
    download = tmp_path / "download" / EXPORT.name
    download.parent.mkdir()
    download.write_bytes(EXPORT.read_bytes() + b"\n")
    assert "imported" in invoke(runner, "import", str(download), "-d", "ProQuest").stdout
    assert sha256_of_file(review_dir / "searches" / EXPORT.name) == sha256_of_file(download)


@pytest.mark.parametrize("point", ["copied", "saving", "placing"])
def test_a_replacing_import_killed_keeps_the_export_the_manifest_names(point: str, runner: CliRunner,
                                                                       review_dir: Path, control: Path,
                                                                       tmp_path: Path) -> None:
    invoke(runner, "import", str(EXPORT), "-d", "ProQuest")
    download = tmp_path / "download" / EXPORT.name
    download.parent.mkdir()
    download.write_bytes(EXPORT.read_bytes() + b"\n")
    _killed(review_dir, control, point, str(download), "-d", "ProQuest", "--replace")
    invoke(runner, "status")
    assert _hidden(review_dir) == []
    (search,) = Review(review_dir).searches()
    expected = download if point == "placing" else EXPORT
    assert search.sha256 == sha256_of_file(expected) == sha256_of_file(review_dir / search.file)
    invoke(runner, "flow", "--json")


def test_a_running_import_keeps_its_copies_while_other_commands_run(runner: CliRunner, review_dir: Path,
                                                                     control: Path) -> None:
    left: list[list[str]] = []

    def status() -> None:
        invoke(runner, "status")
        left.append(_hidden(review_dir))

    _killed(review_dir, control, "saving", str(EXPORT), "-d", "ProQuest", meanwhile=status)
    assert len(left[0]) == 1 and left[0][0].startswith(f".{EXPORT.name}.")  # the running import's copy
    invoke(runner, "status")
    assert _hidden(review_dir) == []


def test_a_temporary_file_left_in_decisions_is_ignored(runner: CliRunner, review_dir: Path) -> None:
    invoke(runner, "import", str(EXPORT), "-d", "ProQuest")
    (review_dir / "decisions" / ".title_abstract-ab.csv.k3j5x_2q.tmp").write_bytes(b"")
    invoke(runner, "status")
    invoke(runner, "flow", "--json")


def _paused(folder: Path, control: Path, *args: str) -> subprocess.Popen:
    """``screenrev import ARGS`` in ``folder``, started and left waiting, with searches/ held,
    just before it writes the manifest: ``(control / "go").touch()`` lets it go on."""
    environment = {**os.environ, "IMPORT_CONTROL": str(control), "IMPORT_KILL_AT": "paused"}
    child = subprocess.Popen([sys.executable, "-c", PREAMBLE, *args], cwd=folder, env=environment,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (control / "here").exists():
        assert child.poll() is None, child.stderr.read().decode()
        assert time.monotonic() < deadline, "the import never reached the point"
        time.sleep(0.01)
    return child


def test_what_another_command_writes_to_the_manifest_during_an_import_is_kept(runner: CliRunner, review_dir: Path,
                                                                              control: Path) -> None:
    invoke(runner, "import", str(DATA / "ris" / "embase.ris"), "-d", "Embase")
    child = _paused(review_dir, control, str(EXPORT), "-d", "ProQuest")
    try:
        # while the import waits, having read the manifest, another command writes to it
        invoke(runner, "sources", "--set", "embase", "--limits", "English; 2010 onwards")
        (control / "go").touch()
        assert child.wait(60) == 0, child.stderr.read().decode()
    finally:
        if child.poll() is None:
            child.kill()
        child.stderr.close()
    searches = {search.name: search for search in Review(review_dir).searches()}
    assert set(searches) == {"embase", "proquest"}
    assert searches["embase"].limits == "English; 2010 onwards"


def test_two_imports_at_once_both_land_in_the_manifest(runner: CliRunner, review_dir: Path, control: Path) -> None:
    first = _paused(review_dir, control, str(EXPORT), "-d", "ProQuest")
    second = subprocess.Popen([sys.executable, "-m", "screenrev", "import", str(DATA / "ris" / "embase.ris"),
                               "-d", "Embase"], cwd=review_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(1.5)  # the second reads the manifest, then waits for searches/
        assert second.poll() is None
        (control / "go").touch()
        assert first.wait(60) == 0, first.stderr.read().decode()
        assert second.wait(60) == 0, second.stderr.read().decode()
    finally:
        for child in (first, second):
            if child.poll() is None:
                child.kill()
            child.stderr.close()
    assert {search.name for search in Review(review_dir).searches()} == {"proquest", "embase"}
    assert json.loads(invoke(runner, "sources", "--json").stdout)["total"] == sum(
        search.records for search in Review(review_dir).searches())
