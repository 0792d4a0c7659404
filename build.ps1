<#
.SYNOPSIS
    Builds, tests, demonstrates, packages or benchmarks CrmMigration. Runs in pwsh 7.4+ (the repository
    pins 7.6.9 as a .NET tool: `dotnet tool restore`, then `dotnet pwsh ./build.ps1 ...`).
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1                # build: the module lands in out/CrmMigration/<version>/
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Demo     # build, then run examples/quickstart.ps1 in a fresh pwsh
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test     # every test: xunit (engine) and Pester (cmdlets in real pwsh)
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test -Suite Pester -TestPath tests/Pester/Import-CrmData.Tests.ps1
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Package                       # out/packages/CrmMigration.<version>.nupkg for Install-PSResource
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Bench')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Test: which suites run (both by default).
    [ValidateSet('All', 'Engine', 'Pester')]
    [string] $Suite = 'All',

    # Test: Pester files or folders to run instead of all of tests/Pester.
    [string[]] $TestPath,

    # Test: an xunit filter (dotnet test --filter) for the engine suite.
    [string] $TestFilter,

    # Test: Pester tags to run (e.g. 'Slow' is excluded by nothing; every test runs by default).
    [string[]] $Tag,

    # Demo: where the quick start writes its databases (a fresh temporary folder by default).
    [string] $DemoPath,

    # Package: the folder the .nupkg is written to (a local PSResourceGet repository).
    [string] $PackagePath = (Join-Path $PSScriptRoot 'out/packages'),

    # Bench: arguments passed to bench/run.ps1 (e.g. -Counts 100000).
    [hashtable] $BenchArgs = @{},

    # Skip the build (Test, Demo, Package, Bench), when the module was just built.
    [switch] $NoBuild
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Set-Location $PSScriptRoot

$version = (Import-PowerShellDataFile (Join-Path $PSScriptRoot 'CrmMigration.psd1')).ModuleVersion
$moduleDir = Join-Path $PSScriptRoot "out/CrmMigration/$version"
$manifest = Join-Path $moduleDir 'CrmMigration.psd1'
$results = Join-Path $PSScriptRoot 'TestResults'

function Invoke-Native {
    # Runs a program with the given arguments (a plain function: no common parameters to swallow '-v');
    # throws when it fails, so the build stops at the first failing step.
    $file, $rest = $args
    & $file @rest
    if ($LASTEXITCODE -ne 0) { throw "$file $($rest -join ' ') failed with exit code $LASTEXITCODE" }
}

function Get-PwshCommand {
    # The pwsh this script runs in, as a command line for child processes (the .NET tool's pwsh runs as
    # 'dotnet pwsh.dll'; an installed pwsh runs as itself).
    $exe = [Environment]::ProcessPath
    $dll = Join-Path $PSHOME 'pwsh.dll'
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { return @($exe, $dll) }
    return @($exe)
}

function Invoke-Pwsh {
    # Runs a command in a fresh pwsh (no profile) and returns its exit code.
    param([string] $Command)
    $pwsh = @(Get-PwshCommand)
    $rest = @($pwsh | Select-Object -Skip 1)
    & $pwsh[0] @rest -NoProfile -NonInteractive -Command $Command | Out-Host
    return $LASTEXITCODE
}

function Build-Module {
    if ($NoBuild) { return }
    Invoke-Native dotnet build (Join-Path $PSScriptRoot 'CrmMigration.slnx') -c $Configuration -nologo '-v:q' '-clp:ErrorsOnly'
    if (-not (Test-Path $manifest)) { throw "The build did not lay out the module at $manifest." }
    Write-Host "CrmMigration $version built: $moduleDir"
}

function Initialize-DbServers {
    # The Pester and xunit database tests use real PostgreSQL and MariaDB on loopback (scripts/dbservers.sh).
    if ($env:CRM_PG_HOST -and $env:CRM_MY_HOST) { return }
    if (-not $IsLinux) { throw 'The database tests need CRM_PG_* and CRM_MY_* set to reachable servers (scripts/dbservers.sh starts them on Debian).' }
    Invoke-Native bash (Join-Path $PSScriptRoot 'scripts/dbservers.sh') start
    foreach ($line in (& bash (Join-Path $PSScriptRoot 'scripts/dbservers.sh') env)) {
        if ($line -match "^export (\w+)='?(.*?)'?$") { Set-Item "env:$($Matches[1])" $Matches[2] }
    }
}

