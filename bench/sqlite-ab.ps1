<#
.SYNOPSIS
    Copy-CrmData CSV → SQLite (ledger on) of one or more builds, alternating, next to `sqlite3 .import` into the
    same table definition, each measured as a whole process with its CPU seconds (issue 16).
.DESCRIPTION
    The table definition is the one Copy-CrmData -Create makes (build 0 copies the first 1,000 rows, its .schema is
    kept). Each round runs the floor, then every build in turn (the order rotates each round so no build always runs
    first): a fresh pwsh with the module imported, `Copy-CrmData -Mapping <rename> -Create -BatchSize 10000` into a
    new file with a fresh ledger. Per row: seconds timed inside around the command, the whole process's wall clock
    and user + system CPU seconds (GNU time), peak resident MB, the 1-minute load average. At the end, medians per
    build. On a shared machine compare CPU seconds and ratios within a round, not single wall clocks.
.EXAMPLE
    dotnet pwsh ./bench/sqlite-ab.ps1 -Manifest /tmp/base/0.1.0/CrmMigration.psd1, ./out/CrmMigration/0.1.0/CrmMigration.psd1 -Count 1000000 -Repeat 3
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string[]] $Manifest,
    [int] $Count = 1000000,
    [int] $Repeat = 3,
    [ValidateSet('rename', 'cleanse')] [string] $MappingKind = 'rename',
    # Extra Copy-CrmData parameters (e.g. '-NoLedger').
    [string] $Extra = '',
    # Reuse a contacts CSV made by New-BenchContactCsv (or bench/messy-csv.ps1) instead of making one.
    [string] $Csv,
    # A mapping file instead of -MappingKind's (bench/messy-csv.ps1 writes messy.psd1).
    [string] $MappingPath,
    # The rows each copy must land (default -Count; fewer when the mapping rejects or filters some).
    [long] $Expect = -1
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$repo = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$Manifest = @($Manifest | ForEach-Object { (Resolve-Path $_).Path })
$work = Join-Path ([IO.Path]::GetTempPath()) ("crm-sqlite-ab-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work, "$work/head" | Out-Null
function Get-Load { (Get-Content /proc/loadavg).Split(' ')[0] }
$inv = [Globalization.CultureInfo]::InvariantCulture
try {
    $mapping = if ($MappingPath) { (Resolve-Path $MappingPath).Path } else { Write-BenchMapping $MappingKind $work }
    if ($Expect -lt 0) { $Expect = $Count }
    if (-not $Csv) {
        Invoke-BenchNative dotnet build (Join-Path $repo 'bench/CrmMigration.Bench') -c Release -nologo '-v:q' | Out-Null
        $benchModule = Join-Path $repo 'bench/CrmMigration.Bench/bin/Release/net8.0/CrmMigration.Bench.dll'
        $Csv = Join-Path $work 'contacts.csv'
        $null = Measure-BenchPwsh -Import $benchModule -WorkingDirectory $work -Script "`$null = New-BenchContactCsv -Path '$Csv' -Count $Count"
    }
    $Csv = (Resolve-Path $Csv).Path
    # The floor's table: the definition -Create makes (the mapping reads entity 'contacts': the file is contacts.csv).
    [IO.File]::WriteAllLines("$work/head/contacts.csv", [string[]]@(Get-Content -LiteralPath $Csv -TotalCount 1001))
    $null = Measure-BenchPwsh -Import $Manifest[0] -WorkingDirectory $work -Environment @{ CRMMIGRATION_STATE_HOME = "$work/state" } `
        -Script "`$null = Copy-CrmData -Source '$work/head/contacts.csv' -Target '$work/def.db' -Mapping '$mapping' -Create -StatePath '$work/def-ledger.db' -ErrorAction SilentlyContinue"
    Invoke-BenchNative sqlite3 "$work/def.db" '.schema Contact' | Set-Content "$work/floor.sql"
    $rows = [Collections.Generic.List[object]]::new()
    for ($r = 0; $r -lt $Repeat; $r++) {
        Remove-Item "$work/floor.db*" -ErrorAction Ignore
        Invoke-BenchNative sqlite3 "$work/floor.db" ".read '$work/floor.sql'" | Out-Null
        $f = Measure-BenchNativeTime sqlite3, "$work/floor.db", ".import --csv --skip 1 '$Csv' Contact"
        $rows.Add([pscustomobject]@{ Round = $r; What = 'sqlite3 .import (floor)'; Inside = $f.Seconds; Whole = $f.Seconds; Cpu = $f.UserSeconds + $f.SystemSeconds; PeakMB = $f.PeakMB; Load = Get-Load })
        Write-Host ('round {0} floor {1:0.00} s, {2:0.00} CPU s, load {3}' -f $r, $f.Seconds, ($f.UserSeconds + $f.SystemSeconds), $rows[-1].Load)
        for ($i = 0; $i -lt $Manifest.Count; $i++) {
            $b = ($i + $r) % $Manifest.Count
            Remove-Item "$work/t.db*", "$work/ledger.db*" -Force -ErrorAction Ignore
            $m = Measure-BenchPwsh -Import $Manifest[$b] -WorkingDirectory $work -Environment @{ CRMMIGRATION_STATE_HOME = "$work/state" } `
                -Script "`$null = Copy-CrmData -Source '$Csv' -Target '$work/t.db' -Mapping '$mapping' -Create -BatchSize 10000 -StatePath '$work/ledger.db' $Extra"
            $n = [long](Invoke-BenchNative sqlite3 "$work/t.db" 'SELECT count(*) FROM Contact')
            if ($n -ne $Expect) { throw "build $b wrote $n rows, not $Expect" }
            if (Test-Path "$work/t.db-wal") { if ((Get-Item "$work/t.db-wal").Length -gt 0) { throw "build $b left data in the WAL" } }
            $rows.Add([pscustomobject]@{ Round = $r; What = "Copy-CrmData, build $b"; Inside = $m.Seconds; Whole = $m.ProcessSeconds; Cpu = $m.UserSeconds + $m.SystemSeconds; PeakMB = $m.PeakMB; Load = Get-Load })
            Write-Host ('round {0} build {1}: {2:0.00} s inside, {3:0.00} s whole, {4:0.00} CPU s, {5} MB, load {6}' -f $r, $b, $m.Seconds, $m.ProcessSeconds, $rows[-1].Cpu, $m.PeakMB, $rows[-1].Load)
        }
    }
    "| records | what | runs | median s inside | median s whole process | median CPU s (user+sys) | ratio whole / floor | peak MB | load (1 min) |"
    "|---:|---|---:|---:|---:|---:|---:|---:|---|"
    $floorWhole = Get-BenchMedian @($rows | Where-Object What -like 'sqlite3*' | ForEach-Object Whole)
    foreach ($g in ($rows | Group-Object What)) {
        $w = Get-BenchMedian @($g.Group | ForEach-Object Whole)
        '| {0} | {1} | {2} | {3} | {4} | {5} | {6}× | {7} | {8} |' -f $Count, $g.Name, $g.Count,
            (Get-BenchMedian @($g.Group | ForEach-Object Inside)).ToString('0.00', $inv), $w.ToString('0.00', $inv),
            (Get-BenchMedian @($g.Group | ForEach-Object Cpu)).ToString('0.00', $inv), ($w / $floorWhole).ToString('0.00', $inv),
            (($g.Group | ForEach-Object PeakMB | Measure-Object -Maximum).Maximum), (($g.Group | ForEach-Object Load) -join ' ')
    }
}
finally {
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
