#!/usr/bin/env bash
# Database benchmarks, each next to the server's own bulk tool measured in the same run:
#   CSV → PostgreSQL (Import-CrmData, binary COPY)       vs  psql \copy
#   CSV → MariaDB    (Import-CrmData, LOAD DATA LOCAL)   vs  LOAD DATA LOCAL INFILE
#   PostgreSQL → CSV (Export-CrmData | Import-CrmData)   vs  psql \copy (...) TO
# Each load floor runs twice: into keyless text columns, and into a table with exactly the definition
# Import-CrmData -Create made (CREATE TABLE ... LIKE "Contact": same column types, same primary key).
# The engine rows run the same work without PowerShell (bench/CrmMigration.EngineBench: CSV provider →
# ImportSession with the ledger → database writer), the path an engine-to-engine copy takes.
#   bench/run-db.sh [counts...]    default: 100000
# Starts the servers with scripts/dbservers.sh and writes docs/benchmarks-db.md.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ $# -eq 0 ] && counts=(100000)
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
bash scripts/dbservers.sh start
eval "$(bash scripts/dbservers.sh env)"

dotnet build src/CrmMigration.Host -c Release -v q -nologo >/dev/null
dotnet build bench/CrmMigration.Bench -c Release -v q -nologo >/dev/null
dotnet build bench/CrmMigration.EngineBench -c Release -v q -nologo >/dev/null
engine="dotnet $PWD/bench/CrmMigration.EngineBench/bin/Release/net10.0/CrmMigration.EngineBench.dll"
host="dotnet $PWD/src/CrmMigration.Host/bin/Release/net10.0/crmhost.dll"
benchmod="$PWD/bench/CrmMigration.Bench/bin/Release/net8.0/CrmMigration.Bench.dll"
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
export CRMMIGRATION_STATE_HOME="$work/state"
cat > "$work/rename.psd1" <<'MAP'
@{ Entities = @{ Contact = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{
    Id = 'contact_id'; FirstName = 'first_name'; LastName = 'last_name'; Email = 'email'; Phone = 'phone'
    City = 'city'; Country = 'country'; Status = 'status'; CreatedAt = 'created_at'; Score = 'score' } } } }
MAP
pgsql() { PGPASSWORD="$CRM_PG_PASSWORD" psql -h "$CRM_PG_HOST" -p "$CRM_PG_PORT" -U "$CRM_PG_USER" -d "$CRM_PG_DATABASE" -v ON_ERROR_STOP=1 -q "$@"; }
mysql_() { mariadb --no-defaults -h "$CRM_MY_HOST" -P "$CRM_MY_PORT" -u "$CRM_MY_USER" -p"$CRM_MY_PASSWORD" "$CRM_MY_DATABASE" "$@"; }
conn='function Cn($p, $h, $port, $db, $u, $pw) { New-CrmConnection $p -Server $h -Port $port -Database $db -Credential ([pscredential]::new($u, [System.Net.NetworkCredential]::new("", $pw).SecurePassword)) }'
pgc="(Cn PostgreSql '$CRM_PG_HOST' $CRM_PG_PORT '$CRM_PG_DATABASE' '$CRM_PG_USER' '$CRM_PG_PASSWORD')"
myc="(Cn MySql '$CRM_MY_HOST' $CRM_MY_PORT '$CRM_MY_DATABASE' '$CRM_MY_USER' '$CRM_MY_PASSWORD')"
sw='$sw = [Diagnostics.Stopwatch]::StartNew()'
el='[Math]::Round($sw.Elapsed.TotalSeconds, 3)'

