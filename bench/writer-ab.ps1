<#
.SYNOPSIS
    Two builds of the module side by side on the relational writers: Copy-CrmData CSV → SQLite, PostgreSQL and
    MariaDB, each build back to back with the engine's own bulk loader in the same run; optionally dumps of what
    each build left (target tables, ledger books and before-images) made with sqlite3 / psql / mariadb.
.DESCRIPTION
    For a change to a writer: -Manifest lists the builds (e.g. main's, saved before the change, and the
    worktree's). Per engine and count, in each of -Repeat rounds: the floor (sqlite3 .import, psql \copy, LOAD DATA
    LOCAL INFILE into a table made like the one Copy-CrmData -Create made), then each build's Copy-CrmData (ledger
    on, fresh ledger each), with peak RSS and the load average beside each row; with more than one round, the
    medians of the floor and of each build, and each build's median over the floor's.
    With -DumpDirectory each build also runs, after the insert copy, an upsert copy of a changed file (every
    tenth contact changed, a few hundred new ones) and an insert copy of the first rows again (duplicates), then
    dumps per engine: the table ordered by key, and the ledger's batches, images, counters and crosswalk
    (blobs as hex; run times left out), one file per build, to compare with diff.
.EXAMPLE
    dotnet pwsh ./bench/writer-ab.ps1 -Manifest /tmp/base/CrmMigration.psd1, ./out/CrmMigration/0.1.0/CrmMigration.psd1 -Count 200000 -DumpDirectory /tmp/dumps
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string[]] $Manifest,
    [int] $Count = 100000,
    [ValidateSet('sqlite', 'pg', 'my')] [string[]] $Engine = @('sqlite', 'pg', 'my'),
    # The mapping each copy goes through; 'none' copies the plain file without one (its first column renamed Id, its key;
    # the table named after the file, contacts), as `Copy-CrmData ./contacts.csv $target -Create` does.
    [ValidateSet('rename', 'cleanse', 'none')] [string] $MappingKind = 'rename',
    [string] $DumpDirectory,
    # Measurements per build and engine (the best is reported with all of them).
    [int] $Repeat = 1,
    # Environment variables per build, in -Manifest's order (e.g. one build twice, with and without a switch:
    # -Manifest $m, $m -BuildEnvironment @{ CRMMIGRATION_OVERLAP = '0' }, @{}).
    [hashtable[]] $BuildEnvironment = @()
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$repo = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
Invoke-BenchNative dotnet build (Join-Path $repo 'bench/CrmMigration.Bench') -c Release -nologo '-v:q' | Out-Null
$benchModule = Join-Path $repo 'bench/CrmMigration.Bench/bin/Release/net8.0/CrmMigration.Bench.dll'
if (-not ($env:CRM_PG_HOST -and $env:CRM_MY_HOST)) {
    foreach ($line in (Invoke-BenchNative bash (Join-Path $repo 'scripts/dbservers.sh') env)) {
        if ("$line" -match "^export (\w+)='?(.*?)'?$") { Set-Item "env:$($Matches[1])" $Matches[2] }
    }
}
$Manifest = @($Manifest | ForEach-Object { (Resolve-Path $_).Path })
$suffix = [Guid]::NewGuid().ToString('N').Substring(0, 8)
$db = "crm_ab_$suffix"
$work = Join-Path ([IO.Path]::GetTempPath()) "crm-ab-$suffix"
$table = if ($MappingKind -eq 'none') { 'contacts' } else { 'Contact' }
New-Item -ItemType Directory $work | Out-Null

