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
}
