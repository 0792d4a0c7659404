BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Test-CrmAuditLog' {
    BeforeEach {
        Push-Location (New-CrmTestFolder)
        New-CrmTestDecomSource -Path ./legacy.db
        Disable-CrmSystem ./legacy.db -ArchivePath ./archive -StatePath ./decom.json -RetainUntil ([datetime]::UtcNow.AddDays(10)) -Confirm:$false | Out-Null
    }
    AfterEach { Pop-Location }

    It 'finds the chain of a decommission''s log whole, and not against another head' {
        $report = Test-CrmAuditLog ./decom.audit.jsonl
        $report | Should -BeOfType CrmMigration.CrmAuditLogReport
        $report.Valid | Should -BeTrue
        $report.HeadHash | Should -Match '^[0-9a-f]{64}$'
        (Test-CrmAuditLog ./decom.audit.jsonl -ExpectedHead $report.HeadHash).Valid | Should -BeTrue
        (Test-CrmAuditLog ./decom.audit.jsonl -ExpectedHead (New-Object string 'a', 64)).Valid | Should -BeFalse
    }

    It 'finds a changed line, and a line taken out of the middle' {
        $lines = @(Get-Content ./decom.audit.jsonl)
        $lines.Count | Should -BeGreaterThan 3
        Set-Content ./edited.jsonl ($lines | ForEach-Object { $_ -replace '"result":"Done"', '"result":"Failed"' })
        (Test-CrmAuditLog ./edited.jsonl).Valid | Should -BeFalse
        Set-Content ./cut.jsonl ($lines[0..0] + $lines[2..($lines.Count - 1)])
        $cut = Test-CrmAuditLog ./cut.jsonl
        $cut.Valid | Should -BeFalse
        $cut.Details | Should -Not -BeNullOrEmpty
    }
}
