BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Copy-CrmData with a source that is not there' {
    It 'stops with SourceNotFound and records no run' {
        Push-Location $TestDrive
        try {
            { Copy-CrmData ./nope.csv ./t.db -Create -ErrorAction Stop } | Should -Throw -ErrorId 'SourceNotFound,CrmMigration.Commands.CopyCrmDataCommand'
            Test-Path ./t.db | Should -BeFalse
            Test-Path ./t.db.crm-ledger.sqlite | Should -BeFalse
            # A missing SQLite file has its own id, as before.
            { Copy-CrmData ./nope.db ./t.db -Create -ErrorAction Stop } | Should -Throw -ErrorId 'SqliteDatabaseNotFound,CrmMigration.Commands.CopyCrmDataCommand'
            Test-Path ./t.db.crm-ledger.sqlite | Should -BeFalse
        }
        finally { Pop-Location }
    }
}
