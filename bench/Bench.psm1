# Helpers shared by bench/run.ps1 (files, SQLite) and bench/run-db.ps1 (PostgreSQL, MariaDB): every measured
# pipeline runs in a fresh pwsh with the built module imported, timed inside around the pipeline (start-up and
# import excluded), with the whole process's peak resident memory from GNU time.
Set-StrictMode -Version 3.0

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path

function Initialize-Bench {
    <#
    Builds what the benchmarks need (Release): the module layout, the floors module (bench/CrmMigration.Bench:
    input generator, empty pipeline, raw CsvHelper parse) and, with -Engine, the engine-only harness. Installs
    sqlite3 and GNU time when missing (Debian). Returns the paths.
    #>
    param([switch] $Engine)
    foreach ($tool in @{ sqlite3 = 'sqlite3'; '/usr/bin/time' = 'time' }.GetEnumerator()) {
        if (-not (Get-Command $tool.Key -ErrorAction Ignore)) {
            if (-not $IsLinux) { throw "$($tool.Key) is needed." }
            & apt-get update -qq | Out-Null
            & apt-get install -y -qq $tool.Value | Out-Null
        }
    }
    $version = (Import-PowerShellDataFile (Join-Path $RepoRoot 'CrmMigration.psd1')).ModuleVersion
    $manifest = Join-Path $RepoRoot "out/CrmMigration/$version/CrmMigration.psd1"
    if (-not (Test-Path $manifest)) { Invoke-BenchNative dotnet build (Join-Path $RepoRoot 'CrmMigration.slnx') -c Release -nologo '-v:q' | Out-Null }
    Invoke-BenchNative dotnet build (Join-Path $RepoRoot 'bench/CrmMigration.Bench') -c Release -nologo '-v:q' | Out-Null
    if ($Engine) { Invoke-BenchNative dotnet build (Join-Path $RepoRoot 'bench/CrmMigration.EngineBench') -c Release -nologo '-v:q' | Out-Null }
    [pscustomobject]@{
        Manifest    = $manifest
        BenchModule = Join-Path $RepoRoot 'bench/CrmMigration.Bench/bin/Release/net8.0/CrmMigration.Bench.dll'
        EngineBench = Join-Path $RepoRoot 'bench/CrmMigration.EngineBench/bin/Release/net10.0/CrmMigration.EngineBench.dll'
    }
}

function Invoke-BenchNative {
    # Runs a program (a plain function: no common parameters to swallow its '-v'); throws when it fails.
    $file, $rest = $args
    $out = & $file @rest 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$file $($rest -join ' ') failed ($LASTEXITCODE): $($out -join "`n")" }
    $out
}

function Get-BenchPwsh {
    # The pwsh running this script, as a command line for children ('dotnet pwsh.dll' for the .NET tool).
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    @($exe)
}

