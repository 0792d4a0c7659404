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
}
