BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Import-CrmData: reject folders per run, formula escaping of CSV targets' {
    BeforeAll {
        $script:Csv = New-CrmTestCsv -Path (Join-Path $TestDrive 'src/contacts.csv') -Line @('Id,Name,Phone', '1,Ann,+8613800138000', '2,Bob,=cmd', '1,Dup,+1')
    }

    It 'writes the rejects of each run into a folder named by its run id, and makes no folder for a run without rejects' {
        $rejects = Join-Path $TestDrive 'rejects'
        $db = Join-Path $TestDrive 'people.db'
        $first = @(Export-CrmData -Path $script:Csv.FullName | Import-CrmData -Path $db -Create -RejectPath $rejects -ErrorAction SilentlyContinue)
        $first[0].Rejected | Should -Be 1
        $runFolder = Join-Path $rejects $first[0].RunId
        Test-Path (Join-Path $runFolder 'contacts.csv') | Should -BeTrue
        (Export-CrmData -Path (Join-Path $runFolder 'contacts.csv')).RejectReason | Should -Be 'DuplicateKey'

        $clean = @(Export-CrmData -Path $script:Csv.FullName -Filter @{ Id = '2' } | Import-CrmData -Path (Join-Path $TestDrive 'other.db') -Create -RejectPath $rejects)
        $clean[0].Rejected | Should -Be 0
        @(Get-ChildItem $rejects -Directory | ForEach-Object Name) | Should -Be @($first[0].RunId)
    }

    It 'writes a CSV for another system verbatim with -FormulaEscape None' {
        $out = Join-Path $TestDrive 'for-import'
        Export-CrmData -Path $script:Csv.FullName -Filter @{ Id = '2' } | Import-CrmData -Path $out -NoLedger -FormulaEscape None | Out-Null
        [IO.File]::ReadAllText((Join-Path $out 'contacts.csv')) | Should -BeExactly "Id,Name,Phone`r`n2,Bob,=cmd`r`n"
    }
}
