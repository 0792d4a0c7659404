BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Export-CrmReport' {

    Context 'a migration of the quick start''s legacy CRM (SQLite), with its validation' {
        BeforeAll {
            $script:dir = Join-Path $TestDrive 'quick'
            New-Item -ItemType Directory $dir | Out-Null
            $script:legacy = Join-Path $dir 'legacy.db'
            $script:new = Join-Path $dir 'new.db'
            $script:mapping = Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-new.psd1'
            New-CrmSampleData -Path $legacy -Seed 42 -Scale 600 -Force | Out-Null
            $script:summaries = @(Copy-CrmData $legacy $new -Entity accounts, contacts, opportunities -Mapping $mapping -Create -RejectPath (Join-Path $dir 'rejects') -ErrorAction SilentlyContinue)
            $script:checks = @(Test-CrmMigration -Source $legacy -Target $new -Mapping $mapping)
            $script:files = @(Export-CrmReport (Join-Path $dir 'report.html'), (Join-Path $dir 'report.xlsx'), (Join-Path $dir 'report.json') -Target $new -ValidationResult $checks -Mapping $mapping)
            $script:json = Get-Content -Raw (Join-Path $dir 'report.json') | ConvertFrom-Json
            # Counted independently of the module: the target's own rows, by sqlite3.
            $script:contactRows = [long]@(Invoke-CrmTestSql -Kind Sqlite -Database $new -Sql 'SELECT count(*) FROM Contact')[0]
        }

        It 'writes each file in the format its extension names, from one report' {
            $files.Format | Should -Be @('Html', 'Xlsx', 'Json')
            $files.Verdict | Sort-Object -Unique | Should -Be 'PassedWithWarnings'
            $files.RunId | Sort-Object -Unique | Should -Be $summaries[0].RunId
            foreach ($f in $files) { (Get-Item $f.Path).Length | Should -Be $f.Length }
            [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($files[1].Path), 0, 2) | Should -Be 'PK'
        }

        It 'JSON follows the documented schema and holds the exact books' {
            $schema = Get-Content -Raw (Join-Path (Get-CrmTestRepoRoot) 'docs/report.schema.json')
            Test-Json -Json (Get-Content -Raw $files[2].Path) -Schema $schema | Should -BeTrue
            $json.schemaVersion | Should -Be 1
            $json.verdict | Should -Be 'PassedWithWarnings'
            $contact = $json.entities | Where-Object name -eq 'Contact'
            $s = $summaries | Where-Object Entity -eq 'Contact'
            $contact.read | Should -Be $s.Read
            $contact.rejected | Should -Be $s.Rejected
            $contact.inserted | Should -Be $contactRows
            ($contact.reasons | Measure-Object count -Sum).Sum | Should -Be ($s.Rejected + $s.Filtered)
            foreach ($r in $contact.reasons) { @($r.examples).Count | Should -Be ([Math]::Min(5, $r.count)) }
            # Each run's rejects are in a folder named after the run.
            $contact.rejectFiles | Should -Contain (Join-Path $dir "rejects/$($summaries[0].RunId)/contacts.csv")
            $json.run.rejectFolder | Should -Be (Join-Path $dir "rejects/$($summaries[0].RunId)")
            @($json.checks).Count | Should -Be $checks.Count
            $json.mapping.hash | Should -Be $json.run.mappingHash
            @($json.mapping.entities).Count | Should -BeGreaterThan 0
            $json.findings.code | Should -Contain 'RecordsRejected'
            $json.findings.code | Should -Not -Contain 'NotValidated'
        }

        It 'renders in headless Chromium: verdict, books, examples and both charts' {
            $shot = Join-Path $TestDrive 'report.png'
            $page = Invoke-CrmTestBrowser -Path $files[0].Path -Screenshot $shot -Height 1400
            $png = [IO.File]::ReadAllBytes($shot)
            [Text.Encoding]::ASCII.GetString($png, 1, 3) | Should -Be 'PNG'
            $png.Length | Should -BeGreaterThan 20000
            $page.Text | Should -Match 'Migration report'
            $page.Text | Should -Match 'Passed with explained warnings'
            $page.Text | Should -Match ('Contact ' + ([long]($summaries | Where-Object Entity -eq 'Contact').Read).ToString('N0', [Globalization.CultureInfo]::InvariantCulture))
            $page.Text | Should -Match 'RecordRequiredFieldMissing'
            $page.Text | Should -Match 'MissingParent'
            $page.Text | Should -Match ([regex]::Escape($summaries[0].RunId))
            ([regex]::Matches($page.Dom, '<svg ')).Count | Should -Be 2
            ([regex]::Matches($page.Dom, '<caption>')).Count | Should -BeGreaterThan 5
            $page.Dom | Should -Not -Match '<script'
            # The README shows this page: CRM_UPDATE_DOCS=1 refreshes docs/images/report.png from this test.
            if ($env:CRM_UPDATE_DOCS) { Copy-Item $shot (Join-Path (Get-CrmTestRepoRoot) 'docs/images/report.png') -Force }
        }

        It 'the workbook reads back cell by cell with MiniExcel' {
            $books = @(Get-CrmTestExcelRows -Path $files[1].Path -Sheet 'Books per entity')
            $books[0] | Should -Be @('Entity', 'Read', 'Inserted', 'Updated', 'Skipped', 'Merged', 'Rejected', 'Filtered', 'Deleted', 'Balanced', 'Reject files')
            foreach ($s in $summaries) {
                $row = $books | Where-Object { $_[0] -eq $s.Entity }
                $row[1..8] | Should -Be @([double]$s.Read, [double]$s.Inserted, [double]$s.Updated, [double]$s.Skipped, [double]$s.Merged, [double]$s.Rejected, [double]$s.Filtered, [double]$s.Deleted)
                $row[1] | Should -BeOfType [double]
                $row[9] | Should -Be 'yes'
            }
            ($books | Where-Object { $_[0] -eq 'Contact' })[2] | Should -Be ([double]$contactRows)
            $summary = @(Get-CrmTestExcelRows -Path $files[1].Path -Sheet 'Summary')
            ($summary | Where-Object { $_[0] -eq 'Verdict' })[1] | Should -Be 'Passed with explained warnings'
            ($summary | Where-Object { $_[0] -eq 'Started (UTC)' })[1] | Should -BeOfType [datetime]
            $checkRows = @(Get-CrmTestExcelRows -Path $files[1].Path -Sheet 'Validation checks')
            $checkRows.Count | Should -Be ($checks.Count + 1)
            $examples = @(Get-CrmTestExcelRows -Path $files[1].Path -Sheet 'Examples')
            $examples[0] | Should -Be @('Entity', 'Outcome', 'Reason', 'Key', 'Field', 'Value', 'Message')
            $missing = @($examples | Where-Object { $_[0] -eq 'Contact' -and $_[2] -eq 'MissingParent' })
            $missing.Count | Should -Be ([Math]::Min(5, (($json.entities | Where-Object name -eq 'Contact').reasons | Where-Object code -eq 'MissingParent').count))
            $missing[0][4] | Should -Be 'AccountId'
            $missing[0][3] | Should -Match '^P\d+$'
        }

        It 'writes labels and verdict in Chinese with -Culture zh-CN, values as they are' {
            $f = Export-CrmReport (Join-Path $dir 'zh.html'), (Join-Path $dir 'zh.json') -Target $new -ValidationResult $checks -Culture zh-CN
            $f.Culture | Sort-Object -Unique | Should -Be 'zh-CN'
            $page = Invoke-CrmTestBrowser -Path $f[0].Path -Screenshot (Join-Path $TestDrive 'zh.png')
            $page.Dom | Should -Match '<html lang="zh-CN">'
            $page.Text | Should -Match '迁移报告'
            $page.Text | Should -Match '通过（附已说明的警告）'
            $page.Text | Should -Match '各实体账目'
            $page.Text | Should -Match 'RecordRequiredFieldMissing'
            $page.Text | Should -Match 'Contact'
            (Get-Content -Raw $f[1].Path | ConvertFrom-Json).findings[0].text | Should -Match '[\u4e00-\u9fff]'
        }

        It 'takes a run piped from Get-CrmMigrationRun, and checks piped in' {
            $run = Get-CrmMigrationRun $new | Select-Object -First 1
            $a = $run | Export-CrmReport (Join-Path $dir 'piped-run.json')
            $a.RunId | Should -Be $run.RunId
            (Get-Content -Raw $a.Path | ConvertFrom-Json).findings.code | Should -Contain 'NotValidated'
            $b = $checks | Export-CrmReport (Join-Path $dir 'piped-checks.json') -Target $new
            $j = Get-Content -Raw $b.Path | ConvertFrom-Json
            @($j.checks).Count | Should -Be $checks.Count
            $j.run.runId | Should -Be $run.RunId
        }

        It 'lists merge groups passed as objects or hashtables, and only then' {
            $groups = @(
                @{ Entity = 'Contact'; Survivor = 'P0000001'; Members = @('P0000002', 'P0000003'); Rule = 'SameEmail'; Score = 0.97; Details = 'same e-mail, names within 0.9' }
                [pscustomobject]@{ Entity = 'Account'; SurvivorKey = 'A000001'; MergedKeys = @('A000009'); Reason = 'SameName' }
            )
            $f = $groups | Export-CrmReport (Join-Path $dir 'merges.json'), (Join-Path $dir 'merges.html') -Target $new
            $j = Get-Content -Raw $f[0].Path | ConvertFrom-Json
            $j.merges.groups | Should -Be 2
            $j.merges.records | Should -Be 3
            $j.merges.shown[0].members | Should -Be @('P0000002', 'P0000003')
            $j.merges.shown[0].score | Should -Be 0.97
            $j.merges.shown[1].rule | Should -Be 'SameName'
            (Invoke-CrmTestBrowser -Path $f[1].Path).Text | Should -Match 'Merges 2 merge groups, 3 records merged into survivors'
            (Invoke-CrmTestBrowser -Path $files[0].Path).Dom | Should -Not -Match 'id="merges"'
        }

        It 'fails the report when a check fails' {
            $broken = Join-Path $dir 'broken.db'
            Copy-Item $new $broken
            Invoke-CrmTestSql -Kind Sqlite -Database $broken -Sql "DELETE FROM Account WHERE rowid IN (SELECT rowid FROM Account LIMIT 3)" | Out-Null
            $failing = @(Test-CrmMigration -Source $legacy -Target $broken -Mapping $mapping -StatePath "$new.crm-ledger.sqlite" -Entity accounts)
            $failing.Status | Should -Contain 'Fail'
            $f = Export-CrmReport (Join-Path $dir 'failed.json') -StatePath "$new.crm-ledger.sqlite" -ValidationResult $failing
            $f.Verdict | Should -Be 'Failed'
            $j = Get-Content -Raw $f.Path | ConvertFrom-Json
            $j.findings[0].severity | Should -Be 'Fail'
            $j.findings[0].code | Should -Be 'CheckFailed'
        }

        It 'writes nothing under -WhatIf' {
            $path = Join-Path $dir 'whatif.html'
            $r = Export-CrmReport $path -Target $new -WhatIf
            $r.WhatIf | Should -BeTrue
            Test-Path $path | Should -BeFalse
        }

        It 'refuses an unknown format, a report of nothing, and a run the ledger lacks, with stable ids' {
            { Export-CrmReport (Join-Path $dir 'r.pdf') -Target $new -ErrorAction Stop } | Should -Throw -ErrorId 'ReportFormatUnknown,CrmMigration.Commands.ExportCrmReportCommand'
            Test-Path (Join-Path $dir 'r.pdf') | Should -BeFalse
            { Export-CrmReport (Join-Path $dir 'r.html') -ErrorAction Stop } | Should -Throw -ErrorId 'ReportInputMissing,CrmMigration.Commands.ExportCrmReportCommand'
            { Export-CrmReport (Join-Path $dir 'r.html') -Target $new -RunId 'no-such-run' -ErrorAction Stop } | Should -Throw -ErrorId 'RunNotFound,CrmMigration.Commands.ExportCrmReportCommand'
            Set-Content -LiteralPath (Join-Path $dir 'notes.txt') -Value 'not a state file'
            { Export-CrmReport (Join-Path $dir 'r.html') -StatePath (Join-Path $dir 'notes.txt') -ErrorAction Stop } | Should -Throw -ErrorId 'StateFileUnknown,CrmMigration.Commands.ExportCrmReportCommand'
            $e = $null
            'some text' | Export-CrmReport (Join-Path $dir 'r.json') -Target $new -ErrorVariable e -ErrorAction SilentlyContinue | Out-Null
            $e | Get-CrmTestErrorId | Should -Be 'ReportInputNotSupported'
        }
    }

    Context 'hostile values in the data' {
        BeforeAll {
            $script:hdir = Join-Path $TestDrive 'hostile'
            $long = 'L' * 3000
            $script:values = @{
                Script  = "<script>document.title='PWNED'</script>"
                Img     = '<img src=x onerror="document.title=''PWNED''">'
                Rtl     = 'שלום עולם مرحبا بالعالم'
                Chinese = '客户名称（测试）＠例子'
            }
            # A CSV as another tool writes it (CRLF, BOM, quoted fields): four rejects whose e-mails are hostile.
            New-CrmTestCsv -Path (Join-Path $hdir 'src/people.csv') -Bom -Line @(
                'id,name,email'
                "1,Ada,""$($values.Script)"""
                "2,Grace,""$($values.Img -replace '"', '""')"""
                "3,Hedy,$($values.Rtl)"
                "4,Lin,$($values.Chinese)"
                "$long,Long,$('x' * 5000)"
                '6,Ok,ok@example.com'
            ) | Out-Null
            $map = @{ Entities = @{ Person = @{ Source = 'people'; Key = 'Id'; Fields = @{ Id = 'id'; Name = 'name'; Email = @{ Source = 'email'; Pattern = '^[^@\s]+@[^@\s]+\.[a-z]+$' } } } } }
            $script:copy = Copy-CrmData (Join-Path $hdir 'src') (Join-Path $hdir 'new.db') -Mapping $map -Create -ErrorAction SilentlyContinue `
                -ReportPath (Join-Path $hdir 'hostile.html'), (Join-Path $hdir 'hostile.xlsx'), (Join-Path $hdir 'hostile.json')
            $script:page = Invoke-CrmTestBrowser -Path (Join-Path $hdir 'hostile.html') -Screenshot (Join-Path $TestDrive 'hostile.png')
        }

        It 'rejected every hostile record with its value kept' {
            $copy.Rejected | Should -Be 5
            $copy.Inserted | Should -Be 1
        }

        It 'shows markup, right-to-left and Chinese values as text, and runs nothing' {
            $page.Text | Should -Match ([regex]::Escape($values.Script))
            $page.Text | Should -Match ([regex]::Escape($values.Img))
            $page.Text | Should -Match ([regex]::Escape($values.Rtl))
            $page.Text | Should -Match ([regex]::Escape($values.Chinese))
            $page.Dom | Should -Not -Match '<script'
            $page.Dom | Should -Not -Match '<img'
            $page.Dom | Should -Not -Match '<title>PWNED'
            $page.Dom | Should -Match '<bdi>שלום עולם'
        }

        It 'cuts a very long key at 500 characters, a message at 1000 and a value at 200, and says so' {
            $page.Text | Should -Match ('L' * 500 + '…')
            $page.Text | Should -Not -Match ('L' * 1000)
            $page.Text | Should -Match ('x' * 200 + '…')
            $page.Text | Should -Not -Match ('x' * 201)
        }

        It 'keeps the values as text cells in the workbook and as strings in the JSON' {
            $rows = @(Get-CrmTestExcelRows -Path (Join-Path $hdir 'hostile.xlsx') -Sheet 'Examples')
            $rows | ForEach-Object { $_[5] } | Should -Contain $values.Script
            $rows | ForEach-Object { $_[5] } | Should -Contain $values.Rtl
            $rows | ForEach-Object { $_[3] } | Should -Contain ('L' * 500 + '…')
            $j = Get-Content -Raw (Join-Path $hdir 'hostile.json') | ConvertFrom-Json
            $j.entities[0].reasons[0].examples.value | Should -Contain $values.Chinese
        }
    }

    Context 'a PostgreSQL target with a password' {
        BeforeAll {
            $script:pg = New-CrmTestDatabase -Kind PostgreSql
            $script:pdir = Join-Path $TestDrive 'pg'
            New-CrmSampleData -Path (Join-Path $pdir 'legacy.db') -Seed 3 -Scale 200 -Force | Out-Null
            $script:pgCopy = @(Copy-CrmData (Join-Path $pdir 'legacy.db') $pg.Connection -Entity accounts, contacts -Create -StatePath (Join-Path $pdir 'ledger.sqlite') `
                    -ReportPath (Join-Path $pdir 'pg.html'), (Join-Path $pdir 'pg.xlsx'), (Join-Path $pdir 'pg.json') -ErrorAction SilentlyContinue)
        }
        AfterAll { $pg | Remove-CrmTestDatabase }

        It 'reports the books the server holds, and never the password' {
            $j = Get-Content -Raw (Join-Path $pdir 'pg.json') | ConvertFrom-Json
            $rows = [long]@(Invoke-CrmTestSql -Kind PostgreSql -Database $pg -Sql 'SELECT count(*) FROM contacts')[0]
            ($j.entities | Where-Object name -eq 'contacts').inserted | Should -Be $rows
            $password = $pg.Credential.GetNetworkCredential().Password
            $password.Length | Should -BeGreaterThan 3
            foreach ($name in 'pg.html', 'pg.json') {
                Get-Content -Raw (Join-Path $pdir $name) | Should -Not -Match ([regex]::Escape($password))
            }
            $xlsx = Join-Path $pdir 'pg.xlsx'
            foreach ($sheet in 'Summary', 'Run details', 'Books per entity') {
                (Get-CrmTestExcelRows -Path $xlsx -Sheet $sheet | ForEach-Object { $_ -join ' ' }) -join ' ' | Should -Not -Match ([regex]::Escape($password))
            }
            $j.target | Should -Match $pg.Name
        }
    }
}
