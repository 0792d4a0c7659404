BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Test-CrmMigration' {
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'compares field values against the mapped source: reformatted values pass, an edit behind its back fails' {
        New-CrmSampleData ./legacy.db -Seed 9 -Scale 300 | Out-Null
        $map = @{ Entities = @{ Contact = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{
                        Id = 'contact_id'; Email = @{ Source = 'email'; Transform = 'Trim', 'Lower', 'EmptyToNull' }; City = @{ Source = 'city'; Transform = 'Trim' } } } } }
        Export-CrmData ./legacy.db -Entity contacts | Convert-CrmRecord -Mapping $map | Import-CrmData ./new.db -Create | Out-Null
        $check = Test-CrmMigration ./legacy.db ./new.db -Mapping $map | Where-Object Check -eq 'FieldValues'
        $check | Should -BeOfType CrmMigration.CrmValidationResult
        [string]$check.Status | Should -Be 'Pass'       # lower-cased, trimmed e-mails are not false alarms

        # someone edits the target behind the migration's back
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql "UPDATE Contact SET City = 'Atlantis' WHERE Id = 'P0000003'" | Out-Null
        $check = Test-CrmMigration ./legacy.db ./new.db -Mapping $map | Where-Object Check -eq 'FieldValues'
        [string]$check.Status | Should -Be 'Fail'
        $check.Actual | Should -Be 1
        $check.Details | Should -Match 'key P0000003 field City'
        $check.Details | Should -Match "'Atlantis'"
        $check.Samples -join ',' | Should -Be 'P0000003'
        Test-CrmMigration ./legacy.db ./new.db -Mapping $map -Quiet | Should -BeFalse
    }

    It 'compares entities of the same name without a mapping, and passes a faithful copy' {
        New-CrmSampleData ./legacy.db -Seed 4 -Scale 100 | Out-Null
        Copy-CrmData ./legacy.db ./export -Entity accounts, contacts -NoLedger | Out-Null
        Copy-CrmData ./export ./new.db -Entity accounts, contacts -Create | Out-Null
        $checks = @(Test-CrmMigration -Source ./export -Target ./new.db -Entity accounts, contacts)
        $checks | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmValidationResult; [string]$_.Status | Should -Be 'Pass' -Because "$($_.Entity) $($_.Check): $($_.Details)" }
        @($checks | ForEach-Object Check | Sort-Object -Unique) | Should -Contain 'MissingKeys'
        Test-CrmMigration -Source ./export -Target ./new.db -Entity accounts, contacts -Quiet | Should -BeTrue
        # a row deleted behind the import's back is a missing key
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql "DELETE FROM contacts WHERE contact_id = 'P0000005'" | Out-Null
        $missing = Test-CrmMigration -Source ./export -Target ./new.db -Entity contacts | Where-Object Check -eq 'MissingKeys'
        [string]$missing.Status | Should -Be 'Fail'
        $missing.Samples | Should -Contain 'P0000005'
    }
}
