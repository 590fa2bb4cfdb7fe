"""Exports cut off at random places: a clear error, a flagged risk, or whole records, never a traceback.

    .venv/bin/python bench/cuts.py                 # every fixture and export, 2,400 cuts in all
    .venv/bin/python bench/cuts.py --cuts 20000

Every file of tests/data and ../shared/data/exports is read whole, then cut at random
byte offsets (seeded) and read again, as ``screenrev import`` reads it (risks not
accepted). Each cut ends one way:

* refused: an ``InputError`` naming the file (undecodable, no record, a risk such as a
  last RIS record without ``ER``…);
* whole records: the records read are records of the whole file, unchanged (the cut fell
  between records, or only removed what follows the last one);
* warned: a record differs from the whole file's, and the import says so in a warning
  (one the whole file does not give, or one asking whether the file is cut off: a warning
  the whole file gives too, about something else, says nothing of the cut);
* silent truncation: a record differs from the whole file's (a fragment) and nothing
  was said: data lost without a word;
* traceback: any other exception, a bug.

Prints the count of each, by the format of the file, and the cases of the last two kinds.

Then ``screenrev import`` is run, in a process of its own, on large files of garbage
(random bytes, random bytes without NUL, one line with no line break, lines of prose) and
its peak memory printed: each is refused in one line, and the target is a peak below the
file's size.

    .venv/bin/python bench/cuts.py --garbage-mb 1000   # 1 GB of each (default 200 MB; 0: none)
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from screenrev.errors import InputError  # noqa: E402
from screenrev.records.parse import ParsedFile, read_export  # noqa: E402

SOURCES = (ROOT / "tests" / "data", ROOT.parent / "shared" / "data" / "exports")
SKIP = {".md", ".tsv"}


def files() -> list[Path]:
    found = []
    for folder in SOURCES:
        if folder.is_dir():
            found += sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() not in SKIP
                            and "dedup" not in p.parts and "screening" not in p.parts)
    return found


#: Words of the warnings that ask whether a file is cut off.
CUT_WORDS = ("cut off", "truncat")


def outcome(path: Path, whole: ParsedFile, data: bytes) -> tuple[str, str]:
    try:
        parsed = read_export(path.name, data)
    except InputError as error:
        return "refused", str(error)
    except Exception:  # noqa: BLE001 - what this run looks for
        return "traceback", traceback.format_exc(limit=3)
    records = parsed.records
    changed = [n for n, record in enumerate(records) if n >= len(whole.records) or record != whole.records[n]]
    if not changed:
        return "whole records", ""
    said = [warning for warning in parsed.warnings
            if warning not in whole.warnings or any(word in warning for word in CUT_WORDS)]
    return ("warned", "; ".join(said)) if said else ("silent truncation", f"record {changed[0] + 1}")


def _garbage(kind: str, path: Path, size: int) -> None:
    """``size`` bytes of one kind of garbage."""
    block = 10_000_000
    with path.open("wb") as out:
        for start in range(0, size, block):
            length = min(block, size - start)
            if kind == "random bytes":
                out.write(os.urandom(length))
            elif kind == "random bytes, no NUL":
                out.write(os.urandom(length).replace(b"\0", b"\1"))
            elif kind == "one line":
                out.write(b"abcdefghij" * (length // 10))
            else:
                line = b"lorem ipsum dolor sit amet, in no format screenrev reads\n"
                out.write(line * (length // len(line)))


def garbage_memory(megabytes: int) -> list[str]:
    """Lines saying the peak memory of ``screenrev import`` refusing garbage files of
    ``megabytes`` MB each. (Run while this process is small: a child's peak counts the
    memory of the process it was forked from.)"""
    size = megabytes * 1_000_000
    lines = [f"screenrev import on {megabytes:,} MB of garbage (target: refused, peak memory below the file's size)"]
    with tempfile.TemporaryDirectory() as folder:
        review = Path(folder) / "review"
        subprocess.run([sys.executable, "-m", "screenrev", "init", str(review)], check=True, capture_output=True)
        for kind in ("random bytes", "random bytes, no NUL", "one line", "lines of prose"):
            export = Path(folder) / "garbage.txt"
            _garbage(kind, export, size)
            started = time.perf_counter()
            child = subprocess.Popen([sys.executable, "-m", "screenrev", "import", str(export), "-d", "Garbage"],
                                     cwd=review, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            stderr = child.stderr.read()
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - started
            peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB elsewhere
            said = (stderr.strip().splitlines() or ["(nothing)"])[-1][:90]
            lines.append(f"  {kind:<22} exit {os.waitstatus_to_exitcode(status)}  peak {peak / 1e6:>7,.0f} MB  "
                         f"{seconds:5.1f} s  {'met' if peak < size else 'NOT met'}  {said}")
            export.unlink()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuts", type=int, default=2400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--garbage-mb", type=int, default=200, help="size of each garbage file (0: none)")
    args = parser.parse_args()
    garbage = garbage_memory(args.garbage_mb) if args.garbage_mb else []
    paths = []
    wholes = {}
    for path in files():
        try:
            parsed = read_export(path.name, path.read_bytes(), accept_risks=True)
        except InputError:
            continue  # files that are refused whole (the deliberately broken fixtures)
        paths.append(path)
        wholes[path] = parsed
    rng = random.Random(args.seed)
    counts: dict[str, Counter] = defaultdict(Counter)
    cases: list[tuple[str, str, int, str]] = []
    for number in range(args.cuts):
        path = paths[number % len(paths)]
        data = path.read_bytes()
        at = rng.randrange(1, len(data)) if len(data) > 1 else 1
        kind, detail = outcome(path, wholes[path], data[:at])
        counts[wholes[path].format][kind] += 1
        if kind in ("silent truncation", "traceback"):
            cases.append((kind, str(path.relative_to(path.parents[2])), at, detail))
    total = Counter()
    for kinds in counts.values():
        total.update(kinds)
    kinds = ("refused", "whole records", "warned", "silent truncation", "traceback")
    print(f"{args.cuts:,} cuts of {len(paths)} files (fixtures and ../shared exports), seed {args.seed}")
    print(f"{'format':<24}" + "".join(f"{kind:>19}" for kind in kinds))
    for folder in sorted(counts):
        print(f"{folder:<24}" + "".join(f"{counts[folder][kind]:>19,}" for kind in kinds))
    print(f"{'all':<24}" + "".join(f"{total[kind]:>19,}" for kind in kinds))
    for kind, where, at, detail in cases[:30]:
        print(f"  {kind}: {where} cut at byte {at:,}: {detail.strip().splitlines()[-1] if detail else ''}")
    print(f"target: 0 tracebacks and 0 silent truncations: "
          f"{'met' if not total['traceback'] and not total['silent truncation'] else 'NOT met'}")
    if garbage:
        print("", *garbage, sep="\n")


if __name__ == "__main__":
    main()
