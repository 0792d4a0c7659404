<#
.SYNOPSIS
    CrmMigration next to pgloader, the tool a DBA would use, doing the same work in the same run; writes the pgloader
    section of docs/benchmarks-db.md.
.DESCRIPTION
      MariaDB → PostgreSQL, schema and data:  Copy-CrmData $my $pg -Create             vs  pgloader mysql:// postgresql://
      CSV → PostgreSQL, schema and data:      Copy-CrmData ./contacts.csv $pg -Create  vs  pgloader LOAD CSV
    pgloader cannot type a CSV file, so its table is made the way Copy-CrmData made its own (CREATE TABLE ... LIKE);
    Copy-CrmData types the plain file itself (every value read once more). Both tools run as whole processes (start-up
    included) into fresh databases; Copy-CrmData's time inside the process is given too. Row counts and the foreign key
    are checked, and what each tool made of the schema is read back from PostgreSQL's catalog and listed side by side.
    Installs pgloader (Debian) when missing; starts the servers with scripts/dbservers.sh; works in databases of its
    own, created for the run and dropped after it (the servers are shared).
.EXAMPLE
    dotnet pwsh ./bench/pgloader.ps1 -Count 1000000
#>
[CmdletBinding()]
param(
    # Contacts in the source (they reference 10,000 accounts).
    [int] $Count = 1000000,
    # The file whose pgloader section is written.
    [string] $Output = (Join-Path $PSScriptRoot '../docs/benchmarks-db.md')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$repo = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$paths = Initialize-Bench
if (-not (Get-Command pgloader -ErrorAction Ignore)) {
    & apt-get update -qq | Out-Null
    & apt-get install -y -qq pgloader | Out-Null
}
if (-not ($env:CRM_PG_HOST -and $env:CRM_MY_HOST)) {
    Invoke-BenchNative bash (Join-Path $repo 'scripts/dbservers.sh') start | Out-Null
    foreach ($line in (Invoke-BenchNative bash (Join-Path $repo 'scripts/dbservers.sh') env)) {
        if ("$line" -match "^export (\w+)='?(.*?)'?$") { Set-Item "env:$($Matches[1])" $Matches[2] }
    }
}
$suffix = [Guid]::NewGuid().ToString('N').Substring(0, 8)
$src = "crm_bsrc_$suffix"; $ours = "crm_bours_$suffix"; $pgl = "crm_bpgl_$suffix"; $csvDb = "crm_bcsv_$suffix"

function Invoke-Pg([string] $Sql, [string] $Database) {
    $env:PGPASSWORD = $env:CRM_PG_PASSWORD
    try { Invoke-BenchNative psql -X -q -v ON_ERROR_STOP=1 -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $Database -At -c $Sql }
    finally { Remove-Item env:PGPASSWORD -ErrorAction Ignore }
}
function Invoke-My([string] $Sql, [string] $Database = $src) {
    $dbArgs = if ($Database) { @('-D', $Database) } else { @() }
    Invoke-BenchNative mariadb --no-defaults -h $env:CRM_MY_HOST -P $env:CRM_MY_PORT -u $env:CRM_MY_USER "-p$env:CRM_MY_PASSWORD" @dbArgs --local-infile=1 -N -B -e $Sql
}
function Assert-Pg([string] $Database, [string] $Sql, [string] $Expected, [string] $What) {
    $got = "$(Invoke-Pg $Sql $Database)"
    if ($got -ne $Expected) { throw "${What}: $got, not $Expected." }
}
function Enc([string] $Text) { [Uri]::EscapeDataString($Text) }
function PgUrl([string] $Database) { "postgresql://$(Enc $env:CRM_PG_USER):$(Enc $env:CRM_PG_PASSWORD)@$($env:CRM_PG_HOST):$($env:CRM_PG_PORT)/$Database" }
function Measure-Whole([scriptblock] $Run) {
    # A whole process, start-up included, as a user runs it.
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $result = & $Run
    [pscustomobject]@{ Seconds = [Math]::Round($sw.Elapsed.TotalSeconds, 1); Result = $result }
}
function Invoke-Pgloader([string] $LoadFile) {
    # pgloader under GNU time: its CPU seconds (user + system, every thread of SBCL) next to the wall clock.
    $out = Invoke-BenchNative /usr/bin/time -f 'CPU-SECONDS %U %S' pgloader --no-ssl-cert-verification $LoadFile
    $line = @($out | Where-Object { "$_" -match '^CPU-SECONDS ' })[-1]
    $parts = "$line".Trim() -split '\s+'
    [pscustomobject]@{ CpuSeconds = [Math]::Round([double]::Parse($parts[1], [Globalization.CultureInfo]::InvariantCulture) + [double]::Parse($parts[2], [Globalization.CultureInfo]::InvariantCulture), 2) }
}
function Get-Types([string] $Database, [string] $Table) {
    @(Invoke-Pg @"
SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || COALESCE(' -- ' || col_description(c.oid, a.attnum), '')
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE s.nspname = 'public' AND c.relname = '$Table' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
"@ $Database) -join ', '
}
function Get-Extras([string] $Database) {
    "$(Invoke-Pg "SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype = 'f'" $Database) foreign key(s), " +
    "$(Invoke-Pg "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'" $Database) index(es), table comment: " +
    "$(Invoke-Pg "SELECT COALESCE(obj_description('public.accounts'::regclass), '(none)')" $Database)"
}
function Rate([long] $N, [double] $S) { ($N / $S).ToString('N0', [Globalization.CultureInfo]::InvariantCulture) }

$work = Join-Path ([IO.Path]::GetTempPath()) ('crm-bench-pgl-' + $suffix)
New-Item -ItemType Directory $work | Out-Null
try {
    # The source: a CRM's accounts and contacts in MariaDB, as a DBA designs them (lengths, precision, enum, float,
    # NOT NULL, comments, a foreign key), loaded from the generated CSV.
    $csv = Join-Path $work 'contacts.csv'
    $null = Measure-BenchPwsh -Import $paths.BenchModule -WorkingDirectory $work -Script "`$null = New-BenchContactCsv -Path '$csv' -Count $Count"
    Invoke-My "CREATE DATABASE $src CHARACTER SET utf8mb4" -Database '' | Out-Null
    Invoke-My @"
CREATE TABLE accounts (account_id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(80) NOT NULL COMMENT 'Legal name',
  credit decimal(12,2), created datetime NOT NULL) COMMENT 'Customer companies';
INSERT INTO accounts (name, credit, created) SELECT CONCAT('Account ', seq), seq * 1.25, '2020-01-01' + INTERVAL seq MINUTE FROM seq_1_to_10000;
CREATE TABLE contacts (contact_id varchar(10) NOT NULL PRIMARY KEY, account_id int NOT NULL, first_name varchar(50) NOT NULL,
  last_name varchar(50) NOT NULL, email varchar(120), phone varchar(40), city varchar(60), country char(2),
  status enum('Active','Inactive') NOT NULL, created_at date, score smallint, rating float COMMENT 'Score out of 7',
  FOREIGN KEY (account_id) REFERENCES accounts (account_id));
LOAD DATA LOCAL INFILE '$($csv.Replace("'", "''"))' INTO TABLE contacts CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' IGNORE 1 LINES
  (contact_id, first_name, last_name, email, phone, city, country, status, created_at, score)
  SET account_id = 1 + CAST(SUBSTRING(contact_id, 2) AS UNSIGNED) % 10000, rating = score / 7;
"@ | Out-Null
    if ([long]"$(Invoke-My 'SELECT count(*) FROM contacts')" -ne $Count) { throw 'The MariaDB source is incomplete.' }
    foreach ($d in $ours, $pgl, $csvDb) { Invoke-Pg "CREATE DATABASE $d" postgres | Out-Null }
    # The children connect with the credential from the environment (never on a command line or in a file).
    $connect = @"
function Cn(`$provider, `$prefix, `$database) {
    `$e = { param(`$n) [Environment]::GetEnvironmentVariable(`$prefix + `$n) }
    `$cred = [pscredential]::new((& `$e USER), (ConvertTo-SecureString (& `$e PASSWORD) -AsPlainText -Force))
    New-CrmConnection `$provider -Server (& `$e HOST) -Port (& `$e PORT) -Database `$database -Credential `$cred
}
"@
    $state = @{ CRMMIGRATION_STATE_HOME = (Join-Path $work 'state') }
    $machine = Get-BenchMachine

    # MariaDB → PostgreSQL.
    $oursMy = Measure-Whole { Measure-BenchPwsh -Import $paths.Manifest -WorkingDirectory $work -Environment $state -Script "$connect`n`$sw.Restart()`n`$null = Copy-CrmData -Source (Cn MySql CRM_MY_ '$src') -Target (Cn PostgreSql CRM_PG_ '$ours') -Create -BatchSize 10000" }
    Set-Content -LiteralPath (Join-Path $work 'mysql.load') -Encoding utf8 -Value @"
LOAD DATABASE
  FROM mysql://$(Enc $env:CRM_MY_USER):$(Enc $env:CRM_MY_PASSWORD)@$($env:CRM_MY_HOST):$($env:CRM_MY_PORT)/$src
  INTO $(PgUrl $pgl)
  WITH include drop, create tables, create indexes, reset sequences, foreign keys
  ALTER SCHEMA '$src' RENAME TO 'public';
"@
    $pglMy = Measure-Whole { Invoke-Pgloader (Join-Path $work 'mysql.load') }
    foreach ($d in $ours, $pgl) {
        Assert-Pg $d 'SELECT count(*) FROM contacts' "$Count" "$d contacts"
        Assert-Pg $d "SELECT count(*) FROM pg_constraint WHERE contype = 'f'" '1' "$d foreign keys"
    }

    # CSV → PostgreSQL: Copy-CrmData types the plain file; pgloader gets the table Copy-CrmData made.
    $oursCsv = Measure-Whole { Measure-BenchPwsh -Import $paths.Manifest -WorkingDirectory $work -Environment $state -Script "$connect`n`$sw.Restart()`n`$null = Copy-CrmData -Source '$csv' -Target (Cn PostgreSql CRM_PG_ '$csvDb') -Create -BatchSize 10000" }
    Set-Content -LiteralPath (Join-Path $work 'csv.load') -Encoding utf8 -Value @"
LOAD CSV
  FROM '$csv' (contact_id, first_name, last_name, email, phone, city, country, status, created_at, score)
  INTO $(PgUrl $csvDb)?tablename=pgl.contacts
  WITH skip header = 1, fields terminated by ',', fields not enclosed
  BEFORE LOAD DO `$`$ CREATE SCHEMA pgl; `$`$, `$`$ CREATE TABLE pgl.contacts (LIKE public.contacts INCLUDING ALL); `$`$;
"@
    $pglCsv = Measure-Whole { Invoke-Pgloader (Join-Path $work 'csv.load') }
    Assert-Pg $csvDb 'SELECT count(*) FROM public.contacts' "$Count" 'Copy-CrmData CSV contacts'
    Assert-Pg $csvDb 'SELECT count(*) FROM pgl.contacts' "$Count" 'pgloader CSV contacts'
    $end = Get-BenchMachine

    $pgloaderVersion = @(& pgloader --version 2>&1)[0] -replace '^pgloader version\s+', '' -replace '"', ''
    $all = $Count + 10000
    $section = @"
<!-- pgloader:start -->
## Next to pgloader

Produced by ``bench/pgloader.ps1 -Count $Count`` on $([DateTime]::UtcNow.ToString('yyyy-MM-dd')) ($($machine.Text); pgloader $pgloaderVersion),
against the loopback MariaDB and PostgreSQL of ``scripts/dbservers.sh``, each run into a fresh database. "Whole
process" includes start-up (pwsh and the module import for Copy-CrmData, SBCL for pgloader); "inside" is
Copy-CrmData's own time; "CPU" is the whole process's user + system seconds (GNU time), which a shared machine disturbs
less than the wall clock. Load average (1, 5, 15 min) at the start: $($machine.Load); at the end: $($end.Load) — the
machine was shared with other builds, so compare rows of this run, not runs. The source is $($Count.ToString('N0', [Globalization.CultureInfo]::InvariantCulture)) contacts referencing
10,000 accounts in MariaDB (varchar lengths, decimal(12,2), smallint, float, enum, date and datetime, NOT NULL,
comments, a foreign key). Copy-CrmData keeps its ledger (the default); pgloader keeps none.

| work | tool | seconds, whole process | inside | CPU s, whole process | records/s (whole) |
|---|---|---:|---:|---:|---:|
| MariaDB → PostgreSQL, schema and data | ``Copy-CrmData `$my `$pg -Create -BatchSize 10000`` | $($oursMy.Seconds) | $($oursMy.Result.Seconds) | $($oursMy.Result.CpuSeconds) | $(Rate $all $oursMy.Seconds) |
| MariaDB → PostgreSQL, schema and data | ``pgloader mysql://… postgresql://…`` (create tables, indexes, foreign keys) | $($pglMy.Seconds) | – | $($pglMy.Result.CpuSeconds) | $(Rate $all $pglMy.Seconds) |
| CSV → PostgreSQL, schema (typed from the whole file) and data | ``Copy-CrmData ./contacts.csv `$pg -Create -BatchSize 10000`` | $($oursCsv.Seconds) | $($oursCsv.Result.Seconds) | $($oursCsv.Result.CpuSeconds) | $(Rate $Count $oursCsv.Seconds) |
| CSV → PostgreSQL, data into the table Copy-CrmData made | ``pgloader`` LOAD CSV (CREATE TABLE … LIKE that table) | $($pglCsv.Seconds) | – | $($pglCsv.Result.CpuSeconds) | $(Rate $Count $pglCsv.Seconds) |

What each made of the MariaDB schema, read back from PostgreSQL's catalog (``format_type``):

| tool | contacts | accounts | also |
|---|---|---|---|
| Copy-CrmData | $(Get-Types $ours contacts) | $(Get-Types $ours accounts) | $(Get-Extras $ours) |
| pgloader | $(Get-Types $pgl contacts) | $(Get-Types $pgl accounts) | $(Get-Extras $pgl) |

The plain CSV as Copy-CrmData typed it: $(Get-Types $csvDb contacts).
<!-- pgloader:end -->
"@
    $text = if (Test-Path -LiteralPath $Output) { Get-Content -LiteralPath $Output -Raw } else { "# Database benchmarks`n" }
    $text = if ($text -match '(?s)<!-- pgloader:start -->.*?<!-- pgloader:end -->') { [regex]::Replace($text, '(?s)<!-- pgloader:start -->.*?<!-- pgloader:end -->', { $section }) }
            else { $text.TrimEnd() + "`n`n" + $section + "`n" }
    Set-Content -LiteralPath $Output -Value $text -Encoding utf8 -NoNewline
    $section
}
finally {
    foreach ($d in $ours, $pgl, $csvDb) { try { Invoke-Pg "DROP DATABASE IF EXISTS $d WITH (FORCE)" postgres | Out-Null } catch { Write-Warning $_ } }
    try { Invoke-My "DROP DATABASE IF EXISTS $src" -Database '' | Out-Null } catch { Write-Warning $_ }
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
