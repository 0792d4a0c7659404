#Requires -Modules CrmMigration
<#
.SYNOPSIS
    The sample legacy CRM into HubSpot import files (companies, contacts, deals, tickets).
.EXAMPLE
    ./examples/legacy-to-hubspot.ps1 -Path ./hubspot-demo
    ./examples/legacy-to-hubspot.ps1 -Path ./hubspot-demo -Scale 200
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
# 1. Clean and normalise into canonical entities (picklists as the HubSpot profile expects them).
Copy-CrmData $legacy $canonical -Mapping (Join-Path $PSScriptRoot 'legacy-to-saas.psd1') -Create -NoLedger
# 2. Write the files: HubSpot has no users or leads to import, so only what it takes.
$target = New-CrmConnection HubSpot (Join-Path $Path 'hubspot')
Copy-CrmData $canonical $target -Entity Account, Contact, Opportunity, Case -NoLedger
# 3. Check them (the write already did; -Quiet gives one yes/no) and compare them with the canonical source.
if (-not (Test-CrmFile $target -Quiet)) { Write-Warning 'The files have errors: run Test-CrmFile to see them.' }
Test-CrmMigration -Source $canonical -Target $target -Entity Account, Contact, Opportunity, Case
# 4. Load them (Get-Help about_CrmMigration_SaaS):
#    HubSpot: Import > File from computer > Multiple files with associations (companies.csv, contacts.csv; common column legacy_company_id)
