<#
.SYNOPSIS
    The 10M-row benchmarks of issue 16 (memory flat at any row count): Copy-CrmData of a keyless CSV (no mapping, so the
    rows have no key and the ledger knows each by its content and copy number) into SQLite and into PostgreSQL, each
    next to the database's own bulk loader in the same run, and a resumed 1M copy's peak memory; writes the section
    "## At 10M records" of docs/benchmarks.md (the rest of the page stays).
.DESCRIPTION
    Every CrmMigration row runs in a fresh pwsh with the module imported, timed inside around Copy-CrmData; peak memory
    is that whole process's maximum resident set (GNU time). Floors: `sqlite3 .import` into a new file and `psql \copy`
    into a keyless table of text columns, each timed around the command. The resumed row kills a 1M copy with the
    benchmark's rename mapping (keyed) right after the ledger recorded the batch 90% of the way (a fault point), then
    runs the same command with -Resume. -Manifest measures another build of the module (the same rows before and after
    a change, back to back); -Csv reuses a file New-BenchContactCsv made. PostgreSQL: the servers of
    scripts/dbservers.sh (started when CRM_PG_* is not set), in a database made for the run and dropped after it.
.EXAMPLE
    dotnet pwsh ./bench/scale.ps1                                              # 10M rows, writes docs/benchmarks.md
.EXAMPLE
    dotnet pwsh ./bench/scale.ps1 -Count 1000000 -Output ./scale.md -Manifest /tmp/before/0.1.0/CrmMigration.psd1
