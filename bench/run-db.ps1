<#
.SYNOPSIS
    Database benchmarks in pwsh, each next to the server's own bulk tool measured in the same run; writes
    docs/benchmarks-db.md.
.DESCRIPTION
      CSV → PostgreSQL (Import-CrmData, binary COPY)       vs  psql \copy
      CSV → MariaDB    (Import-CrmData, LOAD DATA LOCAL)   vs  LOAD DATA LOCAL INFILE
      PostgreSQL → CSV (Export-CrmData | Import-CrmData)   vs  psql \copy (...) TO
    Each load floor runs twice: into keyless text columns, and into a table with exactly the definition
    Import-CrmData -Create made (CREATE TABLE ... LIKE "Contact": same column types, same primary key). The
    engine rows run the same work without PowerShell (bench/CrmMigration.EngineBench: CSV provider →
    ImportSession with the ledger → database writer). Starts the servers with scripts/dbservers.sh and works in
    databases of its own, created for the run and dropped after it (the servers are shared).
.EXAMPLE
    dotnet pwsh ./bench/run-db.ps1 -Counts 10000 -Output ./bench-db.md
#>
[CmdletBinding()]
param(
    # Record counts to measure.
    [int[]] $Counts = @(100000),
    # Where the results go.
    [string] $Output = (Join-Path $PSScriptRoot '../docs/benchmarks-db.md')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$repo = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$paths = Initialize-Bench -Engine
if (-not ($env:CRM_PG_HOST -and $env:CRM_MY_HOST)) {
    Invoke-BenchNative bash (Join-Path $repo 'scripts/dbservers.sh') start | Out-Null
    foreach ($line in (Invoke-BenchNative bash (Join-Path $repo 'scripts/dbservers.sh') env)) {
        if ("$line" -match "^export (\w+)='?(.*?)'?$") { Set-Item "env:$($Matches[1])" $Matches[2] }
    }
}
$suffix = [Guid]::NewGuid().ToString('N').Substring(0, 8)
$pgDb = "crm_bench_$suffix"; $myDb = "crm_bench_$suffix"

function Invoke-Pg([string] $Sql, [string] $Database = $pgDb) {
    $env:PGPASSWORD = $env:CRM_PG_PASSWORD
    try { Invoke-BenchNative psql -X -q -v ON_ERROR_STOP=1 -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $Database -At -c $Sql }
    finally { Remove-Item env:PGPASSWORD -ErrorAction Ignore }
}
function Invoke-My([string] $Sql, [string] $Database = $myDb, [switch] $LocalInfile) {
    $extra = if ($LocalInfile) { @('--local-infile=1') } else { @() }
    $dbArgs = if ($Database) { @('-D', $Database) } else { @() }
    Invoke-BenchNative mariadb --no-defaults -h $env:CRM_MY_HOST -P $env:CRM_MY_PORT -u $env:CRM_MY_USER "-p$env:CRM_MY_PASSWORD" @dbArgs @extra -N -B -e $Sql
}
function Assert-Count([string] $Kind, [string] $Table, [long] $Expected) {
    $got = if ($Kind -eq 'pg') { Invoke-Pg "SELECT count(*) FROM $Table" } else { Invoke-My "SELECT count(*) FROM $Table" }
    if ([long]"$got" -ne $Expected) { throw "$Table holds $got rows, not ${Expected}: the run is incomplete." }
}

$work = Join-Path ([IO.Path]::GetTempPath()) ('crm-bench-db-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$machine = Get-BenchMachine
$rows = [Collections.Generic.List[string]]::new()
Invoke-Pg "CREATE DATABASE $pgDb" -Database postgres | Out-Null
Invoke-My "CREATE DATABASE $myDb CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" -Database '' | Out-Null
try {
    $rename = Write-BenchMapping rename $work
    # The children connect with the credential from the environment (never on a command line or in a file).
    $connect = @"
function Cn(`$provider, `$prefix, `$database) {
    `$e = { param(`$n) [Environment]::GetEnvironmentVariable(`$prefix + `$n) }
    `$cred = [pscredential]::new((& `$e USER), (ConvertTo-SecureString (& `$e PASSWORD) -AsPlainText -Force))
    New-CrmConnection `$provider -Server (& `$e HOST) -Port (& `$e PORT) -Database `$database -Credential `$cred
}
`$pg = Cn PostgreSql CRM_PG_ '$pgDb'
`$my = Cn MySql CRM_MY_ '$myDb'
"@
    function Measure-Crm([string] $Script, [hashtable] $Environment = @{}) {
        # a fresh ledger per run: a database target's ledger is kept in the state folder (the work folder's own here)
        $state = Join-Path $work 'state'
        Remove-Item $state -Recurse -Force -ErrorAction Ignore
        $Environment = $Environment.Clone()
        $Environment['CRMMIGRATION_STATE_HOME'] = $state
        Measure-BenchPwsh -Script "$connect`n`$sw.Restart()`n$Script" -Import $paths.Manifest -WorkingDirectory $work -Environment $Environment
    }
    function Measure-Engine([string] $Mode, [string] $Csv) {
        $env:CRM_PG_DATABASE, $env:CRM_MY_DATABASE = $pgDb, $myDb
        $out = Invoke-BenchNative dotnet $paths.EngineBench $Mode $Csv 1
        $line = @($out | Where-Object { "$_" -match 'total=([0-9.]+)' })[-1]
        if ("$line" -notmatch 'total=([0-9.]+)') { throw "EngineBench $Mode printed no total: $out" }
        [double]::Parse($Matches[1], [Globalization.CultureInfo]::InvariantCulture)
    }
    $cols = 'contact_id text, first_name text, last_name text, email text, phone text, city text, country text, status text, created_at text, score text'
    $myCols = 'contact_id varchar(20), first_name varchar(50), last_name varchar(50), email varchar(120), phone varchar(40), city varchar(60), country varchar(4), status varchar(20), created_at varchar(20), score varchar(10)'
    $loadData = "FIELDS TERMINATED BY ',' LINES TERMINATED BY '\n' IGNORE 1 LINES"

    foreach ($n in $Counts) {
        $csv = Join-Path $work 'contacts.csv'
        $null = Measure-BenchPwsh -Import $paths.BenchModule -WorkingDirectory $work -Script "`$null = New-BenchContactCsv -Path '$csv' -Count $n"
        Write-Host "== $n records: $csv"
        $copyTo = $csv.Replace("'", "''")

        # PostgreSQL
        Invoke-Pg 'DROP TABLE IF EXISTS "Contact", floor_contacts, floor_same' | Out-Null
        $pgImport = Measure-Crm "`$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$rename' | Import-CrmData -Connection `$pg -Create -BatchSize 10000"
        Assert-Count pg '"Contact"' $n
        Invoke-Pg "CREATE TABLE floor_contacts ($cols)" | Out-Null
        $pgFloor = Measure-BenchNative { $env:PGPASSWORD = $env:CRM_PG_PASSWORD; psql -X -q -v ON_ERROR_STOP=1 -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $pgDb -c "\copy floor_contacts FROM '$copyTo' WITH (FORMAT csv, HEADER true)" }
        Invoke-Pg 'CREATE TABLE floor_same (LIKE "Contact" INCLUDING ALL)' | Out-Null
        $pgSame = Measure-BenchNative { $env:PGPASSWORD = $env:CRM_PG_PASSWORD; psql -X -q -v ON_ERROR_STOP=1 -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $pgDb -c "\copy floor_same FROM '$copyTo' WITH (FORMAT csv, HEADER true)" }
        Remove-Item env:PGPASSWORD -ErrorAction Ignore
        Assert-Count pg floor_same $n
        Invoke-Pg 'DROP TABLE floor_same' | Out-Null
        # The same load in one command inside the engine (Copy-CrmData), plain and with a 64 MB gen0 GC budget.
        Invoke-Pg 'DROP TABLE IF EXISTS "Contact"' | Out-Null
        $pgCopy = Measure-Crm "`$null = Copy-CrmData -Source '$csv' -Target `$pg -Mapping '$rename' -Create -BatchSize 10000"
        Assert-Count pg '"Contact"' $n
        Invoke-Pg 'DROP TABLE IF EXISTS "Contact"' | Out-Null
        $pgCopyGc = Measure-Crm "`$null = Copy-CrmData -Source '$csv' -Target `$pg -Mapping '$rename' -Create -BatchSize 10000" -Environment @{ DOTNET_GCgen0size = '0x4000000' }
        Assert-Count pg '"Contact"' $n

        # MariaDB
        Invoke-My 'DROP TABLE IF EXISTS `Contact`, floor_contacts, floor_same' | Out-Null
        $myImport = Measure-Crm "`$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$rename' | Import-CrmData -Connection `$my -Create -BatchSize 10000"
        Assert-Count my '`Contact`' $n
        Invoke-My "CREATE TABLE floor_contacts ($myCols) DEFAULT CHARSET=utf8mb4" | Out-Null
        $myFloor = Measure-BenchNative { mariadb --no-defaults -h $env:CRM_MY_HOST -P $env:CRM_MY_PORT -u $env:CRM_MY_USER "-p$env:CRM_MY_PASSWORD" -D $myDb --local-infile=1 -e "LOAD DATA LOCAL INFILE '$copyTo' INTO TABLE floor_contacts CHARACTER SET utf8mb4 $loadData" }
        Invoke-My 'CREATE TABLE floor_same LIKE `Contact`' | Out-Null
        $mySame = Measure-BenchNative { mariadb --no-defaults -h $env:CRM_MY_HOST -P $env:CRM_MY_PORT -u $env:CRM_MY_USER "-p$env:CRM_MY_PASSWORD" -D $myDb --local-infile=1 -e "LOAD DATA LOCAL INFILE '$copyTo' INTO TABLE floor_same CHARACTER SET utf8mb4 $loadData" }
        Assert-Count my floor_same $n
        Invoke-My 'DROP TABLE floor_same' | Out-Null
        Invoke-My 'DROP TABLE IF EXISTS `Contact`' | Out-Null
        $myCopy = Measure-Crm "`$null = Copy-CrmData -Source '$csv' -Target `$my -Mapping '$rename' -Create -BatchSize 10000"
        Assert-Count my '`Contact`' $n
        Invoke-My 'DROP TABLE IF EXISTS `Contact`' | Out-Null
        $myCopyGc = Measure-Crm "`$null = Copy-CrmData -Source '$csv' -Target `$my -Mapping '$rename' -Create -BatchSize 10000" -Environment @{ DOTNET_GCgen0size = '0x4000000' }
        Assert-Count my '`Contact`' $n

        # PostgreSQL → CSV
        Remove-Item (Join-Path $work 'out'), (Join-Path $work 'out-copy') -Recurse -Force -ErrorAction Ignore
        New-Item -ItemType Directory (Join-Path $work 'out') | Out-Null
        $export = Measure-Crm "`$null = Export-CrmData -Connection `$pg -Entity Contact | Import-CrmData -Path '$work/out/Contact.csv'"
        $exportCopy = Measure-Crm "`$null = Copy-CrmData -Source `$pg -Entity Contact -Target '$work/out-copy/Contact.csv'"
        $floorOut = (Join-Path $work 'out/floor.csv').Replace("'", "''")
        $exportFloor = Measure-BenchNative { $env:PGPASSWORD = $env:CRM_PG_PASSWORD; psql -X -q -v ON_ERROR_STOP=1 -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $pgDb -c "\copy (SELECT * FROM `"Contact`") TO '$floorOut' WITH (FORMAT csv, HEADER true)" }
        Remove-Item env:PGPASSWORD -ErrorAction Ignore

        # The same three without PowerShell (the harness drops and creates "Contact" itself).
        $enginePg = Measure-Engine pg-ledger $csv
        $engineMy = Measure-Engine my-ledger $csv
        $engineExport = Measure-Engine pg-export $csv

        $rows.Add((New-BenchRow $n '`psql \copy` CSV → PostgreSQL, keyless text table (floor)' $pgFloor))
        $rows.Add((New-BenchRow $n '`psql \copy` CSV → PostgreSQL, table as -Create makes it (floor)' $pgSame))
        $rows.Add((New-BenchRow $n 'CSV → PostgreSQL: Export \| Convert \| Import -Create -BatchSize 10000 (binary COPY)' $pgImport.Seconds $pgImport.PeakMB))
        $rows.Add((New-BenchRow $n 'CSV → PostgreSQL: Copy-CrmData -Mapping -Create -BatchSize 10000' $pgCopy.Seconds $pgCopy.PeakMB))
        $rows.Add((New-BenchRow $n 'CSV → PostgreSQL: Copy-CrmData, same, DOTNET_GCgen0size=0x4000000' $pgCopyGc.Seconds $pgCopyGc.PeakMB))
        $rows.Add((New-BenchRow $n 'CSV → PostgreSQL, engine only (no PowerShell; same providers, ImportSession and ledger)' $enginePg))
        $rows.Add((New-BenchRow $n '`LOAD DATA LOCAL INFILE` CSV → MariaDB, keyless varchar table (floor)' $myFloor))
        $rows.Add((New-BenchRow $n '`LOAD DATA LOCAL INFILE` CSV → MariaDB, table as -Create makes it (floor)' $mySame))
        $rows.Add((New-BenchRow $n 'CSV → MariaDB: Export \| Convert \| Import -Create -BatchSize 10000 (LOAD DATA LOCAL from memory)' $myImport.Seconds $myImport.PeakMB))
        $rows.Add((New-BenchRow $n 'CSV → MariaDB: Copy-CrmData -Mapping -Create -BatchSize 10000' $myCopy.Seconds $myCopy.PeakMB))
        $rows.Add((New-BenchRow $n 'CSV → MariaDB: Copy-CrmData, same, DOTNET_GCgen0size=0x4000000' $myCopyGc.Seconds $myCopyGc.PeakMB))
        $rows.Add((New-BenchRow $n 'CSV → MariaDB, engine only (no PowerShell; same providers, ImportSession and ledger)' $engineMy))
        $rows.Add((New-BenchRow $n '`psql \copy (...) TO` PostgreSQL → CSV (floor)' $exportFloor))
        $rows.Add((New-BenchRow $n 'PostgreSQL → CSV: Export \| Import -Path' $export.Seconds $export.PeakMB))
        $rows.Add((New-BenchRow $n 'PostgreSQL → CSV: Copy-CrmData' $exportCopy.Seconds $exportCopy.PeakMB))
        $rows.Add((New-BenchRow $n 'PostgreSQL → CSV, engine only (no PowerShell)' $engineExport))
    }
}
finally {
    Invoke-Pg "DROP DATABASE IF EXISTS $pgDb WITH (FORCE)" -Database postgres | Out-Null
    Invoke-My "DROP DATABASE IF EXISTS $myDb" -Database '' | Out-Null
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}

$end = Get-BenchMachine
$text = @"
# Database benchmarks

Produced by ``bench/run-db.ps1 -Counts $($Counts -join ',')`` on $([DateTime]::UtcNow.ToString('yyyy-MM-dd')) ($($machine.Text)),
against the loopback PostgreSQL and MariaDB of ``scripts/dbservers.sh`` (fsync off: test servers), in databases
created for the run. Every CrmMigration row runs in a fresh pwsh with the built module imported and is timed inside
around the pipeline; the floors are the servers' own bulk tools timed around the client command, loading the same
file twice: into keyless text columns, and into a table with exactly the definition Import-CrmData -Create made
(CREATE TABLE ... LIKE "Contact": same types and primary key). The engine-only rows run the same providers and
ImportSession without PowerShell (bench/CrmMigration.EngineBench, ledger on as in Import-CrmData, process start not
counted). Peak memory is the pwsh process's maximum RSS. Load average (1, 5, 15 min) at the start: $($machine.Load);
at the end: $($end.Load) — on a shared machine compare rows of one run, not runs.

| records | what | seconds | records/s | peak MB |
|---:|---|---:|---:|---:|
$($rows -join "`n")
"@
# bench/pgloader.ps1 owns a section of the file: carried over.
if ((Test-Path -LiteralPath $Output) -and ((Get-Content -LiteralPath $Output -Raw) -match '(?s)<!-- pgloader:start -->.*?<!-- pgloader:end -->')) { $text += "`n`n" + $Matches[0] }
Set-Content -LiteralPath $Output -Value $text -Encoding utf8
Get-Content -LiteralPath $Output
