BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Export-CrmData with a source that is not there' {
    It 'stops with SourceNotFound instead of exporting nothing' {
        { Export-CrmData (Join-Path $TestDrive 'nope.csv') -ErrorAction Stop } | Should -Throw -ErrorId 'SourceNotFound,CrmMigration.Commands.ExportCrmDataCommand'
        { Export-CrmData (Join-Path $TestDrive 'nope-folder') -ErrorAction Stop } | Should -Throw -ErrorId 'SourceNotFound,CrmMigration.Commands.ExportCrmDataCommand'
    }
}

Describe 'Export-CrmData from SaaS exports' {
    BeforeAll { $script:fixtures = Join-Path (Get-CrmTestRepoRoot) 'tests/Fixtures' }

    It 'reads a Salesforce Data Export folder: 18-character ids, 15-character lookups normalised, WhoId by prefix' {
        $sf = New-CrmConnection Salesforce (Join-Path $fixtures 'Salesforce/export')
        $accounts = @(Export-CrmData $sf -Entity Account)
        $accounts.Count | Should -Be 2
        $accounts[1].Name | Should -Be 'Globex "East"'
        $accounts[1].ParentId | Should -Be '0015g00000AbCdEAAV'
        $contact = Export-CrmData $sf -Entity Contact | Select-Object -First 1
        $contact.Id | Should -Be '0035g00000QwErTAAV'
        $contact.AccountId | Should -Be '0015g00000AbCdEAAV' -Because 'the 15-character id gets its checksum'
        $contact.Birthdate | Should -Be ([datetime]'1980-04-12')
        $contact.EmailOptOut | Should -BeTrue
        $tasks = @(Export-CrmData $sf -Entity Activity)
        $tasks[0].ContactId | Should -Be '0035g00000QwErTAAV'
        $tasks[0].AccountId | Should -Be '0015g00000AbCdEAAV'
        $tasks[1].LeadId | Should -Be '00Q5g00000LeAd1EAF'
        $tasks[1].PSObject.Properties['ContactId'].Value | Should -BeNullOrEmpty
        (Get-CrmSchema $sf -Entity Contact).Relations.ReferencedEntity | Should -Contain 'Account'
    }

    It 'reads the E-Bikes sf data tree plan with its references resolved' {
        $plan = Join-Path $fixtures 'Salesforce/ebikes-tree/sample-data-plan.json'
        (Get-CrmSchema $plan).Name | Should -Be @('Account', 'Product_Family__c', 'Product__c')
        $products = @(Export-CrmData $plan -Entity Product__c)
        $products.Count | Should -Be 16
        $products[0].Product_Family__c | Should -Be 'FuseRef'
        @(Export-CrmData $plan -Entity Account).Count | Should -Be 3
    }

    It 'reads a Configuration Migration package: lookups to keys, types from the profile, many-to-many as its own entity' {
        $d = New-CrmConnection Dynamics (Join-Path $fixtures 'Dynamics/cmt')
        (Get-CrmSchema $d).Name | Should -Be @('Account', 'Contact', 'accountleads_association')
        $accounts = @(Export-CrmData $d -Entity Account)
        $accounts[1].Name | Should -Be 'Fabrikam & Söhne'
        $accounts[1].ParentId | Should -Be 'a1b2c3d4-e5f6-4890-abcd-ef1234567890'
        $contact = Export-CrmData $d -Entity Contact
        $contact.AccountId | Should -Be 'a1b2c3d4-e5f6-4890-abcd-ef1234567890'
        $contact.EmailOptOut | Should -BeFalse
        $contact.Birthdate | Should -Be ([datetime]'1985-03-22')
        $m2m = Export-CrmData $d -Entity accountleads_association
        $m2m.Target | Should -Be 'c3d4e5f6-a7b8-4012-8def-123456789012'
    }
}
