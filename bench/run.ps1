<#
.SYNOPSIS
    Benchmarks of the record pipeline in pwsh, each next to a floor or a peer measured in the same run; writes
    docs/benchmarks.md, then runs bench/run-db.ps1 (PostgreSQL and MariaDB, docs/benchmarks-db.md).
.DESCRIPTION
    Every CrmMigration row runs in a fresh pwsh with the built module imported and is timed inside around the
    pipeline; peak memory is that whole process's maximum resident set (GNU time). Floors: a raw CsvHelper
    parse, an empty three-cmdlet pipeline, `sqlite3 .import`, and sha512sum + sha256sum for the archive. The
    peer: `Import-Csv | Export-Csv` of the same file in the same pwsh, next to `Export-CrmData | Import-CrmData`.
    Needs sqlite3 and GNU time (installed on Debian when missing). Run it when the machine is quiet.
.EXAMPLE
    dotnet pwsh -c './build.ps1 -Task Bench'                                 # 100,000 and 1,000,000 records
.EXAMPLE
    dotnet pwsh -c './build.ps1 -Task Bench -BenchArgs @{ Counts = 10000; NoDatabase = $true }'
.EXAMPLE
    dotnet pwsh ./bench/run.ps1 -Counts 10000 -Output ./bench.md -DatabaseOutput ./bench-db.md