function Invoke-Pg([string] $Sql, [string] $Database = $db) {
    $env:PGPASSWORD = $env:CRM_PG_PASSWORD
    try { Invoke-BenchNative psql -X -q -v ON_ERROR_STOP=1 -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $Database -At -c $Sql }
    finally { Remove-Item env:PGPASSWORD -ErrorAction Ignore }
}
function Invoke-My([string] $Sql, [string] $Database = $db) {
    $dbArgs = if ($Database) { @('-D', $Database) } else { @() }
    Invoke-BenchNative mariadb --no-defaults -h $env:CRM_MY_HOST -P $env:CRM_MY_PORT -u $env:CRM_MY_USER "-p$env:CRM_MY_PASSWORD" @dbArgs --local-infile=1 -N -B -e $Sql
}
function Get-Load { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' }
function Get-Target([string] $Kind, [int] $Build) {
    switch ($Kind) { 'sqlite' { "'$work/t$Build.db'" } 'pg' { '$pg' } 'my' { '$my' } }
}
function Reset-Target([string] $Kind, [int] $Build) {
    switch ($Kind) {
        'sqlite' { Remove-Item "$work/t$Build.db*" -Force -ErrorAction Ignore }
        'pg' { Invoke-Pg "DROP TABLE IF EXISTS `"$table`"" | Out-Null }
        'my' { Invoke-My "DROP TABLE IF EXISTS ``$table``" | Out-Null }
    }
    Remove-Item "$work/ledger$Build*" -Force -ErrorAction Ignore
}
$connect = @"
function Cn(`$provider, `$prefix, `$database) {
    `$e = { param(`$n) [Environment]::GetEnvironmentVariable(`$prefix + `$n) }
    `$cred = [pscredential]::new((& `$e USER), (ConvertTo-SecureString (& `$e PASSWORD) -AsPlainText -Force))
    New-CrmConnection `$provider -Server (& `$e HOST) -Port (& `$e PORT) -Database `$database -Credential `$cred
}
`$pg = Cn PostgreSql CRM_PG_ '$db'
`$my = Cn MySql CRM_MY_ '$db'
"@
function Invoke-Copy([string] $Kind, [int] $Build, [string] $Csv, [string] $Extra = '', [string] $Ledger = "ledger$Build") {
    $target = Get-Target $Kind $Build
    $environment = @{ CRMMIGRATION_STATE_HOME = "$work/state$Build" }
    if ($Build -lt $BuildEnvironment.Count) { foreach ($k in $BuildEnvironment[$Build].Keys) { $environment[$k] = $BuildEnvironment[$Build][$k] } }
    Measure-BenchPwsh -Import $Manifest[$Build] -WorkingDirectory $work -Environment $environment `
        -Script "$connect`n`$sw.Restart()`n`$null = Copy-CrmData -Source '$Csv' -Target $target $(if ($mapping) { "-Mapping '$mapping'" }) -Create -BatchSize 10000 -StatePath '$work/$Ledger.db' $Extra"
}
function Get-Dump([string] $Kind, [int] $Build) {
    $out = [Collections.Generic.List[string]]::new()
    $out.Add('== target')
    switch ($Kind) {
        'sqlite' { $out.AddRange([string[]](Invoke-BenchNative sqlite3 "$work/t$Build.db" ".schema $table" "SELECT * FROM $table ORDER BY Id;")) }
        'pg' {
            $out.AddRange([string[]](Invoke-Pg "SELECT column_name, data_type, is_nullable, character_maximum_length, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_name = '$table' ORDER BY ordinal_position"))
            $out.AddRange([string[]](Invoke-Pg "SELECT * FROM `"$table`" ORDER BY `"Id`""))
        }
        'my' {
            $out.AddRange([string[]](Invoke-My "SHOW CREATE TABLE ``$table``"))
            $out.AddRange([string[]](Invoke-My "SELECT * FROM ``$table`` ORDER BY ``Id``"))
        }
    }
    foreach ($ledger in "$work/ledger$Build.db", "$work/ledger$Build-again.db") {
    $out.Add("== ledger " + ((Split-Path -Leaf $ledger) -replace "\d", ""))
    foreach ($q in 'SELECT run_no, entity, batch, records, hex(data) FROM batches ORDER BY seq',
        'SELECT run_no, entity, batch, part, records, hex(data) FROM images ORDER BY seq',
        'SELECT * FROM counters ORDER BY run_no, entity',
        'SELECT * FROM crosswalk ORDER BY 1, 2, 3',
        'SELECT run_no, entity, batch, records, last_source_key FROM checkpoints ORDER BY 1, 2',
        'SELECT run_no, status, kind FROM runs ORDER BY run_no') {
        $out.Add("== $q")
        $out.AddRange([string[]]@(Invoke-BenchNative sqlite3 $ledger $q))
    }
    }
    $out
}

