<#
.SYNOPSIS
    Partitioned runs: one CSV copied into PostgreSQL by 1, 2 and 4 worker processes (Copy-CrmData -Partition k/n)
    sharing one run over a PostgreSQL ledger, next to `psql \copy` of the same file in the same run; writes
    docs/benchmarks-partition.md.
.DESCRIPTION
    For each worker count: a fresh target database and a fresh ledger database; the workers are started together as
    separate pwsh processes (each imports the built module) and the time is wall clock from the first start to the
    last exit. Peak memory is each worker's maximum resident set (GNU time); the largest is shown. After each run the
    target's rows are counted with psql and the run must be Completed (the last worker checks the combined books).
    The ledger write rate is the number of ledger batch rows the run wrote per second of the run. Run it when the
    machine is quiet; on a machine with 2 cores more workers than cores do not speed anything up.
    -Mapping copies through the benchmark's rename mapping (10 fields renamed, target Contact): a mapped CSV copy takes the batch
    path. -Manifest runs another build of the module (e.g. main's, for a before/after comparison run back to back).
.EXAMPLE
    dotnet pwsh -c './bench/partition.ps1 -Count 100000 -Workers 1,2 -Output ./bench-partition.md'
.EXAMPLE
    dotnet pwsh -c './bench/partition.ps1 -Count 1000000 -Workers 2 -Mapping -Manifest /tmp/main/out/CrmMigration/0.1.0/CrmMigration.psd1 -Output ./before.md'
#>
[CmdletBinding()]
param(
    [long] $Count = 10000000,
    [int[]] $Workers = @(1, 2, 4),
    [int] $BatchSize = 10000,
    [string] $Output = (Join-Path $PSScriptRoot '../docs/benchmarks-partition.md'),
    [switch] $Mapping,
    [string] $Manifest
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$paths = Initialize-Bench
$module = if ($Manifest) { (Resolve-Path $Manifest).Path } else { $paths.Manifest }
$machine = Get-BenchMachine
foreach ($line in (& bash (Join-Path $PSScriptRoot '../scripts/dbservers.sh') env)) { if ("$line" -match "^export (\w+)='?(.*?)'?$") { Set-Item "env:$($Matches[1])" $Matches[2] } }
$env:PGPASSWORD = $env:CRM_PG_PASSWORD
$work = Join-Path ([IO.Path]::GetTempPath()) ('crm-partition-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
$source = Join-Path $work 'export'
New-Item -ItemType Directory $source | Out-Null
$created = [Collections.Generic.List[string]]::new()
$rows = [Collections.Generic.List[string]]::new()


try {
    $csv = Join-Path $source 'contacts.csv'
    $null = Measure-BenchPwsh -Import @($paths.BenchModule) -WorkingDirectory $work -Script "`$null = New-BenchContactCsv -Path '$csv' -Count $Count"
    Write-Host "== $Count records: $csv"

    # The floor: psql \copy of the same file into a keyless text table.
    $floorDb = New-BenchDatabase 'crm_pbench_floor_' $created
    $header = (Get-Content -LiteralPath $csv -TotalCount 1).Split(',')
    $null = Invoke-Psql $floorDb ("CREATE TABLE contacts (" + (($header | ForEach-Object { '"' + $_ + '" text' }) -join ', ') + ")")
    $floor = Measure-BenchNative { psql -X -q -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $floorDb -c "\copy contacts FROM '$csv' WITH (FORMAT csv, HEADER true)" }
    $rows.Add((New-BenchRow $Count '`psql \copy` CSV → PostgreSQL, keyless text table (floor)' $floor))

    $workerScript = Join-Path $work 'worker.ps1'
    $mapArg = ''
    $table = 'contacts'
    if ($Mapping) { $mapArg = " -Mapping '$((Write-BenchMapping rename $work) -replace "'", "''")'"; $table = 'Contact' }
    Set-Content -LiteralPath $workerScript -Encoding utf8 -Value @"
param([int] `$Part, [int] `$Parts, [string] `$Database, [string] `$Ledger)
`$ErrorActionPreference = 'Stop'
Import-Module '$($module -replace "'", "''")'
`$cred = [pscredential]::new(`$env:CRM_PG_USER, (ConvertTo-SecureString `$env:CRM_PG_PASSWORD -AsPlainText -Force))
`$target = New-CrmConnection -Provider PostgreSql -Server `$env:CRM_PG_HOST -Port `$env:CRM_PG_PORT -Database `$Database -Credential `$cred
`$null = Copy-CrmData '$($source -replace "'", "''")' `$target -Create -Partition "`$Part/`$Parts" -RunId bench -StatePath `$Ledger -BatchSize $BatchSize$mapArg
"@
    $pwsh = @(Get-BenchPwsh)
    foreach ($n in $Workers) {
        $targetDb = New-BenchDatabase 'crm_pbench_t_' $created
        $ledgerDb = New-BenchDatabase 'crm_pbench_l_' $created
        # The password comes from PGPASSWORD, never in the address.
        $ledger = "postgresql://$($env:CRM_PG_USER)@$($env:CRM_PG_HOST):$($env:CRM_PG_PORT)/$ledgerDb"
        Write-Host "== $n worker(s)"
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $procs = foreach ($k in 1..$n) {
            $psi = [Diagnostics.ProcessStartInfo]::new('/usr/bin/time')
            foreach ($a in @('-f', '%M %U %S', '-o', (Join-Path $work "w$k.mem")) + $pwsh + @('-NoProfile', '-NonInteractive', '-File', $workerScript, $k, $n, $targetDb, $ledger)) { $psi.ArgumentList.Add([string]$a) }
            $psi.RedirectStandardError = $true
            $psi.RedirectStandardOutput = $true
            $p = [Diagnostics.Process]::Start($psi)
            [pscustomobject]@{ Process = $p; Err = $p.StandardError.ReadToEndAsync(); Out = $p.StandardOutput.ReadToEndAsync() }
        }
        foreach ($w in $procs) { $w.Process.WaitForExit() }
        $clock.Stop()
        foreach ($w in $procs) { if ($w.Process.ExitCode -ne 0) { throw "A worker failed ($($w.Process.ExitCode)): $($w.Err.Result)`n$($w.Out.Result)" } }
        # GNU time: maximum resident set (KB), user and system CPU seconds of each worker process.
        $usage = @(foreach ($k in 1..$n) { , ((Get-Content -LiteralPath (Join-Path $work "w$k.mem") | Select-Object -Last 1).Trim() -split '\s+') })
        $peak = ($(foreach ($u in $usage) { [int]([long]$u[0] / 1024) }) | Measure-Object -Maximum).Maximum
        $cpu = [Math]::Round(($(foreach ($u in $usage) { [double]::Parse($u[1], [Globalization.CultureInfo]::InvariantCulture) + [double]::Parse($u[2], [Globalization.CultureInfo]::InvariantCulture) }) | Measure-Object -Sum).Sum, 1)
        $landed = [long](Invoke-Psql $targetDb "SELECT count(*) FROM `"$table`"")
        $status = Invoke-Psql $ledgerDb "SELECT status FROM crm_ledger.runs WHERE run_id = 'bench'"
        $batches = [long](Invoke-Psql $ledgerDb "SELECT count(*) FROM crm_ledger.batches b JOIN crm_ledger.runs r ON r.run_no = b.run_no WHERE r.run_id = 'bench'")
        if ($landed -ne $Count -or "$status" -ne 'Completed') { throw "$n worker(s): $landed of $Count rows landed, run $status." }
        $seconds = [Math]::Round($clock.Elapsed.TotalSeconds, 3)
        $rate = [Math]::Round($batches / $clock.Elapsed.TotalSeconds, 1)
        $rows.Add((New-BenchRow $Count "CSV → PostgreSQL: Copy-CrmData -Create$(if ($Mapping) { ' -Mapping (rename)' }) -Partition k/$n, $n worker process(es), PostgreSQL ledger ($batches ledger batches, $rate per s; workers' CPU $cpu s)" $seconds $peak))
        Write-Host ("   {0:N1} s, peak {1} MB per worker, {2} ledger batches, workers' CPU {3} s" -f $seconds, $peak, $batches, $cpu)
    }
}
finally {
    foreach ($db in $created) { try { $null = Invoke-Psql postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)" } catch { Write-Warning $_ } }
    Remove-Item env:PGPASSWORD -ErrorAction Ignore
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
$end = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' } else { '?' }
@"
# Partitioned runs

Produced by ``bench/partition.ps1 -Count $Count -Workers $($Workers -join ',')`` on $([DateTime]::UtcNow.ToString('yyyy-MM-dd')) ($($machine.Text)),
against the loopback PostgreSQL of ``scripts/dbservers.sh`` (fsync off: a test server). Each run starts its workers
together as separate pwsh processes sharing one run id and one PostgreSQL ledger; seconds are wall clock from the first
start to the last exit; peak MB is the largest worker's maximum resident set; the workers' CPU is their user + system
seconds summed (GNU time), which a loaded machine disturbs less than the wall clock. Every run ended Completed with every row
counted by psql. Input: a contacts CSV with 10 fields per record. Load average (1, 5, 15 min) at the start:
$($machine.Load); at the end: $end.

| records | what | seconds | records/s | peak MB |
|---:|---|---:|---:|---:|
$($rows -join "`n")

Every worker reads the whole file and keeps its slice (key hash modulo n), so reading does not shrink with more workers;
writing and the ledger are what is shared out. On this machine 2 cores serve the workers and PostgreSQL at once.
"@ | Set-Content -LiteralPath $Output -Encoding utf8
Write-Host "Written: $Output"
