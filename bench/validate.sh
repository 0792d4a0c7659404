#!/usr/bin/env bash
# Test-CrmMigration at scale (issue 12): a PostgreSQL table of N contacts (10 columns: bigint key, text,
# timestamp, numeric(10,2), a third of the statuses NULL) copied into SQLite with Copy-CrmData, then compared.
# Rows per count, each in a fresh crmhost process (peak memory = its maximum resident set, GNU time):
#   - the floor: Test-CrmMigration -Check Count (both sides read in full, nothing kept or compared)
#   - Test-CrmMigration with every check (schema, rows read, keys, field values, aggregates)
# Past 8 MB of key/fingerprint entries per side (about 160,000 rows here) the partitions spill to disk.
# It works in a database of its own on the shared PostgreSQL server and drops it at the end.
#   bench/validate.sh [counts...]    default: 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ $# -eq 0 ] && counts=(1000000)
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
bash scripts/dbservers.sh start >/dev/null
eval "$(bash scripts/dbservers.sh env)"
dotnet build src/CrmMigration.Host -c Release -v q -nologo >/dev/null
host="dotnet $PWD/src/CrmMigration.Host/bin/Release/net10.0/crmhost.dll"
work=$(mktemp -d)
db="crm_bench_validate_$$"
pgsql() { PGPASSWORD="$CRM_PG_PASSWORD" psql -X -h "$CRM_PG_HOST" -p "$CRM_PG_PORT" -U "$CRM_PG_USER" -v ON_ERROR_STOP=1 -q "$@"; }
trap 'rm -rf "$work"; pgsql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
pgsql -d postgres -c "CREATE DATABASE $db"
conn="\$pg = New-CrmConnection PostgreSql -Server '$CRM_PG_HOST' -Port $CRM_PG_PORT -Database '$db' -Credential ([pscredential]::new('$CRM_PG_USER', [System.Net.NetworkCredential]::new('', '$CRM_PG_PASSWORD').SecurePassword))"
sw='$sw = [Diagnostics.Stopwatch]::StartNew()'
el='[Math]::Round($sw.Elapsed.TotalSeconds, 1)'

run() {
  local name=$1 script=$2
  (cd "$work" && /usr/bin/time -f "%M" -o "$work/$name.mem" $host -Command "$conn; $script" > "$work/$name.out" 2> "$work/$name.err") || { cat "$work/$name.err" "$work/$name.out" >&2; exit 1; }
  echo "$(tail -n 1 "$work/$name.out" | tr -d '\r') $(( $(tail -n 1 "$work/$name.mem") / 1024 ))"
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%\047.0f", n / s }'; }

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in "${counts[@]}"; do
  pgsql -d "$db" -c "DROP TABLE IF EXISTS contacts" -c "CREATE TABLE contacts (contact_id bigint PRIMARY KEY, first_name text, last_name text, email text, phone text, city text, country text, status text, created_at timestamp, score numeric(10,2))" \
    -c "INSERT INTO contacts SELECT i, 'First' || i, 'Last' || (i % 1000), 'user' || i || '@example.org', '+33 1 ' || lpad((i % 100000000)::text, 8, '0'), (ARRAY['Paris','Oslo','Lyon','Rome'])[1 + i % 4], 'FR', CASE WHEN i % 3 = 0 THEN NULL ELSE 'active' END, timestamp '2020-01-01' + make_interval(secs => i), (i % 10000) / 100.0 FROM generate_series(1, $n) i" \
    -c "ANALYZE contacts"
  rm -f "$work/t.db"*
  read -r copy_s copy_mb < <(run copy "$sw; Copy-CrmData -Source \$pg -Target ./t.db -Create -NoLedger -BatchSize 10000 | Out-Null; $el")
  read -r floor_s floor_mb < <(run floor "$sw; \$ok = Test-CrmMigration -Source \$pg -Target ./t.db -Check Count -Quiet; if (-not \$ok) { throw 'count differs' }; $el")
  read -r all_s all_mb < <(run all "$sw; \$r = Test-CrmMigration -Source \$pg -Target ./t.db; if (\$r | Where-Object Status -ne 'Pass') { \$r | Where-Object Status -ne 'Pass' | Out-String | Write-Error }; $el")
  echo "| $n | Copy-CrmData PostgreSQL → SQLite -NoLedger (to make the target) | $copy_s | $(rate "$n" "$copy_s") | $copy_mb |"
  echo "| $n | Test-CrmMigration -Check Count: both sides read, nothing compared (floor) | $floor_s | $(rate "$n" "$floor_s") | $floor_mb |"
  echo "| $n | Test-CrmMigration, every check (schema, reads, keys, values, aggregates) | $all_s | $(rate "$n" "$all_s") | $all_mb |"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
