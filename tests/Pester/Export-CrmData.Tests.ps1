BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Export-CrmData with a source that is not there' {
    It 'stops with SourceNotFound instead of exporting nothing' {
        { Export-CrmData (Join-Path $TestDrive 'nope.csv') -ErrorAction Stop } | Should -Throw -ErrorId 'SourceNotFound,CrmMigration.Commands.ExportCrmDataCommand'
        { Export-CrmData (Join-Path $TestDrive 'nope-folder') -ErrorAction Stop } | Should -Throw -ErrorId 'SourceNotFound,CrmMigration.Commands.ExportCrmDataCommand'
    }
}

Describe 'Export-CrmData' {
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'reports each hostile CSV row as an error naming file and line, and loses nothing else' {
        New-CrmTestCsv ./contacts.csv -NewLine "`n" -Line @(
            'id,name,email'
            '1,Ann,ann@x.com'
            '2,Bob'
            '3,"Cy, ""Jr""",cy@x.com'
            '4,Dee,dee@x.com,extra'
            '5,Eve,eve@x.com') | Out-Null
        $ids = Export-CrmData -Path ./contacts.csv -ErrorVariable bad -ErrorAction SilentlyContinue | ForEach-Object { $_.id }
        $ids | Should -Be @('1', '3', '5')
        @($bad | Get-CrmTestErrorId) | Should -Be @('CsvRaggedRow', 'CsvRaggedRow')
        $bad[0].Exception.Message | Should -Match 'contacts\.csv:3'
        $bad[1].Exception.Message | Should -Match 'contacts\.csv:5'
        $bad[0].InvocationInfo.MyCommand.Name | Should -Be 'Export-CrmData'
    }

    It 'reads GB 18030 (detected or named) and UTF-16 files as the same text' {
        New-CrmTestCsv ./gb.csv -Encoding gb18030 -NewLine "`n" -Line 'id,name', '1,张伟', '2,王芳' | Out-Null
        New-CrmTestCsv ./u16.csv -Encoding utf-16 -Bom -NewLine "`n" -Line 'id,name', '1,张伟', '2,王芳' | Out-Null
        (Export-CrmData -Path ./gb.csv | ForEach-Object name) -join ',' | Should -Be '张伟,王芳'
        (Export-CrmData (New-CrmConnection Csv ./gb.csv -Encoding gb18030) | ForEach-Object name) -join ',' | Should -Be '张伟,王芳'
        (Export-CrmData -Path ./u16.csv | ForEach-Object name) -join ',' | Should -Be '张伟,王芳'
    }

    It 'writes progress and always completes it' {
        $rows = foreach ($i in 1..3000) { $x = [CrmMigration.CrmRecord]::new('t'); $x['id'] = [long]$i; $x.Key = [CrmMigration.CrmKey]::new([string]$i); $x }
        $rows | Import-CrmData -Path ./p.db -Create | Out-Null
        # The progress stream cannot be redirected in a script: read it from a PowerShell instance of its own.
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-CrmTestManifest)'; Set-Location -LiteralPath '$((Get-Location).ProviderPath)'; @(Export-CrmData ./p.db -Entity t | Where-Object { `$true }).Count")
            $count = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $count | Should -Be 3000
            $done = @($ps.Streams.Progress | Where-Object { $_.Activity -like '*Export-CrmData*' -and $_.RecordType -eq 'Completed' })
            $done.Count | Should -BeGreaterThan 0
        }
        finally { $ps.Dispose() }
    }

    It 'completes entity names with Tab' {
        New-CrmSampleData ./legacy.db -Scale 50 | Out-Null
        $s = 'Export-CrmData ./legacy.db -Entity con'
        (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches.CompletionText | Should -Be @('contacts')
    }

    It 'streams typed records of the entities selected by wildcard, filtered by field values (ignoring case, with wildcards); a missing entity is an error' {
        New-CrmSampleData ./legacy.db -Seed 42 -Scale 200 | Out-Null
        $records = @(Export-CrmData ./legacy.db -Entity 'opp*')
        $records.Count | Should -Be ([int](Invoke-CrmTestSql -Kind Sqlite -Database ./legacy.db -Sql 'SELECT count(*) FROM opportunities'))
        $records | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmRecord }
        $records[0].Entity | Should -Be 'opportunities'
        $records[0].amount | Should -BeOfType [decimal]
        $german = @(Export-CrmData ./legacy.db contacts -Filter @{ country = 'Germany'; last_name = 'M*' })
        $german.Count | Should -Be ([int](Invoke-CrmTestSql -Kind Sqlite -Database ./legacy.db -Sql "SELECT count(*) FROM contacts WHERE lower(country) = 'germany' AND last_name LIKE 'M%'"))
        $german.Count | Should -BeGreaterThan 0
        @(Export-CrmData ./legacy.db -Entity leads, nothing -ErrorVariable bad -ErrorAction SilentlyContinue).Count | Should -Be 100
        @($bad | Get-CrmTestErrorId) | Should -Be @('EntityNotFound')
    }
}
