BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Get-CrmSchema' {
    It 'shows lengths, precision, sizes, nullability, keys, unique keys and comments as the source declares them' {
        $my = New-CrmTestDatabase -Kind MySql
        try {
            Invoke-CrmTestSql -Kind MySql -Database $my -Sql @'
CREATE TABLE customer (
  id int unsigned NOT NULL AUTO_INCREMENT COMMENT '客户编号',
  name varchar(80) NOT NULL,
  balance decimal(14,2) NOT NULL DEFAULT 0,
  score float,
  tier enum('gold','silver') NULL,
  seen datetime(3) NULL,
  PRIMARY KEY (id), UNIQUE KEY (name)
) COMMENT 'Customers, as billed';
'@ | Out-Null
            $schema = Get-CrmSchema $my.Connection customer
            $schema.Comment | Should -Be 'Customers, as billed'
            $schema.UniqueKeys[0] | Should -Be @('name')
            $f = @{}; $schema.Fields | ForEach-Object { $f[$_.Name] = $_ }
            $f.id.TypeText | Should -Be 'Integer(4 bytes) unsigned'
            $f.id.AutoIncrement | Should -BeTrue
            $f.id.Comment | Should -Be '客户编号'
            $f.name.TypeText | Should -Be 'String(80)'
            $f.name.Nullable | Should -BeFalse
            $f.balance.TypeText | Should -Be 'Decimal(14,2)'
            $f.score.TypeText | Should -Be 'Double(4 bytes)'
            $f.tier.TypeText | Should -Be 'String enum (gold, silver)'
            $f.seen.TypeText | Should -Be 'DateTime(3)'
            $schema.FieldList | Should -Match ([regex]::Escape('name:String(80) not null'))
            ($schema.Fields | Format-Table | Out-String) | Should -Match 'Decimal\(14,2\)'
        }
        finally { $my | Remove-CrmTestDatabase }
    }

    It 'reads a metadata sidecar''s lengths, precision and comments for a CSV file' {
        $folder = Join-Path $TestDrive 'csv'
        New-CrmTestCsv -Path (Join-Path $folder 'a.csv') -Line 'Id,Name', '1,x' | Out-Null
        Set-Content (Join-Path $folder 'a.csv-metadata.json') -Encoding utf8 -Value @'
{ "@context": "http://www.w3.org/ns/csvw", "url": "a.csv", "dc:description": "Accounts",
  "tableSchema": { "columns": [ { "name": "Id", "datatype": "Integer", "required": true, "crm:size": 4 },
                               { "name": "Name", "datatype": "String", "crm:maxLength": 80, "dc:description": "Legal name" } ],
                   "primaryKey": [ "Id" ] } }
'@
        $schema = Get-CrmSchema $folder a
        $schema.Comment | Should -Be 'Accounts'
        ($schema.Fields | ForEach-Object { '{0}:{1}:{2}:{3}' -f $_.Name, $_.TypeText, $_.Nullable, $_.Comment }) | Should -Be @('Id:Integer(4 bytes):False:', 'Name:String(80):True:Legal name')
    }
}

Describe 'Get-CrmSchema row counts' {
    It 'warns when rows of a CSV file could not be read, instead of quietly counting fewer' {
        $csv = New-CrmTestCsv -Path (Join-Path $TestDrive 'people.csv') -Line 'Id,Name', '1,Ann', '2,Bo,stray', '3,Cy', '4,Di,x,y'
        $schema = Get-CrmSchema $csv.FullName -WarningVariable w -WarningAction SilentlyContinue
        $schema.RowCount | Should -Be 2
        $schema.UnreadableRows | Should -Be 2
        "$w" | Should -Match '2 row\(s\) could not be read'
        Get-CrmSchema $csv.FullName -NoRowCount -WarningVariable w2 -WarningAction SilentlyContinue | Out-Null
        $w2 | Should -BeNullOrEmpty
    }
}

Describe 'Get-CrmSchema' {
    BeforeAll {
        Push-Location (New-CrmTestFolder)
        New-CrmSampleData ./legacy.db -Scale 50 | Out-Null
    }
    AfterAll { Pop-Location }

    It 'completes entity names with Tab: every entity of the system' {
        $s = 'Get-CrmSchema -Path ./legacy.db -Entity '
        $matches = (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches.CompletionText
        $matches | Should -Be @('accounts', 'activities', 'cases', 'contacts', 'leads', 'opportunities')
    }

    It 'describes entities: fields with types, keys, relations, and row counts sqlite3 agrees with' {
        $schema = @(Get-CrmSchema ./legacy.db)
        $schema | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmEntitySchema }
        @($schema | ForEach-Object Name) | Should -Be @('accounts', 'activities', 'cases', 'contacts', 'leads', 'opportunities')
        $contacts = $schema | Where-Object Name -eq 'contacts'
        @($contacts.Key) | Should -Be @('contact_id')
        $contacts.Fields[0].Name | Should -Be 'contact_id'
        [string]($contacts.Fields | Where-Object Name -eq 'contact_id').Type | Should -Be 'String'
        [string]((Get-CrmSchema ./legacy.db -Entity opportunities).Fields | Where-Object Name -eq 'amount').Type | Should -Be 'Decimal'
        "$($contacts.Relations)" | Should -Match 'account_id -> accounts\(account_id\)'
        foreach ($e in $schema) { $e.RowCount | Should -Be ([long](Invoke-CrmTestSql -Kind Sqlite -Database ./legacy.db -Sql "SELECT count(*) FROM `"$($e.Name)`"")) }
    }

    It 'selects entities by wildcard, skips counting with -NoRowCount, and reports a missing entity without stopping' {
        @(Get-CrmSchema ./legacy.db -Entity 'c*' | ForEach-Object Name) | Should -Be @('cases', 'contacts')
        (Get-CrmSchema ./legacy.db -Entity contacts -NoRowCount).RowCount | Should -BeNullOrEmpty
        $found = @(Get-CrmSchema ./legacy.db -Entity leads, nothing -ErrorVariable bad -ErrorAction SilentlyContinue)
        @($found | ForEach-Object Name) | Should -Be @('leads')
        @($bad | Get-CrmTestErrorId) | Should -Be @('EntityNotFound')
    }

    It 'describes several systems piped in, as paths or connections' {
        Copy-CrmData ./legacy.db ./csv -Entity contacts -NoLedger | Out-Null
        $both = @('./legacy.db', (New-CrmConnection Csv ./csv) | Get-CrmSchema -Entity contacts)
        $both.Count | Should -Be 2
        $both[0].System | Should -Match 'Sqlite:'
        $both[1].System | Should -Match 'Csv:'
        $both[1].RowCount | Should -Be $both[0].RowCount
    }
}
