#Requires -Modules CrmMigration
<#
.SYNOPSIS
    The sample legacy CRM into Salesforce load files: Bulk API 2.0 / Data Loader CSV, or an sf data tree plan.
.EXAMPLE
    ./examples/legacy-to-salesforce.ps1 -Path ./sf-demo
    ./examples/legacy-to-salesforce.ps1 -Path ./sf-demo -Tree
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $Path,
    [int] $Scale = 1000,
    [switch] $Tree
)
$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Force -Path $Path | Out-Null
$legacy = Join-Path $Path 'legacy.db'
$canonical = Join-Path $Path 'canonical.db'
if (-not (Test-Path $legacy)) { New-CrmSampleData -Path $legacy -Seed 42 -Scale $Scale | Out-Null }
# 1. Clean and normalise into canonical entities (picklists as the Salesforce profile expects them).
Copy-CrmData $legacy $canonical -Mapping (Join-Path $PSScriptRoot 'legacy-to-saas.psd1') -Create -NoLedger
# 2. Write the files: a folder of CSV files, or an sf data tree plan (sObject Tree API: small data sets).
$target = if ($Tree) { New-CrmConnection Salesforce (Join-Path $Path 'salesforce-tree/data-plan.json') }
          else { New-CrmConnection Salesforce (Join-Path $Path 'salesforce') }
Copy-CrmData $canonical $target -NoLedger
# 3. Check them (the write already did; -Quiet gives one yes/no) and compare them with the canonical source.
if (-not (Test-CrmFile $target -Quiet)) { Write-Warning 'The files have errors: run Test-CrmFile to see them.' }
Test-CrmMigration -Source $canonical -Target $target
# 4. Load them (Get-Help about_CrmMigration_SaaS):
#    sf data upsert bulk --sobject Account --file Account.csv --external-id Legacy_Id__c --line-ending LF --wait 10
#    sf data import tree --plan data-plan.json
