#!/usr/bin/env bash
# Benchmarks of the record pipeline, each next to a floor measured in the same run.
#   bench/run.sh [counts...]      default: 100000 1000000
# Writes docs/benchmarks.md. Needs sqlite3 and GNU time (/usr/bin/time) for peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("${@:-100000 1000000}")
[ $# -eq 0 ] && counts=(100000 1000000)
for tool in sqlite3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 time >/dev/null; }
done

dotnet build src/CrmMigration.Host -c Release -v q -nologo >/dev/null
dotnet build bench/CrmMigration.Bench -c Release -v q -nologo >/dev/null
host="dotnet src/CrmMigration.Host/bin/Release/net10.0/crmhost.dll"
benchmod="$PWD/bench/CrmMigration.Bench/bin/Release/net8.0/CrmMigration.Bench.dll"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/rename.psd1" <<'MAP'
@{ Entities = @{ Contact = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{
    Id = 'contact_id'; FirstName = 'first_name'; LastName = 'last_name'; Email = 'email'; Phone = 'phone'
    City = 'city'; Country = 'country'; Status = 'status'; CreatedAt = 'created_at'; Score = 'score' } } } }
MAP
# The same 10 fields prepared for real: 8 transforms (text, e-mail, phone via libphonenumber, date) and a type.
cat > "$work/cleanse.psd1" <<'MAP'
@{ Entities = @{ Contact = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{
    Id = 'contact_id'
    FirstName = @{ Source = 'first_name'; Transform = 'Trim', 'Title' }
    LastName = @{ Source = 'last_name'; Transform = 'Title' }
    Email = @{ Source = 'email'; Transform = 'Email' }
    Phone = @{ Source = 'phone'; Transform = 'Phone'; DefaultRegion = 'CN' }
    City = @{ Source = 'city'; Transform = 'CollapseSpaces' }
    Country = @{ Source = 'country'; Transform = 'Upper' }
    Status = 'status'
    CreatedAt = @{ Source = 'created_at'; Transform = 'Date'; Format = 'yyyy-MM-dd' }
    Score = @{ Source = 'score'; Type = 'Integer' } } } } }
MAP

