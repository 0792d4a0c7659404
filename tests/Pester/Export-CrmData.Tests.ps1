BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Export-CrmData with a source that is not there' {
    It 'stops with SourceNotFound instead of exporting nothing' {
        { Export-CrmData (Join-Path $TestDrive 'nope.csv') -ErrorAction Stop } | Should -Throw -ErrorId 'SourceNotFound,CrmMigration.Commands.ExportCrmDataCommand'
        { Export-CrmData (Join-Path $TestDrive 'nope-folder') -ErrorAction Stop } | Should -Throw -ErrorId 'SourceNotFound,CrmMigration.Commands.ExportCrmDataCommand'
    }
}
