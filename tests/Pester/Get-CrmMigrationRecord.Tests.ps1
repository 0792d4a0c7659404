BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule
    Push-Location (New-CrmTestFolder)
    New-CrmSampleData ./legacy.db -Seed 3 -Scale 100 | Out-Null
    Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Create | Out-Null
    # the second run: one record changed (a DuplicateKey in Insert mode), the others unchanged
    Export-CrmData ./legacy.db -Entity contacts | ForEach-Object { if ([string]$_.Key -eq 'P0000002') { $_['notes'] = 'edited' }; $_ } |
        Import-CrmData ./new.db -ErrorAction SilentlyContinue | Out-Null
}
AfterAll { Pop-Location }

Describe 'Get-CrmMigrationRecord' {
    It 'gives every run''s outcome for a source key, oldest first' {
        $history = @(Get-CrmMigrationRecord ./new.db P0000002)
        $history | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmMigrationRecord; $_.Entity | Should -Be 'contacts'; $_.SourceKey | Should -Be 'P0000002' }
        @($history | ForEach-Object { [string]$_.Outcome }) | Should -Be @('Inserted', 'Rejected')
        $history[1].ReasonCode | Should -Be 'DuplicateKey'
        @(Get-CrmMigrationRecord ./new.db P0000001 | ForEach-Object { "$($_.Outcome) $($_.ReasonCode)" }) | Should -Be @('Inserted ', 'Skipped Unchanged')
    }

    It 'takes source keys from the pipeline' {
        $found = @('P0000001', 'P0000003' | Get-CrmMigrationRecord ./new.db -Outcome Inserted)
        @($found | ForEach-Object SourceKey) | Should -Be @('P0000001', 'P0000003')
    }

    It 'filters by outcome, reason, entity and run' {
        @(Get-CrmMigrationRecord ./new.db -Outcome Rejected).Count | Should -Be 1
        @(Get-CrmMigrationRecord ./new.db -ReasonCode Unchanged).Count | Should -Be 99
        @(Get-CrmMigrationRecord ./new.db -Entity contacts).Count | Should -Be 200
        @(Get-CrmMigrationRecord ./new.db -Entity accounts).Count | Should -Be 0
        $first = (Get-CrmMigrationRun ./new.db)[-1].RunId
        @(Get-CrmMigrationRecord ./new.db -RunId $first | ForEach-Object { [string]$_.Outcome } | Sort-Object -Unique) | Should -Be @('Inserted')
        @(Get-CrmMigrationRecord -StatePath ./new.db.crm-ledger.sqlite -Outcome Rejected).Count | Should -Be 1
    }

    It 'stops with LedgerNotFound where there is no ledger' {
        { Get-CrmMigrationRecord ./legacy.db P0000001 } | Should -Throw -ErrorId 'LedgerNotFound,*'
    }
}
