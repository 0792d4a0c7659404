BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'New-CrmSampleData' {
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'writes an SQLite CRM whose counts sqlite3 confirms, the same for the same seed' {
        $r = New-CrmSampleData ./a.db -Seed 7 -Scale 120
        $r.Provider | Should -Be 'Sqlite'
        $r.Seed | Should -Be 7
        $r.Scale | Should -Be 120
        $r.Counts['contacts'] | Should -Be 120
        $r.Total | Should -Be (($r.Counts.Values | Measure-Object -Sum).Sum)
        $r.Mess.Count | Should -BeGreaterThan 0
        foreach ($e in $r.Counts.Keys) { Invoke-CrmTestSql -Kind Sqlite -Database ./a.db -Sql "SELECT count(*) FROM `"$e`"" | Should -Be ([string]$r.Counts[$e]) }
        New-CrmSampleData ./b.db -Seed 7 -Scale 120 | Out-Null
        New-CrmSampleData ./c.db -Seed 8 -Scale 120 | Out-Null
        $dump = { param($db) Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql 'SELECT * FROM contacts ORDER BY contact_id' }
        & $dump ./b.db | Should -Be (& $dump ./a.db)
        (& $dump ./c.db) -join "`n" | Should -Not -Be ((& $dump ./a.db) -join "`n")
    }

    It 'writes a CSV folder with -Format Csv that reads back whole' {
        $r = New-CrmSampleData ./csv -Format Csv -Seed 2 -Scale 50
        (Get-ChildItem ./csv -Filter *.csv).Count | Should -Be $r.Counts.Count
        @(Export-CrmData ./csv -Entity contacts).Count | Should -Be $r.Counts['contacts']
    }

    It 'refuses to replace data without -Force (SampleDataTargetExists), replaces it with -Force; -WhatIf writes nothing' {
        New-CrmSampleData ./a.db -Scale 20 | Out-Null
        { New-CrmSampleData ./a.db -Scale 20 } | Should -Throw -ErrorId 'SampleDataTargetExists,*'
        (New-CrmSampleData ./a.db -Scale 30 -Force).Counts['contacts'] | Should -Be 30
        Invoke-CrmTestSql -Kind Sqlite -Database ./a.db -Sql 'SELECT count(*) FROM contacts' | Should -Be '30'
        New-CrmSampleData ./w.db -Scale 20 -WhatIf
        './w.db' | Should -Not -Exist
    }
}