$rows = [Collections.Generic.List[string]]::new()
Invoke-Pg "CREATE DATABASE $db" -Database postgres | Out-Null
Invoke-My "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" -Database '' | Out-Null
try {
    $mapping = if ($MappingKind -ne 'none') { Write-BenchMapping $MappingKind $work }
    $csv = Join-Path $work 'contacts.csv'
    # the mapping reads entity 'contacts': each file is contacts.csv in a folder of its own
    foreach ($d in 'head', 'changed', 'again') { New-Item -ItemType Directory "$work/$d" | Out-Null }
    $null = Measure-BenchPwsh -Import $benchModule -WorkingDirectory $work -Script "`$null = New-BenchContactCsv -Path '$csv' -Count $Count"
    if (-not $mapping) { Invoke-BenchNative sed -i '1s/^contact_id,/Id,/' $csv | Out-Null }
    if ($DumpDirectory) {
        # The second file: every tenth contact changed (score, status), 500 new ones; the third: the first 1,000 again.
        $lines = [IO.File]::ReadAllLines($csv)
        $changed = [Collections.Generic.List[string]]::new($lines.Count + 500)
        $changed.Add($lines[0])
        for ($i = 1; $i -lt $lines.Count; $i++) {
            $l = $lines[$i]
            if ($i % 10 -eq 0) { $p = $l.Split(','); $p[7] = 'Changed'; $p[9] = [string]($i % 997); $l = $p -join ',' }
            $changed.Add($l)
        }
        for ($i = 1; $i -le 500; $i++) { $changed.Add(('N{0:D7},New,Row,new{0}@example.com,+86 13800000000,Paris,FR,Active,2020-02-29,{1}' -f $i, ($i % 1000))) }
        [IO.File]::WriteAllLines("$work/changed/contacts.csv", $changed)
        [IO.File]::WriteAllLines("$work/again/contacts.csv", $lines[0..1000])
        New-Item -ItemType Directory $DumpDirectory -Force | Out-Null
    }
    foreach ($kind in $Engine) {
        # The floor, into a table made like the one -Create makes (made first by build 0 on the first 1,000 rows).
        Reset-Target $kind 0
        [IO.File]::WriteAllLines("$work/head/contacts.csv", [string[]]@(Get-Content -LiteralPath $csv -TotalCount 1001))
        $null = Invoke-Copy $kind 0 "$work/head/contacts.csv"
        $quoted = $csv.Replace("'", "''")
        $floorName = @{ sqlite = '`sqlite3 .import`'; pg = '`psql \copy`'; my = '`LOAD DATA LOCAL INFILE`' }[$kind]
        $seconds = @{}
        for ($r = 0; $r -lt $Repeat; $r++) {
            # The floor again in every round, right before the builds it is compared with: a floor measured once is one sample
            # of a machine whose speed drifts from minute to minute.
            $floor = switch ($kind) {
                'sqlite' {
                    Invoke-BenchNative sqlite3 "$work/t0.db" "DELETE FROM $table" | Out-Null
                    Invoke-BenchNative sqlite3 "$work/t0.db" ".schema $table" | Set-Content "$work/floor.sql"
                    Remove-Item "$work/floor.db" -ErrorAction Ignore
                    Invoke-BenchNative sqlite3 "$work/floor.db" ".read '$work/floor.sql'" | Out-Null
                    Measure-BenchNative { sqlite3 "$work/floor.db" ".import --csv --skip 1 '$csv' $table" }
                }
                'pg' {
                    Invoke-Pg "DROP TABLE IF EXISTS floor_same; CREATE TABLE floor_same (LIKE `"$table`" INCLUDING ALL)" | Out-Null
                    Measure-BenchNative { $env:PGPASSWORD = $env:CRM_PG_PASSWORD; psql -X -q -v ON_ERROR_STOP=1 -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $db -c "\copy floor_same FROM '$quoted' WITH (FORMAT csv, HEADER true)" }
                    Remove-Item env:PGPASSWORD -ErrorAction Ignore
                    Invoke-Pg 'DROP TABLE floor_same' | Out-Null
                }
                'my' {
                    Invoke-My "DROP TABLE IF EXISTS floor_same; CREATE TABLE floor_same LIKE ``$table``" | Out-Null
                    Measure-BenchNative { mariadb --no-defaults -h $env:CRM_MY_HOST -P $env:CRM_MY_PORT -u $env:CRM_MY_USER "-p$env:CRM_MY_PASSWORD" -D $db --local-infile=1 -e "LOAD DATA LOCAL INFILE '$quoted' INTO TABLE floor_same CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' LINES TERMINATED BY '\n' IGNORE 1 LINES" }
                    Invoke-My 'DROP TABLE floor_same' | Out-Null
                }
            }
            $seconds['floor'] += @($floor)
            $rows.Add(('| {0} | {1} | {2} (floor) | {3:0.000} | | | {4} |' -f $Count, $kind, $floorName, $floor, (Get-Load)))
            for ($b = 0; $b -lt $Manifest.Count; $b++) {
                Reset-Target $kind $b
                $m = Invoke-Copy $kind $b $csv
                $seconds["$b"] += @($m.Seconds)
                $rows.Add(('| {0} | {1} | Copy-CrmData, build {2} | {3:0.000} | {4:0.00}× | {5} | {6} |' -f $Count, $kind, $b, $m.Seconds, ($m.Seconds / $floor), $m.PeakMB, (Get-Load)))
                Write-Host $rows[-1]
                if ($DumpDirectory -and $r -eq 0) {
                    $null = Invoke-Copy $kind $b "$work/changed/contacts.csv" '-Mode Upsert'
                    # the same rows again with a fresh ledger: the writer itself finds them (DuplicateKey)
                    $null = Invoke-Copy $kind $b "$work/again/contacts.csv" '-ErrorAction SilentlyContinue' "ledger$b-again"
                    Get-Dump $kind $b | Set-Content -LiteralPath (Join-Path $DumpDirectory "$kind-build$b.txt")
                }
            }
        }
        if ($Repeat -gt 1) {
            # Medians of the rounds: the floor's and each build's, and the build's median over the floor's.
            $medianFloor = Get-BenchMedian $seconds['floor']
            $rows.Add(('| {0} | {1} | {2} (floor), median of {3} | {4:0.000} | | | |' -f $Count, $kind, $floorName, $Repeat, $medianFloor))
            for ($b = 0; $b -lt $Manifest.Count; $b++) {
                $median = Get-BenchMedian $seconds["$b"]
                $rows.Add(('| {0} | {1} | Copy-CrmData, build {2}, median of {3} | {4:0.000} | {5:0.00}× | | |' -f $Count, $kind, $b, $Repeat, $median, ($median / $medianFloor)))
            }
        }
        Reset-Target $kind 0
    }
}
finally {
    Invoke-Pg "DROP DATABASE IF EXISTS $db WITH (FORCE)" -Database postgres | Out-Null
    Invoke-My "DROP DATABASE IF EXISTS $db" -Database '' | Out-Null
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
"| records | engine | what | seconds | ratio to floor | peak MB | load (1, 5, 15 min) |"
"|---:|---|---|---:|---:|---:|---|"
$rows
