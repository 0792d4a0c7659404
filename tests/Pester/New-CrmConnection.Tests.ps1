BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'New-CrmConnection' {
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'names a file system by provider and path, relative to the current location, and shows it in a table' {
        New-CrmSampleData ./legacy.db -Scale 20 | Out-Null
        $c = New-CrmConnection -Provider Sqlite -Path ./legacy.db -Name 'Legacy CRM'
        $c | Should -BeOfType CrmMigration.CrmConnection
        [string]$c.Provider | Should -Be 'Sqlite'
        $c.Name | Should -Be 'Legacy CRM'
        $c.Location | Should -Be (Join-Path (Get-Location).ProviderPath 'legacy.db')
        ($c | Out-String) | Should -Match 'Provider\s+Name\s+Location'
        (Get-CrmSchema $c -Entity contacts).RowCount | Should -Be 20
        (New-CrmConnection Sqlite ./legacy.db).Location | Should -Be $c.Location      # provider and path by position
    }

    It 'reads CSV files in another code page and with another delimiter' {
        New-CrmTestCsv ./export/contacts.csv -Encoding gb18030 -Line 'id;name;city', '1;张伟;上海', '2;王芳;北京' | Out-Null
        $c = New-CrmConnection Csv ./export -Encoding gb18030 -Delimiter ';'
        (Export-CrmData $c -Entity contacts | ForEach-Object { $_.name + '@' + $_.city }) | Should -Be @('张伟@上海', '王芳@北京')
    }

    It 'moves a connection string''s password out of its text and keeps the other options, without connecting' {
        $c = New-CrmConnection PostgreSql -ConnectionString 'Host=pg01;Port=5432;Database=crm;Username=migrator;Password=s3cret;SSL Mode=Require'
        $c.Location | Should -Be 'pg01:5432/crm'
        ($c | Format-List * | Out-String) | Should -Not -Match 's3cret'
        ($c.Options.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ';' | Should -Match 'SSL Mode=Require'
    }

    It 'stops with ProfileNotFound for a profile that does not exist; rejects an unknown provider while binding' {
        { New-CrmConnection PostgreSql -Server h -Database d -Profile ./no-such-profile.json } | Should -Throw -ErrorId 'ProfileNotFound,*'
        { New-CrmConnection -Provider Oracle -Path ./x.db } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,*'
    }
}

Describe 'New-CrmConnection for SaaS load files' {
    It 'takes an edited copy of a format profile and refuses a broken one or a profile for CSV' {
        $profile = Join-Path $TestDrive 'sf.json'
        '{ "name": "Mine", "format": "Salesforce", "keyField": "Ext__c", "entities": { "Account": { "object": "Account", "fields": { "Name": "Name" } } } }' | Set-Content $profile
        $c = New-CrmConnection Salesforce (Join-Path $TestDrive 'out') -Profile $profile
        $c.Options['Profile'] | Should -Be $profile
        Import-CrmData -InputObject @{ Id = 'K1'; Name = 'Acme' } -Connection $c -Entity Account -Key Id -NoLedger | Out-Null
        (Get-Content (Join-Path $TestDrive 'out/Account.csv'))[0] | Should -Be 'Ext__c,Name'
        '{ "format": "Salesforce" ' | Set-Content (Join-Path $TestDrive 'bad.json')
        { New-CrmConnection Salesforce (Join-Path $TestDrive 'x') -Profile (Join-Path $TestDrive 'bad.json') -ErrorAction Stop } | Should -Throw -ErrorId 'FormatProfileInvalid,CrmMigration.Commands.NewCrmConnectionCommand'
        { New-CrmConnection Csv (Join-Path $TestDrive 'x') -Profile Salesforce -ErrorAction Stop } | Should -Throw -ErrorId 'ProfileNotSupported,CrmMigration.Commands.NewCrmConnectionCommand'
    }
}
