"""ASReview's default model run on the same labelled sets and seeds as screenrev, for the ranking bench.

ASReview lives in an environment of its own (``make asreview`` builds ``.asreview/`` with
ASReview 3.0.8; its dependencies would otherwise pin screenrev's). For each seed, the set
is written as a CSV holding only title, abstract, keywords, authors and the final
inclusion label, then

    asreview simulate data.csv --n-prior-included 1 --n-prior-excluded 1
                               --prior-seed SEED --seed SEED -o SEED.asreview

runs its default model (elas_u4) until the last relevant record is found, and the
labels in the order ASReview screened them (priors first) are read from the project's
``results.db`` and measured by screenrev's own ``screening_metrics``, so that both tools'
WSS@95 are computed the same way. The two prior records it drew are read too (their rows
in the file): the bench starts screenrev's run of the same seed from them, so that the
two tools are compared from the same start.

A run is deterministic (the seeds fix the priors and the model), and ASReview takes
minutes on the larger sets: each run's WSS@95 and priors are kept in
``bench/out/asreview.json`` under the ASReview version, the labelled file's SHA-256 and
the seed, and reused.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import sqlite3
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from screenrev.rank.metrics import screening_metrics

VERSION = "3.0.8"
COLUMNS = ("title", "abstract", "keywords", "authors", "label_included")


@dataclass(frozen=True)
class Run:
    """One ASReview run: its WSS@95 and the rows of the file it started from (included, excluded)."""

    wss95: float
    priors: tuple[int, int]


def find(explicit: str | None, root: Path) -> Path | None:
    """The ``asreview`` command to run: the one given, else the project's ``.asreview`` one."""
    if explicit:
        return Path(explicit)
    built = root / ".asreview" / "bin" / "asreview"
    return built if built.exists() else None


@functools.cache
def version(command: Path) -> str:
    """What ``asreview --version`` says (the bench compares with 3.0.8)."""
    with tempfile.TemporaryDirectory(prefix="asreview-") as folder:  # it leaves a cache where it runs
        done = subprocess.run([str(command), "--version"], capture_output=True, text=True, check=True, cwd=folder)
    return done.stdout.strip().split()[-1]


def runs(command: Path, labelled: Path, seeds: list[int], cache: Path) -> list[Run]:
    """ASReview's runs on one labelled CSV, one per seed (kept in ``cache``)."""
    known = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else {}
    prefix = f"{version(command)}:{hashlib.sha256(labelled.read_bytes()).hexdigest()}:"
    with tempfile.TemporaryDirectory(prefix="asreview-") as folder:
        data = Path(folder) / "data.csv"
        labels = _write(labelled, data)
        records, relevant = len(labels), sum(labels)
        found = []
        for seed in seeds:
            if not isinstance(known.get(prefix + str(seed)), dict):  # a bare number: kept before priors were
                project = Path(folder) / f"{seed}.asreview"
                subprocess.run(
                    [str(command), "simulate", str(data), "--n-prior-included", "1", "--n-prior-excluded", "1",
                     "--prior-seed", str(seed), "--seed", str(seed), "-o", str(project)],
                    cwd=folder, capture_output=True, check=True,
                )
                rows = _screened(project, Path(folder) / f"{seed}.db")
                if any(labels[row] != label for row, label in rows):
                    raise RuntimeError(f"{labelled}: ASReview's rows do not match the file's labels")
                order = [label for _, label in rows]
                known[prefix + str(seed)] = {
                    "wss95": screening_metrics(order, records, relevant, priors=2).wss95,
                    "priors": [rows[0][0], rows[1][0]],
                }
                cache.parent.mkdir(parents=True, exist_ok=True)
                cache.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
            run = known[prefix + str(seed)]
            found.append(Run(run["wss95"], tuple(run["priors"])))
        return found


def labels(labelled: Path) -> list[int]:
    """The labels of the file's rows, in order (ASReview's priors are rows of the file)."""
    return _labels(_rows(labelled))


def _rows(labelled: Path) -> list[dict]:
    with labelled.open(encoding="utf-8", newline="") as source:
        return list(csv.DictReader(source))


def _labels(rows: list[dict]) -> list[int]:
    return [int(row["label_included"]) for row in rows]


def _write(labelled: Path, data: Path) -> list[int]:
    """The set as ASReview reads it; the labels in file order."""
    rows = _rows(labelled)
    with data.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([row.get(column) or "" for column in COLUMNS])
    return _labels(rows)


def _screened(project: Path, database: Path) -> list[tuple[int, int]]:
    """(row in the file, label) of the records in the order ASReview screened them, priors first."""
    with zipfile.ZipFile(project) as archive, archive.open("results.db") as packed:
        database.write_bytes(packed.read())
    connection = sqlite3.connect(database)
    try:
        return connection.execute(
            "SELECT record.dataset_row, results.label FROM results"
            " JOIN record ON record.record_id = results.record_id ORDER BY results.rowid"
        ).fetchall()
    finally:
        connection.close()
