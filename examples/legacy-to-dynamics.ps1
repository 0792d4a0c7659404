#Requires -Modules CrmMigration
<#
.SYNOPSIS
    The sample legacy CRM into a Dynamics 365 Configuration Migration data file.
.EXAMPLE
    ./examples/legacy-to-dynamics.ps1 -Path ./d365-demo
    ./examples/legacy-to-dynamics.ps1 -Path ./d365-demo -Scale 200
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $Path,
    [int] $Scale = 1000
)
$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Force -Path $Path | Out-Null
$legacy = Join-Path $Path 'legacy.db'
$canonical = Join-Path $Path 'canonical.db'
if (-not (Test-Path $legacy)) { New-CrmSampleData -Path $legacy -Seed 42 -Scale $Scale | Out-Null }
# 1. Clean and normalise into canonical entities (picklists as the Dynamics profile expects them).
Copy-CrmData $legacy $canonical -Mapping (Join-Path $PSScriptRoot 'legacy-to-saas.psd1') -Create -NoLedger
# 2. Write the zip: data_schema.xml and data.xml, record ids stable per source key.
$target = New-CrmConnection Dynamics (Join-Path $Path 'dynamics.zip')
Copy-CrmData $canonical $target -NoLedger
# 3. Check them (the write already did; -Quiet gives one yes/no) and compare them with the canonical source.
if (-not (Test-CrmFile $target -Quiet)) { Write-Warning 'The files have errors: run Test-CrmFile to see them.' }
Test-CrmMigration -Source $canonical -Target $target
# 4. Load them (Get-Help about_CrmMigration_SaaS):
#    pac data import --data dynamics.zip --environment https://contoso.crm.dynamics.com
