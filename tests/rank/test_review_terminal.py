"""``screenrev review`` driven through a pseudo-terminal, as a screener uses it.

The child process is the real command, with two seams opened by a small preamble: the
ranker's trainings after the first wait for the test's go-ahead (a file) and return the
order reversed, and each end of a training is signalled (a file). The test can thus let a
training finish exactly between the drawing of a record and the key press, without timing.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ..conftest import DATA, invoke

RECORDS = DATA / "screening" / "nagtegaal_2019_first200.csv"
KEY = re.compile(r"nagtegaal-2019-first200-[0-9a-f]{16}")
CLEAR = "\x1b[2J"

PREAMBLE = r"""
import os, sys, time
from pathlib import Path

from screenrev.rank import session as session_module
from screenrev.rank.stage import Ranker

control = Path(os.environ["REVIEW_CONTROL"])
real_order = Ranker.order
calls = [0]


def order(self, labels):
    calls[0] += 1
    if calls[0] == 1:
        return real_order(self, labels)
    while not (control / f"release-{calls[0]}").exists():
        time.sleep(0.005)
    return list(reversed(real_order(self, labels)))


real_train = session_module.Session._train_while_wanted


def train(self):
    real_train(self)
    (control / f"trained-{calls[0]}").touch()


Ranker.order = order
session_module.Session._train_while_wanted = train

if os.environ.get("REVIEW_HOLD_WRITE"):
    from contextlib import contextmanager
    from screenrev.decisions import files

    real_atomic = files.atomic_text
    writes = [0]

    @contextmanager
    def held_atomic_text(path):
        writes[0] += 1
        with real_atomic(path) as out:
            yield out
            if writes[0] == int(os.environ["REVIEW_HOLD_WRITE"]):
                out.flush()
                (control / "writing").touch()
                time.sleep(600)  # killed here: the new file is written but not yet in place

    files.atomic_text = held_atomic_text

sys.argv = ["screenrev", "review", "--reviewer", "PT"]
from screenrev.cli import main

main()
"""


class Terminal:
    """A child process on a pseudo-terminal of 120 × 60, read screen by screen."""

    def __init__(self, folder: Path, control: Path, **env: str) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 120, 0, 0))
        environment = {**os.environ, "REVIEW_CONTROL": str(control), "TERM": "xterm-256color", **env}
        environment.pop("COLUMNS", None)
        self.process = subprocess.Popen([sys.executable, "-c", PREAMBLE], cwd=folder, stdin=slave, stdout=slave,
                                        stderr=slave, env=environment, start_new_session=True)
        os.close(slave)
        self.output = ""
        self.screens = 0

    def read_until(self, pattern: str, timeout: float = 60) -> str:
        """Read until ``pattern`` (a regex) appears on a screen drawn since the last key press
        (in the output since the last screen clear)."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.output.rsplit(CLEAR, 1)[-1]
            if self.output.count(CLEAR) >= self.screens and re.search(pattern, screen):
                return screen
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{pattern!r} not on screen; last screen:\n{screen[-3000:]}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"the program ended before {pattern!r}; output:\n{self.output[-3000:]}")
                self.output += chunk.decode("utf-8", "replace")

    def read_to_end(self, timeout: float = 60) -> str:
        """Everything the program writes until it closes the terminal."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], deadline - time.monotonic())
            try:
                chunk = os.read(self.master, 65536) if ready else b""
            except OSError:  # the program has ended and closed the terminal
                break
            if not chunk:
                break
            self.output += chunk.decode("utf-8", "replace")
        return self.output

    def drawn_key(self) -> str:
        """The key of the record on screen (the panel's title), once the footer is drawn."""
        screen = self.read_until(r"\[q\] quit")
        return KEY.search(screen).group()

    def press(self, key: str) -> None:
        """Type a key once the program is reading one (the terminal in raw mode): a key typed
        before that is discarded when raw mode starts, so that no key decides a record the
        screener has not seen."""
        deadline = time.monotonic() + 60
        while termios.tcgetattr(self.master)[3] & termios.ICANON:
            assert time.monotonic() < deadline, "the program never waited for a key"
            time.sleep(0.005)
        self.screens = self.output.count(CLEAR) + 1  # what the key does shows on the next screen
        os.write(self.master, key.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)
        os.close(self.master)


def wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.01)


