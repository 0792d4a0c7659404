<#
.SYNOPSIS
    Test-CrmMigration at scale (issue 12), in pwsh: a PostgreSQL table of N contacts (10 columns: bigint key,
    text, timestamp, numeric(10,2), a third of the statuses NULL) copied into SQLite with Copy-CrmData, then compared.
.DESCRIPTION
    Rows per count, each in a fresh pwsh with the built module (peak memory = its maximum resident set, GNU time):
      - the floor: Test-CrmMigration -Check Count (both sides read in full, nothing kept or compared)
      - Test-CrmMigration with every check (schema, rows read, keys, field values, aggregates)
    Past 8 MB of key/fingerprint entries per side (about 160,000 rows here) the partitions spill to disk.
    Works in a database of its own on the shared PostgreSQL server and drops it at the end. Prints the rows
    (Markdown) for docs/benchmarks.md.
.EXAMPLE
    dotnet pwsh ./bench/validate.ps1 -Counts 1000000
#>
[CmdletBinding()]
param(
    # Row counts to measure.
    [int[]] $Counts = @(1000000)
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$repo = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$paths = Initialize-Bench
if (-not $env:CRM_PG_HOST) {
    Invoke-BenchNative bash (Join-Path $repo 'scripts/dbservers.sh') start | Out-Null
    foreach ($line in (Invoke-BenchNative bash (Join-Path $repo 'scripts/dbservers.sh') env)) {
        if ("$line" -match "^export (\w+)='?(.*?)'?$") { Set-Item "env:$($Matches[1])" $Matches[2] }
    }
}
$db = 'crm_bench_validate_' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
function Invoke-Pg([string] $Sql, [string] $Database = $db) {
    $env:PGPASSWORD = $env:CRM_PG_PASSWORD
    try { Invoke-BenchNative psql -X -q -v ON_ERROR_STOP=1 -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $Database -At -c $Sql }
    finally { Remove-Item env:PGPASSWORD -ErrorAction Ignore }
}
$work = Join-Path ([IO.Path]::GetTempPath()) ('crm-bench-validate-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
# The child connects with the credential from the environment (never on a command line or in a file).
$connect = "`$pg = New-CrmConnection PostgreSql -Server `$env:CRM_PG_HOST -Port `$env:CRM_PG_PORT -Database '$db' -Credential ([pscredential]::new(`$env:CRM_PG_USER, (ConvertTo-SecureString `$env:CRM_PG_PASSWORD -AsPlainText -Force)))"
function Measure-Crm([string] $Script) { Measure-BenchPwsh -Script "$connect`n`$sw.Restart()`n$Script" -Import $paths.Manifest -WorkingDirectory $work }

Write-Host "load average at start: $((Get-BenchMachine).Load)"
Invoke-Pg "CREATE DATABASE $db" -Database postgres | Out-Null
try {
    foreach ($n in $Counts) {
        Invoke-Pg 'DROP TABLE IF EXISTS contacts' | Out-Null
        Invoke-Pg 'CREATE TABLE contacts (contact_id bigint PRIMARY KEY, first_name text, last_name text, email text, phone text, city text, country text, status text, created_at timestamp, score numeric(10,2))' | Out-Null
        Invoke-Pg "INSERT INTO contacts SELECT i, 'First' || i, 'Last' || (i % 1000), 'user' || i || '@example.org', '+33 1 ' || lpad((i % 100000000)::text, 8, '0'), (ARRAY['Paris','Oslo','Lyon','Rome'])[1 + i % 4], 'FR', CASE WHEN i % 3 = 0 THEN NULL ELSE 'active' END, timestamp '2020-01-01' + make_interval(secs => i), (i % 10000) / 100.0 FROM generate_series(1, $n) i" | Out-Null
        Invoke-Pg 'ANALYZE contacts' | Out-Null
        Remove-Item (Join-Path $work 't.db*') -ErrorAction Ignore
        $copy = Measure-Crm 'Copy-CrmData -Source $pg -Target ./t.db -Create -NoLedger -BatchSize 10000 | Out-Null'
        $floor = Measure-Crm "if (-not (Test-CrmMigration -Source `$pg -Target ./t.db -Check Count -Quiet)) { throw 'count differs' }"
        $all = Measure-Crm "`$r = Test-CrmMigration -Source `$pg -Target ./t.db; if (`$r | Where-Object Status -ne 'Pass') { throw (`$r | Where-Object Status -ne 'Pass' | Out-String) }"
        New-BenchRow $n 'Copy-CrmData PostgreSQL → SQLite -NoLedger (to make the target)' $copy.Seconds $copy.PeakMB
        New-BenchRow $n 'Test-CrmMigration -Check Count: both sides read, nothing compared (floor)' $floor.Seconds $floor.PeakMB
        New-BenchRow $n 'Test-CrmMigration, every check (schema, reads, keys, values, aggregates)' $all.Seconds $all.PeakMB
    }
}
finally {
    Invoke-Pg "DROP DATABASE IF EXISTS $db WITH (FORCE)" -Database postgres | Out-Null
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
Write-Host "load average at end: $((Get-BenchMachine).Load)"
