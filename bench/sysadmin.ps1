<#
.SYNOPSIS
    "What a sysadmin would write instead" (issue 16): the pipeline cmdlets against `Import-Csv | Export-Csv` on
    the same contacts CSV, in ONE pwsh, every command warmed on a 1,000-row file first.
.DESCRIPTION
    One fresh pwsh imports the built module and the floors module (bench/CrmMigration.Bench), warms each command
    on a 1,000-row copy of the input, then times each on the full file (-Count rows, 300,000 by default), -Repeat
    times in turn, and reports the median of each with its ratio to the peer:
      - floor: an empty three-cmdlet pipeline (Get-BenchItem | Step-BenchItem | Complete-BenchItem), PowerShell's
        per-object cost, nothing read or written;
      - peer: Import-Csv | Export-Csv -NoTypeInformation;
      - Export-CrmData | Import-CrmData -NoLedger, CSV → CSV;
      - Copy-CrmData -NoLedger, CSV → CSV;
      - Export-CrmData | Convert-CrmRecord -Mapping cleanse | Import-CrmData, CSV → CSV (the ledger on, as
        bench/run.ps1 measures it), as records per second.
    The load average (1, 5, 15 min) is printed at the start and the end: compare rows of one run, not runs.
    -Manifest runs another build of the module (for a before/after comparison run back to back).
.EXAMPLE
    dotnet pwsh ./bench/sysadmin.ps1
.EXAMPLE
    dotnet pwsh ./bench/sysadmin.ps1 -Count 100000 -Repeat 1 -Manifest /tmp/base/out/CrmMigration/0.1.0/CrmMigration.psd1
#>
[CmdletBinding()]
param(
    # Rows of the timed file.
    [int] $Count = 300000,
    # Timed runs of each command (the median is reported).
    [ValidateRange(1, 9)]
    [int] $Repeat = 3,
    # The module to measure (default: this repository's build).
    [string] $Manifest
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$paths = Initialize-Bench
if (-not $Manifest) { $Manifest = $paths.Manifest }
$work = Join-Path ([IO.Path]::GetTempPath()) ('crm-sysadmin-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
try {
    $cleanse = Write-BenchMapping cleanse $work
    $csv = Join-Path $work 'contacts.csv'
    $small = Join-Path $work 'warm/contacts.csv'
    New-Item -ItemType Directory (Join-Path $work 'warm') | Out-Null
    $null = Measure-BenchPwsh -Import $paths.BenchModule -WorkingDirectory $work -Script "`$null = New-BenchContactCsv -Path '$csv' -Count $Count; `$null = New-BenchContactCsv -Path '$small' -Count 1000"
    $start = Get-BenchMachine
    # Each command is a script block over an input file and an output folder; the child warms it on the small
    # file, then times it on the big one, the commands taking turns, -Repeat rounds.
    $script = @"
`$commands = [ordered]@{
    'empty three-cmdlet pipeline (floor)' = { param(`$in, `$out, `$n) `$null = Get-BenchItem -Count `$n | Step-BenchItem | Complete-BenchItem }
    'Import-Csv | Export-Csv (peer)' = { param(`$in, `$out, `$n) Import-Csv -LiteralPath `$in | Export-Csv -LiteralPath "`$out/peer.csv" -NoTypeInformation }
    'Export-CrmData | Import-CrmData -NoLedger' = { param(`$in, `$out, `$n) `$null = Export-CrmData -LiteralPath `$in | Import-CrmData -LiteralPath "`$out/contacts.csv" -NoLedger }
    'Copy-CrmData -NoLedger' = { param(`$in, `$out, `$n) `$null = Copy-CrmData -Source `$in -Target "`$out/contacts.csv" -NoLedger }
    'Export | Convert-CrmRecord -Mapping cleanse | Import (ledger on)' = { param(`$in, `$out, `$n) `$null = Export-CrmData -LiteralPath `$in | Convert-CrmRecord -Mapping '$cleanse' | Import-CrmData -LiteralPath "`$out/Contact.csv" }
}
function Invoke-Once(`$name, `$in, `$n) {
    `$out = Join-Path '$work' ('out-' + [Guid]::NewGuid().ToString('N').Substring(0, 6))
    `$null = New-Item -ItemType Directory `$out
    [GC]::Collect(); [GC]::WaitForPendingFinalizers()
    `$sw = [Diagnostics.Stopwatch]::StartNew()
    & `$commands[`$name] `$in `$out `$n
    `$s = `$sw.Elapsed.TotalSeconds
    Remove-Item -LiteralPath `$out -Recurse -Force
    `$s
}
foreach (`$name in `$commands.Keys) { `$null = Invoke-Once `$name '$small' 1000 }
`$times = @{}
foreach (`$name in `$commands.Keys) { `$times[`$name] = [Collections.Generic.List[double]]::new() }
for (`$round = 0; `$round -lt $Repeat; `$round++) {
    foreach (`$name in `$commands.Keys) { `$times[`$name].Add((Invoke-Once `$name '$csv' $Count)) }
}
foreach (`$name in `$commands.Keys) { "time``t`$name``t" + ((`$times[`$name] | ForEach-Object { `$_.ToString('0.000', [Globalization.CultureInfo]::InvariantCulture) }) -join ' ') }
"@
    $r = Measure-BenchPwsh -Script $script -Import @($Manifest, $paths.BenchModule) -WorkingDirectory $work
    $end = Get-BenchMachine
    $rows = [ordered]@{}
    foreach ($line in $r.Output) {
        if ($line -notmatch "^time`t") { continue }
        $null, $name, $list = $line -split "`t", 3
        $all = @($list -split ' ' | ForEach-Object { [double]::Parse($_, [Globalization.CultureInfo]::InvariantCulture) })
        $sorted = @($all | Sort-Object)
        $rows[$name] = [pscustomobject]@{ Name = $name; Median = $sorted[[int][Math]::Floor(($sorted.Count - 1) / 2)]; All = $list }
    }
    $peer = $rows['Import-Csv | Export-Csv (peer)'].Median
    $inv = [Globalization.CultureInfo]::InvariantCulture
    "$Count rows, $Repeat round(s), median seconds; module $Manifest"
    "machine: $($start.Text); load average at the start: $($start.Load); at the end: $($end.Load); child peak $($r.PeakMB) MB"
    '| what | seconds (median) | all runs | records/s | × faster than the peer |'
    '|---|---:|---|---:|---:|'
    foreach ($row in $rows.Values) {
        '| {0} | {1} | {2} | {3} | {4} |' -f ($row.Name -replace '\|', '\|'), $row.Median.ToString('0.000', $inv), $row.All, ($Count / $row.Median).ToString('N0', $inv), ($peer / $row.Median).ToString('0.00', $inv)
    }
}
finally { Remove-Item $work -Recurse -Force -ErrorAction Ignore }
