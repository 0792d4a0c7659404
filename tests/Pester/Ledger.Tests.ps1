# The migration ledger across Import-CrmData, Get-CrmMigrationRun and Get-CrmMigrationRecord: idempotent
# imports, crash recovery with -Resume (real pwsh processes killed mid-import), books that must balance,
# reject files, a recreated target and a locked one.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule

    $script:Import = 'Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Create -BatchSize 200'

    function Assert-TargetIsExactlyTheSource {
        # Test-CrmMigration passes, and sqlite3 finds every row of the source in the target and no other.
        Test-CrmMigration -Source ./legacy.db -Target ./new.db -Entity contacts | ForEach-Object {
            $_.Status | Should -Be 'Pass' -Because "$($_.Check): $($_.Details)"
        }
        $diff = Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql @'
ATTACH 'legacy.db' AS l;
SELECT (SELECT count(*) FROM (SELECT * FROM l.contacts EXCEPT SELECT * FROM main.contacts))
     + (SELECT count(*) FROM (SELECT * FROM main.contacts EXCEPT SELECT * FROM l.contacts));
'@
        $diff | Should -Be '0'
    }
}

Describe 'The migration ledger' {
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'skips records imported before; a changed record is a DuplicateKey in Insert mode and an update in Upsert mode' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 600 | Out-Null
        $first = Invoke-Expression $Import
        $first.Inserted | Should -Be 600
        $second = Invoke-Expression $Import
        $second.Skipped | Should -Be 600
        $second.Inserted | Should -Be 0

        $changed = { Export-CrmData ./legacy.db -Entity contacts | ForEach-Object { if ([string]$_.Key -eq 'P0000010') { $_['notes'] = 'changed' }; $_ } }
        $insertRun = & $changed | Import-CrmData ./new.db -ErrorVariable ev -ErrorAction SilentlyContinue
        $insertRun.Skipped | Should -Be 599
        $insertRun.Rejected | Should -Be 1
        @($ev | Get-CrmTestErrorId) | Should -Be @('DuplicateKey')
        $upsertRun = & $changed | Import-CrmData ./new.db -Mode Upsert
        $upsertRun.Updated | Should -Be 1
        $upsertRun.Skipped | Should -Be 599
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql "SELECT notes FROM contacts WHERE contact_id = 'P0000010'" | Should -Be 'changed'

        $runs = @(Get-CrmMigrationRun ./new.db)
        $runs.Count | Should -Be 4
        $runs | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmMigrationRun; $_.Balanced | Should -BeTrue }
        @(Get-CrmMigrationRecord ./new.db P0000010 | ForEach-Object { [string]$_.Outcome }) | Should -Be @('Inserted', 'Skipped', 'Rejected', 'Updated')
    }

    It 'resumes an import killed at <Point> to exactly the source set' -ForEach @(
        @{ Point = 'before-target' }, @{ Point = 'mid-batch' }, @{ Point = 'after-target' }, @{ Point = 'after-ledger' }
    ) {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 2000 | Out-Null
        # The armed fault point SIGKILLs the pwsh that runs the import, at batch 3.
        $killed = Invoke-CrmTestChild -Script $Import -Environment @{ CRMMIGRATION_FAULT = "${Point}:3" }
        $killed.ExitCode | Should -Not -Be 0 -Because "the fault point should have killed the process: $($killed.Error)"
        $partial = @(Get-CrmMigrationRun ./new.db)
        $partial.Count | Should -Be 1
        $partial[0].Status | Should -Be 'Running'
        $partial[0].Read | Should -BeLessThan 2000

        $resumed = Invoke-CrmTestChild -Script "$Import -Resume"
        $resumed.ExitCode | Should -Be 0 -Because ($resumed.Output + $resumed.Error -join "`n")
        Assert-TargetIsExactlyTheSource
        $run = Get-CrmMigrationRun ./new.db
        $run.Status | Should -Be 'Completed'
        $run.Attempts | Should -Be 2
        $run.Read | Should -Be 2000
        $run.Balanced | Should -BeTrue
        # the ledger agrees with the target: one recorded outcome per source record, all landed
        @(Get-CrmMigrationRecord ./new.db | Where-Object { $_.Outcome -in 'Inserted', 'Skipped' }).Count | Should -Be 2000
    }

    It 'resumes an import killed from outside at an unknown moment' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 20000 | Out-Null
        $child = Start-CrmTestChild -Script $Import
        $ledger = Join-Path (Get-Location).ProviderPath 'new.db.crm-ledger.sqlite'
        $clock = [Diagnostics.Stopwatch]::StartNew()
        while (-not (Test-Path "$ledger-wal") -and -not $child.Process.HasExited) {
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 60
            Start-Sleep -Milliseconds 20
        }
        Start-Sleep -Milliseconds 300
        $child.Process.HasExited | Should -BeFalse -Because 'the import must still be running when it is killed'
        Stop-CrmTestChild $child
        $null = Wait-CrmTestChild $child
        (Get-CrmMigrationRun ./new.db).Status | Should -Be 'Running'

        $resumed = Invoke-CrmTestChild -Script "$Import -Resume"
        $resumed.ExitCode | Should -Be 0 -Because ($resumed.Output + $resumed.Error -join "`n")
        Assert-TargetIsExactlyTheSource
        $run = Get-CrmMigrationRun ./new.db
        $run.Read | Should -Be 20000
        $run.Balanced | Should -BeTrue
    }

    It 'stops a run whose books do not balance with LedgerAccountingMismatch and the difference' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 1000 | Out-Null
        (Invoke-CrmTestChild -Script $Import -Environment @{ CRMMIGRATION_FAULT = 'after-ledger:2' }).ExitCode | Should -Not -Be 0
        # corrupt one count in the ledger, as a bug or a hand edit would
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db.crm-ledger.sqlite -Sql 'UPDATE counters SET inserted = inserted + 1' | Out-Null

        $e = { Invoke-Expression "$Import -Resume" } | Should -Throw -PassThru
        $e | Get-CrmTestErrorId | Should -Be 'LedgerAccountingMismatch'
        $e.Exception.Message | Should -Match 'difference'
        $run = Get-CrmMigrationRun ./new.db
        $run.Balanced | Should -BeFalse
        $run.Status | Should -Be 'Failed'
    }

    It 'writes rejected records to a reject file ready to fix and import again' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 300 | Out-Null
        Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Create | Out-Null
        Export-CrmData ./legacy.db -Entity contacts |
            ForEach-Object { if ([string]$_.Key -in 'P0000001', 'P0000002') { $_['notes'] = '=1+1 changed' }; $_ } |
            Import-CrmData ./new.db -RejectPath ./rejects -ErrorAction SilentlyContinue | Out-Null
        $file = Get-CrmTestRejectFile ./rejects contacts.csv       # in the run's own folder
        Export-CrmData $file | ForEach-Object { $_.contact_id + ' ' + $_.RejectReason + ' ' + $_.notes } |
            Should -Be @('P0000001 DuplicateKey =1+1 changed', 'P0000002 DuplicateKey =1+1 changed')
        Get-Content -Raw $file | Should -Match ([regex]::Escape("'=1+1 changed")) # safe to open in a spreadsheet
        @(Get-CrmMigrationRecord ./new.db -ReasonCode DuplicateKey).Count | Should -Be 2
    }

    It 'writes a recreated target again instead of skipping it by stale fingerprints' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 400 | Out-Null
        # separate processes, as in real life (a pooled connection in this process would keep the deleted file open)
        $one = Invoke-CrmTestChild -Script $Import
        $one.ExitCode | Should -Be 0 -Because $one.Error
        Remove-Item ./new.db, ./new.db-wal, ./new.db-shm -ErrorAction Ignore
        $two = Invoke-CrmTestChild -Script $Import
        $two.ExitCode | Should -Be 0 -Because $two.Error
        $text = ($two.Output + $two.Error) -join "`n"
        $text | Should -Match 'fingerprints for contacts are discarded'
        $text | Should -Match 'contacts\s+400\s+400\s+0\s+0\s+0'
        Assert-TargetIsExactlyTheSource
    }

    It 'retries a batch that finds the target locked, and lands it' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 500 | Out-Null
        Invoke-Expression "$Import -NoLedger" | Out-Null
        # the application that owns the target keeps it in WAL mode (the import left it checkpointed, in rollback-journal mode)
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql 'PRAGMA journal_mode=WAL;' | Out-Null
        # another program holds an exclusive lock on the target for 3 s (longer than the writer's 2 s busy timeout)
        $psi = [Diagnostics.ProcessStartInfo]::new('sqlite3')
        $psi.ArgumentList.Add((Join-Path (Get-Location).ProviderPath 'new.db'))
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $locker = [Diagnostics.Process]::Start($psi)
        try {
            $locker.StandardInput.Write("BEGIN EXCLUSIVE; UPDATE contacts SET notes = notes WHERE 0; SELECT 'locked';`n.shell sleep 3`nCOMMIT;`n.quit`n")
            $locker.StandardInput.Close()
            $locker.StandardOutput.ReadLine() | Should -Be 'locked'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $summary = Export-CrmData ./legacy.db -Entity contacts | ForEach-Object { $_['notes'] = 'second pass'; $_ } |
                Import-CrmData ./new.db -Mode Upsert -BatchSize 200 -ErrorVariable bad -WarningVariable warn -WarningAction SilentlyContinue
            $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 2 -Because 'the import should have waited for the lock'
        }
        finally { $locker.WaitForExit(); $locker.Dispose() }
        $bad | Should -BeNullOrEmpty
        @($warn | Where-Object { $_.Message -match 'transient' -and $_.Message -match 'SqliteBusy' }).Count | Should -BeGreaterThan 0
        $summary.Updated | Should -Be 500
    }
}
