BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Test-CrmMigration' {

    Context '-ReportPath' {
        BeforeAll {
            $script:dir = Join-Path $TestDrive 'test'
            New-Item -ItemType Directory $dir | Out-Null
            $script:legacy = Join-Path $dir 'legacy.db'
            $script:new = Join-Path $dir 'new.db'
            $script:mapping = Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-new.psd1'
            New-CrmSampleData -Path $legacy -Seed 9 -Scale 300 -Force | Out-Null
            $script:copy = @(Copy-CrmData $legacy $new -Entity accounts, contacts -Mapping $mapping -Create -ErrorAction SilentlyContinue)
        }

        It 'writes the checks with the target''s newest run, and still returns the results' {
            $report = Join-Path $dir 'checks.json'
            $results = @(Test-CrmMigration $legacy $new -Mapping $mapping -Entity accounts, contacts -ReportPath $report, (Join-Path $dir 'checks.xlsx'))
            $results.Count | Should -BeGreaterThan 0
            $j = Get-Content -Raw $report | ConvertFrom-Json
            $j.validated | Should -BeTrue
            @($j.checks).Count | Should -Be $results.Count
            $j.checks.status | Should -Be @($results.Status | ForEach-Object { "$_" })
            $j.run.runId | Should -Be $copy[0].RunId
            $j.verdict | Should -Be $(if ($results.Status -contains 'Fail') { 'Failed' } else { 'PassedWithWarnings' })
            $rows = @(Get-CrmTestExcelRows -Path (Join-Path $dir 'checks.xlsx') -Sheet 'Validation checks')
            $rows.Count | Should -Be ($results.Count + 1)
            $rows[1][1] | Should -Be $results[0].Check
        }

        It 'writes a validation report without a ledger, and -Quiet still answers' {
            Remove-Item "$new.crm-ledger.sqlite*" -Force
            $report = Join-Path $dir 'quiet.json'
            Test-CrmMigration $legacy $new -Mapping $mapping -Entity accounts -Quiet -ReportPath $report | Should -BeOfType [bool]
            $j = Get-Content -Raw $report | ConvertFrom-Json
            $j.kind | Should -Be 'Validation'
            $j.run | Should -BeNullOrEmpty
            $j.findings.code | Should -Contain 'NoRun'
        }
    }
}
