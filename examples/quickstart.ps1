<#
.SYNOPSIS
    The quick start: generate a messy legacy CRM, migrate it into a new SQLite CRM through a mapping,
    merging duplicate contacts and accounts on the way, check the migration, print the summary, and write the
    report to sign off (report.html, report.xlsx).
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Demo     # from a clone: builds, then runs this in a fresh pwsh
.EXAMPLE
    ./examples/quickstart.ps1 -Path ./demo -Scale 20000     # in pwsh, with the module imported
#>
param(
    # Where the legacy and new databases go.
    [string] $Path = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'crm-quickstart'),
    # Number of legacy contacts (the other entities scale with it).
    [int] $Scale = 2000
)
$ErrorActionPreference = 'Stop'
$null = [System.IO.Directory]::CreateDirectory($Path)
$legacy = [System.IO.Path]::Combine($Path, 'legacy.db')
$new = [System.IO.Path]::Combine($Path, 'new.db')
$mapping = [System.IO.Path]::Combine($PSScriptRoot, 'legacy-to-new.psd1')
$rules = [System.IO.Path]::Combine($PSScriptRoot, 'legacy-dedupe.psd1')
foreach ($f in $new, "$new-wal", "$new-shm", "$new.crm-ledger.sqlite", "$new.crm-ledger.sqlite-wal", "$new.crm-ledger.sqlite-shm",
    [System.IO.Path]::Combine($Path, 'report.html'), [System.IO.Path]::Combine($Path, 'report.xlsx')) { if ([System.IO.File]::Exists($f)) { [System.IO.File]::Delete($f) } }
$review = [System.IO.Path]::Combine($Path, 'review')
if ([System.IO.Directory]::Exists($review)) { [System.IO.Directory]::Delete($review, $true) }

"== 1. A legacy CRM to migrate: $legacy"
$sample = New-CrmSampleData -Path $legacy -Seed 42 -Scale $Scale -Force
"   {0:N0} records; planted problems: {1}" -f $sample.Total, (($sample.Mess.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ', ')

"== 2. What is in it"
Get-CrmSchema $legacy | Out-Default

"== 3. Export | Convert | Merge duplicates | Import into $new"
$rejected = @(); $refused = @()
$summary = Export-CrmData $legacy -Entity accounts, contacts, opportunities |
    Convert-CrmRecord -Mapping $mapping -ErrorAction SilentlyContinue -ErrorVariable +rejected |
    Merge-CrmRecord -Rules $rules -ReviewPath $review -SummaryVariable dedupe |
    Import-CrmData $new -Create -ErrorAction SilentlyContinue -ErrorVariable +refused
$summary | Out-Default
foreach ($d in $dedupe) {
    "   Dedupe of {0}: {1} duplicate(s) merged into {2} survivor(s); {3} pair(s) left for a person to decide in {4}; {5:N0} candidate pairs compared instead of {6:N0}." -f $d.Entity, $d.Merged, $d.Survivors, $d.ReviewPairs, $review, $d.CandidatePairs, $d.AllPairs
}
$example = Get-CrmMigrationRecord $new -Outcome Merged | Select-Object -First 1
if ($example) { "   e.g. $($example.Entity) $($example.SourceKey): $($example.Message)" }
function Show-Reasons($errors) {
    $byReason = @{}
    foreach ($e in $errors) { $id = $e.FullyQualifiedErrorId.Split(',')[0]; $byReason[$id] = 1 + [int]$byReason[$id] }
    ($byReason.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ', '
}
"   Rejected by the mapping (not imported, each with a reason): " + (Show-Reasons $rejected)
if ($rejected.Count -gt 0) { "   e.g. " + $rejected[0].Exception.Message }
"   Rejected at import (recorded in the ledger): " + (Show-Reasons $refused)
if ($refused.Count -gt 0) { "   e.g. " + $refused[0].Exception.Message }

"== 4. Check the migration against the mapped source"
$checks = Test-CrmMigration -Source $legacy -Target $new -Mapping $mapping
$checks | Out-Default
$failed = @($checks | Where-Object Status -eq 'Fail')
if ($failed.Count -gt 0) { throw "$($failed.Count) migration check(s) failed." }
# Warnings are differences the ledger explains: records the import rejected with a reason, or merged into a survivor.

"== 5. The report to sign off: the run, its rejects by reason with examples, the merges, the checks and the mapping"
$reports = Export-CrmReport ([System.IO.Path]::Combine($Path, 'report.html')), ([System.IO.Path]::Combine($Path, 'report.xlsx')) `
    -Target $new -ValidationResult $checks -Mapping $mapping
foreach ($r in $reports) { "   {0,-4} {1} ({2:N0} bytes): {3}" -f $r.Format, $r.Path, $r.Length, $r.Verdict }

"== Done: every record is imported, merged or rejected with a reason, and no check failed."
