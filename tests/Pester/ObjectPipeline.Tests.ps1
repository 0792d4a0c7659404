# Any object in, data out: records piped to the core cmdlets show their fields and nothing else; objects from
# Import-Csv, ConvertFrom-Json, Select-Object and hashtables import like our own records.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force
    Import-CrmTestModule
    $script:Db = Join-Path $TestDrive 'people.db'
    Invoke-CrmTestSql -Kind Sqlite -Database $script:Db -Sql @"
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, amount NUMERIC, born TEXT, vip INTEGER, note TEXT);
INSERT INTO people VALUES (1, '张伟, "the boss"', 1234.5678, '2024-03-05', 1, 'line1
line2');
INSERT INTO people VALUES (2, 'Zoë Müller', 0.1, '1999-12-31', 0, NULL);
INSERT INTO people VALUES (3, '=HYPERLINK("http://x")', -5, '2000-01-01', 0, '');
"@ | Out-Null
}

Describe 'Records piped to the core cmdlets' {
    BeforeAll { $script:Records = @(Export-CrmData $script:Db -Entity people) }

    It 'Export-Csv writes the fields, in order, and nothing else' {
        $csv = Join-Path $TestDrive 'people.csv'
        $script:Records | Export-Csv -LiteralPath $csv -NoTypeInformation -Encoding utf8
        $header = (Get-Content -LiteralPath $csv -TotalCount 1)
        $header | Should -BeExactly '"id","name","amount","born","vip","note"'
    }

    It 'ConvertTo-Json gives each field once and no internals' {
        $json = $script:Records[0] | ConvertTo-Json -Compress
        $obj = $json | ConvertFrom-Json
        @($obj.PSObject.Properties.Name) | Should -Be @('id', 'name', 'amount', 'born', 'vip', 'note')
        $obj.name | Should -BeExactly '张伟, "the boss"'
        $json | Should -Not -Match 'Shape|FieldNames|Preview|MappingHash|Decided'
    }

    It 'Select-Object * and Format-List * show only the fields' {
        @(($script:Records[0] | Select-Object *).PSObject.Properties.Name) | Should -Be @('id', 'name', 'amount', 'born', 'vip', 'note')
        $text = $script:Records[1] | Format-List * | Out-String
        $text | Should -Match 'name\s+: Zoë Müller'
        $text | Should -Not -Match 'Preview|FieldCount|Origin'
    }

    It 'still answers Entity, Key, Origin and its fields by name' {
        $r = $script:Records[0]
        $r.Entity | Should -Be 'people'
        "$($r.Key)" | Should -Be '1'
        $r.Origin.Line | Should -BeGreaterThan 0
        $r.name | Should -BeExactly '张伟, "the boss"'
        ($script:Records | Where-Object vip -eq $true | ForEach-Object id) | Should -Be 1
    }

    It 'keeps a field named like a record member in exports; the member is then read with GetKey()' {
        $r = [CrmMigration.CrmRecord]::new('Thing')
        $r.Key = [CrmMigration.CrmKey]::new('K1')
        $r['Key'] = 'field value'; $r['Entity'] = 'also a field'
        $row = $r | ConvertTo-Csv | ConvertFrom-Csv
        $row.Key | Should -Be 'field value'
        $row.Entity | Should -Be 'also a field'
        $r.Key | Should -Be 'field value'
        "$($r.GetKey())" | Should -Be 'K1'
        $r.GetEntity() | Should -Be 'Thing'
    }
}