# run NAME SCRIPT: runs SCRIPT in the host; the script prints seconds on its last line. Records "seconds peakMB".
run() {
  local name=$1 script=$2
  /usr/bin/time -f "%M" -o "$work/$name.mem" $host -Command "$script" > "$work/$name.out" 2> "$work/$name.err" || { cat "$work/$name.err"; exit 1; }
  local secs mem
  secs=$(tail -n 1 "$work/$name.out" | tr -d '\r')
  mem=$(( $(tail -n 1 "$work/$name.mem") / 1024 ))
  echo "$secs $mem"
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%\047.0f", n / s }'; }

rows=()
for n in "${counts[@]}"; do
  csv="$work/contacts.csv"
  $host -Command "Import-Module '$benchmod'; New-BenchContactCsv -Path '$csv' -Count $n" >/dev/null
  sw='$sw = [Diagnostics.Stopwatch]::StartNew()'
  el='[Math]::Round($sw.Elapsed.TotalSeconds, 3)'
  read -r s_parse m_parse < <(run parse "Import-Module '$benchmod'; $sw; \$null = Measure-BenchCsvParse -Path '$csv'; $el")
  read -r s_empty m_empty < <(run empty "Import-Module '$benchmod'; $sw; \$null = Get-BenchItem -Count $n | Step-BenchItem | Complete-BenchItem; $el")
  mkdir -p "$work/out"; rm -f "$work/out/"*
  read -r s_csv m_csv < <(run csv "$sw; \$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$work/rename.psd1' | Import-CrmData -Path '$work/out/Contact.csv'; $el")
  rm -f "$work/out/"*
  read -r s_cln m_cln < <(run cleanse "$sw; \$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$work/cleanse.psd1' | Import-CrmData -Path '$work/out/Contact.csv'; $el")
  rm -f "$work/new.db"*
  read -r s_sql m_sql < <(run sqlite "$sw; \$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$work/rename.psd1' | Import-CrmData -Path '$work/new.db' -Create -BatchSize 10000; $el")
  rm -f "$work/new.db"*
  read -r s_nol m_nol < <(run noledger "$sw; \$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$work/rename.psd1' | Import-CrmData -Path '$work/new.db' -Create -BatchSize 10000 -NoLedger; $el")
  # The same migrations in one command (Copy-CrmData: no PowerShell object per record).
  rm -f "$work/out/"*
  read -r s_ccsv m_ccsv < <(run copycsv "$sw; \$null = Copy-CrmData -Source '$csv' -Target '$work/out/Contact.csv' -Mapping '$work/rename.psd1'; $el")
  rm -f "$work/new.db"*
  read -r s_csql m_csql < <(run copysqlite "$sw; \$null = Copy-CrmData -Source '$csv' -Target '$work/new.db' -Mapping '$work/rename.psd1' -Create -BatchSize 10000; $el")
  rm -f "$work/new.db"*
  read -r s_cnol m_cnol < <(run copynoledger "$sw; \$null = Copy-CrmData -Source '$csv' -Target '$work/new.db' -Mapping '$work/rename.psd1' -Create -BatchSize 10000 -NoLedger; $el")
  # Resume cost: kill the import (SIGKILL, from inside, right after the ledger recorded batch 90% of the way), then resume.
  rm -f "$work/new.db"*
  batches=$(( n / 10000 )); killat=$(( batches * 9 / 10 ))
  CRMMIGRATION_FAULT="after-ledger:$killat" $host -Command "Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$work/rename.psd1' | Import-CrmData -Path '$work/new.db' -Create -BatchSize 10000" >/dev/null 2>&1 || true
  $host -Command "$sw; \$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$work/rename.psd1' | Import-CrmData -Path '$work/new.db' -Create -BatchSize 10000 -Resume -Verbose; $el" > "$work/resume.out" 2> "$work/resume.err"
  s_res=$(tail -n 1 "$work/resume.out" | tr -d '\r')
  s_first=$(grep -o 'first new record written [0-9.]* s' "$work/resume.err" | head -n 1 | grep -o '[0-9.]*' || echo "?")
  rm -f "$work/floor.db"
  start=$(date +%s.%N); sqlite3 "$work/floor.db" ".import --csv '$csv' contacts"; end=$(date +%s.%N)
  s_imp=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  rows+=("| $n | raw CsvHelper parse (floor) | $s_parse | $(rate $n $s_parse) | $m_parse |")
  rows+=("| $n | empty three-cmdlet pipeline (floor) | $s_empty | $(rate $n $s_empty) | $m_empty |")
  rows+=("| $n | \`sqlite3 .import\` (floor) | $s_imp | $(rate $n $s_imp) | – |")
  rows+=("| $n | CSV → CSV: Export \| Convert (rename 10 fields) \| Import | $s_csv | $(rate $n $s_csv) | $m_csv |")
  rows+=("| $n | CSV → CSV: Export \| Convert (cleanse: 10 fields, 8 transforms incl. phone, e-mail, date) \| Import | $s_cln | $(rate $n $s_cln) | $m_cln |")
  rows+=("| $n | CSV → SQLite: Export \| Convert \| Import -BatchSize 10000 (ledger on, the default) | $s_sql | $(rate $n $s_sql) | $m_sql |")
  rows+=("| $n | CSV → SQLite, same with -NoLedger | $s_nol | $(rate $n $s_nol) | $m_nol |")
  rows+=("| $n | CSV → CSV: Copy-CrmData -Mapping (rename 10 fields) | $s_ccsv | $(rate $n $s_ccsv) | $m_ccsv |")
  rows+=("| $n | CSV → SQLite: Copy-CrmData -Mapping -BatchSize 10000 (ledger on) | $s_csql | $(rate $n $s_csql) | $m_csql |")
  rows+=("| $n | CSV → SQLite: Copy-CrmData, same with -NoLedger | $s_cnol | $(rate $n $s_cnol) | $m_cnol |")
  rows+=("| $n | resume after a kill at 90%: whole resumed run (first new record after $s_first s) | $s_res | – | – |")
  # Archive: a BagIt bag (CSV + SHA-512 + SHA-256 manifests + per-record content hash) next to its floor,
  # writing the same CSV with Export-CrmData | Import-CrmData and then sha512sum + sha256sum of it.
  rm -rf "$work/bag" "$work/plain"; mkdir -p "$work/plain"
  read -r s_bag m_bag < <(run archive "$sw; \$null = Export-CrmArchive -Path '$csv' -Destination '$work/bag'; $el")
  read -r s_plain m_plain < <(run plain "$sw; \$null = Export-CrmData -Path '$csv' | Import-CrmData -Path '$work/plain/contacts.csv' -NoLedger; $el")
  start=$(date +%s.%N); sha512sum "$work/plain/contacts.csv" >/dev/null; sha256sum "$work/plain/contacts.csv" >/dev/null; end=$(date +%s.%N)
  s_sums=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  s_floor=$(awk -v a="$s_plain" -v b="$s_sums" 'BEGIN { printf "%.3f", a + b }')
  rows+=("| $n | write the same CSV (Export \| Import) + \`sha512sum\` + \`sha256sum\` (floor: $s_plain s + $s_sums s) | $s_floor | $(rate $n $s_floor) | $m_plain |")
  rows+=("| $n | Export-CrmArchive: BagIt bag, SHA-512/256 manifests, content hash per record | $s_bag | $(rate $n $s_bag) | $m_bag |")
done

mkdir -p docs
# The dedupe section (bench/run-dedupe.sh) is kept as it is.
dedupe_section=$(sed -n '/<!-- dedupe -->/,/<!-- \/dedupe -->/p' docs/benchmarks.md 2>/dev/null || true)
{
  echo "# Benchmarks"
  echo
  echo "Produced by \`bench/run.sh ${counts[*]}\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, .NET $(dotnet --version), Release build)."
  echo "Times are measured inside the host around the pipeline (host start-up excluded); peak memory is the"
  echo "whole host process's maximum resident set (GNU time). Input: contacts CSV with 10 fields per record."
  echo
  echo "| records | what | seconds | records/s | peak MB |"
  echo "|---:|---|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Targets (issue 2): CSV → CSV at least 250,000 records/s; CSV → SQLite within 1.5× of \`sqlite3 .import\`;"
  echo "peak memory under 300 MB at 1M and at most 1.3× its 100k value. Issue 3: the ledger costs at most 25% on CSV → SQLite."
  echo "Issue 4: the cleansing mapping at least 150,000 records/s."
  echo "Copy-CrmData: the same migrations without the pipeline, CSV → SQLite again within 1.5× of \`sqlite3 .import\`."
  echo "Archive (issue 6): Export-CrmArchive next to writing the same CSV and hashing it with sha512sum and sha256sum."
  if [ -n "$dedupe_section" ]; then echo; echo "$dedupe_section"; fi
} > docs/benchmarks.md
cat docs/benchmarks.md

# Database benchmarks (PostgreSQL and MariaDB next to their own bulk tools): docs/benchmarks-db.md.
bash bench/run-db.sh "${counts[@]}"
