"""Import speed: screenrev's whole import against rispy's bare parse of the same RIS file.

    python bench/records.py                 # 100,000 records
    python bench/records.py --records 1000000
    python bench/records.py --processes 1   # storing in one process, whatever the cores
    python bench/records.py --repeat 5      # the best of five runs of each

Builds a large RIS file by repeating the records of a real Web of Science export (each
copy with its own accession number), then times
  * rispy.load (parse only, into dicts), and
  * screenrev's import: decode, detect, parse, count check, map, normalise, key and store
    in the SQLite workspace, through the same function the CLI calls.
On a machine with idle cores, workers parse, map and store the later parts of the file
while this process reads the first (``parse.Split``); ``--processes 1`` times one process.
Prints both, the ratio (target: screenrev <= 1.5 x rispy) and peak memory (of this
process; the workers are counted apart).
"""

from __future__ import annotations

import argparse
import gc
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "exports"
SOURCE = SHARED / "ris" / "wos" / "WoS.ris"
FALLBACK = ROOT / "tests" / "data" / "ris" / "web_of_science.txt"


def build(records: int, target: Path) -> Path:
    """Repeat a real export's records until there are ``records`` of them."""
    source = SOURCE if SOURCE.exists() else FALLBACK
    text = source.read_text(encoding="utf-8-sig")
    blocks = [b.strip("\n") + "\n" for b in re.split(r"(?m)^ER  -.*\n", text) if b.strip()]
    with target.open("w", encoding="utf-8") as out:
        for number in range(records):
            block = blocks[number % len(blocks)]
            copy = number // len(blocks)
            out.write(re.sub(r"(?m)^AN  - (.*)$", rf"AN  - \1-{copy}", block, count=1))
            out.write("ER  - \n\n")
    print(f"built {records:,} records from {source.name} ({len(blocks)} distinct), "
          f"{target.stat().st_size / 1e6:.0f} MB")
    return target


def time_rispy(path: Path) -> tuple[float, int]:
    import rispy

    gc.collect()
    start = time.perf_counter()
    with path.open(encoding="utf-8") as handle:
        entries = rispy.load(handle)
    return time.perf_counter() - start, len(entries)


def time_screenrev(path: Path, processes: int) -> tuple[float, int]:
    from screenrev.records.stage import import_files
    from screenrev.review.folder import Review

    with tempfile.TemporaryDirectory() as folder:
        review = Review.create(Path(folder) / "review", title="bench")
        gc.collect()
        start = time.perf_counter()
        results = import_files(review, [path], database="Web of Science", processes=processes)
        elapsed = time.perf_counter() - start
    return elapsed, results[0].records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--skip-rispy", action="store_true", help="time screenrev only (large runs)")
    parser.add_argument("--processes", type=int, help="processes storing the records (default: idle cores)")
    parser.add_argument("--repeat", type=int, default=1, help="time both this many times; the fastest counts")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from screenrev.forked import processes_for

    processes = args.processes or processes_for(args.records)
    with tempfile.TemporaryDirectory() as folder:
        path = build(args.records, Path(folder) / "bench.ris")
        # Alternated, so that both meet the same load from other programs.
        runs = [
            (None if args.skip_rispy else time_rispy(path), time_screenrev(path, processes))
            for _ in range(args.repeat)
        ]
        if not args.skip_rispy:
            rispy_time, rispy_count = min(rispy for rispy, _ in runs)
            print(f"rispy.load         {rispy_time:7.2f} s  {rispy_count:>9,} records  "
                  f"{rispy_count / rispy_time:>9,.0f} records/s")
        ours, count = min(screenrev for _, screenrev in runs)
        print(f"screenrev import   {ours:7.2f} s  {count:>9,} records  {count / ours:>9,.0f} records/s"
              f"  (parse + normalise + store; {processes} process{'es' if processes > 1 else ''})")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory        {peak:7.0f} MB"
              + (f"  (a worker: {workers:.0f} MB resident, mostly shared with this process)" if workers else ""))
        if not args.skip_rispy:
            ratio = min(screenrev[0] / rispy[0] for rispy, screenrev in runs)
            verdict = "meets" if ratio <= 1.5 else "MISSES"
            repeats = f", best of {args.repeat}" if args.repeat > 1 else ""
            print(f"ratio              {ratio:7.2f} x rispy's bare parse ({verdict} the 1.5 x target{repeats})")


if __name__ == "__main__":
    main()
