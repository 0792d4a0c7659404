BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Get-CrmSchema row counts' {
    It 'warns when rows of a CSV file could not be read, instead of quietly counting fewer' {
        $csv = New-CrmTestCsv -Path (Join-Path $TestDrive 'people.csv') -Line 'Id,Name', '1,Ann', '2,Bo,stray', '3,Cy', '4,Di,x,y'
        $schema = Get-CrmSchema $csv.FullName -WarningVariable w -WarningAction SilentlyContinue
        $schema.RowCount | Should -Be 2
        $schema.UnreadableRows | Should -Be 2
        "$w" | Should -Match '2 row\(s\) could not be read'
        Get-CrmSchema $csv.FullName -NoRowCount -WarningVariable w2 -WarningAction SilentlyContinue | Out-Null
        $w2 | Should -BeNullOrEmpty
    }
}
