<#
.SYNOPSIS
    Resume from a database source: a PostgreSQL table of -Count contacts (10 fields, a text primary key) copied into SQLite
    with Copy-CrmData (ledger on), in full, then killed (SIGKILL, a fault point) right after the ledger recorded the batch
    90% of the way and resumed; for each build given (-Manifest, e.g. main's and this branch's), back to back.
.DESCRIPTION
    Figures per build: the full run; the resumed run's time to its first new record (the engine's own figure, from the
    start of the import session) and the whole resumed run (timed inside the child pwsh, start-up and import excluded).
    The floor in the same run is `psql \copy ... TO` of the same table (reading it whole). Load average at the start and
    at the end goes into the header. Writes a markdown table to -Output (or prints it).
.EXAMPLE
    dotnet pwsh -c './bench/resume-db.ps1 -Count 1000000 -Manifest /tmp/main/out/CrmMigration/0.1.0/CrmMigration.psd1, ./out/CrmMigration/0.1.0/CrmMigration.psd1 -Label main, branch'
#>
[CmdletBinding()]
param(
    [long] $Count = 1000000,
    [int] $BatchSize = 10000,
    [string[]] $Manifest,
    [string[]] $Label,
    [string] $Output
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$paths = Initialize-Bench
if (-not $Manifest) { $Manifest = @($paths.Manifest) }
if (-not $Label) { $Label = @(for ($i = 0; $i -lt $Manifest.Count; $i++) { "build $($i + 1)" }) }
$machine = Get-BenchMachine
foreach ($line in (& bash (Join-Path $PSScriptRoot '../scripts/dbservers.sh') env)) { if ("$line" -match "^export (\w+)='?(.*?)'?$") { Set-Item "env:$($Matches[1])" $Matches[2] } }
$env:PGPASSWORD = $env:CRM_PG_PASSWORD
$work = Join-Path ([IO.Path]::GetTempPath()) ('crm-resume-db-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$db = 'crm_rbench_' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
$rows = [Collections.Generic.List[string]]::new()


try {
    $csv = Join-Path $work 'contacts.csv'
    $null = Measure-BenchPwsh -Import @($paths.BenchModule) -WorkingDirectory $work -Script "`$null = New-BenchContactCsv -Path '$csv' -Count $Count"
    $null = Invoke-Psql postgres "CREATE DATABASE $db"
    $null = Invoke-Psql $db 'CREATE TABLE contacts (contact_id text PRIMARY KEY, first_name text, last_name text, email text, phone text, city text, country text, status text, created_at text, score text)'
    $null = & psql -X -q -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $db -c "\copy contacts FROM '$csv' WITH (FORMAT csv, HEADER true)"
    $null = Invoke-Psql $db 'VACUUM ANALYZE contacts'
    Write-Host "== $Count rows in PostgreSQL $db"
    $floor = Measure-BenchNative { psql -X -q -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $db -c "\copy contacts TO '$work/floor.csv' WITH (FORMAT csv, HEADER true)" }
    $rows.Add((New-BenchRow $Count '`psql \copy contacts TO` (floor: reading the table whole)' $floor))

    $connect = "`$src = New-CrmConnection PostgreSql -Server `$env:CRM_PG_HOST -Port `$env:CRM_PG_PORT -Database $db -Credential ([pscredential]::new(`$env:CRM_PG_USER, (ConvertTo-SecureString `$env:CRM_PG_PASSWORD -AsPlainText -Force)))"
    $copy = "Copy-CrmData -Source `$src -Target ./new.db -Create -BatchSize $BatchSize"
    function Measure-Copy([string] $ManifestPath, [string] $Script, [hashtable] $Environment = @{}) {
        Remove-Item (Join-Path $work 'new.db*'), (Join-Path $work '*.crmledger*') -Force -ErrorAction Ignore
        Measure-BenchPwsh -Script "$connect`n`$sw.Restart()`n$Script" -Import $ManifestPath -WorkingDirectory $work -Environment $Environment
    }
    $killAt = [Math]::Max(1, [int][Math]::Floor([Math]::Ceiling($Count / $BatchSize) * 9 / 10))
    # Back to back: the full runs of every build, then the kill-and-resume of every build.
    $full = @{}
    for ($i = 0; $i -lt $Manifest.Count; $i++) {
        $r = Measure-Copy $Manifest[$i] "`$null = $copy"
        $full[$i] = $r.Seconds
        $rows.Add((New-BenchRow $Count "PostgreSQL → SQLite, Copy-CrmData, full run ($($Label[$i]))" $r.Seconds $r.PeakMB))
        Write-Host ("   {0}: full run {1:N1} s" -f $Label[$i], $r.Seconds)
    }
    for ($i = 0; $i -lt $Manifest.Count; $i++) {
        $killed = $false
        try { $null = Measure-Copy $Manifest[$i] "`$null = $copy" -Environment @{ CRMMIGRATION_FAULT = "after-ledger:$killAt" } } catch { $killed = $true }
        if (-not $killed) { throw "The run armed to die at batch $killAt finished." }
        # The resumed run continues in the same files: not removed this time.
        $r = Measure-BenchPwsh -WorkingDirectory $work -Import $Manifest[$i] -Script @"
$connect
`$sw.Restart()
`$first = '?'
`$null = $copy -Resume -Verbose 4>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.VerboseRecord] -and `$_.Message -match 'first new record written ([0-9.]+) s') { `$first = `$Matches[1] } }
"first=`$first"
"@
        $first = ($r.Output | Where-Object { $_ -match '^first=' } | Select-Object -Last 1) -replace '^first=', ''
        $landed = [long](& sqlite3 (Join-Path $work 'new.db') 'SELECT count(*) FROM contacts')
        if ($landed -ne $Count) { throw "$($Label[$i]): $landed of $Count rows after the resume." }
        $share = if ($first -eq '?') { '?' } else { ([double]::Parse($first, [Globalization.CultureInfo]::InvariantCulture) / $full[$i]).ToString('P1', [Globalization.CultureInfo]::InvariantCulture) }
        $rows.Add((New-BenchRow $Count "PostgreSQL → SQLite, resumed after a kill at 90% ($($Label[$i])): whole resumed run; first new record after $first s ($share of the full run)" $r.Seconds $r.PeakMB -NoRate))
        Write-Host ("   {0}: resumed run {1:N1} s, first new record after {2} s" -f $Label[$i], $r.Seconds, $first)
        Remove-Item (Join-Path $work 'new.db*') -Force -ErrorAction Ignore
    }
}
finally {
    try { $null = Invoke-Psql postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)" } catch { Write-Warning $_ }
    Remove-Item env:PGPASSWORD -ErrorAction Ignore
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
$end = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' } else { '?' }
$text = @"
Produced by ``bench/resume-db.ps1 -Count $Count`` on $([DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm')) UTC ($($machine.Text)); builds: $($Label -join ', ').
Load average (1, 5, 15 min) at the start: $($machine.Load); at the end: $end.

| records | what | seconds | records/s | peak MB |
|---:|---|---:|---:|---:|
$($rows -join "`n")
"@
if ($Output) { $text | Set-Content -LiteralPath $Output -Encoding utf8; Write-Host "Written: $Output" } else { $text }