function Initialize-TestTools {
    # What the tests check the module's work with, besides the servers: sqlite3 (reads back what the module wrote),
    # headless Chromium with a CJK font (reports, scripts/browser.sh) and Debian's aiosmtpd (Notify, scripts/smtpsink.sh).
    # Installed with apt when missing, as scripts/dbservers.sh installs the servers, so the README's test command is
    # all a clean machine needs.
    if (-not $IsLinux) { return }
    if (-not (Get-Command sqlite3 -ErrorAction Ignore)) {
        $env:DEBIAN_FRONTEND = 'noninteractive'
        Invoke-Native apt-get update -qq
        Invoke-Native apt-get install -y -qq sqlite3
    }
    Invoke-Native bash (Join-Path $PSScriptRoot 'scripts/browser.sh') install
    Invoke-Native bash (Join-Path $PSScriptRoot 'scripts/smtpsink.sh') install
}

function Get-PesterModule {
    # Pester restores from NuGet (build/tools.proj); the package's tools/ folder is the module.
    $proj = Join-Path $PSScriptRoot 'build/tools.proj'
    $pesterVersion = ([xml](Get-Content -Raw $proj)).Project.ItemGroup.PackageDownload |
        Where-Object Include -eq 'Pester' | ForEach-Object { $_.Version.Trim('[', ']') }
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $psd1 = Join-Path $packages "pester/$pesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) { Invoke-Native dotnet restore $proj -nologo '-v:q' }
    if (-not (Test-Path $psd1)) { throw "Pester $pesterVersion was not restored to $psd1." }
    return $psd1
}

function Invoke-EngineTests {
    # xunit: the engine without PowerShell. Counts come from the .trx files.
    $dir = Join-Path $results 'xunit'
    Remove-Item $dir -Recurse -Force -ErrorAction Ignore
    $testArgs = @('test', (Join-Path $PSScriptRoot 'CrmMigration.slnx'), '-c', $Configuration, '--no-build', '--nologo',
        '--logger', 'trx', '--results-directory', $dir)
    if ($TestFilter) { $testArgs += @('--filter', $TestFilter) }
    & dotnet @testArgs | Out-Host
    $exit = $LASTEXITCODE
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($trx in Get-ChildItem $dir -Filter *.trx -ErrorAction Ignore) {
        $c = ([xml](Get-Content -Raw $trx.FullName)).TestRun.ResultSummary.Counters
        $passed += [int]$c.passed; $failed += [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted
        $skipped += [int]$c.notExecuted
    }
    if ($exit -ne 0 -and $failed -eq 0) { $failed = 1; Write-Warning "dotnet test failed with exit code $exit." }
    [pscustomobject]@{ Suite = 'xunit'; Passed = $passed; Failed = $failed; Skipped = $skipped }
}

function Invoke-PesterTests {
    # Pester, in a fresh pwsh that imports the BUILT module layout (tests/Pester/CrmTest.psm1 does the import).
    $pester = Get-PesterModule
    $xml = Join-Path $results 'pester.xml'
    New-Item -ItemType Directory -Force $results | Out-Null
    Remove-Item $xml -ErrorAction Ignore
    $paths = if ($TestPath) { @($TestPath | ForEach-Object { $_ -split "," } | ForEach-Object { (Resolve-Path $_.Trim()).Path }) } else { @(Join-Path $PSScriptRoot 'tests/Pester') }
    $pathList = ($paths | ForEach-Object { "'" + ($_ -replace "'", "''") + "'" }) -join ','
    $tagList = if ($Tag) { ($Tag | ForEach-Object { "'$_'" }) -join ',' } else { '' }
    $env:CRM_MODULE_MANIFEST = $manifest
    $command = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$pester' -Force
`$c = New-PesterConfiguration
`$c.Run.Path = @($pathList)
`$c.Run.Exit = `$false
`$c.Run.PassThru = `$true
$(if ($tagList) { "`$c.Filter.Tag = @($tagList)" })
`$c.Output.Verbosity = 'Normal'
`$c.TestResult.Enabled = `$true
`$c.TestResult.OutputFormat = 'NUnitXml'
`$c.TestResult.OutputPath = '$xml'
`$r = Invoke-Pester -Configuration `$c
exit ([int](`$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount -gt 0))
"@
    $exit = Invoke-Pwsh $command
    $passed = 0; $failed = 0; $skipped = 0; $r = $null
    if (Test-Path $xml) {
        # Pester stops writing the file at a failure message with a character XML 1.0 forbids (a colour code):
        # then the counts are unreadable, and the run counts as failed (the console shows what failed).
        try { $r = ([xml](Get-Content -Raw $xml)).'test-results' }
        catch { Write-Warning "Pester's result file $xml is unreadable: $($_.Exception.Message)"; $r = $null; $failed = 1 }
    }
    if ($r) {
        $failed = [int]$r.failures + [int]$r.errors + [int]$r.invalid
        $skipped = [int]$r.skipped + [int]$r.ignored + [int]$r.inconclusive + [int]$r.'not-run'
        $passed = [int]$r.total - $failed - [int]$r.skipped - [int]$r.ignored - [int]$r.inconclusive - [int]$r.'not-run' - [int]$r.invalid
        # A failure in BeforeAll / discovery shows in the exit code, not always as a failed test.
    }
    if ($exit -ne 0 -and $failed -eq 0) { $failed = 1; Write-Warning "Pester failed with exit code $exit (a block or container failed)." }
    [pscustomobject]@{ Suite = 'Pester'; Passed = $passed; Failed = $failed; Skipped = $skipped }
}

