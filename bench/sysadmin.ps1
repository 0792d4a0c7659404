<#
.SYNOPSIS
    "What a sysadmin would write instead" (issue 16): the pipeline cmdlets against `Import-Csv | Export-Csv` on
    the same contacts CSV, in ONE pwsh, every command warmed on a 1,000-row file first.
.DESCRIPTION
    One fresh pwsh imports the built module and the floors module (bench/CrmMigration.Bench), warms each command
    on a 1,000-row copy of the input, then times each on the full file (-Count rows, 300,000 by default), -Repeat
    times in turn, and reports the median of each with its ratio to the peer:
      - floors: empty two- and three-cmdlet pipelines (Get-BenchItem [| Step-BenchItem] | Complete-BenchItem),
        PowerShell's per-object cost with nothing read or written (Export | Import is two cmdlets, with Convert three);
      - peer: Import-Csv | Export-Csv -NoTypeInformation;
      - Export-CrmData | Import-CrmData -NoLedger, CSV → CSV;
      - Copy-CrmData -NoLedger, CSV → CSV;
      - Export-CrmData | Convert-CrmRecord -Mapping cleanse | Import-CrmData, CSV → CSV (the ledger on, as
        bench/run.ps1 measures it), as records per second.
    Each run also reports the pwsh process's CPU seconds (all threads), steadier than wall time on a loaded machine.
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
    'empty two-cmdlet pipeline (floor)' = { param(`$in, `$out, `$n) `$null = Get-BenchItem -Count `$n | Complete-BenchItem }
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
    `$me = [Diagnostics.Process]::GetCurrentProcess()
    `$cpu = `$me.TotalProcessorTime
    `$sw = [Diagnostics.Stopwatch]::StartNew()
    & `$commands[`$name] `$in `$out `$n
    `$s = `$sw.Elapsed.TotalSeconds
    `$me.Refresh()
    `$c = (`$me.TotalProcessorTime - `$cpu).TotalSeconds
    Remove-Item -LiteralPath `$out -Recurse -Force
    ,@(`$s, `$c)
}
foreach (`$name in `$commands.Keys) { `$null = Invoke-Once `$name '$small' 1000 }
`$times = @{}; `$cpus = @{}
foreach (`$name in `$commands.Keys) { `$times[`$name] = [Collections.Generic.List[double]]::new(); `$cpus[`$name] = [Collections.Generic.List[double]]::new() }
for (`$round = 0; `$round -lt $Repeat; `$round++) {
    foreach (`$name in `$commands.Keys) { `$t = Invoke-Once `$name '$csv' $Count; `$times[`$name].Add(`$t[0]); `$cpus[`$name].Add(`$t[1]) }
}
function Format-List2(`$list) { (`$list | ForEach-Object { `$_.ToString('0.000', [Globalization.CultureInfo]::InvariantCulture) }) -join ' ' }
foreach (`$name in `$commands.Keys) { "time``t`$name``t" + (Format-List2 `$times[`$name]) + "``t" + (Format-List2 `$cpus[`$name]) }
"@
    $r = Measure-BenchPwsh -Script $script -Import @($Manifest, $paths.BenchModule) -WorkingDirectory $work
    $end = Get-BenchMachine
    function Get-Median([string] $list) {
        $sorted = @($list -split ' ' | ForEach-Object { [double]::Parse($_, [Globalization.CultureInfo]::InvariantCulture) } | Sort-Object)
        $sorted[[int][Math]::Floor(($sorted.Count - 1) / 2)]
    }
    $rows = [ordered]@{}
    foreach ($line in $r.Output) {
        if ($line -notmatch "^time`t") { continue }
        $null, $name, $list, $cpuList = $line -split "`t", 4
        $rows[$name] = [pscustomobject]@{ Name = $name; Median = Get-Median $list; All = $list; Cpu = Get-Median $cpuList; AllCpu = $cpuList }
    }
    $peer = $rows['Import-Csv | Export-Csv (peer)']
    $inv = [Globalization.CultureInfo]::InvariantCulture
    "$Count rows, $Repeat round(s), medians; module $Manifest"
    "machine: $($start.Text); load average at the start: $($start.Load); at the end: $($end.Load); child peak $($r.PeakMB) MB"
    'CPU seconds: the pwsh process''s processor time over the same runs (all its threads), steadier than wall time on a loaded machine.'
    '| what | seconds (median) | all runs | records/s | × the peer | CPU s (median) | all runs | × the peer (CPU) |'
    '|---|---:|---|---:|---:|---:|---|---:|'
    foreach ($row in $rows.Values) {
        '| {0} | {1} | {2} | {3} | {4} | {5} | {6} | {7} |' -f ($row.Name -replace '\|', '\|'), $row.Median.ToString('0.000', $inv), $row.All, ($Count / $row.Median).ToString('N0', $inv), ($peer.Median / $row.Median).ToString('0.00', $inv), $row.Cpu.ToString('0.000', $inv), $row.AllCpu, ($peer.Cpu / $row.Cpu).ToString('0.00', $inv)
    }
}
finally { Remove-Item $work -Recurse -Force -ErrorAction Ignore }
