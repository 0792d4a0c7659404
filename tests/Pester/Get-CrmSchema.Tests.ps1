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
