# Copy-CrmData: the three-cmdlet migration in one command, checked against the pipeline, the ledger and real servers.
BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Copy-CrmData with a source that is not there' {
    It 'stops with SourceNotFound and records no run' {
        Push-Location $TestDrive
        try {
            { Copy-CrmData ./nope.csv ./t.db -Create -ErrorAction Stop } | Should -Throw -ErrorId 'SourceNotFound,CrmMigration.Commands.CopyCrmDataCommand'
            Test-Path ./t.db | Should -BeFalse
            Test-Path ./t.db.crm-ledger.sqlite | Should -BeFalse
            # A missing SQLite file has its own id, as before.
            { Copy-CrmData ./nope.db ./t.db -Create -ErrorAction Stop } | Should -Throw -ErrorId 'SqliteDatabaseNotFound,CrmMigration.Commands.CopyCrmDataCommand'
            Test-Path ./t.db.crm-ledger.sqlite | Should -BeFalse
        }
        finally { Pop-Location }
    }
}

Describe 'Copy-CrmData' {
    BeforeAll {
        $script:Map = Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-new.psd1'

        function Assert-MigrationPasses([string] $Source, [string] $Target) {
            # Pass, or Warning when the only difference is records the import rejected with a reason (MissingParent), as its ledger says.
            $results = @(Test-CrmMigration -Source $Source -Target $Target -Mapping $Map)
            $results.Count | Should -BeGreaterThan 0
            foreach ($r in $results) {
                $explained = $r.Status -eq 'Warning' -and ($r.Details -match 'the import did not land' -or $r.Details -match 'ledger records')
                ($r.Status -eq 'Pass' -or $explained) | Should -BeTrue -Because "$($r.Check) $($r.Entity): $($r.Status) $($r.Details)"
            }
        }

        function Get-ErrorLine([object[]] $Errors, [string] $Db) {
            # Error id and message, with the target's file name made neutral, sorted: to compare two runs' errors.
            @($Errors | ForEach-Object { ($_ | Get-CrmTestErrorId) + ' ' + $_.Exception.Message.Replace($Db, 'target.db') } | Sort-Object -CaseSensitive)
        }
    }
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'gives exactly the target, errors and reject files of Export | Convert | Import, and counts the mapping''s rejects too' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 1000 | Out-Null
        $piped = @(Export-CrmData ./legacy.db -Entity accounts, contacts, opportunities |
                Convert-CrmRecord -Mapping $Map -RejectPath ./rejects-pipe -ErrorVariable +pipeErrors -ErrorAction SilentlyContinue |
                Import-CrmData ./pipe.db -Create -RejectPath ./rejects-pipe -ErrorVariable +pipeErrors -ErrorAction SilentlyContinue)
        $copied = @(Copy-CrmData ./legacy.db ./copy.db -Mapping $Map -Create -RejectPath ./rejects-copy -ErrorVariable copyErrors -ErrorAction SilentlyContinue)

        # the same errors, with the same ids, as Convert-CrmRecord and Import-CrmData wrote
        $copyErrors.Count | Should -BeGreaterThan 0
        Get-ErrorLine $copyErrors 'copy.db' | Should -Be (Get-ErrorLine $pipeErrors 'pipe.db')

        Assert-MigrationPasses ./legacy.db ./copy.db
        foreach ($entity in 'Account', 'Contact', 'Opportunity') {
            Invoke-CrmTestSql -Kind Sqlite -Database ./copy.db -Sql "ATTACH 'pipe.db' AS p; SELECT count(*) FROM p.$entity" | Should -BeGreaterThan 0
            $diff = Invoke-CrmTestSql -Kind Sqlite -Database ./copy.db -Sql @"
ATTACH 'pipe.db' AS p;
SELECT (SELECT count(*) FROM (SELECT * FROM p.$entity EXCEPT SELECT * FROM main.$entity))
     + (SELECT count(*) FROM (SELECT * FROM main.$entity EXCEPT SELECT * FROM p.$entity));
"@
            $diff | Should -Be '0' -Because "$entity must hold the same rows after the copy as after the pipeline"
        }
        Get-Content -Raw ./rejects-copy/contacts.csv | Should -BeExactly (Get-Content -Raw ./rejects-pipe/contacts.csv)
        # MissingParent, from the import
        (Get-Content -Raw ./rejects-copy/Contact.csv).Replace('copy.db', 'target.db') | Should -BeExactly (Get-Content -Raw ./rejects-pipe/Contact.csv).Replace('pipe.db', 'target.db')

        # the summaries: the pipeline's Import never saw the mapping's rejects, the copy counts them
        @($copied | ForEach-Object Entity) | Should -Be @('Account', 'Contact', 'Opportunity')
        foreach ($s in $copied) {
            $s | Should -BeOfType CrmMigration.CrmImportSummary
            $p = $piped | Where-Object Entity -eq $s.Entity
            $s.Inserted | Should -Be $p.Inserted
            $s.Balanced | Should -BeTrue
            # the copy's extra reads are exactly the mapping's rejects (the target's rejects, MissingParent, are in both)
            $s.Read | Should -Be ($p.Read + $s.Rejected - $p.Rejected)
        }
    }

    It 'balances its books with the mapping''s rejects and filtered records, and the ledger records them' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 1000 | Out-Null
        $map = @{ Entities = @{ Person = @{
                    Source = 'contacts'; Key = 'Id'
                    Where  = @( @{ Field = 'contact_id'; NotLike = 'P00001??'; Reason = 'HundredsBlock' } )
                    Fields = [ordered]@{ Id = 'contact_id'; Last = @{ Source = 'last_name'; Required = $true }; Email = 'email' } } } }
        $summary = Copy-CrmData ./legacy.db ./new.db -Mapping $map -Create -RejectPath ./rejects -ErrorVariable ev -ErrorAction SilentlyContinue

        $summary.Read | Should -Be @(Export-CrmData ./legacy.db -Entity contacts).Count
        $summary.Filtered | Should -Be 100
        $summary.Rejected | Should -BeGreaterThan 0 -Because 'the sample has contacts without a last name'
        $summary.Read | Should -Be ($summary.Inserted + $summary.Rejected + $summary.Filtered)
        $summary.Balanced | Should -BeTrue
        $summary.RejectReasons['RecordRequiredFieldMissing'] | Should -Be $summary.Rejected
        $ev.Count | Should -Be $summary.Rejected     # one error per rejected record
        $ev | ForEach-Object { $_ | Get-CrmTestErrorId | Should -Be 'RecordRequiredFieldMissing' }
        @(Get-CrmMigrationRecord ./new.db -Outcome Filtered | Where-Object ReasonCode -eq 'HundredsBlock').Count | Should -Be 100
        @(Get-CrmMigrationRecord ./new.db -ReasonCode RecordRequiredFieldMissing).Count | Should -Be $summary.Rejected
        @(Export-CrmData ./rejects/contacts.csv).Count | Should -Be $summary.Rejected
        (Get-CrmMigrationRun ./new.db).Balanced | Should -BeTrue
        (Get-CrmSchema ./new.db -Entity Person).RowCount | Should -Be $summary.Inserted
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql 'SELECT count(*) FROM Person' | Should -Be ([string]$summary.Inserted)
    }

    It 'copies a CSV folder into <Kind> through a mapping, and the check passes' -ForEach @(@{ Kind = 'PostgreSql' }, @{ Kind = 'MySql' }) {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 500 | Out-Null
        $db = New-CrmTestDatabase -Kind $Kind
        try {
            $conn = $db.Connection
            # the legacy system as a CSV folder (a copy into files, without a mapping)
            Copy-CrmData ./legacy.db ./csv -Entity accounts, contacts, opportunities -NoLedger | Out-Null
            $map = @{ Entities = @{
                    Account     = @{ Source = 'accounts'; Key = 'Id'; Fields = [ordered]@{ Id = 'account_id'; Name = @{ Source = 'name'; Transform = 'Trim'; Required = $true }; Country = 'country' } }
                    Contact     = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{ Id = 'contact_id'; AccountId = 'account_id'; LastName = @{ Source = 'last_name'; Transform = 'Trim'; Required = $true }; Email = @{ Source = 'email'; Transform = 'Trim', 'Lower', 'EmptyToNull' }; CreatedAt = 'created_at' } }
                    Opportunity = @{ Source = 'opportunities'; Key = 'Id'; Fields = [ordered]@{ Id = 'opportunity_id'; AccountId = 'account_id'; Amount = @{ Source = 'amount'; Type = 'Decimal'; Default = 0 } } }
                } }
            $summaries = @(Copy-CrmData -Source ./csv -Destination $conn -Mapping $map -Create -BatchSize 300 -ErrorVariable ev -ErrorAction SilentlyContinue)
            $summaries.Count | Should -Be 3
            $summaries[0].Entity | Should -Be 'Account'
            $summaries | ForEach-Object { $_.Balanced | Should -BeTrue }
            $summaries[1].Inserted | Should -BeGreaterThan 400
            $ev | ForEach-Object { $_ | Get-CrmTestErrorId | Should -BeLike 'Record*' }
            Test-CrmMigration -Source ./csv -Target $conn -Mapping $map -Quiet | Should -BeTrue
            @(Get-CrmMigrationRun -Target $conn)[-1].Status | Should -Be 'Completed'
            $table = if ($Kind -eq 'PostgreSql') { '"Contact"' } else { 'Contact' }
            Invoke-CrmTestSql -Kind $Kind -Database $db -Sql "SELECT count(*) FROM $table" | Should -Be ([string]$summaries[1].Inserted)
        }
        finally { Remove-CrmTestDatabase $db }
    }

    It '-WhatIf writes nothing: no target, no ledger, no reject folder; into an existing target, no change' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 300 | Out-Null
        $summaries = @(Copy-CrmData ./legacy.db ./new.db -Mapping $Map -Create -RejectPath ./rejects -WhatIf -ErrorAction SilentlyContinue)
        $summaries.Count | Should -Be 3
        $summaries | ForEach-Object { $_.WhatIf | Should -BeTrue }
        $summaries[1].Inserted | Should -BeGreaterThan 250 -Because 'the plan says what would be inserted'
        './new.db.crm-ledger.sqlite' | Should -Not -Exist
        './rejects' | Should -Not -Exist
        if (Test-Path ./new.db) { Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql "SELECT count(*) FROM sqlite_master WHERE type = 'table'" | Should -Be '0' }

        Copy-CrmData ./legacy.db ./csv -Entity accounts -NoLedger | Out-Null
        $before = Get-ChildItem ./csv -File | ForEach-Object { @{ Name = $_.Name; Hash = (Get-FileHash $_.FullName).Hash } }
        $plan = @(Copy-CrmData ./legacy.db ./csv -Entity accounts, contacts -Mode Upsert -WhatIf)
        @($plan | ForEach-Object WhatIf) | Should -Be @($true, $true)
        $after = Get-ChildItem ./csv -File | ForEach-Object { @{ Name = $_.Name; Hash = (Get-FileHash $_.FullName).Hash } }
        ($after | ForEach-Object { $_.Name + ' ' + $_.Hash }) | Should -Be ($before | ForEach-Object { $_.Name + ' ' + $_.Hash })
    }

    It 'resumes a copy killed half-way to exactly the source set' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 2000 | Out-Null
        $copy = "Copy-CrmData ./legacy.db ./new.db -Mapping '$Map' -Create -BatchSize 200 -ErrorAction SilentlyContinue"
        $killed = Invoke-CrmTestChild -Script $copy -Environment @{ CRMMIGRATION_FAULT = 'after-target:3' }
        $killed.ExitCode | Should -Not -Be 0 -Because "the fault point should have killed the process: $($killed.Error)"
        (Get-CrmMigrationRun ./new.db).Status | Should -Be 'Running'

        $resumed = Invoke-CrmTestChild -Script "$copy -Resume"
        $resumed.ExitCode | Should -Be 0 -Because ($resumed.Output + $resumed.Error -join "`n")
        Assert-MigrationPasses ./legacy.db ./new.db
        $run = Get-CrmMigrationRun ./new.db
        $run.Status | Should -Be 'Completed'
        $run.Attempts | Should -Be 2
        $run.Balanced | Should -BeTrue
        $source = @(Export-CrmData ./legacy.db -Entity accounts, contacts, opportunities).Count
        $run.Read | Should -Be $source
        @(Get-CrmMigrationRecord ./new.db).Count | Should -Be $source     # one recorded outcome per source record
        # the mapping's rejects, once each
        @(Get-CrmMigrationRecord ./new.db -Outcome Rejected | Where-Object ReasonCode -ne 'MissingParent').Count |
            Should -Be @(Export-CrmData ./legacy.db -Entity contacts | Where-Object { [string]::IsNullOrWhiteSpace($_.last_name) }).Count
    }

    It 'reports a malformed CSV row with file and line, keeps it in a reject file and the ledger, and copies the rest' {
        New-CrmTestCsv ./src/contacts.csv -NewLine "`n" -Line @(
            'id,name,email'
            '1,Ada,ada@example.org'
            '2,Grace,grace@example.org'
            '3,Bad,row,with,too,many'
            '4,Alan,alan@example.org'
            '5,Edsger,edsger@example.org') | Out-Null
        $summary = Copy-CrmData ./src ./new.db -Create -RejectPath ./rejects -ErrorVariable ev -ErrorAction SilentlyContinue
        $summary.Read | Should -Be 5
        $summary.Inserted | Should -Be 4
        $summary.Rejected | Should -Be 1
        $summary.Balanced | Should -BeTrue
        $ev.Count | Should -Be 1
        $ev[0] | Get-CrmTestErrorId | Should -Be 'CsvRaggedRow'
        $ev[0].Exception.Message | Should -Match 'contacts\.csv:4'
        (Export-CrmData ./new.db -Entity contacts | ForEach-Object { $_.name }) -join ',' | Should -Be 'Ada,Grace,Alan,Edsger'
        Export-CrmData ./rejects/contacts-malformed.csv | ForEach-Object { [string]$_.Line + ' ' + $_.RejectReason + ' ' + $_.Raw } |
            Should -Be @('4 CsvRaggedRow 3,Bad,row,with,too,many')
        @(Get-CrmMigrationRecord ./new.db -ReasonCode CsvRaggedRow).Count | Should -Be 1
    }

    It '-PassThru gives one outcome per record instead of summaries' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 300 | Out-Null
        $out = @(Copy-CrmData ./legacy.db ./new.db -Mapping $Map -Entity accounts -Create -PassThru -NoLedger)
        $out.Count | Should -Be 30
        $out | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmRecordOutcome; $_.Outcome | Should -Be 'Inserted' }
    }
}