#>
[CmdletBinding()]
param(
    # Rows in the keyless CSV.
    [long] $Count = 10000000,
    # Rows of the resumed copy (0 skips it).
    [long] $ResumeCount = 1000000,
    # Which targets to measure.
    [ValidateSet('Sqlite', 'PostgreSql')] [string[]] $Target = @('Sqlite', 'PostgreSql'),
    # The module to measure (default: the built one).
    [string] $Manifest,
    # An existing contacts CSV of -Count rows (made by New-BenchContactCsv) instead of a new one.
    [string] $Csv,
    # The page whose "## At 10M records" section the results replace; with -NoWrite the rows are only printed.
    [string] $Output = (Join-Path $PSScriptRoot '../docs/benchmarks.md'),
    [switch] $NoWrite
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Bench.psm1') -Force
$repo = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$paths = Initialize-Bench
if (-not $Manifest) { $Manifest = $paths.Manifest }
$work = Join-Path ([IO.Path]::GetTempPath()) ('crm-scale-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$machine = Get-BenchMachine
$rows = [Collections.Generic.List[string]]::new()
$pgDb = $null
function Invoke-Pg([string] $Sql, [string] $Database = $pgDb) {
    $env:PGPASSWORD = $env:CRM_PG_PASSWORD
    try { Invoke-BenchNative psql -X -q -v ON_ERROR_STOP=1 -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $Database -At -c $Sql }
    finally { Remove-Item env:PGPASSWORD -ErrorAction Ignore }
}
function Measure-Crm([string] $Script, [hashtable] $Environment = @{}) {
    $Environment = $Environment.Clone()
    $Environment['CRMMIGRATION_STATE_HOME'] = Join-Path $work 'state'
    Measure-BenchPwsh -Script $Script -Import $Manifest -WorkingDirectory $work -Environment $Environment
}
function Add-Row([string] $Row) { $rows.Add($Row); Write-Host "$Row  (load $((Get-Content /proc/loadavg).Split(' ')[0]))" }
function Clear-Work([string[]] $Pattern) { foreach ($p in $Pattern) { Remove-Item (Join-Path $work $p) -Recurse -Force -ErrorAction Ignore } }
try {
    if (-not $Csv) {
        $Csv = Join-Path $work 'contacts.csv'
        $null = Measure-BenchPwsh -Import $paths.BenchModule -WorkingDirectory $work -Script "`$null = New-BenchContactCsv -Path '$Csv' -Count $Count"
    }
    Write-Host "== $Count keyless rows: $Csv ($Manifest)"
    if ('Sqlite' -in $Target) {
        Clear-Work floor.db
        $floor = Measure-BenchNative { sqlite3 (Join-Path $work 'floor.db') ".import --csv '$Csv' contacts" }
        Clear-Work floor.db, new.db*, state
        $r = Measure-Crm "`$null = Copy-CrmData -Source '$Csv' -Target '$work/new.db' -Create -BatchSize 10000"
        $landed = [long](Invoke-BenchNative sqlite3 (Join-Path $work 'new.db') 'SELECT count(*) FROM contacts')
        if ($landed -ne $Count) { throw "new.db holds $landed rows, not $Count." }
        Clear-Work new.db*, state
        Add-Row (New-BenchRow $Count '`sqlite3 .import` (floor)' $floor)
        Add-Row (New-BenchRow $Count 'CSV → SQLite: Copy-CrmData -Create -BatchSize 10000 (ledger on, no mapping: the rows have no key)' $r.Seconds $r.PeakMB)
    }
    if ('PostgreSql' -in $Target) {
        if (-not $env:CRM_PG_HOST) {
            Invoke-BenchNative bash (Join-Path $repo 'scripts/dbservers.sh') start | Out-Null
            foreach ($line in (Invoke-BenchNative bash (Join-Path $repo 'scripts/dbservers.sh') env)) {
                if ("$line" -match "^export (\w+)='?(.*?)'?$") { Set-Item "env:$($Matches[1])" $Matches[2] }
            }
        }
        $pgDb = 'crm_scale_' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
        Invoke-Pg "CREATE DATABASE $pgDb" -Database postgres | Out-Null
        $cols = 'contact_id text, first_name text, last_name text, email text, phone text, city text, country text, status text, created_at text, score text'
        Invoke-Pg "CREATE TABLE floor_contacts ($cols)" | Out-Null
        $copyFrom = $Csv.Replace("'", "''")
        $floor = Measure-BenchNative { $env:PGPASSWORD = $env:CRM_PG_PASSWORD; psql -X -q -v ON_ERROR_STOP=1 -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $pgDb -c "\copy floor_contacts FROM '$copyFrom' WITH (FORMAT csv, HEADER true)" }
        Remove-Item env:PGPASSWORD -ErrorAction Ignore
        Invoke-Pg 'DROP TABLE floor_contacts' | Out-Null
        Clear-Work state
        $r = Measure-Crm @"
`$cred = [pscredential]::new(`$env:CRM_PG_USER, (ConvertTo-SecureString `$env:CRM_PG_PASSWORD -AsPlainText -Force))
`$pg = New-CrmConnection PostgreSql -Server `$env:CRM_PG_HOST -Port `$env:CRM_PG_PORT -Database '$pgDb' -Credential `$cred
`$sw.Restart()
`$null = Copy-CrmData -Source '$Csv' -Target `$pg -Create -BatchSize 10000
"@
        $landed = [long](Invoke-Pg 'SELECT count(*) FROM contacts')
        if ($landed -ne $Count) { throw "PostgreSQL holds $landed rows, not $Count." }
        Clear-Work state
        Add-Row (New-BenchRow $Count '`psql \copy` into a keyless text table (floor)' $floor)
        Add-Row (New-BenchRow $Count 'CSV → PostgreSQL: Copy-CrmData -Create -BatchSize 10000 (one process, ledger on, no mapping: the rows have no key)' $r.Seconds $r.PeakMB)
    }
    if ($ResumeCount -gt 0) {
        # A resumed copy with the benchmark's mapping (keyed): the ledger's indexes of what the target holds and what the
        # run accounted for are built at the start.
        # The mapping reads the entity 'contacts': the file's name.
        New-Item -ItemType Directory (Join-Path $work 'resume') | Out-Null
        $resumeCsv = Join-Path $work 'resume/contacts.csv'
        $null = Measure-BenchPwsh -Import $paths.BenchModule -WorkingDirectory $work -Script "`$null = New-BenchContactCsv -Path '$resumeCsv' -Count $ResumeCount"
        $rename = Write-BenchMapping rename $work
        $batches = [Math]::Max(1, [int][Math]::Ceiling($ResumeCount / 10000)); $killAt = [Math]::Max(1, [int][Math]::Floor($batches * 9 / 10))
        $command = "Copy-CrmData -Source '$resumeCsv' -Target '$work/resume.db' -Mapping '$rename' -Create -BatchSize 10000"
        Clear-Work resume.db*, state
        $killed = $false
        try { $null = Measure-Crm "`$null = $command" -Environment @{ CRMMIGRATION_FAULT = "after-ledger:$killAt" } } catch { $killed = $true }
        if (-not $killed) { throw "The run armed to die at batch $killAt finished: $command" }
        $r = Measure-Crm "`$null = $command -Resume"
        $landed = [long](Invoke-BenchNative sqlite3 (Join-Path $work 'resume.db') 'SELECT count(*) FROM "Contact"')
        if ($landed -ne $ResumeCount) { throw "resume.db holds $landed rows, not $ResumeCount." }
        Add-Row (New-BenchRow $ResumeCount "resume after a kill at 90%, Copy-CrmData -Mapping (rename) -Resume: whole resumed run" $r.Seconds $r.PeakMB -NoRate)
    }
}
finally {
    if ($pgDb) { Invoke-Pg "DROP DATABASE IF EXISTS $pgDb WITH (FORCE)" -Database postgres | Out-Null }
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
$end = Get-BenchMachine
$rows | Write-Output
if ($NoWrite) { return }
$text = @"
## At 10M records (issue 16)

Produced by ``bench/scale.ps1 -Count $Count -ResumeCount $ResumeCount`` on $([DateTime]::UtcNow.ToString('yyyy-MM-dd')) ($($machine.Text)).
Load average (1, 5, 15 min) at the start: $($machine.Load); at the end: $($end.Load). Input: the contacts CSV of
``New-BenchContactCsv``, copied without a mapping, so its rows have no key: the ledger knows each by its content hash and
copy number. Each Copy-CrmData row runs in a fresh pwsh, timed inside; peak = its maximum resident set (GNU time). The
floors are timed around the command, into a new SQLite file and a keyless PostgreSQL table of text columns.

| records | what | seconds | records/s | peak MB |
|---:|---|---:|---:|---:|
$($rows -join "`n")
"@
$page = Get-Content -LiteralPath $Output -Raw
$at = $page.IndexOf("`n## At 10M records", [StringComparison]::Ordinal)
if ($at -lt 0) { $page = $page.TrimEnd() + "`n`n" + $text }
else {
    $next = $page.IndexOf("`n## ", $at + 1, [StringComparison]::Ordinal)
    $tail = if ($next -ge 0) { $page.Substring($next) } else { '' }
    $page = $page.Substring(0, $at + 1) + $text.TrimEnd() + "`n" + $tail
}
Set-Content -LiteralPath $Output -Value $page.TrimEnd() -Encoding utf8