def saved_rows(folder: Path) -> list[tuple[str, str]]:
    path = folder / "decisions" / "title_abstract-pt.csv"
    if not path.exists():
        return []
    return [(row["key"], row["decision"]) for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))]


@pytest.fixture
def folder(runner: CliRunner, review_dir: Path) -> Path:
    invoke(runner, "import", str(RECORDS), "-d", "PubMed")
    invoke(runner, "dedup")
    return review_dir


def test_the_key_decides_the_record_drawn_while_a_training_reorders_the_records(folder: Path, tmp_path: Path) -> None:
    control = tmp_path / "control"
    control.mkdir()
    terminal = Terminal(folder, control)
    try:
        first = terminal.drawn_key()
        terminal.press("m")
        screen = terminal.read_until(r"Saved: maybe")
        assert f"Saved: maybe {first}" in screen
        drawn = terminal.drawn_key()  # drawn from the order before the training (it waits)
        assert drawn != first
        (control / "release-2").touch()
        wait_for(control / "trained-2")  # the order is now reversed, with ``drawn`` still on screen
        terminal.press("i")
        screen = terminal.read_until(r"Saved: include")
        assert f"Saved: include {drawn}" in screen
        assert saved_rows(folder) == [(first, "maybe"), (drawn, "include")]
        (control / "release-3").touch()
        wait_for(control / "trained-3")
        terminal.press("q")
        assert "Stopped; every decision is saved." in terminal.read_to_end()
        assert terminal.process.wait(30) == 0
    finally:
        terminal.close()


def _screen_and_kill(folder: Path, control: Path, keys: str, **env: str) -> list[tuple[str, str]]:
    """Press ``keys``, noting each decision the screen says is saved; then SIGKILL the process."""
    for number in range(2, 2 + len(keys)):
        (control / f"release-{number}").touch()  # trainings run freely
    terminal = Terminal(folder, control, **env)
    shown: list[tuple[str, str]] = []
    try:
        for key in keys:
            drawn = terminal.drawn_key()
            terminal.press(key)
            if env.get("REVIEW_HOLD_WRITE") and len(shown) + 1 == int(env["REVIEW_HOLD_WRITE"]):
                wait_for(control / "writing")
                break
            screen = terminal.read_until(r"Saved: \w+ " + KEY.pattern)
            decision, key_saved = re.search(r"Saved: (\w+) (" + KEY.pattern + ")", screen).groups()
            assert key_saved == drawn
            shown.append((key_saved, decision))
        os.killpg(terminal.process.pid, signal.SIGKILL)
        assert terminal.process.wait(30) == -signal.SIGKILL
    finally:
        terminal.close()
    return shown


def test_killed_between_key_presses_every_decision_shown_as_saved_is_kept(folder: Path, tmp_path: Path,
                                                                          runner: CliRunner) -> None:
    control = tmp_path / "control"
    control.mkdir()
    shown = _screen_and_kill(folder, control, "imimi")
    assert saved_rows(folder) == shown and len(shown) == 5
    # The review carries on: the next session starts after the saved decisions.
    assert '"decided": 5' in invoke(runner, "rank", "--json", "--reviewer", "PT").stdout


def test_killed_while_a_decision_is_written_the_file_keeps_every_decision_shown(folder: Path, tmp_path: Path,
                                                                              runner: CliRunner) -> None:
    control = tmp_path / "control"
    control.mkdir()
    shown = _screen_and_kill(folder, control, "imi", REVIEW_HOLD_WRITE="3")
    assert len(shown) == 2
    assert saved_rows(folder) == shown  # the third decision was never shown as saved, nor half-written
    assert '"decided": 2' in invoke(runner, "rank", "--json", "--reviewer", "PT").stdout
