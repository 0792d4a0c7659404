<#
.SYNOPSIS
    Copy-CrmData -ThrottleLimit: a three-entity CSV export (accounts, contacts, opportunities of New-CrmSampleData, mapped by
    examples/legacy-to-new.psd1, references checked) copied into PostgreSQL with -ThrottleLimit 1, 2 and 3, next to
    `psql \copy` of the same three files in the same run; writes docs/benchmarks-parallel.md.
.DESCRIPTION
    Each copy runs in a fresh pwsh process into a fresh database, with the ledger on (SQLite, in a private state folder).
    Seconds are the whole process's wall clock, user and system CPU seconds and peak resident set (GNU time), start-up
    and module import included. The configurations run in rounds, one after the other in each round (alternating, so a
    change in the machine's load falls on all of them), and the table shows each one's median over the rounds with its
    smallest and largest wall clock. -Baseline names another build's manifest (e.g. main's) run with no -ThrottleLimit
    in every round, as the before of a before/after. After every copy the rows of the three tables are counted with psql
    and must be the same for every configuration. The load average is printed at the start and the end: the machine may
    be shared.
    -Single n copies one entity instead: a contacts CSV of n rows with 10 fields (the benchmarks' input) through the rename
    mapping, so a limit of 2 measures the file read on its own thread while the same process maps and writes (read
    overlapping map and write on the batch path). -Append adds the table to -Output under its own heading. -BaselineLast runs
    the baseline last in each round instead of first.
.EXAMPLE
    dotnet pwsh -c './bench/parallel.ps1 -Scale 20000 -Rounds 1 -Output ./bench-parallel.md'
.EXAMPLE
    dotnet pwsh -c './bench/parallel.ps1 -Single 1000000 -Limits 1,2 -Rounds 3 -Append'
.EXAMPLE
    dotnet pwsh -c './bench/parallel.ps1 -Scale 200000 -Rounds 3 -Baseline /tmp/main/out/CrmMigration/0.1.0/CrmMigration.psd1'
#>
[CmdletBinding()]
param(
    [int] $Scale = 200000,
    [int[]] $Limits = @(1, 2, 3),
    [int] $Rounds = 3,
    [string] $Baseline,
    [long] $Single = 0,
    [switch] $Append,
    [switch] $BaselineLast,
    [string] $Output = (Join-Path $PSScriptRoot '../docs/benchmarks-parallel.md')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$paths = Initialize-Bench
$machine = Get-BenchMachine
foreach ($line in (& bash (Join-Path $PSScriptRoot '../scripts/dbservers.sh') env)) { if ("$line" -match "^export (\w+)='?(.*?)'?$") { Set-Item "env:$($Matches[1])" $Matches[2] } }
$env:PGPASSWORD = $env:CRM_PG_PASSWORD
$work = Join-Path ([IO.Path]::GetTempPath()) ('crm-parallel-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
$source = Join-Path $work 'export'
New-Item -ItemType Directory $work | Out-Null
$created = [Collections.Generic.List[string]]::new()
$mapping = (Resolve-Path (Join-Path $PSScriptRoot '../examples/legacy-to-new.psd1')).Path
$entities = 'accounts', 'contacts', 'opportunities'

function Measure-Process([string[]] $Command) {
    # Wall, user and system seconds and peak KB of one process, from GNU time.
    $times = Join-Path $work 'time.txt'
    $out = & /usr/bin/time -f '%e %U %S %M' -o $times @Command 2>&1
    if ($LASTEXITCODE) { throw "$($Command -join ' ') failed: $($out -join "`n")" }
    $f = (Get-Content -LiteralPath $times -Tail 1).Split(' ')
    [pscustomobject]@{ Wall = [double]$f[0]; User = [double]$f[1]; Sys = [double]$f[2]; PeakMB = [math]::Round([double]$f[3] / 1024) }
}
$inv = [Globalization.CultureInfo]::InvariantCulture
$loadStart = (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '

try {
    $pwsh = @(Get-BenchPwsh)
    $tables = 'Account', 'Contact', 'Opportunity'
    if ($Single -gt 0) {
        New-Item -ItemType Directory $source | Out-Null
        $null = Measure-BenchPwsh -Import @($paths.BenchModule) -WorkingDirectory $work -Script "`$null = New-BenchContactCsv -Path '$(Join-Path $source 'contacts.csv')' -Count $Single"
        $mapping = Write-BenchMapping rename $work
        $entities = @('contacts')
        $tables = @('Contact')
    }
    else {
        $null = Measure-Process ($pwsh + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$($paths.Manifest)'; New-CrmSampleData -Path '$source' -Format Csv -Scale $Scale -Seed 7 -Force -Confirm:`$false | Out-Null"))
    }
    $sizes = foreach ($e in $entities) { '{0} {1:N0} rows' -f $e, ((Get-Content -LiteralPath (Join-Path $source "$e.csv") | Measure-Object -Line).Lines - 1) }
    Write-Host "== $($sizes -join ', ')"

    # The floor: psql \copy of the three files into keyless text tables, one after the other.
    $floorDb = New-BenchDatabase 'crm_par_floor_' $created
    $floorScript = Join-Path $work 'floor.sh'
    $lines = foreach ($e in $entities) {
        $header = (Get-Content -LiteralPath (Join-Path $source "$e.csv") -TotalCount 1).Split(',')
        $null = Invoke-Psql $floorDb ("CREATE TABLE $e (" + (($header | ForEach-Object { '"' + $_.Trim('"') + '" text' }) -join ', ') + ")")
        "psql -X -q -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $floorDb -c `"\copy $e FROM '$(Join-Path $source "$e.csv")' WITH (FORMAT csv, HEADER true)`""
    }
    Set-Content -LiteralPath $floorScript -Value (@('set -e') + $lines)

    $copyScript = Join-Path $work 'copy.ps1'
    Set-Content -LiteralPath $copyScript -Encoding utf8 -Value @"
param([string] `$Module, [string] `$Database, [int] `$Limit, [string] `$State)
`$ErrorActionPreference = 'Stop'
`$env:CRMMIGRATION_STATE_HOME = `$State
Import-Module `$Module
`$cred = [pscredential]::new(`$env:CRM_PG_USER, (ConvertTo-SecureString `$env:CRM_PG_PASSWORD -AsPlainText -Force))
`$target = New-CrmConnection -Provider PostgreSql -Server `$env:CRM_PG_HOST -Port `$env:CRM_PG_PORT -Database `$Database -Credential `$cred
`$extra = if (`$Limit -gt 0) { @{ ThrottleLimit = `$Limit } } else { @{} }
`$s = Copy-CrmData '$($source -replace "'", "''")' `$target -Mapping '$($mapping -replace "'", "''")' -Entity $($entities -join ', ') -Create -ErrorAction SilentlyContinue -WarningAction SilentlyContinue @extra
if (@(`$s).Count -ne $($entities.Count) -or @(`$s | Where-Object { -not `$_.Balanced }).Count) { throw 'The copy did not balance.' }
"@
    $configs = [Collections.Generic.List[object]]::new()
    foreach ($l in $Limits) { $configs.Add([pscustomobject]@{ Name = "-ThrottleLimit $l"; Module = $paths.Manifest; Limit = $l }) }
    # The baseline runs first in each round, or last with -BaselineLast (what runs second may pay for the first's checkpoint).
    if ($Baseline) { $configs.Insert($(if ($BaselineLast) { $configs.Count } else { 0 }), [pscustomobject]@{ Name = 'baseline build, no -ThrottleLimit'; Module = (Resolve-Path $Baseline).Path; Limit = 0 }) }
    $results = @{}
    $floors = [Collections.Generic.List[object]]::new()
    $expected = $null
    foreach ($round in 1..$Rounds) {
        $null = Invoke-Psql $floorDb ('TRUNCATE ' + ($entities -join ', '))
        $f = Measure-Process @('bash', $floorScript)
        $floors.Add($f)
        Write-Host ("round {0}: floor {1:F2} s ({2:F2} u {3:F2} s)" -f $round, $f.Wall, $f.User, $f.Sys)
        foreach ($c in $configs) {
            $db = New-BenchDatabase 'crm_par_' $created
            $state = Join-Path $work ('state-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
            $m = Measure-Process ($pwsh + @('-NoProfile', '-NonInteractive', '-File', $copyScript, $c.Module, $db, $c.Limit, $state))
            $counts = (Invoke-Psql $db ('SELECT ' + (($tables | ForEach-Object { "(SELECT count(*) FROM `"$_`")" }) -join " || ' ' || "))) -join ''
            if ($null -eq $expected) { $expected = $counts } elseif ($counts -ne $expected) { throw "$($c.Name): the target holds $counts rows (Account Contact Opportunity), not $expected." }
            $null = Invoke-Psql postgres "DROP DATABASE $db"
            $null = $created.Remove($db)
            if (-not $results.ContainsKey($c.Name)) { $results[$c.Name] = [Collections.Generic.List[object]]::new() }
            $results[$c.Name].Add($m)
            Write-Host ("round {0}: {1}: {2:F2} s wall, {3:F2} u + {4:F2} s CPU, {5} MB; rows {6}" -f $round, $c.Name, $m.Wall, $m.User, $m.Sys, $m.PeakMB, $counts)
        }
    }
    $loadEnd = (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '

    $table = [Collections.Generic.List[string]]::new()
    $table.Add('| what | wall s (median) | wall min–max | CPU s user+sys (median) | peak MB |')
    $table.Add('|---|---:|---:|---:|---:|')
    $fw = Get-BenchMedian @($floors | ForEach-Object Wall)
    $table.Add([string]::Format($inv, '| `psql \copy` of the same file(s), keyless text tables (floor) | {0:F2} | {1:F2}–{2:F2} | {3:F2} (psql only) | – |', $fw,
        ($floors | Measure-Object Wall -Minimum).Minimum, ($floors | Measure-Object Wall -Maximum).Maximum, (Get-BenchMedian @($floors | ForEach-Object { $_.User + $_.Sys }))))
    foreach ($c in $configs) {
        $r = $results[$c.Name]
        $table.Add([string]::Format($inv, '| Copy-CrmData {0} (whole pwsh process) | {1:F2} | {2:F2}–{3:F2} | {4:F2} | {5} |', $c.Name,
            (Get-BenchMedian @($r | ForEach-Object Wall)), ($r | Measure-Object Wall -Minimum).Minimum, ($r | Measure-Object Wall -Maximum).Maximum,
            (Get-BenchMedian @($r | ForEach-Object { $_.User + $_.Sys })), (Get-BenchMedian @($r | ForEach-Object PeakMB))))
    }
    $what = if ($Single -gt 0) {
        "Source: one contacts CSV ($($sizes -join ', '), 10 fields, the benchmarks' input) mapped by the rename mapping (10 fields renamed), ledger on."
    }
    else {
        "Source: New-CrmSampleData -Scale $Scale -Seed 7 as CSV ($($sizes -join ', ')), mapped by ``examples/legacy-to-new.psd1`` (contacts and opportunities reference accounts; rejected rows included), ledger on."
    }
    $heading = if ($Append) { '## ' + $(if ($Single -gt 0) { 'One entity: read overlapping map and write' } else { 'Three entities' }) } else { '# Copy-CrmData -ThrottleLimit' }
    $doc = @"
$heading

Produced by ``bench/parallel.ps1 $(if ($Single -gt 0) { "-Single $Single" } else { "-Scale $Scale" }) -Limits $($Limits -join ',') -Rounds $Rounds$(if ($Baseline) { ' -Baseline <main>' })`` on $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd', $inv)) ($($machine.Text)), against the
loopback PostgreSQL of ``scripts/dbservers.sh`` (fsync off: a test server). $what Each configuration ran once per round, one after the other, $Rounds rounds; the
figures are medians of the whole pwsh process (start-up and import included) by GNU time. The machine is shared: load
average (1, 5, 15 min) at the start $loadStart, at the end $loadEnd. Every copy left the same rows (${expected}: $($tables -join ' ')).

$($table -join "`n")

-ThrottleLimit reads the CSV entities ahead on threads of their own (the one being copied and the next ones, up to the
limit); mapping, the import session and the writes stay on one thread, one entity after the other, so the target, the
books, the ledger and every error come out as with 1.
"@
    if ($Append -and (Test-Path -LiteralPath $Output)) { $doc = (Get-Content -LiteralPath $Output -Raw).TrimEnd() + "`n`n" + $doc }
    Set-Content -LiteralPath $Output -Value $doc -Encoding utf8
    Write-Host $doc
}
finally {
    foreach ($db in $created) { try { $null = Invoke-Psql postgres "DROP DATABASE IF EXISTS $db" } catch { Write-Warning $_ } }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
