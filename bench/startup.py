"""How long each everyday command takes as a whole process, on a 10,000-record review.

    .venv/bin/python bench/startup.py                 # 10,000 records, 7 runs of each command
    .venv/bin/python bench/startup.py --records 2000 --runs 3

The review is built as bench/flow.py builds its own (the labelled screening sets of
../shared/data exported by several "databases", imported, deduplicated, and decided at both
stages by two reviewers from the sets' labels), with bench/ten_criteria.yaml as its
protocol, applied once in the set-up. Then each command runs as a new process, as a
reviewer types it, with the workspace current: ``--version``, ``--help``, ``sources``,
``decide`` (one decision, a different record each run), ``flow --json``, ``agreement``,
``status`` and ``rank --status``; ``python -c pass`` is the floor any Python command pays.
Each command runs once unmeasured (Python writes its compiled modules, the
workspace is warm), then ``--runs`` times; the median is printed beside the floor. Targets: each under 0.5 s, and one
``decide`` plus one ``flow`` together under 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from flow import build_searches, write_decisions  # noqa: E402

from screenrev.dedup.stage import deduplicate_review  # noqa: E402
from screenrev.records.stage import import_files  # noqa: E402
from screenrev.records.workspace import Workspace  # noqa: E402
from screenrev.review.folder import Review  # noqa: E402
from screenrev.rules.stage import screen_review  # noqa: E402

EACH = 0.5
DECIDE_AND_FLOW = 1.0


def build(records: int, folder: Path) -> tuple[Review, list[str]]:
    """The review, and the keys of records nobody has decided (for ``decide``)."""
    review = Review.create(folder / "review", title="startup bench")
    for path, database in build_searches(records, folder):
        import_files(review, [path], database=database)
    shutil.copy(ROOT / "bench" / "ten_criteria.yaml", review.protocol_path)
    review = Review(review.root)
    with Workspace.open(review) as workspace:
        deduplicate_review(review, workspace)
    write_decisions(review)
    review = Review(review.root)
    with Workspace.open(review) as workspace:
        screen_review(review, workspace)
        decided = {line.split(",", 1)[0] for path in review.decisions_dir.glob("*.csv")
                   for line in path.read_text(encoding="utf-8").splitlines()[1:]}
        clusters = dict(workspace.db.execute("SELECT key, cluster FROM duplicates"))
        undecided_clusters = set(clusters.values()) - {clusters[key] for key in decided if key in clusters}
        free = sorted(key for key, cluster in clusters.items() if cluster in undecided_clusters and key == cluster)
    return review, free


#: As a reviewer's machine runs it: Python keeps the compiled modules (some shells, and
#: this workplace's, set PYTHONDONTWRITEBYTECODE, which recompiles every module at every start).
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=ENVIRONMENT)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {result.stderr.strip()}")
    if "Marking duplicates" in result.stderr or "Applying the protocol" in result.stderr:
        raise SystemExit(f"{' '.join(command)} recomputed a stage: the workspace was not current")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not (ROOT.parent / "shared" / "data" / "screening").is_dir():
        raise SystemExit("../shared/data/screening not found: the benchmark needs ../shared/data")
    screenrev = str(Path(sys.executable).parent / "screenrev")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        review, free = build(args.records, Path(folder))
        print(f"set-up: {time.perf_counter() - start:.1f} s; {len(free):,} records left undecided for decide")
        keys = iter(free)
        commands = {
            "python -c pass": lambda: [sys.executable, "-c", "pass"],
            "screenrev --version": lambda: [screenrev, "--version"],
            "screenrev --help": lambda: [screenrev, "--help"],
            "screenrev sources": lambda: [screenrev, "sources"],
            "screenrev decide (one decision)": lambda: [screenrev, "decide", next(keys), "--decision", "exclude",
                                                        "--reviewer", "C"],
            "screenrev flow --json": lambda: [screenrev, "flow", "--json"],
            "screenrev agreement": lambda: [screenrev, "agreement", "--stage", "title_abstract"],
            "screenrev status": lambda: [screenrev, "status"],
            "screenrev rank --status": lambda: [screenrev, "rank", "--status", "--reviewer", "C"],
        }
        medians = {}
        for name, command in commands.items():
            run(command(), review.root)  # once first: the compiled modules are written, the workspace is warm
            times = [run(command(), review.root) for _ in range(args.runs)]
            medians[name] = statistics.median(times)
            print(f"{name:<34} {medians[name]:6.3f} s  (min {min(times):.3f}, max {max(times):.3f})")
    floor = medians.pop("python -c pass")
    print(f"floor: python -c pass {floor:.3f} s; the commands above pay it too")
    slow = [name for name, seconds in medians.items() if seconds >= EACH]
    print(f"target: each command under {EACH} s at {args.records:,} records: "
          + ("met" if not slow else "NOT met by " + ", ".join(slow)))
    pair = medians["screenrev decide (one decision)"] + medians["screenrev flow --json"]
    print(f"target: decide + flow under {DECIDE_AND_FLOW} s: {'met' if pair < DECIDE_AND_FLOW else 'NOT met'} "
          f"({pair:.3f} s)")


if __name__ == "__main__":
    main()
