"""The PRISMA 2020 flow of a 100,000-record review, timed (target: under 5 s).

    .venv/bin/python bench/flow.py                  # 100,000 records
    .venv/bin/python bench/flow.py --records 20000

The review is built from real records: the labelled screening sets in
../shared/data/screening/ (the 13 Cohen 2006 topics, Kitchenham 2010, Nagtegaal 2019:
16,447 records), each set exported by several "databases" (copy 1, copy 2, … of the same
CSV, as when the same study comes back from several databases) until there are N records.
The searches are imported and deduplicated by screenrev itself; then decision files are
written from the sets' labels, as a dual-screening team would have produced them:

* one cluster in ten is left unscreened, after a stopping rule recorded in the manifest;
* reviewer A decides the others at title/abstract, on every member of each duplicate
  cluster, with its cluster's label (``label_abstract_screening``, or ``label_included``);
* reviewer B decides the same clusters once, through another member's key;
* both decide the full texts of the records included at title/abstract (``label_included``;
  exclusions with one of five reasons).

Timed: the flow through the library (read the workspace, read and check every decision,
settle, count, check the identities) and the whole command, ``screenrev flow --json`` and
``screenrev flow --csv --diagram``, in a fresh process.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from screenrev.decisions.files import COLUMNS  # noqa: E402
from screenrev.dedup.stage import deduplicate_review  # noqa: E402
from screenrev.flow.stage import review_flow  # noqa: E402
from screenrev.records.stage import import_files  # noqa: E402
from screenrev.records.workspace import Workspace  # noqa: E402
from screenrev.review.folder import Review  # noqa: E402
from screenrev.rules.stage import screen_review  # noqa: E402

SCREENING = ROOT.parent / "shared" / "data" / "screening"
SETS = sorted(SCREENING.glob("cohen2006/*.csv")) + [SCREENING / "kitchenham_2010" / "Kitchenham_2010.csv",
                                                     SCREENING / "nagtegaal_2019" / "Nagtegaal_2019.csv"]
REASONS = ["Wrong population", "Wrong intervention", "Wrong comparator", "Wrong outcome", "Wrong study design"]
TARGET = 5.0


def build_searches(records: int, folder: Path) -> list[tuple[Path, str]]:
    """CSV searches: copy k of every set is database k, until there are ``records`` rows."""
    csv.field_size_limit(1 << 30)
    tables = []
    for path in SETS:
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            rows = list(csv.reader(handle))
        tables.append((path.stem, rows[0], rows[1:]))
    distinct = sum(len(rows) for _, _, rows in tables)
    searches, left, copy = [], records, 0
    while left > 0:
        copy += 1
        for stem, header, rows in tables:
            rows = rows[:left]
            if not rows:
                break
            left -= len(rows)
            path = folder / f"{stem}-db{copy}.csv"
            with path.open("w", encoding="utf-8", newline="") as out:
                # Each database's export differs (here by one column), as real exports do: the
                # same bytes twice would be one search imported twice.
                writer = csv.writer(out)
                writer.writerow([*header, "exported_from"])
                writer.writerows([*row, f"Database {copy}"] for row in rows)
            searches.append((path, f"Database {copy}"))
    print(f"built {records:,} records: {distinct:,} distinct real records from {len(SETS)} labelled sets, "
          f"in {copy} databases ({len(searches)} search files)")
    return searches


def write_decisions(review: Review) -> int:
    """Decision files from the sets' labels (see the module docstring); returns the rows written."""
    with Workspace.open(review) as workspace:
        members: dict[str, list[dict]] = defaultdict(list)
        for record in workspace.iter_records():
            members[record["cluster"]].append(record)
    a_rows, b_rows, full_text = [], [], []
    for number, (cluster, records) in enumerate(sorted(members.items())):
        primary = next(r for r in records if r["primary"])
        labels = primary["extra"]
        final = (labels.get("label_included") or labels.get("label") or "0") == "1"
        screened = labels.get("label_abstract_screening")
        included = final if screened is None else screened == "1"
        decision = "include" if included else "exclude"
        if number % 10 == 9:
            continue  # not screened: screening stopped by the stopping rule
        for record in records:
            a_rows.append([record["key"], "title_abstract", decision, "", "A", "2024-03-01", ""])
        other = records[-1]["key"]
        b_rows.append([other, "title_abstract", decision, "", "B", "2024-03-02", ""])
        if included:
            reason = "" if final else REASONS[number % len(REASONS)]
            for reviewer in ("A", "B"):
                full_text.append([primary["key"], "full_text", "include" if final else "exclude", reason, reviewer,
                                  "2024-04-01", ""])
    for name, rows in (("title_abstract-a.csv", a_rows), ("title_abstract-b.csv", b_rows),
                       ("full_text.csv", full_text)):
        with (review.decisions_dir / name).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(COLUMNS)
            writer.writerows(rows)
    manifest = review.manifest_path.read_text(encoding="utf-8")
    manifest += ('\n[screening.stopping]\nmethod = "hypergeometric test"\nrecall_target = 0.95\n'
                 'confidence = 0.95\ndate = "2024-03-02"\n\n[full_text]\nreasons = '
                 + json.dumps(REASONS) + "\n")
    review.manifest_path.write_text(manifest, encoding="utf-8")
    return len(a_rows) + len(b_rows) + len(full_text)


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    # The lines that say a stage was brought up to date (a warning may name a command too).
    if "Marking duplicates" in result.stderr or "Applying the protocol's rules" in result.stderr:
        raise SystemExit(f"{' '.join(command)} recomputed a stage: the set-up left the workspace stale")
    return seconds, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        review = Review.create(Path(folder) / "review", title="bench")
        start = time.perf_counter()
        for path, database in build_searches(args.records, Path(folder)):
            import_files(review, [path], database=database)
        review = Review(review.root)
        imported = time.perf_counter() - start
        with Workspace.open(review) as workspace:
            start = time.perf_counter()
            summary = deduplicate_review(review, workspace)
            deduplicated = time.perf_counter() - start
        decisions = write_decisions(review)
        with Workspace.open(review) as workspace:
            # The protocol init writes, applied once as the review would have: the timed
            # commands find every stage current and recompute nothing.
            screen_review(review, workspace)
        print(f"set-up: import {imported:.1f} s, dedup {deduplicated:.1f} s ({summary.duplicates:,} duplicates, "
              f"{summary.clusters:,} clusters), {decisions:,} decision rows written")

        review = Review(review.root)
        with Workspace.open(review) as workspace:
            start = time.perf_counter()
            report = review_flow(review, workspace)
            library = time.perf_counter() - start
        flow = report.flow
        screenrev = str(ROOT / ".venv" / "bin" / "screenrev")
        command, output = timed([screenrev, "flow", "--json"], review.root)
        assert json.loads(output)["identified"] == args.records
        outputs, _ = timed([screenrev, "flow", "--csv", "prisma.csv", "--diagram", "flow.svg"], review.root)

    print(f"flow: identified {flow.identified:,}, duplicates {flow.duplicates:,}, screened "
          f"{flow.records_screened:,} (not screened after the stopping rule: {flow.records_unscreened:,}), "
          f"excluded {flow.records_excluded:,}, sought {flow.dbr_sought_reports:,}, assessed {flow.dbr_assessed:,}, "
          f"excluded at full text {sum(flow.dbr_excluded.values()):,}, included {flow.new_studies:,}")
    print(f"library review_flow                     {library:6.2f} s")
    print(f"screenrev flow --json (new process)     {command:6.2f} s")
    print(f"screenrev flow --csv --diagram          {outputs:6.2f} s")
    verdict = "met" if command < TARGET else "NOT met"
    print(f"target: the flow of {args.records:,} records in under {TARGET:.0f} s: {verdict} "
          f"({command:.2f} s for the whole command, {TARGET / command:.1f}x under the target)")


if __name__ == "__main__":
    main()
