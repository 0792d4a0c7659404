BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Test-CrmFile' {
    BeforeAll { $script:fixtures = Join-Path (Get-CrmTestRepoRoot) 'tests/Fixtures' }

    It 'finds what a Salesforce loader refuses in CSV files written by hand' {
        $dir = Join-Path $TestDrive 'sf-bad'
        New-Item -ItemType Directory $dir | Out-Null
        [IO.File]::WriteAllText((Join-Path $dir 'Account.csv'), "Legacy_Id__c,Name`nA1,Acme`nA1,Acme again`n")
        # CRLF among LF, a space before a quote, a ragged row, a reference to no account, a bad date, formula escaping.
        [IO.File]::WriteAllText((Join-Path $dir 'Contact.csv'), "Legacy_Id__c,Account.Legacy_Id__c,LastName,Birthdate`nC1,A1,Smith,1980-01-02`r`nC2,A9, ""Jones"",02/03/1981`nC3,A1`nC4,A1,'=1+1,#N/A`n")
        $sf = New-CrmConnection Salesforce $dir
        $codes = @(Test-CrmFile $sf).Code
        foreach ($c in 'SalesforceDuplicateKey', 'CsvLineEndings', 'CsvSpaceNextToQuote', 'CsvRaggedRow', 'SalesforceReferenceUnresolved', 'SalesforceValueFormat', 'CsvFormulaEscaped') {
            $codes | Should -Contain $c
        }
        Test-CrmFile $sf -Quiet | Should -BeFalse
        $finding = Test-CrmFile $sf | Where-Object Code -eq 'SalesforceReferenceUnresolved'
        $finding.File | Should -Be 'Contact.csv'
        $finding.Line | Should -Be 3
        $finding.Field | Should -Be 'Account.Legacy_Id__c'
    }

    It 'passes the E-Bikes sample plan (CC0, Salesforce sample app) and fails a plan whose reference cannot resolve' {
        $plan = Join-Path $fixtures 'Salesforce/ebikes-tree/sample-data-plan.json'
        Test-CrmFile $plan -Quiet | Should -BeTrue
        $dir = Join-Path $TestDrive 'tree-bad'
        Copy-Item (Join-Path $fixtures 'Salesforce/ebikes-tree') $dir -Recurse
        # Products before their families: @FuseRef is not saved yet when products load.
        $entries = Get-Content (Join-Path $dir 'sample-data-plan.json') -Raw | ConvertFrom-Json
        @($entries[0], $entries[2], $entries[1]) | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $dir 'sample-data-plan.json')
        $findings = Test-CrmFile -LiteralPath (Join-Path $dir 'sample-data-plan.json')
        $findings.Code | Should -Contain 'SalesforceTreeReferenceUnresolved'
        ($findings | Where-Object Code -eq 'SalesforceTreeReferenceUnresolved' | Select-Object -First 1).File | Should -Be 'Product__cs.json'
    }

    It 'checks a Configuration Migration zip: names compared case-sensitively, lookups, value formats' {
        $zip = Join-Path $TestDrive 'cmt.zip'
        $dir = Join-Path $TestDrive 'cmt'
        Copy-Item (Join-Path $fixtures 'Dynamics/cmt') $dir -Recurse
        '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/octet-stream" /></Types>' |
            Set-Content -LiteralPath (Join-Path $dir '[Content_Types].xml') -NoNewline
        Compress-Archive -Path (Join-Path $dir '*') -DestinationPath $zip
        Test-CrmFile $zip -Quiet | Should -BeTrue
        (Get-Content (Join-Path $dir 'data.xml') -Raw).Replace('name="telephone1"', 'name="Telephone1"').Replace('value="250"', 'value="2,50"') | Set-Content (Join-Path $dir 'data.xml')
        $codes = @(Test-CrmFile (New-CrmConnection Dynamics $dir)).Code
        $codes | Should -Contain 'DynamicsFieldNotInSchema'
        $codes | Should -Contain 'DynamicsValueFormat'
    }

    It 'says a CSV folder is not a SaaS file set' {
        $dir = Join-Path $TestDrive 'plain'
        New-Item -ItemType Directory $dir | Out-Null
        'Id,Name' | Set-Content (Join-Path $dir 'a.csv')
        { Test-CrmFile $dir -ErrorAction Stop } | Should -Throw -ErrorId 'FileSetNotSaas,CrmMigration.Commands.TestCrmFileCommand'
    }
}
