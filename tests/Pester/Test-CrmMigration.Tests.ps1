BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Test-CrmMigration never passes without comparing' {
    It 'returns $false with -Quiet when neither side exists, and says so without it' {
        Push-Location $TestDrive
        try {
            Test-CrmMigration -Source ./nope.csv -Target ./t.db -Quiet | Should -BeFalse
            $r = @(Test-CrmMigration -Source ./nope.csv -Target ./t.db)
            $r.Count | Should -Be 1
            $r[0].Status | Should -Be 'Fail'
            $r[0].Details | Should -Match 'nope\.csv'
            # The SQLite file was not created by looking at it.
            Test-Path ./t.db | Should -BeFalse
        }
        finally { Pop-Location }
    }

    It 'returns $false, not an error, when a side cannot be opened at all' {
        $db = Join-Path $TestDrive 'ok.db'
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql 'CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);' | Out-Null
        $missing = Join-Path $TestDrive 'missing.db'
        $ok = Test-CrmMigration -Source $db -Target $missing -Quiet -ErrorAction Stop -WarningAction SilentlyContinue
        $ok | Should -BeFalse
        $r = @(Test-CrmMigration -Source $db -Target $missing)
        $r.Status | Should -Contain 'Fail'
    }

    It 'fails -Quiet for rows the source reader could not read, naming their lines' {
        $src = Join-Path $TestDrive 'src'
        New-CrmTestCsv -Path (Join-Path $src 'people.csv') -Line 'Id,Name', '1,Ann', '2,Bo,stray,fields', '3,Cy' | Out-Null
        $db = Join-Path $TestDrive 'people.db'
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql "CREATE TABLE people (Id TEXT PRIMARY KEY, Name TEXT); INSERT INTO people VALUES ('1','Ann'),('3','Cy');" | Out-Null
        Test-CrmMigration $src $db -Quiet | Should -BeFalse
        $read = Test-CrmMigration $src $db | Where-Object Check -eq SourceRead
        $read.Status | Should -Be 'Fail'
        $read.Actual | Should -Be 1
        $read.Samples[0] | Should -Match 'people\.csv:3'
    }

    It 'reports a check that could not compare as NotChecked, which fails -Quiet' {
        $s = Join-Path $TestDrive 'nc-s.db'; $t = Join-Path $TestDrive 'nc-t.db'
        Invoke-CrmTestSql -Kind Sqlite -Database $s -Sql "CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO c VALUES (1,'a');" | Out-Null
        Invoke-CrmTestSql -Kind Sqlite -Database $t -Sql "CREATE TABLE c (name TEXT); INSERT INTO c VALUES ('a');" | Out-Null
        (Test-CrmMigration $s $t | Where-Object Check -eq FieldValues).Status | Should -Be 'NotChecked'
        Test-CrmMigration $s $t -Check Keys, Values -Quiet | Should -BeFalse
    }
}

