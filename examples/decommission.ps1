<#
.SYNOPSIS
    Decommissions an old CRM unattended, for a scheduled task (cron, Task Scheduler, systemd timer).
.DESCRIPTION
    Safe to run every night: each run continues where the last stopped (the state file records every
    finished stage), finished stages are not repeated, and Purge runs only once the archive is verified,
    the retention date has passed and no legal hold is recorded. Until then the purge is refused with a
    PurgeRefused error that this script reports and tolerates; any other error stops the script with a
    non-zero exit code. Every stage is in the hash-chained audit log; the script keeps the log's head
    hash in a second file so truncation at the end is detected on the next run.
.EXAMPLE
    pwsh -NoProfile -Command "Import-Module ./out/CrmMigration/0.1.0/CrmMigration.psd1; & ./examples/decommission.ps1 -Source /srv/crm/legacy.db -Work /srv/decom -RetainUntil 2027-06-30"
.EXAMPLE
    # crontab: every night at 02:30
    30 2 * * * pwsh -NoProfile -File /opt/crm/decommission.ps1 -Source /srv/crm/legacy.db -Work /srv/decom -RetainUntil 2027-06-30 >> /var/log/crm-decom.log 2>&1
#>
param(
    # The system to decommission: an SQLite file, a CSV folder or an Excel workbook.
    [Parameter(Mandatory)] [string] $Source,
    # Where the archive, state file, audit log, reports and certificate go (keep it on other storage than the source).
    [Parameter(Mandatory)] [string] $Work,
    # Keep the data until this date; the purge is refused before it. A policy decision, so it has no default.
    # (The -Force this script passes for the purge prompt also lets a changed date move earlier.)
    [Parameter(Mandatory)] [datetime] $RetainUntil
)
$ErrorActionPreference = 'Stop'
$null = [System.IO.Directory]::CreateDirectory($Work)
$state = [System.IO.Path]::Combine($Work, 'decommission.json')
$log = [System.IO.Path]::Combine($Work, 'decommission.audit.jsonl')
$headFile = [System.IO.Path]::Combine($Work, 'decommission.audit.head')
$archive = [System.IO.Path]::Combine($Work, 'archive')

# 1. The audit log must still be whole before we add to it.
if ([System.IO.File]::Exists($log)) {
    $expected = if ([System.IO.File]::Exists($headFile)) { [System.IO.File]::ReadAllText($headFile).Trim() } else { $null }
    $check = if ($expected) { Test-CrmAuditLog $log -ExpectedHead $expected } else { Test-CrmAuditLog $log }
    if (-not $check.Valid) { throw "Audit log check failed: $($check.Details)" }
}

# 2. Every stage, purge included; nothing prompts (-Confirm:$false, -Force).
$refused = $null
$reports = Disable-CrmSystem -Path $Source -ArchivePath $archive -StatePath $state -AuditLogPath $log `
    -RetainUntil $RetainUntil -Purge -Force -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refused
foreach ($r in $reports) { '{0,-8} {1,-13} {2}' -f $r.Stage, $r.Status, ($r.Actions -join '; ') }
foreach ($e in $refused) {
    if ($e.FullyQualifiedErrorId -like 'PurgeRefused,*') { "Purge not yet: $($e.Exception.Message)" }
    else { throw $e }
}

# 3. Keep the new head hash (copy it somewhere else too: a ticket, a mail, another system).
$head = (Test-CrmAuditLog $log).HeadHash
[System.IO.File]::WriteAllText($headFile, $head)
"Audit log head: $head"
