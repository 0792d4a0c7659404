<#
.SYNOPSIS
    Builds, tests or packages CrmMigration. A thin wrapper over the dotnet commands the README gives.
.EXAMPLE
    ./build.ps1                 # build; the module lands in out/CrmMigration/<version>/
.EXAMPLE
    ./build.ps1 -Task Test      # the whole test suite (same as: dotnet test CrmMigration.slnx)
.EXAMPLE
    ./build.ps1 -Task Package   # out/CrmMigration-<version>.zip, ready for a module path
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

switch ($Task) {
    'Build'   { Invoke-Dotnet build src/CrmMigration.Host -c $Configuration }
    'Test'    { Invoke-Dotnet test CrmMigration.slnx -c $Configuration }
    'Package' {
        Invoke-Dotnet build src/CrmMigration.Host -c $Configuration
        $version = (Import-PowerShellDataFile ./CrmMigration.psd1).ModuleVersion
        $zip = Join-Path $PSScriptRoot "out/CrmMigration-$version.zip"
        Compress-Archive -Path "out/CrmMigration" -DestinationPath $zip -Force
        Get-Item $zip
    }
}