Describe 'Exactness you can tune' {
    BeforeAll {
        $script:S = Join-Path $TestDrive 'x-s.db'; $script:T = Join-Path $TestDrive 'x-t.db'
        Invoke-CrmTestSql -Kind Sqlite -Database $script:S -Sql "CREATE TABLE c (id INTEGER PRIMARY KEY, note TEXT, amount REAL); INSERT INTO c VALUES (1,'',10.004),(2,'null',20.0),(3,'x',1.0/3);" | Out-Null
        Invoke-CrmTestSql -Kind Sqlite -Database $script:T -Sql "CREATE TABLE c (id INTEGER PRIMARY KEY, note TEXT, amount DECIMAL(10,2)); INSERT INTO c VALUES (1,NULL,10.01),(2,NULL,20.0),(3,'x',0.33);" | Out-Null
    }

    It 'shows NULL apart from the text null, and treats NULL and empty text as equal only when asked' {
        $v = Test-CrmMigration $script:S $script:T -Check Values | Where-Object Check -eq FieldValues
        $v.Status | Should -Be 'Fail'
        $byKey = $v.Differences | Group-Object Key -AsHashTable -AsString
        ($byKey['2'] | Where-Object Field -eq note).Source | Should -Be "'null'"
        ($byKey['2'] | Where-Object Field -eq note).Target | Should -Be 'NULL'
        ($byKey['1'] | Where-Object Field -eq note).Source | Should -Be "''"
        $lenient = Test-CrmMigration $script:S $script:T -Check Values -NullEqualsEmpty | Where-Object Check -eq FieldValues
        @($lenient.Differences | Where-Object Field -eq note).Key | Should -Be @('2')
    }

    It 'rounds to the target column''s declared scale, and -Tolerance absorbs small differences' {
        $v = Test-CrmMigration $script:S $script:T -Check Values | Where-Object Check -eq FieldValues
        # 1/3 stored as a float compares with DECIMAL(10,2) 0.33 after rounding: no false alarm.
        @($v.Differences | Where-Object Field -eq amount).Key | Should -Be @('1')
        $t = Test-CrmMigration $script:S $script:T -Check Values -NullEqualsEmpty -Tolerance 0.01 | Where-Object Check -eq FieldValues
        @($t.Differences | Where-Object Field -eq amount) | Should -BeNullOrEmpty
    }

    It 'runs only the checks asked for' {
        @(Test-CrmMigration $script:S $script:T -Check Count).Check | Should -Be @('SourceRead', 'TargetRead', 'Count')
        @(Test-CrmMigration $script:S $script:T -Check Schema, Aggregates).Check | Should -Be @('Schema', 'SourceRead', 'TargetRead', 'Aggregates')
    }

    It 'stops with LedgerNotFound for a -StatePath that does not exist, and -Quiet answers $false' {
        { Test-CrmMigration $script:S $script:T -StatePath (Join-Path $TestDrive 'none.sqlite') -ErrorAction Stop } | Should -Throw -ErrorId 'LedgerNotFound,CrmMigration.Commands.TestCrmMigrationCommand'
        Test-CrmMigration $script:S $script:T -StatePath (Join-Path $TestDrive 'none.sqlite') -Quiet -WarningVariable w -WarningAction SilentlyContinue | Should -BeFalse
        "$w" | Should -Match 'LedgerNotFound'
    }
}

Describe 'A keyless PostgreSQL table copied into SQLite' {
    BeforeAll {
        $script:Pg = New-CrmTestDatabase -Kind PostgreSql
        Invoke-CrmTestSql -Kind PostgreSql -Database $script:Pg -Sql @"
CREATE TABLE event_log (at timestamp, who text, what text, amount numeric(10,2));
INSERT INTO event_log VALUES ('2024-01-01 10:00', 'ann', 'login', NULL), ('2024-01-01 10:00', 'ann', 'login', NULL),
  ('2024-01-02 11:30', 'bo', 'order', 12.50), ('2024-01-03 09:15', 'cy', 'refund', -3.10);
"@ | Out-Null
        $script:Db = Join-Path $TestDrive 'events.db'
    }
    AfterAll { $script:Pg | Remove-CrmTestDatabase }

    It 'passes every check (no row number taken for a key), and a second copy does not double it' {
        Copy-CrmData -Source $script:Pg.Connection -Target $script:Db -Create -StatePath (Join-Path $TestDrive 'ev.sqlite') | Out-Null
        $r = Test-CrmMigration -Source $script:Pg.Connection -Target $script:Db
        $r | Where-Object Status -ne 'Pass' | ForEach-Object { "$($_.Check): $($_.Details)" } | Should -BeNullOrEmpty
        $r.Check | Should -Contain 'MissingRows'
        $r.Check | Should -Not -Contain 'ExtraKeys'

        $second = Copy-CrmData -Source $script:Pg.Connection -Target $script:Db -Create -StatePath (Join-Path $TestDrive 'ev.sqlite')
        $second.Inserted | Should -Be 0
        $second.Skipped | Should -Be 4
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Db -Sql 'SELECT count(*) FROM event_log' | Should -Be '4'
        Test-CrmMigration -Source $script:Pg.Connection -Target $script:Db -Quiet | Should -BeTrue
    }

    It 'finds a duplicated, a deleted and an edited row, with the rows shown' {
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Db -Sql @"
INSERT INTO event_log SELECT * FROM event_log WHERE who = 'bo';
DELETE FROM event_log WHERE rowid = (SELECT min(rowid) FROM event_log WHERE who = 'ann');
UPDATE event_log SET what = 'refunded' WHERE who = 'cy';
"@ | Out-Null
        $r = Test-CrmMigration -Source $script:Pg.Connection -Target $script:Db
        $missing = $r | Where-Object Check -eq MissingRows
        $missing.Actual | Should -Be 2
        ($missing.Samples -join "`n") | Should -Match "who='ann'"
        ($missing.Samples -join "`n") | Should -Match "what='refund'"
        $extra = $r | Where-Object Check -eq ExtraRows
        $extra.Actual | Should -Be 2
        ($extra.Differences | Where-Object { $_.Target -match "who='bo'" }).Note | Should -Match '^duplicated'
        ($extra.Samples -join "`n") | Should -Match "what='refunded'"
    }
}

