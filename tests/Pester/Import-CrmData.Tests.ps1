BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule
    $env:CRMMIGRATION_STATE_HOME = Join-Path $TestDrive 'state'
}

Describe 'Import-CrmData: nothing changes unasked' {
    BeforeEach {
        $script:Db = Join-Path $TestDrive ("live-" + [Guid]::NewGuid().ToString('N') + '.db')
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Db -Sql "CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT NOT NULL); INSERT INTO contacts VALUES (1, 'a@x.example');" | Out-Null
    }

    It 'stops before writing when a record brings a field the table lacks, and adds it only with -AddColumns' {
        $folder = Join-Path $TestDrive 'extra'
        New-CrmTestCsv -Path (Join-Path $folder 'contacts.csv') -Line 'id,email,twitter', '2,b@x.example,@b', '3,c@x.example,' | Out-Null
        { Export-CrmData $folder -Entity contacts | Import-CrmData $script:Db -NoLedger -ErrorAction Stop } | Should -Throw -ErrorId 'TargetFieldsMissing,CrmMigration.Commands.ImportCrmDataCommand'
        $Error[0].Exception.Message | Should -Match "'twitter'"
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Db -Sql "SELECT count(*), (SELECT group_concat(name) FROM pragma_table_info('contacts')) FROM contacts" | Should -Be "1`tid,email"
        Export-CrmData $folder -Entity contacts | Import-CrmData $script:Db -NoLedger -AddColumns | Out-Null
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Db -Sql "SELECT group_concat(name) FROM pragma_table_info('contacts')" | Should -Be 'id,email,twitter'
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Db -Sql 'SELECT twitter FROM contacts WHERE id = 2' | Should -Be '@b'
    }

    It 'never makes a reject file''s RejectReason and RejectMessage target columns (help example 6)' {
        $rejects = Join-Path $TestDrive ("rejects-" + [Guid]::NewGuid().ToString('N'))
        $source = Join-Path $TestDrive 'incoming'
        New-CrmTestCsv -Path (Join-Path $source 'contacts.csv') -Line 'id,email', '1,b@x.example', '3,c@x.example' | Out-Null
        $summary = Export-CrmData $source -Entity contacts | Import-CrmData $script:Db -NoLedger -RejectPath $rejects -ErrorAction SilentlyContinue
        $summary.Rejected | Should -Be 1
        $file = Get-ChildItem $rejects -Recurse -Filter 'contacts.csv' | Select-Object -First 1 -ExpandProperty FullName
        (Get-Content $file -Raw) | Should -Match 'RejectReason'
        # Fix the rejected row as a person would (it took a key already in use), in the file, and import it again.
        $fixed = (Get-Content $file) -replace '^(\uFEFF?)1,b@x', '${1}2,b@x'
        Set-Content $file $fixed -Encoding utf8BOM
        Export-CrmData $file | Import-CrmData $script:Db -Entity contacts -Mode Upsert -NoLedger | ForEach-Object Inserted | Should -Be 1
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Db -Sql "SELECT group_concat(name) FROM pragma_table_info('contacts')" | Should -Be 'id,email'
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Db -Sql 'SELECT email FROM contacts WHERE id = 2' | Should -Be 'b@x.example'
    }
}

