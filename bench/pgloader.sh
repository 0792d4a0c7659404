#!/usr/bin/env bash
# CrmMigration next to pgloader, the tool a DBA would use, doing the same work in the same run:
#   MariaDB → PostgreSQL, schema and data: Copy-CrmData $my $pg -Create     vs  pgloader mysql:// postgresql://
#   CSV → PostgreSQL, schema and data:     Copy-CrmData ./contacts.csv $pg -Create  vs  pgloader LOAD CSV
# pgloader cannot type a CSV file, so its table is made the way ours was (CREATE TABLE ... LIKE ours); Copy-CrmData
# types the file itself (every value read once more). Each run is a whole process (start included), into a fresh
# database; the row counts and foreign keys are checked, and each tool's column types are listed side by side.
#   bench/pgloader.sh [rows]    default: 1000000
# Installs pgloader (Debian) when missing, starts the servers with scripts/dbservers.sh, and rewrites the
# pgloader section of docs/benchmarks-db.md.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
command -v pgloader >/dev/null || { apt-get update -qq && apt-get install -y -qq pgloader >/dev/null; }
bash scripts/dbservers.sh start
eval "$(bash scripts/dbservers.sh env)"

dotnet build src/CrmMigration.Host -c Release -v q -nologo >/dev/null
dotnet build bench/CrmMigration.Bench -c Release -v q -nologo >/dev/null
host="dotnet $PWD/src/CrmMigration.Host/bin/Release/net10.0/crmhost.dll"
benchmod="$PWD/bench/CrmMigration.Bench/bin/Release/net8.0/CrmMigration.Bench.dll"
work=$(mktemp -d)
chmod 755 "$work"
export CRMMIGRATION_STATE_HOME="$work/state"
suffix=$(date +%s)
srcdb="bench_src_$suffix"; pg_ours="bench_ours_$suffix"; pg_pgl="bench_pgl_$suffix"; pg_csv="bench_csv_$suffix"
pg() { PGPASSWORD="$CRM_PG_PASSWORD" psql -X -h "$CRM_PG_HOST" -p "$CRM_PG_PORT" -U "$CRM_PG_USER" -v ON_ERROR_STOP=1 -q "$@"; }
my() { mariadb --no-defaults --local-infile=1 -h "$CRM_MY_HOST" -P "$CRM_MY_PORT" -u "$CRM_MY_USER" -p"$CRM_MY_PASSWORD" "$@"; }
cleanup() {
  for d in "$pg_ours" "$pg_pgl" "$pg_csv"; do pg -d postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" 2>/dev/null || true; done
  my -e "DROP DATABASE IF EXISTS $srcdb" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
mysql_url="mysql://$(enc "$CRM_MY_USER"):$(enc "$CRM_MY_PASSWORD")@$CRM_MY_HOST:$CRM_MY_PORT/$srcdb"
pg_url() { echo "postgresql://$(enc "$CRM_PG_USER"):$(enc "$CRM_PG_PASSWORD")@$CRM_PG_HOST:$CRM_PG_PORT/$1"; }
conn='function Cn($p, $h, $port, $db, $u, $pw) { New-CrmConnection $p -Server $h -Port $port -Database $db -Credential ([pscredential]::new($u, [System.Net.NetworkCredential]::new("", $pw).SecurePassword)) }'
cn() { echo "(Cn $1 '$2' $3 '$4' '$5' '$6')"; }
timed() { local start end; start=$(date +%s.%N); "$@" > "$work/last.out" 2>&1 || { cat "$work/last.out" >&2; exit 1; }; end=$(date +%s.%N); awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%\047.0f", n / s }'; }

# The source: a CRM's accounts and contacts in MariaDB, as a DBA designs them (lengths, precision, enum, float,
# NOT NULL, comments, a foreign key), loaded from the generated CSV.
csv="$work/contacts.csv"
$host -Command "Import-Module '$benchmod'; New-BenchContactCsv -Path '$csv' -Count $n" >/dev/null
my -e "CREATE DATABASE $srcdb CHARACTER SET utf8mb4"
my "$srcdb" -e "
CREATE TABLE accounts (account_id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(80) NOT NULL COMMENT 'Legal name',
  credit decimal(12,2), created datetime NOT NULL) COMMENT 'Customer companies';
INSERT INTO accounts (name, credit, created) SELECT CONCAT('Account ', seq), seq * 1.25, '2020-01-01' + INTERVAL seq MINUTE FROM seq_1_to_10000;
CREATE TABLE contacts (contact_id varchar(10) NOT NULL PRIMARY KEY, account_id int NOT NULL, first_name varchar(50) NOT NULL,
  last_name varchar(50) NOT NULL, email varchar(120), phone varchar(40), city varchar(60), country char(2),
  status enum('Active','Inactive') NOT NULL, created_at date, score smallint, rating float COMMENT 'Score out of 7',
  FOREIGN KEY (account_id) REFERENCES accounts (account_id));
LOAD DATA LOCAL INFILE '$csv' INTO TABLE contacts CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' IGNORE 1 LINES
  (contact_id, first_name, last_name, email, phone, city, country, status, created_at, score)
  SET account_id = 1 + CAST(SUBSTRING(contact_id, 2) AS UNSIGNED) % 10000, rating = score / 7;"
[ "$(my -N "$srcdb" -e 'SELECT count(*) FROM contacts')" = "$n" ] || { echo "MariaDB source incomplete" >&2; exit 1; }
for d in "$pg_ours" "$pg_pgl" "$pg_csv"; do pg -d postgres -c "CREATE DATABASE $d"; done

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# MariaDB → PostgreSQL.
myc=$(cn MySql "$CRM_MY_HOST" "$CRM_MY_PORT" "$srcdb" "$CRM_MY_USER" "$CRM_MY_PASSWORD")
s_ours=$(timed $host -Command "$conn; \$null = Copy-CrmData -Source $myc -Target $(cn PostgreSql "$CRM_PG_HOST" "$CRM_PG_PORT" "$pg_ours" "$CRM_PG_USER" "$CRM_PG_PASSWORD") -Create -BatchSize 10000 -ErrorAction Stop")
cat > "$work/mysql.load" <<LOAD
LOAD DATABASE
  FROM $mysql_url
  INTO $(pg_url "$pg_pgl")
  WITH include drop, create tables, create indexes, reset sequences, foreign keys
  ALTER SCHEMA '$srcdb' RENAME TO 'public';
LOAD
s_pgl=$(timed pgloader --no-ssl-cert-verification "$work/mysql.load")
for d in "$pg_ours" "$pg_pgl"; do
  [ "$(pg -d "$d" -Atc 'SELECT count(*) FROM contacts')" = "$n" ] || { echo "$d: contacts incomplete" >&2; exit 1; }
  [ "$(pg -d "$d" -Atc "SELECT count(*) FROM pg_constraint WHERE contype = 'f'")" = "1" ] || { echo "$d: the foreign key is missing" >&2; exit 1; }
done

# CSV → PostgreSQL. Ours types the plain file itself; pgloader gets the table ours made.
s_ocsv=$(timed $host -Command "$conn; \$null = Copy-CrmData -Source '$csv' -Target $(cn PostgreSql "$CRM_PG_HOST" "$CRM_PG_PORT" "$pg_csv" "$CRM_PG_USER" "$CRM_PG_PASSWORD") -Create -BatchSize 10000 -ErrorAction Stop")
cat > "$work/csv.load" <<LOAD
LOAD CSV
  FROM '$csv' (contact_id, first_name, last_name, email, phone, city, country, status, created_at, score)
  INTO $(pg_url "$pg_csv")?tablename=pgl.contacts
  WITH skip header = 1, fields terminated by ',', fields not enclosed
  BEFORE LOAD DO \$\$ CREATE SCHEMA pgl; \$\$, \$\$ CREATE TABLE pgl.contacts (LIKE public.contacts INCLUDING ALL); \$\$;
LOAD
s_pcsv=$(timed pgloader --no-ssl-cert-verification "$work/csv.load")
[ "$(pg -d "$pg_csv" -Atc 'SELECT count(*) FROM public.contacts')" = "$n" ] || { echo "ours: CSV incomplete" >&2; exit 1; }
[ "$(pg -d "$pg_csv" -Atc 'SELECT count(*) FROM pgl.contacts')" = "$n" ] || { echo "pgloader: CSV incomplete" >&2; exit 1; }
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# What each made of the schema, read back from PostgreSQL's catalog.
types() { pg -d "$1" -Atc "SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || COALESCE(' -- ' || col_description(c.oid, a.attnum), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace s ON s.oid = c.relnamespace
  WHERE s.nspname = 'public' AND c.relname = '$2' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum" | paste -sd ',' | sed 's/,/, /g'; }
extras() { pg -d "$1" -Atc "SELECT count(*) FILTER (WHERE contype = 'f') || ' foreign key(s), ' || (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public') || ' index(es), table comment: ' || COALESCE(obj_description('public.accounts'::regclass), '(none)') FROM pg_constraint WHERE connamespace = 'public'::regnamespace"; }

doc=docs/benchmarks-db.md
section=$(cat <<MD
<!-- pgloader:start -->
## Next to pgloader

Produced by \`bench/pgloader.sh $n\` on $(date -u +%Y-%m-%d) (2 cores shared with other builds, .NET $(dotnet --version), Release build; pgloader $(pgloader --version 2>&1 | awk 'NR == 1 { gsub(/"/, "", $3); print $3 }')),
against the loopback MariaDB and PostgreSQL of \`scripts/dbservers.sh\`. Each figure is a whole process (start included),
into a fresh database. Load average (1, 5, 15 min) at the start: $load_start; at the end: $load_end — the machine
was shared, so compare rows of this run, not runs. The source is $n contacts referencing 10,000 accounts in MariaDB
(varchar lengths, decimal(12,2), smallint, float, enum, date and datetime, NOT NULL, comments, a foreign key).
Copy-CrmData runs with its ledger on (the default); pgloader has none.

| work | tool | seconds | records/s |
|---|---|---:|---:|
| MariaDB → PostgreSQL, schema and data | \`Copy-CrmData \$my \$pg -Create -BatchSize 10000\` | $s_ours | $(rate "$((n + 10000))" "$s_ours") |
| MariaDB → PostgreSQL, schema and data | \`pgloader mysql://… postgresql://…\` (create tables, indexes, foreign keys) | $s_pgl | $(rate "$((n + 10000))" "$s_pgl") |
| CSV → PostgreSQL, schema (typed from the whole file) and data | \`Copy-CrmData ./contacts.csv \$pg -Create -BatchSize 10000\` | $s_ocsv | $(rate "$n" "$s_ocsv") |
| CSV → PostgreSQL, data into the table Copy-CrmData made | \`pgloader\` LOAD CSV (table: CREATE TABLE … LIKE) | $s_pcsv | $(rate "$n" "$s_pcsv") |

What each made of the MariaDB schema (PostgreSQL's catalog, \`format_type\`):

| tool | contacts | accounts | also |
|---|---|---|---|
| Copy-CrmData | $(types "$pg_ours" contacts) | $(types "$pg_ours" accounts) | $(extras "$pg_ours") |
| pgloader | $(types "$pg_pgl" contacts) | $(types "$pg_pgl" accounts) | $(extras "$pg_pgl") |

The plain CSV typed by Copy-CrmData: $(types "$pg_csv" contacts).
<!-- pgloader:end -->
MD
)
python3 - "$doc" "$section" <<'PY'
import sys, re
path, section = sys.argv[1], sys.argv[2]
text = open(path, encoding='utf-8').read()
if '<!-- pgloader:start -->' in text:
    text = re.sub(r'<!-- pgloader:start -->.*?<!-- pgloader:end -->', lambda m: section, text, flags=re.S)
else:
    text = text.rstrip('\n') + '\n\n' + section + '\n'
open(path, 'w', encoding='utf-8').write(text)
PY
echo "$section"
