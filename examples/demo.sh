#!/usr/bin/env bash
# The main job on the bundled example review, run from an empty workspace into out/demo/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
screenrev="$root/.venv/bin/screenrev"
out="$root/out/demo"

rm -rf "$out"
mkdir -p "$root/out"
cp -r "$root/examples/ibd-psychology" "$out"
rm -rf "$out/.screenrev" "$out/out"
cd "$out"

echo "== The searches of the example review (workspace rebuilt from searches/)"
"$screenrev" sources

echo "== Importing the same export again changes nothing"
"$screenrev" import searches/scopus.ris --database Scopus

echo "== Duplicates within and across searches (marked, never deleted)"
"$screenrev" dedup --review decisions/duplicates.csv

echo "== Every record with its key, provenance and cluster"
"$screenrev" export records --format csv --out records.csv
"$screenrev" export records --format ris --out records.ris
head -c 600 records.csv
echo

echo "== The protocol's criteria applied to the unique records, and explained for an advisory group"
"$screenrev" rules check protocol.yaml
"$screenrev" screen
"$screenrev" rules explain protocol.yaml --examples 2 | head -40
"$screenrev" rules explain protocol.yaml --examples 3 --format html --out rules.html

echo "== A reviewer checked every record the rules excluded (the rules audit)"
"$screenrev" rules audit

echo "== Two reviewers screened every title and abstract; a third settled their conflicts"
"$screenrev" agreement --stage title_abstract

echo "== The whole review rebuilt from its files: import, dedup, rules, decisions, flow"
"$screenrev" run --diagram prisma-flow.svg

echo "== The counts CI checks against the manifest's [expected] table"
"$screenrev" flow --check --csv prisma2020.csv

echo "== The included studies, for retrieval and data extraction; the decisions, for the audit trail"
"$screenrev" export included --stage full_text --format ris --out included.ris
"$screenrev" export included --stage full_text --format bib --out included.bib
"$screenrev" export decisions --out decisions-history.csv

echo "== Where the review stands: each reviewer's progress, conflicts, the stopping rule, what next"
"$screenrev" status

echo
echo "Demo output is in $out (flow diagram: $out/prisma-flow.svg)"