run() {
  local name=$1 script=$2
  # No ledger from an earlier run: a database target's ledger is kept in the state folder (the work folder's own here).
  rm -rf "$work/state"
  (cd "$work" && /usr/bin/time -f "%M" -o "$work/$name.mem" ${hostcmd:-$host} -Command "$conn; $script" > "$work/$name.out" 2> "$work/$name.err") || { cat "$work/$name.err" "$work/$name.out" >&2; exit 1; }
  echo "$(tail -n 1 "$work/$name.out" | tr -d '\r') $(( $(tail -n 1 "$work/$name.mem") / 1024 ))"
}
timed() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }'; }
engine_s() { $engine "$1" "$2" 1 | sed -n 's/.* total=\([0-9.]*\).*/\1/p'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%\047.0f", n / s }'; }
cols="contact_id text, first_name text, last_name text, email text, phone text, city text, country text, status text, created_at text, score text"

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
for n in "${counts[@]}"; do
  csv="$work/contacts.csv"
  $host -Command "Import-Module '$benchmod'; New-BenchContactCsv -Path '$csv' -Count $n" >/dev/null

  pgsql -c 'DROP TABLE IF EXISTS "Contact", floor_contacts, floor_same, floor_out'
  read -r s_pg m_pg < <(run pg "$sw; \$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$work/rename.psd1' | Import-CrmData -Connection $pgc -Create -BatchSize 10000; $el")
  [ "$(pgsql -Atc 'SELECT count(*) FROM "Contact"')" = "$n" ] || { echo "PostgreSQL import incomplete" >&2; exit 1; }
  pgsql -c "CREATE TABLE floor_contacts ($cols)"
  s_pgf=$(timed pgsql -c "\\copy floor_contacts FROM '$csv' WITH (FORMAT csv, HEADER true)")
  pgsql -c 'CREATE TABLE floor_same (LIKE "Contact" INCLUDING ALL)'
  s_pgs=$(timed pgsql -c "\\copy floor_same FROM '$csv' WITH (FORMAT csv, HEADER true)")
  pgsql -c 'DROP TABLE floor_same'

  # The same load in one command inside the engine (Copy-CrmData), plain and with a 64 MB gen0 GC budget.
  pgsql -c 'DROP TABLE IF EXISTS "Contact"'
  read -r s_cpg m_cpg < <(run cpg "$sw; \$null = Copy-CrmData -Source '$csv' -Target $pgc -Mapping '$work/rename.psd1' -Create -BatchSize 10000; $el")
  [ "$(pgsql -Atc 'SELECT count(*) FROM "Contact"')" = "$n" ] || { echo "PostgreSQL copy incomplete" >&2; exit 1; }
  pgsql -c 'DROP TABLE IF EXISTS "Contact"'
  read -r s_cpgg m_cpgg < <(hostcmd="env DOTNET_GCgen0size=0x4000000 $host" run cpgg "$sw; \$null = Copy-CrmData -Source '$csv' -Target $pgc -Mapping '$work/rename.psd1' -Create -BatchSize 10000; $el")
  [ "$(pgsql -Atc 'SELECT count(*) FROM "Contact"')" = "$n" ] || { echo "PostgreSQL copy incomplete" >&2; exit 1; }

  mysql_ -e 'DROP TABLE IF EXISTS `Contact`, floor_contacts, floor_same'
  read -r s_my m_my < <(run my "$sw; \$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$work/rename.psd1' | Import-CrmData -Connection $myc -Create -BatchSize 10000; $el")
  [ "$(mysql_ -N -e 'SELECT count(*) FROM `Contact`')" = "$n" ] || { echo "MariaDB import incomplete" >&2; exit 1; }
  mysql_ -e "CREATE TABLE floor_contacts (contact_id varchar(20), first_name varchar(50), last_name varchar(50), email varchar(120), phone varchar(40), city varchar(60), country varchar(4), status varchar(20), created_at varchar(20), score varchar(10)) DEFAULT CHARSET=utf8mb4"
  s_myf=$(timed mysql_ --local-infile=1 -e "LOAD DATA LOCAL INFILE '$csv' INTO TABLE floor_contacts CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' IGNORE 1 LINES")
  mysql_ -e 'CREATE TABLE floor_same LIKE `Contact`'
  s_mys=$(timed mysql_ --local-infile=1 -e "LOAD DATA LOCAL INFILE '$csv' INTO TABLE floor_same CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' IGNORE 1 LINES")
  [ "$(mysql_ -N -e 'SELECT count(*) FROM floor_same')" = "$n" ] || { echo "MariaDB floor incomplete" >&2; exit 1; }
  mysql_ -e 'DROP TABLE floor_same'
  mysql_ -e 'DROP TABLE IF EXISTS `Contact`'
  read -r s_cmy m_cmy < <(run cmy "$sw; \$null = Copy-CrmData -Source '$csv' -Target $myc -Mapping '$work/rename.psd1' -Create -BatchSize 10000; $el")
  [ "$(mysql_ -N -e 'SELECT count(*) FROM `Contact`')" = "$n" ] || { echo "MariaDB copy incomplete" >&2; exit 1; }
  mysql_ -e 'DROP TABLE IF EXISTS `Contact`'
  read -r s_cmyg m_cmyg < <(hostcmd="env DOTNET_GCgen0size=0x4000000 $host" run cmyg "$sw; \$null = Copy-CrmData -Source '$csv' -Target $myc -Mapping '$work/rename.psd1' -Create -BatchSize 10000; $el")
  [ "$(mysql_ -N -e 'SELECT count(*) FROM `Contact`')" = "$n" ] || { echo "MariaDB copy incomplete" >&2; exit 1; }

  mkdir -p "$work/out"; rm -f "$work/out/"*
  read -r s_ex m_ex < <(run export "$sw; \$null = Export-CrmData -Connection $pgc -Entity Contact | Import-CrmData -Path '$work/out/Contact.csv'; $el")
  rm -rf "$work/out-copy"
  read -r s_cex m_cex < <(run cex "$sw; \$null = Copy-CrmData -Source $pgc -Entity Contact -Target '$work/out-copy/Contact.csv'; $el")
  s_exf=$(timed pgsql -c "\\copy (SELECT * FROM \"Contact\") TO '$work/out/floor.csv' WITH (FORMAT csv, HEADER true)")

  # The same three without PowerShell (the harness drops and creates "Contact" itself).
  s_epg=$(engine_s pg-ledger "$csv")
  s_emy=$(engine_s my-ledger "$csv")
  s_eex=$(engine_s pg-export "$csv")

  rows+=("| $n | \`psql \\copy\` CSV → PostgreSQL, keyless text table (floor) | $s_pgf | $(rate $n $s_pgf) | – |")
  rows+=("| $n | \`psql \\copy\` CSV → PostgreSQL, table as -Create makes it (floor) | $s_pgs | $(rate $n $s_pgs) | – |")
  rows+=("| $n | CSV → PostgreSQL: Export \| Convert \| Import -Create -BatchSize 10000 (binary COPY) | $s_pg | $(rate $n $s_pg) | $m_pg |")
  rows+=("| $n | CSV → PostgreSQL: Copy-CrmData -Mapping -Create -BatchSize 10000 | $s_cpg | $(rate $n $s_cpg) | $m_cpg |")
  rows+=("| $n | CSV → PostgreSQL: Copy-CrmData, same, DOTNET_GCgen0size=0x4000000 | $s_cpgg | $(rate $n $s_cpgg) | $m_cpgg |")
  rows+=("| $n | CSV → PostgreSQL, engine only (no PowerShell; same providers, ImportSession and ledger) | $s_epg | $(rate $n $s_epg) | – |")
  rows+=("| $n | \`LOAD DATA LOCAL INFILE\` CSV → MariaDB, keyless varchar table (floor) | $s_myf | $(rate $n $s_myf) | – |")
  rows+=("| $n | \`LOAD DATA LOCAL INFILE\` CSV → MariaDB, table as -Create makes it (floor) | $s_mys | $(rate $n $s_mys) | – |")
  rows+=("| $n | CSV → MariaDB: Export \| Convert \| Import -Create -BatchSize 10000 (LOAD DATA LOCAL from memory) | $s_my | $(rate $n $s_my) | $m_my |")
  rows+=("| $n | CSV → MariaDB: Copy-CrmData -Mapping -Create -BatchSize 10000 | $s_cmy | $(rate $n $s_cmy) | $m_cmy |")
  rows+=("| $n | CSV → MariaDB: Copy-CrmData, same, DOTNET_GCgen0size=0x4000000 | $s_cmyg | $(rate $n $s_cmyg) | $m_cmyg |")
  rows+=("| $n | CSV → MariaDB, engine only (no PowerShell; same providers, ImportSession and ledger) | $s_emy | $(rate $n $s_emy) | – |")
  rows+=("| $n | \`psql \\copy (...) TO\` PostgreSQL → CSV (floor) | $s_exf | $(rate $n $s_exf) | – |")
  rows+=("| $n | PostgreSQL → CSV: Export \| Import -Path | $s_ex | $(rate $n $s_ex) | $m_ex |")
  rows+=("| $n | PostgreSQL → CSV: Copy-CrmData | $s_cex | $(rate $n $s_cex) | $m_cex |")
  rows+=("| $n | PostgreSQL → CSV, engine only (no PowerShell) | $s_eex | $(rate $n $s_eex) | – |")
done
pgsql -c 'DROP TABLE IF EXISTS "Contact", floor_contacts'
mysql_ -e 'DROP TABLE IF EXISTS `Contact`, floor_contacts'

# bench/pgloader.sh keeps its own section of the file: carried over.
pgloader_section=$(sed -n '/<!-- pgloader:start -->/,/<!-- pgloader:end -->/p' docs/benchmarks-db.md 2>/dev/null || true)
{
  echo "# Database benchmarks"
  echo
  echo "Produced by \`bench/run-db.sh ${counts[*]}\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, .NET $(dotnet --version), Release build),"
  echo "against the loopback PostgreSQL and MariaDB of \`scripts/dbservers.sh\` (fsync off: test servers). Times of"
  echo "CrmMigration are measured inside the host around the pipeline; the floors are the servers' own bulk tools"
  echo "timed around the client command, loading the same file twice: into keyless text columns, and into a table"
  echo "with exactly the definition Import-CrmData -Create made (CREATE TABLE ... LIKE \"Contact\": same types and"
  echo "primary key). The engine-only rows run the same providers and ImportSession without PowerShell"
  echo "(bench/CrmMigration.EngineBench, ledger on as in Import-CrmData, process start not counted). Peak memory is the host's maximum RSS."
  echo "Load average (1, 5, 15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg) — on a shared 2-core machine compare rows of one run, not runs."
  echo
  echo "| records | what | seconds | records/s | peak MB |"
  echo "|---:|---|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  if [ -n "$pgloader_section" ]; then echo; echo "$pgloader_section"; fi
} > docs/benchmarks-db.md
cat docs/benchmarks-db.md