Describe 'Import-CrmData: finished files and the source schema' {
    It 'creates the table from the schema the records bring, and leaves the SQLite file whole' {
        $pg = New-CrmTestDatabase -Kind PostgreSql
        try {
            Invoke-CrmTestSql -Kind PostgreSql -Database $pg -Sql @'
CREATE TABLE deal (id integer PRIMARY KEY, title varchar(60) NOT NULL, amount numeric(10,2), probability real, owner_id smallint);
COMMENT ON COLUMN deal.title IS 'What we sell';
INSERT INTO deal VALUES (1, 'small', 999.00, 0.1, 1), (2, 'large', 30288.50, 0.9, 2), (3, 'none', NULL, 9.8, NULL);
'@ | Out-Null
            $target = Join-Path $TestDrive 'deals.db'
            # The pipeline: a column that is NULL in the first record still gets its type from the source, not text.
            Export-CrmData $pg.Connection -Entity deal | Import-CrmData $target -Create -BatchSize 1 | Out-Null
            Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql "SELECT name || ' ' || type || ' ' || ""notnull"" FROM pragma_table_info('deal')" |
                Should -Be @('id INT 1', 'title VARCHAR(60) 1', 'amount DECIMAL(10,2) 0', 'probability FLOAT4 0', 'owner_id SMALLINT 0')
            (Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql "SELECT sql FROM sqlite_master WHERE name = 'deal'") -join "`n" | Should -Match ([regex]::Escape('/* What we sell */'))
            Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql 'SELECT MAX(amount), group_concat(id) FROM (SELECT * FROM deal ORDER BY amount DESC)' | Should -Be "30288.5`t2,1,3"
            Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql 'SELECT probability FROM deal WHERE id = 3' | Should -Be '9.8'
            foreach ($f in "$target-wal", "$target-shm", "$target.crm-ledger.sqlite-wal", "$target.crm-ledger.sqlite-shm") { Test-Path $f | Should -BeFalse -Because $f }
            Copy-Item $target (Join-Path $TestDrive 'copied.db')
            Invoke-CrmTestSql -Kind Sqlite -Database (Join-Path $TestDrive 'copied.db') -Sql 'SELECT count(*) FROM deal' | Should -Be '3'
            Export-CrmData $target -Entity deal | ForEach-Object { $_.amount } | Should -Be @(999.00, 30288.50, $null)
        }
        finally { $pg | Remove-CrmTestDatabase }
    }

    It '-WhatIf prints the CREATE TABLE it would run and writes nothing' {
        $target = Join-Path $TestDrive 'planned.db'
        $source = Join-Path $TestDrive 'plan-src.db'
        Invoke-CrmTestSql -Kind Sqlite -Database $source -Sql "CREATE TABLE t (id INTEGER PRIMARY KEY, code CHAR(2) NOT NULL); INSERT INTO t VALUES (1, 'ab');" | Out-Null
        $child = Invoke-CrmTestChild -WorkingDirectory $TestDrive -Script "Export-CrmData '$source' -Entity t | Import-CrmData '$target' -Create -WhatIf | Out-Null"
        $child.ExitCode | Should -Be 0 -Because $child.Error
        ($child.Output -join "`n") | Should -Match ([regex]::Escape('"code" CHAR(2) NOT NULL'))
        Test-Path $target | Should -BeFalse
    }
}

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
        # the three existing keys are one error for the entity, with the count (each is in the books and the ledger)
        @($dup | Get-CrmTestErrorId) | Should -Be @('DuplicateKey')
        $dup[0].Exception.Message | Should -Match '3 record\(s\) already exist'
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

