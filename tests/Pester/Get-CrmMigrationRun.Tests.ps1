BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule
    Push-Location (New-CrmTestFolder)
    New-CrmSampleData ./legacy.db -Seed 3 -Scale 100 | Out-Null
    1..2 | ForEach-Object { Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Create | Out-Null }
    Export-CrmData ./legacy.db -Entity accounts | Import-CrmData ./other.db -Create -StatePath ./ledger.sqlite | Out-Null
}
AfterAll { Pop-Location }

Describe 'Get-CrmMigrationRun' {
    It 'lists the runs of a target''s ledger, newest first, with their books' {
        $runs = @(Get-CrmMigrationRun ./new.db)
        $runs.Count | Should -Be 2
        $runs | ForEach-Object {
            $_ | Should -BeOfType CrmMigration.CrmMigrationRun
            [string]$_.Status | Should -Be 'Completed'
            $_.Balanced | Should -BeTrue
            $_.Attempts | Should -Be 1
            $_.Read | Should -Be 100
            $_.Entities[0].Entity | Should -Be 'contacts'
        }
        $runs[0].StartedAt | Should -BeGreaterOrEqual $runs[1].StartedAt
        $runs[0].Entities[0].Skipped | Should -Be 100       # the newest run found everything unchanged
        $runs[1].Entities[0].Inserted | Should -Be 100
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db.crm-ledger.sqlite -Sql 'SELECT count(*) FROM runs' | Should -Be '2'
    }

    It 'takes the target as a connection, and a ledger kept apart with -StatePath' {
        @(Get-CrmMigrationRun -Target (New-CrmConnection Sqlite ./new.db)).Count | Should -Be 2
        $apart = @(Get-CrmMigrationRun -StatePath ./ledger.sqlite)
        $apart.Count | Should -Be 1
        $apart[0].Target | Should -Match 'other\.db$'
    }

    It 'selects one run by -RunId, and says RunNotFound for an unknown one' {
        $id = (Get-CrmMigrationRun ./new.db)[1].RunId
        (Get-CrmMigrationRun ./new.db -RunId $id).RunId | Should -Be $id
        Get-CrmMigrationRun ./new.db -RunId 'no-such-run' -ErrorVariable bad -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @($bad | Get-CrmTestErrorId) | Should -Be @('RunNotFound')
    }

    It 'stops with LedgerNotFound for a target without a ledger' {
        { Get-CrmMigrationRun ./legacy.db } | Should -Throw -ErrorId 'LedgerNotFound,*'
        { Get-CrmMigrationRun -StatePath ./no-such.sqlite } | Should -Throw -ErrorId 'LedgerNotFound,*'
    }
}
