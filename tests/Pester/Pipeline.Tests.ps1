# Behaviour that spans the cmdlets of a pipeline: values and types surviving every file and database format,
# and what every path-taking cmdlet does with a path whose kind it cannot tell.
BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'SQLite -> CSV -> Excel -> SQLite' {
    BeforeAll {
        Push-Location (New-CrmTestFolder)
        New-CrmTestPerson | Import-CrmData -Path ./a.db -Create | Out-Null
        Export-CrmData ./a.db | Import-CrmData -Path ./csv | Out-Null
        Export-CrmData ./csv | Import-CrmData -Path ./book.xlsx | Out-Null
        Export-CrmData ./book.xlsx | Import-CrmData -Path ./b.db -Create | Out-Null
        $script:back = @(Export-CrmData ./b.db -Entity people)
        $script:csvFile = Join-Path (Get-Location).ProviderPath 'csv/people.csv'
    }
    AfterAll { Pop-Location }

    It 'keeps every value and type' {
        $back.Count | Should -Be 3
        $first = $back | Where-Object id -eq 1
        $first.name | Should -BeExactly '张伟, "the boss"'
        $first.amount | Should -BeOfType [decimal]
        $first.amount | Should -Be 1234.5678
        $first.born | Should -BeOfType [datetime]
        $first.born | Should -Be ([datetime]'2024-03-05')
        $first.vip | Should -BeOfType [bool]
        $first.vip | Should -BeTrue
        $first.id | Should -BeOfType [long]
        [string]$first.Key | Should -Be '1'
        $second = $back | Where-Object id -eq 2
        $second.name | Should -BeExactly "Zoë`nMüller"
        $second.amount | Should -Be 0.1
        $third = $back | Where-Object id -eq 3
        $third.name | Should -BeExactly '=HYPERLINK("http://x")'
        $third.amount | Should -Be -5
    }

    It 'writes a CSV that is safe to open in a spreadsheet: UTF-8 with BOM, the formula escaped, the negative number not' {
        $text = [IO.File]::ReadAllText($csvFile)
        $text | Should -Match ([regex]::Escape("'=HYPERLINK"))
        $text | Should -Match ',-5,'
        [IO.File]::ReadAllBytes($csvFile)[0..2] | Should -Be @(0xEF, 0xBB, 0xBF)
    }
}

Describe 'A path whose kind cannot be told' {
    BeforeAll {
        Push-Location (New-CrmTestFolder)
        Set-Content ./data.weird 'x'
    }
    AfterAll { Pop-Location }

    It '<Command> stops with PathProviderUnknown' -ForEach @(
        @{ Command = 'Export-CrmData'; Run = { Export-CrmData -Path ./data.weird } }
        @{ Command = 'Get-CrmSchema'; Run = { Get-CrmSchema -Path ./data.weird } }
        @{ Command = 'Import-CrmData'; Run = { $null | Import-CrmData -Path ./data.weird } }
    ) {
        $e = $Run | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'PathProviderUnknown,*'
    }
}