Describe 'Planted defects in a copied database' {
    BeforeAll {
        $script:Src = Join-Path $TestDrive 'crm.db'
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Src -Sql @"
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email TEXT, city TEXT, price DECIMAL(10,2), born DATE, photo BLOB);
INSERT INTO customers VALUES
 (1,'Ann','ann@x.org','Paris',10.00,'1970-01-01',x'00'),
 (2,'Bo','bo@x.org','Oslo',11.00,'1971-02-02',NULL),
 (3,'Zoë','zoe@x.org','Lyon',12.00,'1972-03-03',NULL),
 (4,'Dan','dan@x.org','Rome',13.00,'1980-03-04',NULL),
 (5,'Eve','eve@x.org','Nice',14.00,'1974-05-05',NULL),
 (6,'Fay','fay@x.org','Kyiv',12.50,'1975-06-06',NULL),
 (7,'Gus','gus@x.org','Lima',16.00,'1976-07-07',NULL),
 (8,'Hal','hal@x.org','Baku',17.00,'1977-08-08',NULL),
 (9,'Ida','ida@x.org','Riga',18.00,'1978-09-09',NULL),
 (10,'Jo','jo@x.org','Oslo',19.00,'1979-10-10',NULL),
 (11,'Kim','Kim@X.org','Bern',20.00,'1980-11-11',NULL),
 (12,'Lu','lu@x.org','Graz',21.00,'1981-12-12',x'cafe01');
CREATE TABLE order_lines (order_id INTEGER, line_no INTEGER, sku TEXT, qty INTEGER, PRIMARY KEY (order_id, line_no));
INSERT INTO order_lines VALUES (1001,1,'A-1',2),(1001,2,'B-2',1),(1002,1,'A-1',5);
CREATE TABLE audit_log (at TEXT, who TEXT, what TEXT);
INSERT INTO audit_log VALUES ('2024-01-01','ann','login'),('2024-01-02','bo','export'),('2024-01-03','cy','delete');
CREATE TABLE products (sku TEXT PRIMARY KEY, title TEXT, price DECIMAL(10,2));
INSERT INTO products VALUES ('A-1','Widget',9.99),('B-2','Gadget',19.50),('C-3','Gizmo',NULL);
CREATE TABLE tags (tag TEXT, colour TEXT);
INSERT INTO tags VALUES ('vip','gold'),('vip','gold'),('new',NULL);
"@ | Out-Null
        $script:Dst = Join-Path $TestDrive 'copy.db'
        Copy-CrmData -Source $script:Src -Target $script:Dst -Create -NoLedger | Out-Null
        # The customers table of the copy loses its primary key (as a careless hand-made copy would), so a duplicate can be planted.
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Dst -Sql @"
ALTER TABLE customers RENAME TO customers_old;
CREATE TABLE customers (id INTEGER, name TEXT, email TEXT, city TEXT, price DECIMAL(10,2), born DATE, photo BLOB);
INSERT INTO customers SELECT id, name, email, city, price, born, photo FROM customers_old; DROP TABLE customers_old;
DELETE FROM customers WHERE id = 2;                                             -- 1 deleted row
INSERT INTO customers SELECT id, name, 'eve@other.org', city, price, born, photo FROM customers WHERE id = 5;  -- 2 duplicate
UPDATE customers SET name = 'Zoe' WHERE id = 3;                                 -- 3 accent change
UPDATE customers SET born = '1980-03-05' WHERE id = 4;                          -- 4 date +1 day
UPDATE customers SET price = 12.51 WHERE id = 6;                                -- 5 price +0.01
UPDATE customers SET email = NULL WHERE id = 9;                                 -- 6 NULL set
UPDATE customers SET email = CASE id WHEN 7 THEN 'hal@x.org' ELSE 'gus@x.org' END WHERE id IN (7, 8);  -- 7 swapped values
UPDATE order_lines SET line_no = 3 WHERE order_id = 1001 AND line_no = 2;       -- 8 composite-key change
UPDATE customers SET city = 'Oslo ' WHERE id = 10;                              -- 9 trailing space
UPDATE customers SET email = 'kim@x.org' WHERE id = 11;                         -- 10 case change
UPDATE customers SET photo = x'cafe00' WHERE id = 12;                           -- 11 blob byte flip
UPDATE audit_log SET what = 'deleted' WHERE who = 'cy';                         -- 12 keyless-table edit
"@ | Out-Null
        $script:R = Test-CrmMigration -Source $script:Src -Target $script:Dst
        function script:Diff([string] $Key, [string] $Field) { $script:R | Where-Object Entity -eq customers | Where-Object Check -eq FieldValues | ForEach-Object Differences | Where-Object { $_.Key -eq $Key -and $_.Field -eq $Field } }
    }

    It 'does not pass' {
        Test-CrmMigration -Source $script:Src -Target $script:Dst -Quiet | Should -BeFalse
    }

    It 'raises no false alarm on the untouched tables' {
        $untouched = $script:R | Where-Object Entity -in 'products', 'tags'
        $untouched.Count | Should -BeGreaterThan 10
        $untouched | Where-Object Status -ne 'Pass' | ForEach-Object { "$($_.Entity) $($_.Check): $($_.Details)" } | Should -BeNullOrEmpty
    }

    It 'reports the deleted row by its key' {
        ($script:R | Where-Object { $_.Entity -eq 'customers' -and $_.Check -eq 'MissingKeys' }).Samples | Should -Be @('2')
    }

    It 'reports the duplicate with its key and the value that differs' {
        $dup = $script:R | Where-Object { $_.Entity -eq 'customers' -and $_.Check -eq 'DuplicateKeys' }
        $dup.Status | Should -Be 'Fail'
        $dup.Samples | Should -Be @('5')
        $d = $dup.Differences | Where-Object Field -eq email
        "$($d.Source) / $($d.Target)" | Should -Be "'eve@x.org' / 'eve@other.org'"
    }

    It 'reports <Name> with both values' -ForEach @(
        @{ Name = 'the accent change'; Key = '3'; Field = 'name'; Source = "'Zoë'"; Target = "'Zoe'" }
        @{ Name = 'the date moved a day'; Key = '4'; Field = 'born'; Source = '1980-03-04'; Target = '1980-03-05' }
        @{ Name = 'the price raised by 0.01'; Key = '6'; Field = 'price'; Source = '12.50'; Target = '12.51' }  # a DECIMAL(10,2) reads with its 2 decimals
        @{ Name = 'the value set to NULL'; Key = '9'; Field = 'email'; Source = "'ida@x.org'"; Target = 'NULL' }
        @{ Name = 'the first swapped value'; Key = '7'; Field = 'email'; Source = "'gus@x.org'"; Target = "'hal@x.org'" }
        @{ Name = 'the second swapped value'; Key = '8'; Field = 'email'; Source = "'hal@x.org'"; Target = "'gus@x.org'" }
        @{ Name = 'the trailing space'; Key = '10'; Field = 'city'; Source = "'Oslo'"; Target = "'Oslo '" }
        @{ Name = 'the case change'; Key = '11'; Field = 'email'; Source = "'Kim@X.org'"; Target = "'kim@x.org'" }
        @{ Name = 'the flipped blob byte'; Key = '12'; Field = 'photo'; Source = '0xCAFE01 (3 bytes)'; Target = '0xCAFE00 (3 bytes)' }
    ) {
        $d = Diff $Key $Field
        $d | Should -Not -BeNullOrEmpty
        $d.Source | Should -Be $Source
        $d.Target | Should -Be $Target
    }

    It 'reports nothing else in customers'' values' {
        $values = $script:R | Where-Object { $_.Entity -eq 'customers' -and $_.Check -eq 'FieldValues' }
        $values.Actual | Should -Be 9
        @($values.Differences).Count | Should -Be 9
    }

    It 'reports the composite-key change as one key missing and one extra' {
        ($script:R | Where-Object { $_.Entity -eq 'order_lines' -and $_.Check -eq 'MissingKeys' }).Samples | Should -Be @('1001|2')
        ($script:R | Where-Object { $_.Entity -eq 'order_lines' -and $_.Check -eq 'ExtraKeys' }).Samples | Should -Be @('1001|3')
        ($script:R | Where-Object { $_.Entity -eq 'order_lines' -and $_.Check -eq 'FieldValues' }).Status | Should -Be 'Pass'
    }

    It 'reports the keyless-table edit as the old row missing and the new one extra' {
        ($script:R | Where-Object { $_.Entity -eq 'audit_log' -and $_.Check -eq 'MissingRows' }).Samples | Should -Be @("at='2024-01-03', who='cy', what='delete'")
        ($script:R | Where-Object { $_.Entity -eq 'audit_log' -and $_.Check -eq 'ExtraRows' }).Samples | Should -Be @("at='2024-01-03', who='cy', what='deleted'")
    }

    It 'shows the defects in the column aggregates too' {
        $agg = $script:R | Where-Object { $_.Entity -eq 'customers' -and $_.Check -eq 'Aggregates' }
        $agg.Status | Should -Be 'Fail'
        $agg.Differences.Field | Should -Contain 'price.sum'
        $agg.Differences.Field | Should -Contain 'email.nulls'
    }
}

