BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

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
