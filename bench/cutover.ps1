<#
.SYNOPSIS
    Cutover benchmarks: a full copy, a delta run after 1% of the records changed (by watermark, and by fingerprints),
    and the undo of a run, into SQLite and PostgreSQL; writes docs/benchmarks-cutover.md.
.DESCRIPTION
    The source is an SQLite file made with sqlite3 (not by us): contacts with an updated_at column (the watermark) and
    leads without one (the ledger's fingerprints). Per target and count:
      full copy       Copy-CrmData of contacts (ledger on, before-images kept)
      undo full       Undo-CrmMigration of that run (deletes every row it inserted), then the full copy again
      delta (wm)      1% of contacts updated and 0.1% deleted in the source, Copy-CrmData -Incremental -DeletedRecords Delete
      full leads      Copy-CrmData of leads
      delta (fp)      1% of leads updated, Copy-CrmData -Incremental (every lead read, the unchanged skipped)
    Each step runs in this pwsh with the built module; times are wall-clock around the command. PostgreSQL runs in a
    database of its own, dropped afterwards (the server is shared). Run it when the machine is quiet.
.EXAMPLE
    dotnet pwsh ./bench/cutover.ps1 -Counts 100000 -Output ./bench-cutover.md
#>
[CmdletBinding()]
param(
    [int[]] $Counts = @(100000, 1000000),
    [string] $Output = (Join-Path $PSScriptRoot '../docs/benchmarks-cutover.md'),
    # Only SQLite targets.
    [switch] $NoDatabase
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$repo = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$manifest = @(Get-ChildItem (Join-Path $repo 'out/CrmMigration') -Recurse -Filter CrmMigration.psd1)[0].FullName
Import-Module $manifest -Force
$work = Join-Path ([IO.Path]::GetTempPath()) ('crm-cutover-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$rows = [Collections.Generic.List[string]]::new()
$loadStart = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' } else { '?' }

function Invoke-Sqlite([string] $Db, [string] $Sql) { $Sql | & sqlite3 -batch $Db; if ($LASTEXITCODE) { throw "sqlite3 failed: $Sql" } }
function Measure-Step([string] $Name, [scriptblock] $Step) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $out = & $Step
    $clock.Stop()
    $read = ($out | Where-Object { $_ -is [CrmMigration.CrmImportSummary] } | Measure-Object Read -Sum).Sum
    Write-Host ('{0,-14} {1,8:N1} s  read {2:N0}' -f $Name, $clock.Elapsed.TotalSeconds, $read)
    [pscustomobject]@{ Name = $Name; Seconds = $clock.Elapsed.TotalSeconds; Read = $read }
}

$pgDb = $null
try {
    $targets = @('Sqlite')
    if (-not $NoDatabase) {
        foreach ($line in (& bash (Join-Path $repo 'scripts/dbservers.sh') env)) { if ("$line" -match "^export (\w+)='?(.*?)'?$") { Set-Item "env:$($Matches[1])" $Matches[2] } }
        $targets += 'PostgreSql'
    }
    foreach ($n in $Counts) {
        foreach ($kind in $targets) {
            $src = Join-Path $work "src-$n.db"
            Remove-Item $src -ErrorAction Ignore
            Invoke-Sqlite $src @"
CREATE TABLE contacts (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, updated_at TEXT);
CREATE TABLE leads (id INTEGER PRIMARY KEY, name TEXT, company TEXT, status TEXT);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
INSERT INTO contacts SELECT i, 'First' || i, 'Last' || i, 'p' || i || '@example.org', strftime('%Y-%m-%dT%H:%M:%SZ', '2021-01-01', '+' || i || ' seconds') FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
INSERT INTO leads SELECT i, 'Lead ' || i, 'Company ' || (i % 997), 'new' FROM s;
"@
            if ($kind -eq 'Sqlite') {
                $target = New-CrmConnection -Provider Sqlite -Path (Join-Path $work "tgt-$n.db")
            }
            else {
                $pgDb = 'crm_cutover_' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
                $env:PGPASSWORD = $env:CRM_PG_PASSWORD
                & psql -X -q -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d postgres -c "CREATE DATABASE $pgDb" | Out-Null
                $cred = [pscredential]::new($env:CRM_PG_USER, (ConvertTo-SecureString $env:CRM_PG_PASSWORD -AsPlainText -Force))
                $target = New-CrmConnection -Provider PostgreSql -Server $env:CRM_PG_HOST -Port $env:CRM_PG_PORT -Database $pgDb -Credential $cred
            }
            $state = Join-Path $work "ledger-$kind-$n.sqlite"
            Write-Host "== $n records into $kind"
            $full = Measure-Step 'full copy' { Copy-CrmData $src $target -Entity contacts -Create -StatePath $state }
            $runId = @(Get-CrmMigrationRun -StatePath $state)[0].RunId
            $undo = Measure-Step 'undo full' { Undo-CrmMigration $target -RunId $runId -StatePath $state -Confirm:$false }
            $null = Measure-Step 'full again' { Copy-CrmData $src $target -Entity contacts -Create -StatePath $state }
            Invoke-Sqlite $src "UPDATE contacts SET email = 'changed' || id || '@example.org', updated_at = '2030-01-01T00:00:00Z' WHERE id % 100 = 0; DELETE FROM contacts WHERE id % 1000 = 7;"
            $deltaWm = Measure-Step 'delta (wm)' { Copy-CrmData $src $target -Entity contacts -Incremental -DeletedRecords Delete -StatePath $state }
            $fullLeads = Measure-Step 'full leads' { Copy-CrmData $src $target -Entity leads -Create -StatePath $state }
            Invoke-Sqlite $src "UPDATE leads SET status = 'qualified' WHERE id % 100 = 0;"
            $deltaFp = Measure-Step 'delta (fp)' { Copy-CrmData $src $target -Entity leads -Incremental -StatePath $state }
            $rows.Add(('| {0:N0} | {1} | {2:N1} | {3:N1} | {4:N1} ({5:N0} read) | {6:N1} | {7:N1} ({8:N0} read) |' -f $n, $kind, $full.Seconds, $undo.Seconds, $deltaWm.Seconds, $deltaWm.Read, $fullLeads.Seconds, $deltaFp.Seconds, $deltaFp.Read))
            if ($pgDb) {
                & psql -X -q -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d postgres -c "DROP DATABASE IF EXISTS $pgDb WITH (FORCE)" | Out-Null
                $pgDb = $null
            }
            Remove-Item (Join-Path $work '*') -Recurse -Force -ErrorAction Ignore
        }
    }
}
finally {
    if ($pgDb) { & psql -X -q -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d postgres -c "DROP DATABASE IF EXISTS $pgDb WITH (FORCE)" | Out-Null }
    Remove-Item env:PGPASSWORD -ErrorAction Ignore
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
$loadEnd = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' } else { '?' }
$cpu = (Get-Content /proc/cpuinfo -ErrorAction Ignore | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', ''
@"
# Cutover benchmarks

Made by ``bench/cutover.ps1 -Counts $($Counts -join ',')`` on $([Environment]::ProcessorCount) cores ($cpu), $(Get-Date -Format 'yyyy-MM-dd'). Seconds, wall clock, in one pwsh with the module; the ledger is an SQLite file.
Load average (1, 5, 15 min) at the start: $loadStart; at the end: $loadEnd.
The delta runs change 1% of the records (and delete 0.1% of the contacts) after the full copy; "read" is what the delta's books counted
(changed and deleted records, plus those modified within the 5-minute overlap before the watermark). The source itself is still scanned
whole: the watermark decides which records enter the run, it is not pushed down into the source's query.

| records | target | full copy | undo of the full copy | delta by watermark | full copy (leads) | delta by fingerprints |
|---:|---|---:|---:|---:|---:|---:|
$($rows -join "`n")
"@ | Set-Content -LiteralPath $Output -Encoding utf8
Write-Host "Written: $Output"
