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

Describe 'Import-CrmData' {
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'accounts for every record in its summaries; Insert rejects existing keys, Upsert skips unchanged records' {
        $first = New-CrmTestPerson | Import-CrmData -Path ./a.db -Create
        $again = New-CrmTestPerson | Import-CrmData -Path ./a.db -NoLedger -ErrorVariable dup -ErrorAction SilentlyContinue
        $people = @(New-CrmTestPerson)
        $people[1]['amount'] = [decimal]2.5
        $up = $people | Import-CrmData -Path ./a.db -Mode Upsert

        foreach ($s in $first, $again, $up) { $s | Should -BeOfType CrmMigration.CrmImportSummary; $s.Balanced | Should -BeTrue }
        $first.Inserted | Should -Be 3
        $again.Rejected | Should -Be 3           # Insert mode: the keys exist
        @($dup | Get-CrmTestErrorId) | Should -Be @('DuplicateKey', 'DuplicateKey', 'DuplicateKey')
        $dup | ForEach-Object { $_.TargetObject | Should -BeOfType CrmMigration.CrmRecord }
        $up.Updated | Should -Be 1
        $up.Skipped | Should -Be 2
        Invoke-CrmTestSql -Kind Sqlite -Database ./a.db -Sql 'SELECT amount FROM people WHERE id = 2' | Should -Be '2.5'
    }

    It '-WhatIf writes nothing and says, record by record, what would happen' {
        New-CrmTestPerson | Import-CrmData -Path ./a.db -Create | Out-Null
        $before = Invoke-CrmTestSql -Kind Sqlite -Database ./a.db -Sql 'SELECT id, name, amount FROM people ORDER BY id'
        $people = @(New-CrmTestPerson) + (New-CrmTestPerson 4 'New' 1 '2020-01-01' $false)
        $people[0]['amount'] = [decimal]99

        $outcomes = @($people | Import-CrmData -Path ./a.db -Mode Upsert -WhatIf -PassThru)

        $outcomes.Count | Should -Be 4
        $outcomes | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmRecordOutcome; $_.WhatIf | Should -BeTrue }
        ($outcomes | Where-Object Key -eq '1').Outcome | Should -Be 'Updated'
        ($outcomes | Where-Object Key -eq '2').Outcome | Should -Be 'Skipped'
        ($outcomes | Where-Object Key -eq '4').Outcome | Should -Be 'Inserted'
        Invoke-CrmTestSql -Kind Sqlite -Database ./a.db -Sql 'SELECT id, name, amount FROM people ORDER BY id' | Should -Be $before
        @(Export-CrmData ./a.db -Entity people | Where-Object id -eq 4) | Should -BeNullOrEmpty
        (Export-CrmData ./a.db -Entity people | Where-Object id -eq 1).amount | Should -Be 1234.5678
    }
}