switch ($Task) {
    'Build' { Build-Module }
    'Test' {
        Build-Module
        Initialize-DbServers
        Initialize-TestTools
        $suites = @()
        if ($Suite -in 'All', 'Engine') { $suites += Invoke-EngineTests }
        if ($Suite -in 'All', 'Pester') { $suites += Invoke-PesterTests }
        $suites | Format-Table -AutoSize | Out-Host
        $passed = ($suites | Measure-Object Passed -Sum).Sum
        $failed = ($suites | Measure-Object Failed -Sum).Sum
        $skipped = ($suites | Measure-Object Skipped -Sum).Sum
        # A test must be able to fail, and a suite that ran nothing proves nothing; skips are not allowed.
        $empty = @($suites | Where-Object { $_.Passed + $_.Failed -eq 0 })
        "$passed passed, $failed failed" + $(if ($skipped) { ", $skipped skipped" } else { '' })
        if ($failed -gt 0 -or $skipped -gt 0 -or $empty.Count -gt 0) {
            if ($empty.Count -gt 0) { Write-Warning "No tests ran in: $($empty.Suite -join ', ')." }
            exit 1
        }
    }
    'Demo' {
        Build-Module
        $path = if ($DemoPath) { $DemoPath } else { Join-Path ([IO.Path]::GetTempPath()) ("crm-quickstart-" + [Guid]::NewGuid().ToString('N').Substring(0, 8)) }
        $quick = Join-Path $PSScriptRoot 'examples/quickstart.ps1'
        $exit = Invoke-Pwsh "`$ErrorActionPreference = 'Stop'; Import-Module '$manifest'; & '$quick' -Path '$path'"
        if ($exit -ne 0) { throw "The quick start failed (exit code $exit)." }
    }
    'Package' {
        Build-Module
        # A NuGet package as PSResourceGet publishes it, in a local file repository others can install from.
        $feed = $PackagePath
        New-Item -ItemType Directory -Force $feed | Out-Null
        Remove-Item (Join-Path $feed "CrmMigration.$version.nupkg") -ErrorAction Ignore
        $repo = 'CrmMigrationBuild' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
        Register-PSResourceRepository -Name $repo -Uri $feed -Trusted
        try { Publish-PSResource -Path $moduleDir -Repository $repo -SkipDependenciesCheck }
        finally { Unregister-PSResourceRepository -Name $repo }
        Get-Item (Join-Path $feed "CrmMigration.$version.nupkg")
    }
    'Bench' {
        Build-Module
        & (Join-Path $PSScriptRoot 'bench/run.ps1') @BenchArgs
    }
}
