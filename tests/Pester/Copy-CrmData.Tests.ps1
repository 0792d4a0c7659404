BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Copy-CrmData' {

    Context '-ReportPath' {
        BeforeAll {
            $script:dir = Join-Path $TestDrive 'copy'
            New-Item -ItemType Directory $dir | Out-Null
            $script:legacy = Join-Path $dir 'legacy.db'
            $script:mapping = Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-new.psd1'
            New-CrmSampleData -Path $legacy -Seed 5 -Scale 300 -Force | Out-Null
        }

        It 'writes the run''s report at its end: the same books as the summaries, the rejects by reason and their files' {
            $new = Join-Path $dir 'new.db'
            $report = Join-Path $dir 'run.json'
            $s = @(Copy-CrmData $legacy $new -Entity accounts, contacts -Mapping $mapping -Create -RejectPath (Join-Path $dir 'rejects') -ReportPath $report, (Join-Path $dir 'run.html') -ErrorAction SilentlyContinue)
            $j = Get-Content -Raw $report | ConvertFrom-Json
            $j.run.runId | Should -Be $s[0].RunId
            $j.run.status | Should -Be 'Completed'
            foreach ($summary in $s) {
                $e = $j.entities | Where-Object name -eq $summary.Entity
                @($e.read, $e.inserted, $e.rejected, $e.filtered) | Should -Be @($summary.Read, $summary.Inserted, $summary.Rejected, $summary.Filtered)
            }
            $contact = $j.entities | Where-Object name -eq 'Contact'
            $contact.rejected | Should -BeGreaterThan 0
            $contact.rejectFiles | Should -Contain (Join-Path $dir 'rejects/contacts.csv')
            Test-Path (Join-Path $dir 'rejects/contacts.csv') | Should -BeTrue
            $j.findings.code | Should -Contain 'NotValidated'
            $j.verdict | Should -Be 'PassedWithWarnings'
            Test-Path (Join-Path $dir 'run.html') | Should -BeTrue
        }

        It 'stops on an unknown report format before copying anything' {
            $new = Join-Path $dir 'never.db'
            { Copy-CrmData $legacy $new -Create -ReportPath (Join-Path $dir 'run.docx') -ErrorAction Stop } | Should -Throw -ErrorId 'ReportFormatUnknown,CrmMigration.Commands.CopyCrmDataCommand'
            Test-Path $new | Should -BeFalse
        }

        It 'writes no report under -WhatIf' {
            $report = Join-Path $dir 'whatif.html'
            Copy-CrmData $legacy (Join-Path $dir 'whatif.db') -Entity accounts -Create -ReportPath $report -WhatIf | Out-Null
            Test-Path $report | Should -BeFalse
        }

        It 'reports without a ledger from the summaries (-NoLedger)' {
            $report = Join-Path $dir 'noledger.json'
            $s = Copy-CrmData $legacy (Join-Path $dir 'noledger.db') -Entity accounts -Create -NoLedger -ReportPath $report
            $j = Get-Content -Raw $report | ConvertFrom-Json
            $j.run | Should -BeNullOrEmpty
            ($j.entities | Where-Object name -eq 'accounts').inserted | Should -Be $s.Inserted
        }
    }
}
