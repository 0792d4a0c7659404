<#
.SYNOPSIS
    A cutover with a short freeze: the bulk load days before, delta runs until the freeze, the final delta after it,
    then the checks and the sign-off report.
.DESCRIPTION
    Run it unattended (nothing prompts) or step by step. Each phase is safe to run again:
      1. bulk    Copy-CrmData into the new system, unless the ledger already has a completed run into it.
      2. deltas  Copy-CrmData -Incremental, -Deltas times, -IntervalSeconds apart: each carries only what changed in
                 the old system since the last completed run (by its modified-at field, or by the ledger's
                 fingerprints) and deletes what was deleted there. The old system is still in use meanwhile.
      3. freeze  Disable-CrmSystem -Stage Freeze: the old system becomes read-only (users are told beforehand).
      4. final   the last delta: after the freeze nothing changes any more, so the new system ends equal to the old.
      5. verify  Test-CrmMigration against the mapped source; the script fails when a check does not pass.
      6. report  Export-CrmReport: the final delta's books and the checks, in HTML and JSON.
    If the final checks fail, the new system can be put back as it was before a run with
    Undo-CrmMigration -RunId <run> (the ledger kept every row's before-image), and the old system unfrozen.
.EXAMPLE
    pwsh -NoProfile -File ./examples/cutover.ps1 -Source /srv/crm/legacy.db -Target /srv/crm/new.db -Mapping ./examples/legacy-to-new.psd1 -Work /srv/cutover
.EXAMPLE
    # a rehearsal: one delta right after the bulk, no waiting
    ./examples/cutover.ps1 -Source ./legacy.db -Target ./new.db -Mapping ./examples/legacy-to-new.psd1 -Work ./cutover -Deltas 1 -IntervalSeconds 0
#>
param(
    # The old system: a connection or a path (SQLite file, CSV folder, workbook).
    [Parameter(Mandatory)] $Source,
    # The new system: a database connection or an SQLite path.
    [Parameter(Mandatory)] $Target,
    # The mapping from the old model to the new.
    [Parameter(Mandatory)] [string] $Mapping,
    # Where the freeze state, the audit log, the archive and the reports go.
    [Parameter(Mandatory)] [string] $Work,
    # How many delta runs before the freeze.
    [int] $Deltas = 3,
    # Seconds between the delta runs.
    [int] $IntervalSeconds = 3600,
    # What the deltas do with records deleted in the old system: Delete, SoftDelete (with -SoftDeleteField) or Report.
    [CrmMigration.CrmDeletedRecordAction] $DeletedRecords = 'Delete',
    [string] $SoftDeleteField
)
$ErrorActionPreference = 'Stop'
$null = [System.IO.Directory]::CreateDirectory($Work)
$delta = @{ Mapping = $Mapping; Incremental = $true; DeletedRecords = $DeletedRecords; ErrorAction = 'Continue' }
if ($SoftDeleteField) { $delta.SoftDeleteField = $SoftDeleteField }

function Write-Books([string] $Phase, $Summaries) {
    foreach ($s in $Summaries) {
        '{0,-6} {1,-14} read {2,7}  inserted {3,7}  updated {4,7}  deleted {5,7}  skipped {6,7}  rejected {7,6}' -f $Phase, $s.Entity, $s.Read, $s.Inserted, $s.Updated, $s.Deleted, $s.Skipped, $s.Rejected
    }
}

# 1. The bulk load, once (records the mapping rejects are reported and counted; they do not stop the cutover).
$done = try { @(Get-CrmMigrationRun $Target | Where-Object { $_.Status -eq 'Completed' -and $_.Kind -ne 'Undo' }) } catch { @() }  # no ledger yet
if ($done.Count -eq 0) {
    Write-Books 'bulk' (Copy-CrmData $Source $Target -Mapping $Mapping -Create -ErrorAction Continue 2>$null)
}

# 2. Deltas while the old system is still in use.
for ($i = 1; $i -le $Deltas; $i++) {
    if ($i -gt 1 -and $IntervalSeconds -gt 0) { Start-Sleep -Seconds $IntervalSeconds }
    Write-Books "delta$i" (Copy-CrmData $Source $Target @delta 2>$null)
}

# 3. Freeze the old system.
$freeze = Disable-CrmSystem $Source -Stage Freeze -ArchivePath (Join-Path $Work 'archive') -StatePath (Join-Path $Work 'decommission.json') -Confirm:$false
foreach ($f in $freeze) { '{0,-8} {1,-13} {2}' -f $f.Stage, $f.Status, ($f.Actions -join '; ') }

# 4. The final delta: nothing changes in the old system any more.
$final = @(Copy-CrmData $Source $Target @delta 2>$null)
Write-Books 'final' $final
foreach ($s in $final) { if (-not $s.Balanced) { throw "The books of the final delta do not balance for $($s.Entity)." } }

# 5. Verify the new system against the mapped old one.
$checks = @(Test-CrmMigration -Source $Source -Target $Target -Mapping $Mapping)
$failed = @($checks | Where-Object Status -notin 'Pass', 'Warning')
foreach ($c in $checks) { '{0,-8} {1,-14} {2}' -f $c.Status, $c.Entity, $c.Check }

# 6. The sign-off report: the final delta's books and the checks.
$run = @(Get-CrmMigrationRun $Target)[0]
$run | Export-CrmReport (Join-Path $Work 'cutover.html'), (Join-Path $Work 'cutover.json') -ValidationResult $checks -Mapping $Mapping | Out-Null
"Final run $($run.RunId) ($($run.Kind), after $($run.PreviousRunId)); report in $(Join-Path $Work 'cutover.html')"
if ($failed.Count -gt 0) { throw "$($failed.Count) check(s) did not pass; see the report. Undo-CrmMigration can put the new system back as it was before a run." }
