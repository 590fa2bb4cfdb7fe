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
    Review.save_searches = held(Review.save_searches)
elif point == "placing":
    stage._place = held(stage._place)

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