Describe 'Objects that are not CrmRecords into Import-CrmData' {
    It 'imports Import-Csv output with -Entity and -Key, and the round trip keeps every value' {
        $csv = Join-Path $TestDrive 'round.csv'
        Export-CrmData $script:Db -Entity people | Export-Csv -LiteralPath $csv -NoTypeInformation -Encoding utf8
        # The same table definition in a second database, as a DBA would have made it.
        $copy = Join-Path $TestDrive 'copy.db'
        Invoke-CrmTestSql -Kind Sqlite -Database $copy -Sql 'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, amount NUMERIC, born TEXT, vip INTEGER, note TEXT);' | Out-Null
        $summary = Import-Csv -LiteralPath $csv | Import-CrmData $copy -Entity people -Key id
        $summary.Inserted | Should -Be 3
        $summary.Balanced | Should -BeTrue
        $a = @(Export-CrmData $script:Db -Entity people)
        $b = @(Export-CrmData $copy -Entity people)
        foreach ($i in 0..2) {
            foreach ($f in 'id', 'name', 'amount', 'born', 'vip') {
                [CrmMigration.CrmRecord]::FormatValue($b[$i].$f) | Should -BeExactly ([CrmMigration.CrmRecord]::FormatValue($a[$i].$f)) -Because "field $f of row $i"
            }
        }
        $b[0].note | Should -BeExactly "line1`nline2"
        "$($b[2].Key)" | Should -Be '3'
    }

    It 'imports hashtables, PSCustomObjects from JSON and Select-Object output, typed by their values' {
        $target = Join-Path $TestDrive 'objects.db'
        $items = @(
            @{ id = 1; name = 'hash'; when = [datetime]'2024-01-02'; score = 2.5 }
            ('{"id": 2, "name": "json", "score": 7}' | ConvertFrom-Json)
            (Get-Item -LiteralPath $script:Db | Select-Object @{ n = 'id'; e = { 3 } }, @{ n = 'name'; e = { $_.Name } })
        )
        $summary = $items | Import-CrmData $target -Entity things -Key id -Create
        $summary.Inserted | Should -Be 3
        Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql 'select id, name from things order by id' | Should -Be @("1`thash", "2`tjson", "3`tpeople.db")
        Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql "select typeof(id) from things where id = 1" | Should -Be 'integer'
    }

    It 'refuses an object without -Entity with RecordNeedsEntity, and goes on with the rest' {
        $target = Join-Path $TestDrive 'noentity.db'
        $errors = @()
        $out = @([pscustomobject]@{ id = 1 }) | Import-CrmData $target -Create -ErrorVariable errors -ErrorAction SilentlyContinue
        ($errors | Get-CrmTestErrorId) | Should -Be 'RecordNeedsEntity'
        $errors[0].TargetObject.id | Should -Be 1
        $out | Should -BeNullOrEmpty
    }

    It 'refuses an object whose key field is empty with RecordKeyFieldMissing' {
        $target = Join-Path $TestDrive 'nokey.db'
        $errors = @()
        $s = @([pscustomobject]@{ id = 1; n = 'a' }, [pscustomobject]@{ id = $null; n = 'b' }) |
            Import-CrmData $target -Entity t -Key id -Create -ErrorVariable errors -ErrorAction SilentlyContinue
        ($errors | Get-CrmTestErrorId) | Should -Be 'RecordKeyFieldMissing'
        $s.Inserted | Should -Be 1
    }
}

Describe 'Chaining by property name' {
    It 'Get-CrmSchema | Export-CrmData exports the piped entity of the piped system' {
        $records = @(Get-CrmSchema $script:Db -Entity people | Export-CrmData)
        $records.Count | Should -Be 3
        $records[0].Entity | Should -Be 'people'
    }

    It 'Get-CrmMigrationRun | Get-CrmMigrationRecord reads that run of that ledger' {
        $target = Join-Path $TestDrive 'chain.db'
        Export-CrmData $script:Db -Entity people | Import-CrmData $target -Create | Out-Null
        Export-CrmData $script:Db -Entity people | Import-CrmData $target -Mode Upsert | Out-Null
        $runs = @(Get-CrmMigrationRun $target)
        $runs.Count | Should -Be 2
        $records = @($runs[0] | Get-CrmMigrationRecord)
        $records.Count | Should -Be 3
        ($records.RunId | Sort-Object -Unique) | Should -Be $runs[0].RunId
        # and records piped by their key
        $one = @(Export-CrmData $script:Db -Entity people | Select-Object -First 1 | Get-CrmMigrationRecord -Target $target)
        $one.Count | Should -Be 2
        ($one.SourceKey | Sort-Object -Unique) | Should -Be '1'
        # and plain keys, as from a complaint list
        @('1', '3' | Get-CrmMigrationRecord -Target $target -RunId $runs[0].RunId).SourceKey | Should -Be @('1', '3')
    }
}