Describe 'Import-CrmData: the CSV writer''s fast paths write what its general paths write' {
    BeforeAll {
        # As a spreadsheet or another tool wrote it: formula-like text, quotes, separators, line breaks, non-ASCII, an
        # empty field (read as empty text, written quoted: "" is not null).
        $script:Fixture = New-CrmTestCsv -Path (Join-Path $TestDrive 'fast/contacts.csv') -Line @(
            'Id,Name,Phone,Note,City'
            '1,=1+2,+86 138 0013 8000,"a,b",Paris'
            '2,-Zoë,@home,"say ""hi""",São Paulo'
            "3,""`tTab"",""-5"",""line1`r`nline2"",北京"
            '4,Plain,,''quoted,=x'
            '5,"=HYPERLINK(""http://x"")",+,-,@'
        )
        $script:Expected = @(
            'Id,Name,Phone,Note,City'
            '1,"''=1+2","''+86 138 0013 8000","a,b",Paris'
            '2,"''-Zoë","''@home","say ""hi""",São Paulo'
            "3,""'`tTab"",""'-5"",""line1`r`nline2"",北京"
            '4,Plain,"",''''quoted,"''=x"'
            '5,"''=HYPERLINK(""http://x"")","''+","''-","''@"'
        ) -join "`r`n"
    }

    It 'escapes formulas byte for byte as CsvHelper''s own escaping did (an apostrophe, the field quoted)' {
        $out = Join-Path $TestDrive 'fast/out-records'
        Export-CrmData -LiteralPath $script:Fixture.FullName | Import-CrmData -LiteralPath (Join-Path $out 'contacts.csv') -NoLedger | Out-Null
        $bytes = [IO.File]::ReadAllBytes((Join-Path $out 'contacts.csv'))
        $bytes[0..2] | Should -Be @(0xEF, 0xBB, 0xBF)
        [Text.Encoding]::UTF8.GetString($bytes, 3, $bytes.Length - 3) | Should -BeExactly ($script:Expected + "`r`n")
        # Read back, every value is what the fixture held.
        $back = @(Export-CrmData -LiteralPath (Join-Path $out 'contacts.csv'))
        $back.Count | Should -Be 5
        $back[0].Name | Should -BeExactly '=1+2'
        $back[2].Name | Should -BeExactly "`tTab"
        $back[3].City | Should -BeExactly '=x'
        $back[3].Note | Should -BeExactly "'quoted"
    }

    It 'writes the same bytes for our records, for Import-Csv objects, and for hashtables whose fields come in another order' {
        $dir = Join-Path $TestDrive 'fast/compare'
        Export-CrmData -LiteralPath $script:Fixture.FullName | Import-CrmData -LiteralPath (Join-Path $dir 'records.csv') -NoLedger | Out-Null
        Import-Csv -LiteralPath $script:Fixture.FullName | Import-CrmData -LiteralPath (Join-Path $dir 'objects.csv') -Entity contacts -NoLedger | Out-Null
        # The first record sets the columns; the others bring the same fields in other orders (the writer maps each shape).
        $rows = @(Import-Csv -LiteralPath $script:Fixture.FullName)
        $shuffled = for ($i = 0; $i -lt $rows.Count; $i++) {
            $names = @('Id', 'Name', 'Phone', 'Note', 'City')
            if ($i -gt 0) { $names = if ($i % 2) { @($names[4..0]) } else { @($names[2..4] + $names[0..1]) } }
            $h = [ordered]@{}
            foreach ($n in $names) { $h[$n] = $rows[$i].$n }
            $h
        }
        $shuffled | Import-CrmData -LiteralPath (Join-Path $dir 'hashtables.csv') -Entity contacts -NoLedger | Out-Null
        $records = [IO.File]::ReadAllBytes((Join-Path $dir 'records.csv'))
        [IO.File]::ReadAllBytes((Join-Path $dir 'objects.csv')) | Should -Be $records
        [IO.File]::ReadAllBytes((Join-Path $dir 'hashtables.csv')) | Should -Be $records
    }
}

Describe 'Import-CrmData: text that is not valid Unicode, into the database servers' {
    It 'refuses only the record with a lone surrogate on <Kind> (no UTF-8 for it), and stores the others as they are' -ForEach @(@{ Kind = 'PostgreSql' }, @{ Kind = 'MySql' }) {
        $db = New-CrmTestDatabase -Kind $Kind
        try {
            # Five records in one batch (the bulk path); the third holds half of a surrogate pair, as a string cut in the middle of an emoji does.
            $records = 1..5 | ForEach-Object { [pscustomobject]@{ id = $_; name = if ($_ -eq 3) { 'half ' + [char]0xD83D + ' pair' } else { "name $_ " + [char]::ConvertFromUtf32(0x1F600) } } }
            $summary = $records | Import-CrmData $db.Connection -Entity people -Create -NoLedger -ErrorVariable ev -ErrorAction SilentlyContinue
            $summary.Inserted | Should -Be 4
            $summary.Rejected | Should -Be 1
            @($ev).Count | Should -Be 1
            $ev[0] | Get-CrmTestErrorId | Should -Be 'ValueConversion'
            "$($ev[0])" | Should -Match 'U\+D83D'
            $ev[0].TargetObject.id | Should -Be 3
            Invoke-CrmTestSql -Kind $Kind -Database $db -Sql 'SELECT count(*) FROM people' | Should -Be '4'
            # the stored bytes, read as hex (the mariadb client's own character set would print '?' for the emoji)
            $hex = if ($Kind -eq 'PostgreSql') { "SELECT encode(convert_to(name, 'UTF8'), 'hex') FROM people WHERE id = 5" } else { 'SELECT LOWER(HEX(name)) FROM people WHERE id = 5' }
            Invoke-CrmTestSql -Kind $Kind -Database $db -Sql $hex | Should -Be '6e616d65203520f09f9880'
        }
        finally { $db | Remove-CrmTestDatabase }
    }
}
