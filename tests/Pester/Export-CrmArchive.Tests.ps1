BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Export-CrmArchive' {
    BeforeEach { Push-Location (New-CrmTestFolder); New-CrmTestDecomSource -Path ./legacy.db }
    AfterEach { Pop-Location }

    It 'writes a bag and a zip that verify, restore, and keep formulas escaped' {
        $info = Export-CrmArchive -Path ./legacy.db -Destination ./bag -Zip -SourceOrganization 'Example Ltd'
        $info | Should -BeOfType CrmMigration.CrmArchiveInfo
        $info.TotalRecords | Should -Be 40
        './bag.zip' | Should -Exist
        $checks = @(Test-CrmArchive ./bag -Restore)
        $checks | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmArchiveCheck; $_.Status | Should -Be 'Pass' -Because "$($_.Check) $($_.Subject): $($_.Details)" }
        $checks.Check | Should -Contain 'RestoreContentHash'
        Test-CrmArchive -Path ./bag.zip -Quiet | Should -BeTrue
        Get-Content -Raw ./bag/data/contacts.csv | Should -Match ([regex]::Escape("'=SUM(A1)"))   # formula-escaped in the archive too
        Get-Content -Raw ./bag/bag-info.txt | Should -Match 'Source-Organization: Example Ltd'
        # the manifest agrees with sha512sum, a tool that is not ours
        $line = Get-Content ./bag/manifest-sha512.txt | Where-Object { $_ -match 'data/contacts\.csv$' }
        $expected = (& sha512sum (Join-Path (Get-Location).ProviderPath 'bag/data/contacts.csv')).Split(' ')[0]
        $line.Split(' ')[0] | Should -Be $expected
    }

    It 'archives the entities -Entity selects, by wildcard, with the identifier given; -WhatIf writes nothing' {
        New-CrmSampleData ./crm.db -Scale 30 | Out-Null
        $info = Export-CrmArchive ./crm.db -Destination ./part -Entity 'acc*', leads -ExternalIdentifier 'CRM-DECOM-42'
        @($info.Entities).Count | Should -Be 2
        @(Get-ChildItem ./part/data -Filter *.csv -Name | Sort-Object) | Should -Be @('accounts.csv', 'leads.csv')
        Get-Content -Raw ./part/bag-info.txt | Should -Match 'External-Identifier: CRM-DECOM-42'
        $info.TotalRecords | Should -Be ([long](Invoke-CrmTestSql -Kind Sqlite -Database ./crm.db -Sql 'SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM leads)'))
        Export-CrmArchive ./crm.db ./preview -WhatIf
        './preview' | Should -Not -Exist
    }

    It 'stops with the source''s error id when the source does not exist' {
        { Export-CrmArchive -LiteralPath ./missing.db -Destination ./bag2 } | Should -Throw -ErrorId 'SqliteDatabaseNotFound,*'
        './bag2' | Should -Not -Exist
    }
}