function Measure-BenchPwsh {
    <#
    Runs -Script in a fresh pwsh (-Import: modules to import first) in -WorkingDirectory with -Environment set,
    timing it from inside: the child prints the seconds of the script on its last line. Returns Seconds,
    PeakMB (GNU time's maximum resident set of the whole process), ProcessSeconds, UserSeconds and SystemSeconds
    (GNU time: the whole process's wall clock, start-up and import included, and its CPU time), CpuSeconds (user +
    system: what a shared machine's load disturbs least) and Output (its other lines).
    #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [string[]] $Import = @(),
        [Parameter(Mandatory)] [string] $WorkingDirectory,
        [hashtable] $Environment = @{}
    )
    $id = [Guid]::NewGuid().ToString('N').Substring(0, 8)
    $file = Join-Path $WorkingDirectory "bench-$id.ps1"
    $mem = Join-Path $WorkingDirectory "bench-$id.mem"
    $imports = ($Import | ForEach-Object { "Import-Module '$($_ -replace "'", "''")' -ErrorAction Stop" }) -join "`n"
    Set-Content -LiteralPath $file -Encoding utf8 -Value @"
`$ErrorActionPreference = 'Stop'
$imports
`$sw = [Diagnostics.Stopwatch]::StartNew()
$Script
[Math]::Round(`$sw.Elapsed.TotalSeconds, 3).ToString([Globalization.CultureInfo]::InvariantCulture)
"@
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, [string]$Environment[$k]) }
    Push-Location -LiteralPath $WorkingDirectory
    try {
        $pwsh = @(Get-BenchPwsh)
        $out = & /usr/bin/time -f '%e %U %S %M' -o $mem @pwsh -NoProfile -NonInteractive -File $file 2>&1
        if ($LASTEXITCODE -ne 0) { throw "The benchmark failed ($LASTEXITCODE): $Script`n$($out -join "`n")" }
        $lines = @($out | ForEach-Object { "$_" } | Where-Object { $_.Trim() })
        $t = Read-BenchTime $mem
        [pscustomobject]@{
            Seconds        = [double]::Parse($lines[-1].Trim(), [Globalization.CultureInfo]::InvariantCulture)
            PeakMB         = $t.PeakMB
            ProcessSeconds = $t.Seconds
            UserSeconds    = $t.User
            SystemSeconds  = $t.System
            CpuSeconds     = [Math]::Round($t.User + $t.System, 2)
            Output         = @($lines | Select-Object -SkipLast 1)
        }
    }
    finally {
        Pop-Location
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        Remove-Item -LiteralPath $file, $mem -ErrorAction Ignore
    }
}

function Measure-BenchNative {
    # Seconds a native command takes (a floor: the tool's own start-up included, as a user would run it).
    param([Parameter(Mandatory)] [scriptblock] $Command)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $out = & $Command 2>&1
    if ($LASTEXITCODE -ne 0) { throw "The floor failed ($LASTEXITCODE): $Command`n$($out -join "`n")" }
    [Math]::Round($sw.Elapsed.TotalSeconds, 3)
}

function Read-BenchTime([string] $Path) {
    # GNU time's '%e %U %S %M' line: wall seconds, user and system CPU seconds, peak resident KB.
    $f = (Get-Content -LiteralPath $Path | Select-Object -Last 1).Trim().Split(' ')
    $inv = [Globalization.CultureInfo]::InvariantCulture
    [pscustomobject]@{ Seconds = [double]::Parse($f[0], $inv); User = [double]::Parse($f[1], $inv); System = [double]::Parse($f[2], $inv); PeakMB = [int]([long]$f[3] / 1024) }
}

function Measure-BenchNativeTime {
    # A native command under GNU time (a floor, start-up included): Seconds, UserSeconds, SystemSeconds, PeakMB.
    param([Parameter(Mandatory)] [string[]] $Command)
    $mem = [IO.Path]::GetTempFileName()
    try {
        $file, $rest = $Command
        $out = & /usr/bin/time -f '%e %U %S %M' -o $mem $file @rest 2>&1
        if ($LASTEXITCODE -ne 0) { throw "The floor failed ($LASTEXITCODE): $($Command -join ' ')`n$($out -join "`n")" }
        $t = Read-BenchTime $mem
        [pscustomobject]@{ Seconds = $t.Seconds; UserSeconds = $t.User; SystemSeconds = $t.System; PeakMB = $t.PeakMB }
    }
    finally { Remove-Item -LiteralPath $mem -ErrorAction Ignore }
}

function New-BenchRow {
    # One row of a results table: records, what, seconds, records/s, peak MB ('–' where not measured).
    param([long] $Count, [string] $What, [double] $Seconds, $PeakMB = $null, [switch] $NoRate)
    $rate = if ($NoRate -or $Seconds -le 0) { '–' } else { ($Count / $Seconds).ToString('N0', [Globalization.CultureInfo]::InvariantCulture) }
    $mb = if ($null -eq $PeakMB) { '–' } else { [string]$PeakMB }
    '| {0} | {1} | {2} | {3} | {4} |' -f $Count, $What, $Seconds.ToString('0.000', [Globalization.CultureInfo]::InvariantCulture), $rate, $mb
}

function Get-BenchMachine {
    # The machine line of a results header.
    $cores = [Environment]::ProcessorCount
    $gb = if (Test-Path /proc/meminfo) { [Math]::Round(([long]((Get-Content /proc/meminfo -TotalCount 1) -replace '\D', '')) / 1MB) } else { '?' }
    $load = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' } else { '?' }
    [pscustomobject]@{ Text = "$cores cores, $gb GB, .NET $((& dotnet --version)), pwsh $($PSVersionTable.PSVersion), Release build"; Load = $load }
}

function Write-BenchMapping {
    # The benchmark mappings: 'rename' (10 fields renamed) and 'cleanse' (the same 10 fields prepared for real:
    # 8 transforms: text, e-mail, phone via libphonenumber, date, and a type). Returns the file path.
    param([Parameter(Mandatory)] [ValidateSet('rename', 'cleanse')] [string] $Kind, [Parameter(Mandatory)] [string] $Directory)
    $path = Join-Path $Directory "$Kind.psd1"
    $text = if ($Kind -eq 'rename') {
        @'
@{ Entities = @{ Contact = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{
    Id = 'contact_id'; FirstName = 'first_name'; LastName = 'last_name'; Email = 'email'; Phone = 'phone'
    City = 'city'; Country = 'country'; Status = 'status'; CreatedAt = 'created_at'; Score = 'score' } } } }
'@
    }
    else {
        @'
@{ Entities = @{ Contact = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{
    Id = 'contact_id'
    FirstName = @{ Source = 'first_name'; Transform = 'Trim', 'Title' }
    LastName = @{ Source = 'last_name'; Transform = 'Title' }
    Email = @{ Source = 'email'; Transform = 'Email' }
    Phone = @{ Source = 'phone'; Transform = 'Phone'; DefaultRegion = 'CN' }
    City = @{ Source = 'city'; Transform = 'CollapseSpaces' }
    Country = @{ Source = 'country'; Transform = 'Upper' }
    Status = 'status'
    CreatedAt = @{ Source = 'created_at'; Transform = 'Date'; Format = 'yyyy-MM-dd' }
    Score = @{ Source = 'score'; Type = 'Integer' } } } } }
'@
    }
    Set-Content -LiteralPath $path -Value $text -Encoding utf8
    $path
}

function Invoke-Psql([string] $Database, [string] $Sql) {
    # One statement through psql against the loopback PostgreSQL of scripts/dbservers.sh (CRM_PG_* and PGPASSWORD set by
    # the caller); its unaligned output, or an error naming the statement.
    $out = & psql -X -q -At -v ON_ERROR_STOP=1 -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $Database -c $Sql 2>&1
    if ($LASTEXITCODE) { throw "psql failed: $Sql`n$out" }
    $out
}

function New-BenchDatabase([string] $Prefix, [System.Collections.Generic.List[string]] $Created) {
    # A PostgreSQL database with a fresh name, added to -Created so the caller drops it at the end.
    $name = $Prefix + [Guid]::NewGuid().ToString('N').Substring(0, 8)
    $null = Invoke-Psql postgres "CREATE DATABASE $name"
    $Created.Add($name)
    $name
}

function Get-BenchMedian([double[]] $Values) {
    # The median of a run's rounds (the mean of the middle two for an even count).
    $s = [double[]]@($Values | Sort-Object)
    if ($s.Count -eq 0) { throw 'No values to take the median of.' }
    if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 }
}

Export-ModuleMember -Function Get-BenchMedian, Invoke-Psql, New-BenchDatabase, Initialize-Bench, Invoke-BenchNative, Get-BenchPwsh, Measure-BenchPwsh, Measure-BenchNative, Measure-BenchNativeTime, New-BenchRow, Get-BenchMachine, Write-BenchMapping
