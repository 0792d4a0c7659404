# References between records across Convert-CrmRecord, Import-CrmData, the ledger and Test-CrmMigration.
BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'References between records' {
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'lands parents before children in a target that enforces foreign keys, and refuses orphans with MissingParent' {
        New-CrmSampleData ./legacy.db -Seed 4 -Scale 600 | Out-Null
        # a target whose contacts reference accounts with an enforced foreign key
        Invoke-CrmTestSql -Kind Sqlite -Database ./fk.db -Sql @'
CREATE TABLE accounts(account_id TEXT PRIMARY KEY, name TEXT);
CREATE TABLE contacts(contact_id TEXT PRIMARY KEY, account_id TEXT REFERENCES accounts(account_id), last_name TEXT);
'@ | Out-Null
        $keep = @{ accounts = 'account_id', 'name'; contacts = 'contact_id', 'account_id', 'last_name' }
        $summaries = Export-CrmData ./legacy.db -Entity accounts, contacts | ForEach-Object {
            $rec = [CrmMigration.CrmRecord]::new($_.Entity); $src = $_
            foreach ($f in $keep[$_.Entity]) { $rec[$f] = $src[$f] }
            $rec.Key = $_.Key; $rec
        } | Import-CrmData ./fk.db -BatchSize 100 -ErrorVariable bad -ErrorAction SilentlyContinue

        $accounts = $summaries | Where-Object Entity -eq 'accounts'
        $contacts = $summaries | Where-Object Entity -eq 'contacts'
        $accounts.Inserted | Should -Be 60
        # only the sample's orphaned contacts (account_id that no account has) are refused: MissingParent, before the foreign key would
        $orphans = $contacts.Rejected
        $orphans | Should -BeGreaterThan 0
        $orphans | Should -BeLessThan 60
        $contacts.Inserted | Should -Be (600 - $orphans)
        @($bad | Where-Object { $_.FullyQualifiedErrorId -like 'MissingParent*' }).Count | Should -Be $orphans
        Invoke-CrmTestSql -Kind Sqlite -Database ./fk.db -Sql 'PRAGMA foreign_key_check' | Should -BeNullOrEmpty
    }

    It 'rejects orphans of a mapping''s Reference with MissingParent in the summary, ledger and reject file, and translates changed parent keys' {
        New-CrmSampleData ./legacy.db -Seed 7 -Scale 800 | Out-Null
        $map = @{ Entities = @{
                Account = @{ Source = 'accounts'; Key = 'Id'; Fields = @{ Id = @{ Source = 'account_id'; Transform = 'Lower' }; Name = 'name' } }
                Contact = @{ Source = 'contacts'; Key = 'Id'; Fields = @{ Id = 'contact_id'; LastName = 'last_name'
                        AccountId = @{ Source = 'account_id'; Reference = 'Account' } } } } }
        $summaries = Export-CrmData ./legacy.db -Entity accounts, contacts | Convert-CrmRecord -Mapping $map |
            Import-CrmData ./new.db -Create -RejectPath ./rejects -ErrorVariable bad -ErrorAction SilentlyContinue
        $contacts = $summaries | Where-Object Entity -eq 'Contact'
        $missing = $contacts.RejectReasons['MissingParent']
        $missing | Should -BeGreaterThan 0 -Because 'the sample plants orphaned contacts'
        @($bad | Where-Object { $_.FullyQualifiedErrorId -like 'MissingParent,*' }).Count | Should -Be $missing
        @(Get-CrmMigrationRecord -StatePath ./new.db.crm-ledger.sqlite -ReasonCode MissingParent).Count | Should -Be $missing
        @(Export-CrmData (Get-CrmTestRejectFile ./rejects Contact.csv) | Where-Object { $_.RejectReason -eq 'MissingParent' }).Count | Should -Be $missing

        # the target holds no contact whose account it lacks, and every contact with an account landed
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql 'SELECT COUNT(*) FROM Contact c WHERE c.AccountId IS NOT NULL AND NOT EXISTS (SELECT 1 FROM Account a WHERE a.Id = c.AccountId)' | Should -Be '0'
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql 'SELECT COUNT(*) FROM Contact' | Should -Be ([string]$contacts.Inserted)
        # the keys changed (lower-cased accounts): references were translated through the crosswalk, not rejected
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql 'SELECT COUNT(*) FROM Contact WHERE AccountId <> lower(AccountId)' | Should -Be '0'
        $contacts.Inserted | Should -BeGreaterThan (10 * $missing)

        # Test-CrmMigration compares translated references, and explains the missing contacts from the ledger
        $checks = @{}
        Test-CrmMigration ./legacy.db ./new.db -Mapping $map | ForEach-Object { $checks["$($_.Entity)/$($_.Check)"] = [string]$_.Status }
        $checks['contacts -> Contact/FieldValues'] | Should -Be 'Pass'
        $checks['contacts -> Contact/MissingKeys'] | Should -Be 'Warning'
        $checks['contacts -> Contact/Count'] | Should -Be 'Warning'
        $checks['accounts -> Account/MissingKeys'] | Should -Be 'Pass'
        $checks['accounts -> Account/FieldValues'] | Should -Be 'Pass'
        # a ledger named but absent is an error, not a silent fall-back to failing checks
        { Test-CrmMigration ./legacy.db ./new.db -StatePath ./no-such-ledger.sqlite } | Should -Throw -ErrorId 'LedgerNotFound,*'
    }
}
