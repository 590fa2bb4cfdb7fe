"""Every distinct real record in ../shared/data, for the benchmarks that need volume."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from screenrev.errors import InputError  # noqa: E402
from screenrev.records.parse import read_export  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
DEDUP_SETS = ("cytology_screening", "haematology", "respiratory", "special_cases")


def pool() -> list[list[dict]]:
    """Every distinct real record at hand, set by set, keys prefixed by the set's name."""
    sets: list[list[dict]] = []

    def add(label: str, parsed_records: list[dict]) -> None:
        sets.append([
            {**record, "key": f"{label}:{number:06d}", "database": label}
            for number, record in enumerate(parsed_records)
        ])

    for name in DEDUP_SETS:
        add(f"dedup/{name}", read_export(SHARED / "dedup" / name / "records_pre_merged.csv").records)
    for path in sorted((SHARED / "screening").glob("*/*.csv")):
        try:
            parsed = read_export(path)
        except InputError:  # one file is neither UTF-8 nor Windows-1252
            parsed = read_export(path, encoding="latin-1")
        add(f"screening/{path.parent.name}/{path.stem}", parsed.records)
    index = SHARED / "exports" / "INDEX.tsv"
    if index.exists():
        with index.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if "toy" in row.get("notes", "") or "fixture" in row.get("vendor_database", ""):
                    continue
                try:
                    parsed = read_export(SHARED / "exports" / row["local_path"], accept_risks=True)
                except Exception:  # noqa: BLE001 - a file the importer refuses is left out of the pool
                    continue
                add(f"exports/{row['local_path']}", parsed.records)
    return sets
