BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Test-CrmArchive' {
    BeforeEach {
        Push-Location (New-CrmTestFolder)
        New-CrmTestDecomSource -Path ./legacy.db
        Export-CrmArchive ./legacy.db ./bag | Out-Null
    }
    AfterEach { Pop-Location }

    It 'refuses a manifest path that escapes the bag, with an error and a failed check' {
        Add-Content ./bag/manifest-sha256.txt ((New-Object string '0', 64) + '  ../../etc/passwd')
        $checks = @(Test-CrmArchive ./bag -ErrorVariable bad -ErrorAction SilentlyContinue)
        @($bad | ForEach-Object FullyQualifiedErrorId) | Should -Contain 'ArchivePathEscapes,CrmMigration.Commands.TestCrmArchiveCommand'
        @($checks | Where-Object { $_.Check -eq 'ManifestPathEscapes' -and $_.Status -eq 'Fail' }).Count | Should -Be 1
        Test-CrmArchive ./bag -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
    }

    It 'passes an untouched bag and its zip, and fails a file changed after archiving with a ManifestEntry check' {
        @(Test-CrmArchive ./bag | Where-Object Status -ne 'Pass') | Should -BeNullOrEmpty
        Test-CrmArchive -LiteralPath ./bag -Quiet | Should -BeTrue
        Add-Content ./bag/data/contacts.csv 'tampered'
        $failed = @(Test-CrmArchive ./bag -ErrorAction SilentlyContinue | Where-Object Status -eq 'Fail')
        @($failed | ForEach-Object Check) | Should -Contain 'ManifestEntry'
        ($failed | Where-Object Check -eq 'ManifestEntry').Subject | Should -Contain 'data/contacts.csv'
        Test-CrmArchive ./bag -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
    }
}