Describe 'Test-CrmMigration' {
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'compares field values against the mapped source: reformatted values pass, an edit behind its back fails' {
        New-CrmSampleData ./legacy.db -Seed 9 -Scale 300 | Out-Null
        $map = @{ Entities = @{ Contact = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{
                        Id = 'contact_id'; Email = @{ Source = 'email'; Transform = 'Trim', 'Lower', 'EmptyToNull' }; City = @{ Source = 'city'; Transform = 'Trim' } } } } }
        Export-CrmData ./legacy.db -Entity contacts | Convert-CrmRecord -Mapping $map | Import-CrmData ./new.db -Create | Out-Null
        $check = Test-CrmMigration ./legacy.db ./new.db -Mapping $map | Where-Object Check -eq 'FieldValues'
        $check | Should -BeOfType CrmMigration.CrmValidationResult
        [string]$check.Status | Should -Be 'Pass'       # lower-cased, trimmed e-mails are not false alarms

        # someone edits the target behind the migration's back
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql "UPDATE Contact SET City = 'Atlantis' WHERE Id = 'P0000003'" | Out-Null
        $check = Test-CrmMigration ./legacy.db ./new.db -Mapping $map | Where-Object Check -eq 'FieldValues'
        [string]$check.Status | Should -Be 'Fail'
        $check.Actual | Should -Be 1
        $check.Details | Should -Match 'key P0000003 field City'
        $check.Details | Should -Match "'Atlantis'"
        $check.Samples -join ',' | Should -Be 'P0000003'
        Test-CrmMigration ./legacy.db ./new.db -Mapping $map -Quiet | Should -BeFalse
    }

    It 'compares entities of the same name without a mapping, and passes a faithful copy' {
        New-CrmSampleData ./legacy.db -Seed 4 -Scale 100 | Out-Null
        Copy-CrmData ./legacy.db ./export -Entity accounts, contacts -NoLedger | Out-Null
        Copy-CrmData ./export ./new.db -Entity accounts, contacts -Create | Out-Null
        $checks = @(Test-CrmMigration -Source ./export -Target ./new.db -Entity accounts, contacts)
        $checks | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmValidationResult; [string]$_.Status | Should -Be 'Pass' -Because "$($_.Entity) $($_.Check): $($_.Details)" }
        @($checks | ForEach-Object Check | Sort-Object -Unique) | Should -Contain 'MissingKeys'
        Test-CrmMigration -Source ./export -Target ./new.db -Entity accounts, contacts -Quiet | Should -BeTrue
        # a row deleted behind the import's back is a missing key
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql "DELETE FROM contacts WHERE contact_id = 'P0000005'" | Out-Null
        $missing = Test-CrmMigration -Source ./export -Target ./new.db -Entity contacts | Where-Object Check -eq 'MissingKeys'
        [string]$missing.Status | Should -Be 'Fail'
        $missing.Samples | Should -Contain 'P0000005'
    }
}

Describe 'Test-CrmMigration -ReportPath' {

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