#>
[CmdletBinding()]
param(
    # Record counts to measure (one input file per count).
    [int[]] $Counts = @(100000, 1000000),
    # Where the results go.
    [string] $Output = (Join-Path $PSScriptRoot '../docs/benchmarks.md'),
    # Skip the database benchmarks (bench/run-db.ps1).
    [switch] $NoDatabase,
    # Where the database results go (passed to bench/run-db.ps1).
    [string] $DatabaseOutput = (Join-Path $PSScriptRoot '../docs/benchmarks-db.md')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$paths = Initialize-Bench
$work = Join-Path ([IO.Path]::GetTempPath()) ('crm-bench-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$machine = Get-BenchMachine
$rows = [Collections.Generic.List[string]]::new()
try {
    $rename = Write-BenchMapping rename $work
    $cleanse = Write-BenchMapping cleanse $work
    $crm = @($paths.Manifest)
    $floors = @($paths.BenchModule)
    function Measure-Crm([string] $Script, [hashtable] $Environment = @{}) { Measure-BenchPwsh -Script $Script -Import $crm -WorkingDirectory $work -Environment $Environment }
    function Clear-Work([string[]] $Pattern) { foreach ($p in $Pattern) { Remove-Item (Join-Path $work $p) -Recurse -Force -ErrorAction Ignore } }

    foreach ($n in $Counts) {
        $csv = Join-Path $work 'contacts.csv'
        $null = Measure-BenchPwsh -Import $floors -WorkingDirectory $work -Script "`$null = New-BenchContactCsv -Path '$csv' -Count $n"
        Write-Host "== $n records: $csv"

        $parse = Measure-BenchPwsh -Import $floors -WorkingDirectory $work -Script "`$null = Measure-BenchCsvParse -Path '$csv'"
        $empty = Measure-BenchPwsh -Import $floors -WorkingDirectory $work -Script "`$null = Get-BenchItem -Count $n | Step-BenchItem | Complete-BenchItem"
        Clear-Work floor.db
        $import = Measure-BenchNative { sqlite3 (Join-Path $work 'floor.db') ".import --csv '$csv' contacts" }
        $rows.Add((New-BenchRow $n 'raw CsvHelper parse (floor)' $parse.Seconds $parse.PeakMB))
        $rows.Add((New-BenchRow $n 'empty three-cmdlet pipeline (floor)' $empty.Seconds $empty.PeakMB))
        $rows.Add((New-BenchRow $n '`sqlite3 .import` (floor)' $import))

        # The peer: PowerShell's own CSV cmdlets on the same file, next to ours without a mapping.
        Clear-Work peer.csv, out
        $peer = Measure-Crm "Import-Csv -LiteralPath '$csv' | Export-Csv -LiteralPath '$work/peer.csv' -NoTypeInformation"
        $plain = Measure-Crm "`$null = Export-CrmData -Path '$csv' | Import-CrmData -Path '$work/out/contacts.csv' -NoLedger"
        $rows.Add((New-BenchRow $n 'CSV → CSV: `Import-Csv \| Export-Csv` (peer, same pwsh)' $peer.Seconds $peer.PeakMB))
        $rows.Add((New-BenchRow $n 'CSV → CSV: Export-CrmData \| Import-CrmData -NoLedger (no mapping)' $plain.Seconds $plain.PeakMB))

        Clear-Work out
        $r = Measure-Crm "`$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$rename' | Import-CrmData -Path '$work/out/Contact.csv'"
        $rows.Add((New-BenchRow $n 'CSV → CSV: Export \| Convert (rename 10 fields) \| Import' $r.Seconds $r.PeakMB))
        Clear-Work out
        $r = Measure-Crm "`$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$cleanse' | Import-CrmData -Path '$work/out/Contact.csv'"
        $rows.Add((New-BenchRow $n 'CSV → CSV: Export \| Convert (cleanse: 10 fields, 8 transforms incl. phone, e-mail, date) \| Import' $r.Seconds $r.PeakMB))
        Clear-Work new.db*
        $r = Measure-Crm "`$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$rename' | Import-CrmData -Path '$work/new.db' -Create -BatchSize 10000"
        $rows.Add((New-BenchRow $n 'CSV → SQLite: Export \| Convert \| Import -BatchSize 10000 (ledger on, the default)' $r.Seconds $r.PeakMB))
        Clear-Work new.db*
        $r = Measure-Crm "`$null = Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$rename' | Import-CrmData -Path '$work/new.db' -Create -BatchSize 10000 -NoLedger"
        $rows.Add((New-BenchRow $n 'CSV → SQLite, same with -NoLedger' $r.Seconds $r.PeakMB))

        # The same migrations in one command (Copy-CrmData: no PowerShell object per record).
        Clear-Work out
        $r = Measure-Crm "`$null = Copy-CrmData -Source '$csv' -Target '$work/out/Contact.csv' -Mapping '$rename'"
        $rows.Add((New-BenchRow $n 'CSV → CSV: Copy-CrmData -Mapping (rename 10 fields)' $r.Seconds $r.PeakMB))
        Clear-Work new.db*
        $r = Measure-Crm "`$null = Copy-CrmData -Source '$csv' -Target '$work/new.db' -Mapping '$rename' -Create -BatchSize 10000"
        $rows.Add((New-BenchRow $n 'CSV → SQLite: Copy-CrmData -Mapping -BatchSize 10000 (ledger on)' $r.Seconds $r.PeakMB))
        Clear-Work new.db*
        $r = Measure-Crm "`$null = Copy-CrmData -Source '$csv' -Target '$work/new.db' -Mapping '$rename' -Create -BatchSize 10000 -NoLedger"
        $rows.Add((New-BenchRow $n 'CSV → SQLite: Copy-CrmData, same with -NoLedger' $r.Seconds $r.PeakMB))

        # Resume cost: the run kills itself (SIGKILL, a fault point) right after the ledger recorded the batch 90% of
        # the way, then the same command resumes: the pipeline (which re-reads what it accounted for), and Copy-CrmData
        # (which keeps the CSV source's read position in the ledger and seeks to it).
        $batches = [Math]::Max(1, [int][Math]::Ceiling($n / 10000)); $killAt = [Math]::Max(1, [int][Math]::Floor($batches * 9 / 10))
        $resumes = [ordered]@{
            'resume after a kill at 90%'                                 = "Export-CrmData -Path '$csv' | Convert-CrmRecord -Mapping '$rename' | Import-CrmData -Path '$work/new.db' -Create -BatchSize 10000"
            'resume after a kill at 90%, Copy-CrmData (seeks the CSV)' = "Copy-CrmData -Source '$csv' -Target '$work/new.db' -Mapping '$rename' -Create -BatchSize 10000"
        }
        foreach ($resume in $resumes.GetEnumerator()) {
            Clear-Work new.db*
            $command = $resume.Value
            $killed = $false
            try { $null = Measure-Crm "`$null = $command" -Environment @{ CRMMIGRATION_FAULT = "after-ledger:$killAt" } } catch { $killed = $true }
            if (-not $killed) { throw "The run armed to die at batch $killAt finished: $command" }
            $r = Measure-Crm @"
`$first = '?'
`$null = $command -Resume -Verbose 4>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.VerboseRecord] -and `$_.Message -match 'first new record written ([0-9.]+) s') { `$first = `$Matches[1] } }
"first=`$first"
"@
            $first = ($r.Output | Where-Object { $_ -match '^first=' } | Select-Object -Last 1) -replace '^first=', ''
            $when = if ($first -eq '?') { 'no record was left to write' } else { "first new record after $first s" }
            $rows.Add((New-BenchRow $n "$($resume.Key): whole resumed run ($when)" $r.Seconds $r.PeakMB -NoRate))
        }

        # Archive: a BagIt bag (CSV + SHA-512 and SHA-256 manifests + per-record content hash) next to its floor,
        # writing the same CSV with Export-CrmData | Import-CrmData and hashing it with sha512sum and sha256sum.
        Clear-Work bag, plain
        $bag = Measure-Crm "`$null = Export-CrmArchive -Path '$csv' -Destination '$work/bag'"
        $write = Measure-Crm "`$null = Export-CrmData -Path '$csv' | Import-CrmData -Path '$work/plain/contacts.csv' -NoLedger"
        $sums = Measure-BenchNative { sha512sum "$work/plain/contacts.csv"; sha256sum "$work/plain/contacts.csv" }
        $floor = [Math]::Round($write.Seconds + $sums, 3)
        $rows.Add((New-BenchRow $n "write the same CSV (Export \| Import) + ``sha512sum`` + ``sha256sum`` (floor: $($write.Seconds) s + $sums s)" $floor $write.PeakMB))
        $rows.Add((New-BenchRow $n 'Export-CrmArchive: BagIt bag, SHA-512/256 manifests, content hash per record' $bag.Seconds $bag.PeakMB))
    }
}
finally { Remove-Item $work -Recurse -Force -ErrorAction Ignore }

$end = Get-BenchMachine
$text = @"
# Benchmarks

Produced by ``bench/run.ps1 -Counts $($Counts -join ',')`` (``build.ps1 -Task Bench``) on $([DateTime]::UtcNow.ToString('yyyy-MM-dd')) ($($machine.Text)).
Every CrmMigration row runs in a fresh pwsh with the built module imported and is timed inside around the pipeline
(start-up and import excluded); peak memory is that whole pwsh process's maximum resident set (GNU time). Input:
a contacts CSV with 10 fields per record. Load average (1, 5, 15 min) at the start: $($machine.Load); at the end:
$($end.Load) — on a shared machine compare rows of one run, not runs.

| records | what | seconds | records/s | peak MB |
|---:|---|---:|---:|---:|
$($rows -join "`n")

The peer row runs PowerShell's own ``Import-Csv | Export-Csv`` over the same file in the same pwsh, next to
``Export-CrmData | Import-CrmData`` without a mapping (typed records, streamed, a file written whole at the end).
Targets (issue 2): CSV → CSV at least 250,000 records/s; CSV → SQLite within 1.5× of ``sqlite3 .import``;
peak memory under 300 MB at 1M and at most 1.3× its 100k value. Issue 3: the ledger costs at most 25% on CSV → SQLite.
Issue 4: the cleansing mapping at least 150,000 records/s.
Copy-CrmData: the same migrations without the pipeline, CSV → SQLite again within 1.5× of ``sqlite3 .import``.
Archive (issue 6): Export-CrmArchive next to writing the same CSV and hashing it with sha512sum and sha256sum.
"@
# Sections of the page other scripts own (such as bench/validate.ps1's '## Test-CrmMigration at scale') stay.
if (Test-Path -LiteralPath $Output) {
    $old = Get-Content -LiteralPath $Output -Raw
    $at = $old.IndexOf("`n## ", [StringComparison]::Ordinal)
    if ($at -ge 0) { $text = $text.TrimEnd() + "`n" + $old.Substring($at) }
}
Set-Content -LiteralPath $Output -Value $text.TrimEnd() -Encoding utf8
Get-Content -LiteralPath $Output

if (-not $NoDatabase) { & (Join-Path $PSScriptRoot 'run-db.ps1') -Counts $Counts -Output $DatabaseOutput }
